-- API tokens for machines: each belongs to a user and acts with that user's grant, limited to reading or
-- allowed to write; only a hash of the secret is kept. `token_id` is the public part, for listing and revoking.
CREATE TABLE api_tokens (
    token_id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used BIGINT
);
