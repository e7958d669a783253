-- The first answer to each write sent with an Idempotency-Key, per user, so that a retried request gets
-- the same answer instead of being applied again; `request_hash` tells a retry from a different request
-- that reuses the key.
CREATE TABLE idempotency (
    username TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (username, idempotency_key)
);
