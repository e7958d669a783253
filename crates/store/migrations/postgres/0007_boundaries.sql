-- Imported unit boundaries (GeoJSON MultiPolygon coordinates as JSON text), one per unit record: a unit
-- code with several records (before and after a reorganisation) has a boundary for each.
CREATE TABLE unit_boundaries (
    unit_code TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    area TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (unit_code, valid_from)
);
