-- +goose Up
-- leads are people or companies that showed interest and are not yet
-- customers: captured from web forms, the API, imports or email, scored,
-- assigned, worked and converted.
CREATE TABLE leads (
    id               INTEGER PRIMARY KEY,
    status           TEXT NOT NULL CHECK (status IN ('new', 'working', 'nurturing', 'qualified', 'disqualified', 'converted')),
    status_reason    TEXT NOT NULL DEFAULT '',
    first_name       TEXT NOT NULL DEFAULT '',
    last_name        TEXT NOT NULL DEFAULT '',
    company          TEXT NOT NULL DEFAULT '',
    job_title        TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    country          TEXT NOT NULL DEFAULT '',
    message          TEXT NOT NULL DEFAULT '',
    estimated_value  INTEGER NOT NULL DEFAULT 0,
    source           TEXT NOT NULL,
    form_key         TEXT NOT NULL DEFAULT '',
    campaign         TEXT NOT NULL DEFAULT '',
    utm_source       TEXT NOT NULL DEFAULT '',
    utm_medium       TEXT NOT NULL DEFAULT '',
    utm_campaign     TEXT NOT NULL DEFAULT '',
    utm_term         TEXT NOT NULL DEFAULT '',
    utm_content      TEXT NOT NULL DEFAULT '',
    score            INTEGER NOT NULL DEFAULT 0,
    score_reasons    TEXT NOT NULL DEFAULT '[]',
    owner_id         INTEGER REFERENCES users (id),
    team_id          INTEGER REFERENCES teams (id),
    customer_id      INTEGER REFERENCES customers (id),
    opportunity_id   INTEGER REFERENCES opportunities (id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    last_activity_at TIMESTAMP NOT NULL,
    converted_at     TIMESTAMP
);
CREATE INDEX leads_owner ON leads (owner_id, status);
CREATE INDEX leads_status ON leads (status, score);
CREATE INDEX leads_email ON leads (email);

-- lead_forms are the embeddable web forms; a form's key names it in its
-- public address, and its team receives its leads.
CREATE TABLE lead_forms (
    id          INTEGER PRIMARY KEY,
    form_key    TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    team_id     INTEGER REFERENCES teams (id),
    campaign    TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL
);

-- lead_score_rules add points to a lead whose field matches: fit rules on
-- who the lead is, engagement rules on what it did.
CREATE TABLE lead_score_rules (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('fit', 'engagement')),
    field       TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('present', 'equals', 'contains', 'not_free_email')),
    value       TEXT NOT NULL DEFAULT '',
    points      INTEGER NOT NULL,
    label       TEXT NOT NULL
);
INSERT INTO lead_score_rules (kind, field, op, value, points, label) VALUES
    ('fit', 'company', 'present', '', 15, 'gives a company'),
    ('fit', 'email', 'not_free_email', '', 15, 'business email address'),
    ('fit', 'phone', 'present', '', 10, 'gives a phone number'),
    ('fit', 'job_title', 'contains', 'director', 15, 'director'),
    ('fit', 'job_title', 'contains', 'head', 10, 'head of a department'),
    ('fit', 'job_title', 'contains', 'manager', 5, 'manager'),
    ('engagement', 'message', 'present', '', 10, 'wrote a message'),
    ('engagement', 'source', 'equals', 'web_form', 10, 'filled in a web form'),
    ('engagement', 'utm_medium', 'equals', 'cpc', 5, 'came from a paid search ad');

-- lead_territories send leads of a country to a team.
CREATE TABLE lead_territories (
    country  TEXT PRIMARY KEY,
    team_id  INTEGER NOT NULL REFERENCES teams (id)
);

-- +goose Down
DROP TABLE lead_territories;
DROP TABLE lead_score_rules;
DROP TABLE lead_forms;
DROP TABLE leads;
