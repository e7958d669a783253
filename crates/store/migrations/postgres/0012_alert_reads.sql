-- What each user has seen of each alert: the alert's version when the user last read it. An alert whose
-- version has moved on since is unread for that user.
CREATE TABLE alert_reads (
    username TEXT NOT NULL,
    alert BIGINT NOT NULL REFERENCES alerts (id),
    version BIGINT NOT NULL,
    read_at BIGINT NOT NULL,
    PRIMARY KEY (username, alert)
);
