-- +goose Up
-- surveys are satisfaction questions sent to customers (CSAT after a case
-- is resolved), each answered once through its secret link.
CREATE TABLE surveys (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('csat', 'nps')),
    token        TEXT NOT NULL UNIQUE,
    case_id      INTEGER REFERENCES cases (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    agent_id     INTEGER REFERENCES users (id),
    queue_id     INTEGER REFERENCES queues (id),
    sent_at      TIMESTAMP NOT NULL,
    answered_at  TIMESTAMP,
    score        INTEGER,
    comment      TEXT NOT NULL DEFAULT '',
    follow_up    INTEGER REFERENCES activities (id)
);
CREATE INDEX surveys_customer ON surveys (customer_id);
CREATE INDEX surveys_agent ON surveys (agent_id, answered_at);
CREATE UNIQUE INDEX surveys_case_kind ON surveys (case_id, kind) WHERE case_id IS NOT NULL;

-- +goose Down
DROP TABLE surveys;
