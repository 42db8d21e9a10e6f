-- +goose Up
-- offers are discounts and gifts for customers: a shared code anyone
-- eligible may use, or unique codes issued one per customer; eligibility
-- by segment and minimum order; validity dates and redemption limits.
CREATE TABLE offers (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    description         TEXT NOT NULL DEFAULT '',
    kind                TEXT NOT NULL CHECK (kind IN ('percent', 'amount', 'free_shipping', 'gift')),
    value               INTEGER NOT NULL DEFAULT 0,
    currency            TEXT NOT NULL DEFAULT '',
    shared_code         TEXT,
    segment_id          INTEGER REFERENCES segments (id),
    min_order           INTEGER NOT NULL DEFAULT 0,
    valid_from          TIMESTAMP,
    valid_to            TIMESTAMP,
    max_redemptions     INTEGER NOT NULL DEFAULT 0,
    per_customer        INTEGER NOT NULL DEFAULT 1,
    redemptions         INTEGER NOT NULL DEFAULT 0,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    created_by          INTEGER REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX offers_shared_code ON offers (shared_code) WHERE shared_code IS NOT NULL;

-- coupons are unique codes of an offer, each issued to one customer (or
-- to nobody yet) and used once.
CREATE TABLE coupons (
    id           INTEGER PRIMARY KEY,
    offer_id     INTEGER NOT NULL REFERENCES offers (id),
    code         TEXT NOT NULL UNIQUE,
    customer_id  INTEGER REFERENCES customers (id),
    issued_at    TIMESTAMP NOT NULL,
    redeemed_at  TIMESTAMP
);
CREATE INDEX coupons_offer ON coupons (offer_id, customer_id);
CREATE INDEX coupons_customer ON coupons (customer_id);

-- offer_redemptions record each use of an offer on an order.
CREATE TABLE offer_redemptions (
    id           INTEGER PRIMARY KEY,
    offer_id     INTEGER NOT NULL REFERENCES offers (id),
    coupon_id    INTEGER REFERENCES coupons (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    order_id     INTEGER REFERENCES orders (id),
    discount     INTEGER NOT NULL DEFAULT 0,
    redeemed_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX offer_redemptions_order ON offer_redemptions (offer_id, order_id) WHERE order_id IS NOT NULL;
CREATE INDEX offer_redemptions_customer ON offer_redemptions (customer_id, offer_id);

-- +goose Down
DROP TABLE offer_redemptions;
DROP TABLE coupons;
DROP TABLE offers;
