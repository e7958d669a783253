-- Reference data: domains, agencies, units, lineage, indicators.
CREATE TABLE domains (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE agencies (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    jurisdiction TEXT NOT NULL
);

-- A unit record is a code during one span of validity. Dates are yyyymmdd integers; valid_from 0 means
-- "since before our records" so that it can be part of the key.
CREATE TABLE units (
    code TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT,
    kind TEXT NOT NULL,
    lat REAL,
    lon REAL,
    PRIMARY KEY (code, valid_from)
);

CREATE TABLE lineage (
    old_code TEXT NOT NULL,
    new_code TEXT NOT NULL,
    effective_date INTEGER NOT NULL,
    kind TEXT NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (old_code, new_code, effective_date)
);

CREATE TABLE indicators (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    domain TEXT NOT NULL REFERENCES domains (code),
    measure TEXT NOT NULL,
    frequency TEXT NOT NULL,
    time_aggregation TEXT NOT NULL,
    space_aggregation TEXT NOT NULL,
    polarity TEXT NOT NULL,
    cumulative INTEGER NOT NULL,
    levels TEXT NOT NULL,
    owner_agency TEXT NOT NULL REFERENCES agencies (code),
    formula TEXT,
    public INTEGER NOT NULL,
    source TEXT NOT NULL,
    confidence TEXT NOT NULL
);

-- Values. Units are referred to by code, resolved on the last day of the period (see the model).
CREATE TABLE targets (
    indicator TEXT NOT NULL REFERENCES indicators (code),
    unit_code TEXT NOT NULL,
    period TEXT NOT NULL,
    kind TEXT NOT NULL,
    value REAL NOT NULL,
    value_max REAL,
    source_document TEXT NOT NULL,
    PRIMARY KEY (indicator, unit_code, period)
);

-- The current revision of each value.
CREATE TABLE observations (
    indicator TEXT NOT NULL REFERENCES indicators (code),
    unit_code TEXT NOT NULL,
    period TEXT NOT NULL,
    value REAL NOT NULL,
    status TEXT NOT NULL,
    comment TEXT,
    source TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    -- Period before unit: bulk loads arrive period by period, so new keys append instead of landing at
    -- random places in the index.
    PRIMARY KEY (indicator, period, unit_code)
) WITHOUT ROWID;

-- Every superseded revision, so that the history of a value can always be told.
CREATE TABLE observation_revisions (
    indicator TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    period TEXT NOT NULL,
    value REAL NOT NULL,
    status TEXT NOT NULL,
    comment TEXT,
    source TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    PRIMARY KEY (indicator, unit_code, period, revision)
);

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    agency TEXT NOT NULL REFERENCES agencies (code),
    unit_code TEXT,
    domain TEXT,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
