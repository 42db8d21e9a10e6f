-- +goose Up
-- Predictive customer lifetime value: each fit of the BG/NBD (purchases
-- and dropout) and Gamma-Gamma (spend) models on the order history, and
-- what the latest fit predicts for each customer who has bought.
CREATE TABLE clv_models (
    id               INTEGER PRIMARY KEY,
    fitted_at        TIMESTAMP NOT NULL,
    as_of            TIMESTAMP NOT NULL,
    horizon_weeks    INTEGER NOT NULL,
    customers        INTEGER NOT NULL,
    repeat_customers INTEGER NOT NULL,
    r                REAL NOT NULL,
    alpha            REAL NOT NULL,
    a                REAL NOT NULL,
    b                REAL NOT NULL,
    ll_bgnbd         REAL NOT NULL,
    p                REAL NOT NULL DEFAULT 0,
    q                REAL NOT NULL DEFAULT 0,
    gamma            REAL NOT NULL DEFAULT 0,
    ll_gg            REAL NOT NULL DEFAULT 0
);

CREATE TABLE customer_clv (
    customer_id        INTEGER PRIMARY KEY REFERENCES customers (id),
    model_id           INTEGER NOT NULL REFERENCES clv_models (id),
    x                  REAL NOT NULL,
    t_x                REAL NOT NULL,
    t                  REAL NOT NULL,
    spend              INTEGER NOT NULL,
    p_alive            REAL NOT NULL,
    expected_purchases REAL NOT NULL,
    expected_value     INTEGER NOT NULL
);
CREATE INDEX customer_clv_value ON customer_clv (expected_value);

-- +goose Down
DROP TABLE customer_clv;
DROP TABLE clv_models;
