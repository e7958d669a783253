-- Dashboard layouts as operators arranged them: the overview and one per domain, tiles kept as a JSON array
-- (read back against the catalogue of the day, so no foreign keys to indicators).
CREATE TABLE dashboard_layouts (
    dashboard TEXT PRIMARY KEY,
    tiles TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
