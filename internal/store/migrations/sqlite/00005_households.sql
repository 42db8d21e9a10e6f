-- +goose Up
-- households group people who share an address or an economy; one member
-- may be the head. A customer belongs to at most one household.
CREATE TABLE households (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_by  INTEGER REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE household_members (
    household_id  INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    customer_id   INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    is_head       BOOLEAN NOT NULL DEFAULT FALSE,
    joined_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (household_id, customer_id)
);
CREATE UNIQUE INDEX household_members_customer ON household_members (customer_id);
CREATE UNIQUE INDEX household_members_head ON household_members (household_id) WHERE is_head;

-- +goose Down
DROP TABLE household_members;
DROP TABLE households;
