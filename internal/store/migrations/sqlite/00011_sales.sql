-- +goose Up
-- pipelines and their ordered stages: each stage has a win probability and
-- is open, won or lost.
CREATE TABLE pipelines (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    position    INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE pipeline_stages (
    id           INTEGER PRIMARY KEY,
    pipeline_id  INTEGER NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    probability  INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    kind         TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    UNIQUE (pipeline_id, name)
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position);

-- opportunities are deals in a pipeline. Amounts are in minor units of
-- their currency (cents).
CREATE TABLE opportunities (
    id                INTEGER PRIMARY KEY,
    pipeline_id       INTEGER NOT NULL REFERENCES pipelines (id),
    stage_id          INTEGER NOT NULL REFERENCES pipeline_stages (id),
    customer_id       INTEGER REFERENCES customers (id),
    name              TEXT NOT NULL,
    amount            INTEGER NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL,
    expected_close    TEXT NOT NULL DEFAULT '',
    owner_id          INTEGER REFERENCES users (id),
    team_id           INTEGER REFERENCES teams (id),
    next_step         TEXT NOT NULL DEFAULT '',
    lost_reason       TEXT NOT NULL DEFAULT '',
    created_by        INTEGER REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    stage_entered_at  TIMESTAMP NOT NULL,
    closed_at         TIMESTAMP,
    deleted_at        TIMESTAMP
);
CREATE INDEX opportunities_board ON opportunities (pipeline_id, stage_id, deleted_at);
CREATE INDEX opportunities_customer ON opportunities (customer_id);
CREATE INDEX opportunities_owner ON opportunities (owner_id);
CREATE INDEX opportunities_updated ON opportunities (pipeline_id, updated_at);

-- opportunity_stage_history records every move with the time spent in the
-- stage it left, for win/loss analysis.
CREATE TABLE opportunity_stage_history (
    id               INTEGER PRIMARY KEY,
    opportunity_id   INTEGER NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    from_stage_id    INTEGER REFERENCES pipeline_stages (id),
    to_stage_id      INTEGER NOT NULL REFERENCES pipeline_stages (id),
    moved_by         INTEGER REFERENCES users (id),
    moved_at         TIMESTAMP NOT NULL,
    seconds_in_from  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX opportunity_stage_history_opportunity ON opportunity_stage_history (opportunity_id, id);

INSERT INTO pipelines (name, position, created_at) VALUES ('Sales', 0, CURRENT_TIMESTAMP);
INSERT INTO pipeline_stages (pipeline_id, name, position, probability, kind) VALUES
    ((SELECT id FROM pipelines WHERE name = 'Sales'), 'Qualification', 0, 10, 'open'),
    ((SELECT id FROM pipelines WHERE name = 'Sales'), 'Needs analysis', 1, 25, 'open'),
    ((SELECT id FROM pipelines WHERE name = 'Sales'), 'Proposal', 2, 50, 'open'),
    ((SELECT id FROM pipelines WHERE name = 'Sales'), 'Negotiation', 3, 75, 'open'),
    ((SELECT id FROM pipelines WHERE name = 'Sales'), 'Won', 4, 100, 'won'),
    ((SELECT id FROM pipelines WHERE name = 'Sales'), 'Lost', 5, 0, 'lost');

-- +goose Down
DROP TABLE opportunity_stage_history;
DROP TABLE opportunities;
DROP TABLE pipeline_stages;
DROP TABLE pipelines;
