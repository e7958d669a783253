-- The reporting calendar: when each indicator's values are due (a rule such as `day 20` or `+5wd`; NULL for
-- the usual rule of its frequency), and the statutory holidays deadlines count around.
ALTER TABLE indicators ADD COLUMN deadline TEXT;

CREATE TABLE holidays (
    day INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
