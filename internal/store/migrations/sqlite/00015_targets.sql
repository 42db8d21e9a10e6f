-- +goose Up
-- sales_targets are quotas for a representative or a team over a period:
-- revenue won (minor units), deals won, or new customers.
CREATE TABLE sales_targets (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER REFERENCES users (id),
    team_id       INTEGER REFERENCES teams (id),
    metric        TEXT NOT NULL CHECK (metric IN ('revenue', 'deals_won', 'new_customers')),
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    target        INTEGER NOT NULL CHECK (target > 0),
    currency      TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE INDEX sales_targets_period ON sales_targets (period_end, period_start);

-- +goose Down
DROP TABLE sales_targets;
