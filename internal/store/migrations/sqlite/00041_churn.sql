-- +goose Up
-- The churn model: each training (customers marked churned against the
-- others, on behaviour features) with its held-out ROC AUC and weights,
-- and each customer's risk with its top reasons; task_at is when the
-- owner was last given a task for it.
CREATE TABLE churn_models (
    id         INTEGER PRIMARY KEY,
    trained_at TIMESTAMP NOT NULL,
    examples   INTEGER NOT NULL,
    churned    INTEGER NOT NULL,
    auc        REAL NOT NULL,
    weights    TEXT NOT NULL
);

CREATE TABLE customer_churn (
    customer_id INTEGER PRIMARY KEY REFERENCES customers (id),
    risk        REAL NOT NULL,
    reasons     TEXT NOT NULL DEFAULT '',
    scored_at   TIMESTAMP NOT NULL,
    task_at     TIMESTAMP
);
CREATE INDEX customer_churn_risk ON customer_churn (risk);

-- +goose Down
DROP TABLE customer_churn;
DROP TABLE churn_models;
