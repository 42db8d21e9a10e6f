-- +goose Up
-- Loyalty programs: how points are earned (rules as a JSON document the
-- loyalty package reads), what a point is worth for the liability report,
-- how long points last, how long they stay pending (the return window),
-- how members join and how tiers are qualified. order_cursor is the
-- highest order id the accrual run has looked at.
CREATE TABLE loyalty_programs (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    currency        TEXT NOT NULL DEFAULT '',
    rules           TEXT NOT NULL DEFAULT '{}',
    point_value     INTEGER NOT NULL DEFAULT 100,
    expiry_months   INTEGER NOT NULL DEFAULT 24,
    pending_days    INTEGER NOT NULL DEFAULT 0,
    enrolment       TEXT NOT NULL DEFAULT 'auto' CHECK (enrolment IN ('auto', 'opt_in')),
    tier_basis      TEXT NOT NULL DEFAULT 'points' CHECK (tier_basis IN ('points', 'spend')),
    tier_period     TEXT NOT NULL DEFAULT 'rolling_12' CHECK (tier_period IN ('rolling_12', 'calendar_year')),
    tier_grace_days INTEGER NOT NULL DEFAULT 30,
    earn_from       TIMESTAMP,
    order_cursor    INTEGER NOT NULL DEFAULT 0,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- Tiers of a program, ranked from 1; threshold is in qualifying points or
-- in ten-thousandths of spend, by the program's tier basis.
CREATE TABLE loyalty_tiers (
    id              INTEGER PRIMARY KEY,
    program_id      INTEGER NOT NULL REFERENCES loyalty_programs (id),
    name            TEXT NOT NULL,
    rank            INTEGER NOT NULL,
    threshold       INTEGER NOT NULL,
    earn_multiplier INTEGER NOT NULL DEFAULT 1000,
    benefits        TEXT NOT NULL DEFAULT '',
    UNIQUE (program_id, rank),
    UNIQUE (program_id, name)
);

-- Members: balance is the sum of the member's posted transactions and
-- pending the sum of the pending ones; both are kept with each
-- transaction so that a redemption can check and take points in one
-- conditional update.
CREATE TABLE loyalty_members (
    id             INTEGER PRIMARY KEY,
    program_id     INTEGER NOT NULL REFERENCES loyalty_programs (id),
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    number         TEXT NOT NULL UNIQUE,
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    tier_id        INTEGER REFERENCES loyalty_tiers (id),
    tier_since     TIMESTAMP,
    tier_notice_at TIMESTAMP,
    balance        INTEGER NOT NULL DEFAULT 0,
    pending        INTEGER NOT NULL DEFAULT 0,
    source         TEXT NOT NULL DEFAULT '',
    enrolled_at    TIMESTAMP NOT NULL,
    UNIQUE (program_id, customer_id)
);
CREATE INDEX loyalty_members_customer ON loyalty_members (customer_id);

-- The ledger. Credits (points > 0) are also lots: remaining is what is
-- left of them to spend or expire, oldest expiry first. A transaction is
-- never changed except for a lot's remaining and a pending credit (or a
-- pending reversal of it) becoming posted when its return window closes.
CREATE TABLE loyalty_transactions (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES loyalty_members (id),
    kind            TEXT NOT NULL CHECK (kind IN ('accrual', 'bonus', 'redemption', 'adjustment', 'expiry', 'reversal', 'transfer')),
    points          INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'posted' CHECK (status IN ('pending', 'posted')),
    remaining       INTEGER NOT NULL DEFAULT 0 CHECK (remaining >= 0),
    qualifying      INTEGER NOT NULL DEFAULT 0,
    order_id        INTEGER,
    reverses_id     INTEGER REFERENCES loyalty_transactions (id),
    reason          TEXT NOT NULL DEFAULT '',
    detail          TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    created_by      INTEGER REFERENCES users (id),
    occurred_at     TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    available_at    TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP
);
CREATE INDEX loyalty_transactions_member ON loyalty_transactions (member_id, created_at);
CREATE INDEX loyalty_transactions_qualifying ON loyalty_transactions (member_id, occurred_at) WHERE qualifying <> 0;
CREATE UNIQUE INDEX loyalty_transactions_key ON loyalty_transactions (member_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX loyalty_transactions_order ON loyalty_transactions (member_id, order_id) WHERE kind = 'accrual';
CREATE INDEX loyalty_transactions_return ON loyalty_transactions (order_id) WHERE kind = 'reversal';
CREATE INDEX loyalty_lots ON loyalty_transactions (member_id, expires_at) WHERE remaining > 0;
CREATE INDEX loyalty_lots_expiry ON loyalty_transactions (expires_at) WHERE remaining > 0 AND status = 'posted';
CREATE INDEX loyalty_pending ON loyalty_transactions (available_at) WHERE status = 'pending';

-- Which lots a debit took its points from.
CREATE TABLE loyalty_lot_uses (
    txn_id  INTEGER NOT NULL REFERENCES loyalty_transactions (id),
    lot_id  INTEGER NOT NULL REFERENCES loyalty_transactions (id),
    points  INTEGER NOT NULL CHECK (points > 0),
    PRIMARY KEY (txn_id, lot_id)
);
CREATE INDEX loyalty_lot_uses_lot ON loyalty_lot_uses (lot_id);

-- Returned quantities per earning order line, so that a return takes back
-- exactly what those units earned, once.
CREATE TABLE loyalty_returned (
    accrual_id INTEGER NOT NULL REFERENCES loyalty_transactions (id),
    sku        TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    PRIMARY KEY (accrual_id, sku)
);

-- The reward catalogue; stock NULL is unlimited; partner rewards hand out
-- codes from their pool.
CREATE TABLE loyalty_rewards (
    id            INTEGER PRIMARY KEY,
    program_id    INTEGER NOT NULL REFERENCES loyalty_programs (id),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    cost          INTEGER NOT NULL CHECK (cost > 0),
    stock         INTEGER CHECK (stock >= 0),
    min_tier_rank INTEGER NOT NULL DEFAULT 0,
    partner       TEXT NOT NULL DEFAULT '',
    valid_from    TIMESTAMP,
    valid_to      TIMESTAMP,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (program_id, name)
);

CREATE TABLE loyalty_reward_codes (
    id            INTEGER PRIMARY KEY,
    reward_id     INTEGER NOT NULL REFERENCES loyalty_rewards (id),
    code          TEXT NOT NULL,
    redemption_id INTEGER,
    UNIQUE (reward_id, code)
);
CREATE INDEX loyalty_reward_codes_free ON loyalty_reward_codes (reward_id, id) WHERE redemption_id IS NULL;

-- Redemptions of rewards (or of points for a discount): the voucher code
-- an order can consume.
CREATE TABLE loyalty_redemptions (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES loyalty_members (id),
    reward_id   INTEGER REFERENCES loyalty_rewards (id),
    txn_id      INTEGER NOT NULL UNIQUE REFERENCES loyalty_transactions (id),
    points      INTEGER NOT NULL,
    voucher     TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'used', 'cancelled')),
    order_id    INTEGER,
    created_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE INDEX loyalty_redemptions_member ON loyalty_redemptions (member_id, created_at);

-- Monthly statements, one per member and month; email_state is the
-- sending ledger ('sending' left by a crash becomes 'uncertain', never
-- sent again).
CREATE TABLE loyalty_statements (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES loyalty_members (id),
    period        TEXT NOT NULL,
    opening       INTEGER NOT NULL,
    earned        INTEGER NOT NULL,
    spent         INTEGER NOT NULL,
    expired       INTEGER NOT NULL,
    adjusted      INTEGER NOT NULL,
    closing       INTEGER NOT NULL,
    expiring_soon INTEGER NOT NULL,
    tier          TEXT NOT NULL DEFAULT '',
    next_tier     TEXT NOT NULL DEFAULT '',
    to_next       INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    email_state   TEXT NOT NULL DEFAULT 'none' CHECK (email_state IN ('none', 'queued', 'sending', 'sent', 'failed', 'uncertain', 'skipped')),
    emailed_at    TIMESTAMP,
    UNIQUE (member_id, period)
);
CREATE INDEX loyalty_statements_mail ON loyalty_statements (email_state) WHERE email_state IN ('queued', 'sending');

-- Nightly runs (expiry, statements) keep their place here.
CREATE TABLE loyalty_runs (
    program_id INTEGER NOT NULL REFERENCES loyalty_programs (id),
    kind       TEXT NOT NULL,
    period     TEXT NOT NULL,
    cursor     INTEGER NOT NULL DEFAULT 0,
    done_at    TIMESTAMP,
    PRIMARY KEY (program_id, kind, period)
);

-- +goose Down
DROP TABLE loyalty_runs;
DROP TABLE loyalty_statements;
DROP TABLE loyalty_redemptions;
DROP TABLE loyalty_reward_codes;
DROP TABLE loyalty_rewards;
DROP TABLE loyalty_returned;
DROP TABLE loyalty_lot_uses;
DROP TABLE loyalty_transactions;
DROP TABLE loyalty_members;
DROP TABLE loyalty_tiers;
DROP TABLE loyalty_programs;
