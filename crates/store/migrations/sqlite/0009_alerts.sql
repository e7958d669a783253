-- Alert rules (each kept as its JSON definition), the alerts they raise, and every alert's timeline.
CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    indicator TEXT NOT NULL,
    domain TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    period TEXT NOT NULL,
    finding TEXT NOT NULL,
    state TEXT NOT NULL,
    holds BIGINT NOT NULL,
    public BIGINT NOT NULL,
    assignee_kind TEXT,
    assignee_code TEXT,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    due_at BIGINT,
    reminded_at BIGINT,
    escalated_at BIGINT,
    triggers BIGINT NOT NULL,
    version BIGINT NOT NULL
);
-- One alert per rule and subject until it is closed.
CREATE UNIQUE INDEX alerts_one_open ON alerts (rule, indicator, unit_code) WHERE state <> 'closed';
CREATE INDEX alerts_by_state ON alerts (state, updated_at);

CREATE TABLE alert_timeline (
    alert BIGINT NOT NULL REFERENCES alerts (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT,
    event TEXT NOT NULL,
    note TEXT,
    state TEXT NOT NULL,
    assignee_kind TEXT,
    assignee_code TEXT,
    explanation TEXT,
    PRIMARY KEY (alert, seq)
);
