-- Notification policies (each kept as its JSON definition) and the outbox of notices to send, written in the
-- same transaction as the alert change each tells of.
CREATE TABLE notification_policies (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE notification_outbox (
    id INTEGER PRIMARY KEY,
    policy TEXT NOT NULL,
    alert BIGINT NOT NULL REFERENCES alerts (id),
    alert_json TEXT NOT NULL,
    entry_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    delivered_at BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX notification_outbox_pending ON notification_outbox (due_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
