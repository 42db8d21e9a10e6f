-- +goose Up
-- Each user's dashboard: the widgets they chose to hide (comma-separated
-- names); the rest of the widgets their role may see are shown.
CREATE TABLE dashboard_prefs (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hidden  TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE dashboard_prefs;
