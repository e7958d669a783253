-- Pull connectors (each kept as its JSON definition, credential included: the database is where secrets
-- of the deployment live) and the log of their runs.
CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE connector_runs (
    id INTEGER PRIMARY KEY,
    connector TEXT NOT NULL,
    -- schedule, retry or manual.
    run_trigger TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    -- succeeded, partial (some records refused) or failed (nothing written).
    outcome TEXT NOT NULL,
    records BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    error TEXT,
    -- The first refused records' problems, as JSON [{index, field, reason}].
    problems TEXT NOT NULL,
    -- When a failed fetch is tried again; none when it waits for its next scheduled run.
    retry_at BIGINT
);
CREATE INDEX connector_runs_by_connector ON connector_runs (connector, id);
