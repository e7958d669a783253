-- Sign-in sessions. Only a hash of each token is kept, so a copy of the database signs nobody in.
-- Expiry (idle and absolute) is the server's policy, computed from the two instants (epoch ms).
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (username);
