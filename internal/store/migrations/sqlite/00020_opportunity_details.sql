-- +goose Up
-- opportunity_lines are the products a deal is about; opportunity_contacts
-- the people involved, with their role in the decision.
CREATE TABLE opportunity_lines (
    id              INTEGER PRIMARY KEY,
    opportunity_id  INTEGER NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    sku             TEXT NOT NULL,
    description     TEXT NOT NULL,
    quantity        INTEGER NOT NULL,
    unit_price      INTEGER NOT NULL,
    discount        INTEGER NOT NULL DEFAULT 0,
    line_total      INTEGER NOT NULL
);
CREATE INDEX opportunity_lines_opportunity ON opportunity_lines (opportunity_id, position);

CREATE TABLE opportunity_contacts (
    opportunity_id  INTEGER NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    customer_id     INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    role            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (opportunity_id, customer_id)
);

-- +goose Down
DROP TABLE opportunity_contacts;
DROP TABLE opportunity_lines;
