-- Files the assigned unit attaches to its explanation: kept in the database, so that they are backed up
-- and made durable with everything else.
CREATE TABLE alert_attachments (
    id INTEGER PRIMARY KEY,
    alert BIGINT NOT NULL REFERENCES alerts (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX alert_attachments_by_alert ON alert_attachments (alert);
