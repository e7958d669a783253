#!/usr/bin/env python3
"""PostgreSQL and DuckDB baselines for the engine benchmark.

The Rust benchmark writes a dataset (units.csv, indicators.csv, observations.csv, queries.json) into a
directory and runs this script on it. For each engine the script bulk-loads the data, builds the
pre-aggregated tables the queries read, then times the four benchmark questions. It prints one JSON object
of figures on stdout and writes each engine's answers to DIR/answers-<engine>.json, which the benchmark
compares with Vantage's own.

Usage: python baseline.py --data DIR --postgres URL [--skip-postgres] [--skip-duckdb]
"""

import argparse
import json
import math
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg

PG_SCHEMA = "vantage_bench"
QUESTIONS = ("rollup", "panel", "lookup", "scorecard")

# --- Schema ---------------------------------------------------------------------------------------------
# Shared by both engines. `{code}` is the type of the code columns: PostgreSQL's must sort bytewise
# (collation "C"), like Rust strings and DuckDB's default, so that answers come back in the same order.

UNIT_DDL = """
CREATE TABLE unit (
    id        INTEGER PRIMARY KEY,
    code      {code} NOT NULL,
    parent_id INTEGER,
    level     TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune'))
)"""

# The CHECKs make an unknown aggregation fail the load instead of silently yielding nulls.
INDICATOR_DDL = """
CREATE TABLE indicator (
    id                INTEGER PRIMARY KEY,
    code              {code} NOT NULL,
    domain            TEXT NOT NULL,
    space_aggregation TEXT NOT NULL CHECK (space_aggregation IN ('sum', 'mean', 'max', 'min', 'formula')),
    time_aggregation  TEXT CHECK (time_aggregation IN ('sum', 'mean', 'last', 'max', 'min')),
    cumulative        BOOLEAN,
    numerator_id      INTEGER,
    denominator_id    INTEGER,
    scale             FLOAT8
)"""

# Column order matches observations.csv, which both engines load by position.
OBSERVATION_DDL = """
CREATE TABLE observation (
    indicator_id INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    period       INTEGER NOT NULL,
    value        FLOAT8,
    PRIMARY KEY (indicator_id, period, unit_id)
)"""

# --- Pre-aggregation ------------------------------------------------------------------------------------
# Every unit above commune level gets its monthly and quarterly values of every base indicator
# materialised, so the questions read a handful of rows instead of aggregating the observations. The
# tables are written in key order, unit first: a question's rows then sit together, in a few PostgreSQL
# pages or DuckDB row groups (whose zone maps skip the others).

# Each unit above commune level with each unit above commune level in its subtree, itself included.
UNIT_SUBTREE_SELECT = """
WITH RECURSIVE subtree (unit_id, member_id) AS (
    SELECT id, id FROM unit WHERE level <> 'commune'
    UNION ALL
    SELECT s.unit_id, u.id FROM subtree s JOIN unit u ON u.parent_id = s.member_id WHERE u.level <> 'commune'
)
SELECT unit_id, member_id FROM subtree"""

# Monthly value at each unit: the indicator's space aggregation over the communes of its subtree. It is
# computed in two steps so that the observations are aggregated only once: `parent_month` has, for each
# unit with communes directly under it, the total, count, max and min of those communes' values; a unit's
# are then combined from those of the units of its subtree, and the indicator's own aggregation picked.
# The mean is total / count rather than avg(): PostgreSQL's avg() state is an array, and the smaller
# states of these four keep more groups in memory before its hash aggregate spills to disk.
AGG_MONTH_SELECT = """
WITH parent_month AS (
    SELECT u.parent_id AS unit_id, o.indicator_id, o.period,
           sum(o.value) AS total, count(o.value) AS n, max(o.value) AS largest, min(o.value) AS smallest
    FROM observation o JOIN unit u ON u.id = o.unit_id
    GROUP BY u.parent_id, o.indicator_id, o.period
)
SELECT a.unit_id, a.indicator_id, a.period,
       CASE i.space_aggregation
           WHEN 'sum' THEN a.total WHEN 'mean' THEN a.total / a.n
           WHEN 'max' THEN a.largest WHEN 'min' THEN a.smallest
       END AS value
FROM (
    SELECT s.unit_id, p.indicator_id, p.period, sum(p.total) AS total, CAST(sum(p.n) AS FLOAT8) AS n,
           max(p.largest) AS largest, min(p.smallest) AS smallest
    FROM parent_month p JOIN unit_subtree s ON s.member_id = p.unit_id
    GROUP BY s.unit_id, p.indicator_id, p.period
) a JOIN indicator i ON i.id = a.indicator_id
ORDER BY a.unit_id, a.indicator_id, a.period"""

# Quarterly value at each unit: the indicator's time aggregation over the unit's monthly values in the
# quarter, which is identified by its first month (202607 for 2026Q3). `{last}` is the engine's way to
# take the value of the latest month.
AGG_QUARTER_SELECT = """
SELECT q.unit_id, q.indicator_id, q.quarter_start,
       CASE i.time_aggregation
           WHEN 'sum' THEN q.total WHEN 'mean' THEN q.mean WHEN 'last' THEN q.latest
           WHEN 'max' THEN q.largest WHEN 'min' THEN q.smallest
       END AS value
FROM (
    SELECT unit_id, indicator_id, period - mod(mod(period, 100) - 1, 3) AS quarter_start,
           sum(value) AS total, avg(value) AS mean, {last} AS latest,
           max(value) AS largest, min(value) AS smallest
    FROM agg_month
    WHERE value IS NOT NULL
    GROUP BY unit_id, indicator_id, quarter_start
) q JOIN indicator i ON i.id = q.indicator_id
ORDER BY q.unit_id, q.indicator_id, q.quarter_start"""

# --- Questions ------------------------------------------------------------------------------------------
# Written with psycopg's %(name)s parameters, from which DuckDB's are derived. Where two forms of a
# question were measured to favour different engines, each engine uses its faster one.


def indicator_value(base, numerator, denominator):
    """SQL for the value of indicator `i`: `base` for a base indicator; for a derived one the scaled ratio
    of its operands, none when the denominator is 0 or either operand is missing."""
    return (f"CASE WHEN i.numerator_id IS NULL THEN {base} "
            f"WHEN {denominator} <> 0 THEN i.scale * {numerator} / {denominator} END")


# Every indicator at one unit for the 4 quarters of a year, null where there is no value. The unit's
# quarters of the year are read once, then looked up for each indicator and for each derived one's operands.
ROLLUP_SQL = f"""
WITH quarter (q) AS (VALUES (1), (2), (3), (4)),
cell AS (
    SELECT i.*, quarter.q, CAST(%(year)s AS INTEGER) * 100 + 3 * quarter.q - 2 AS quarter_start
    FROM indicator i CROSS JOIN quarter
),
unit_quarter AS (
    SELECT indicator_id, quarter_start, value FROM agg_quarter
    WHERE unit_id = %(unit)s
      AND quarter_start BETWEEN CAST(%(year)s AS INTEGER) * 100 + 1 AND CAST(%(year)s AS INTEGER) * 100 + 10
)
SELECT i.code, CAST(%(year)s AS TEXT) || 'Q' || CAST(i.q AS TEXT) AS quarter,
       {indicator_value("v.value", "n.value", "d.value")} AS value
FROM cell i
LEFT JOIN unit_quarter v ON v.indicator_id = i.id AND v.quarter_start = i.quarter_start
LEFT JOIN unit_quarter n ON n.indicator_id = i.numerator_id AND n.quarter_start = i.quarter_start
LEFT JOIN unit_quarter d ON d.indicator_id = i.denominator_id AND d.quarter_start = i.quarter_start
ORDER BY i.code, i.q"""

# One base indicator at every district, this month and the same month a year earlier. Two forms, each
# faster on one engine: one index probe per district and month (PostgreSQL), or one pass over the
# indicator's rows for both months (DuckDB, which scans rather than probes).
PANEL_PROBE_SQL = """
SELECT u.code, cur.value, prev.value AS value_last_year
FROM unit u
LEFT JOIN agg_month cur
       ON cur.unit_id = u.id AND cur.indicator_id = %(indicator)s AND cur.period = %(period)s
LEFT JOIN agg_month prev
       ON prev.unit_id = u.id AND prev.indicator_id = %(indicator)s AND prev.period = %(last_year)s
WHERE u.level = 'district'
ORDER BY u.code"""

# Each period holds one row per unit, so max() just picks it.
PANEL_SCAN_SQL = """
SELECT u.code,
       max(m.value) FILTER (WHERE m.period = %(period)s) AS value,
       max(m.value) FILTER (WHERE m.period = %(last_year)s) AS value_last_year
FROM unit u
LEFT JOIN agg_month m
       ON m.unit_id = u.id AND m.indicator_id = %(indicator)s AND m.period IN (%(period)s, %(last_year)s)
WHERE u.level = 'district'
GROUP BY u.code
ORDER BY u.code"""

LOOKUP_SQL = """
SELECT value FROM observation
WHERE indicator_id = %(indicator)s AND unit_id = %(unit)s AND period = %(period)s"""


def scorecard_sql(only_operands):
    """Every indicator of a domain at one unit and month. `operand` reads, in one pass over the unit's months
    from last year's month to this one, the base indicators' values: each period holds one row per
    indicator, so max() just picks it. With `only_operands` it reads only those the scorecard needs (the
    domain's base indicators and the operands of its derived ones) instead of all of them."""
    operands = """
      AND m.indicator_id IN (
          SELECT id FROM domain_indicator WHERE numerator_id IS NULL
          UNION SELECT numerator_id FROM domain_indicator
          UNION SELECT denominator_id FROM domain_indicator)""" if only_operands else ""
    return f"""
WITH domain_indicator AS (
    SELECT * FROM indicator WHERE domain = %(domain)s
),
operand AS (
    SELECT m.indicator_id,
           max(m.value) FILTER (WHERE m.period = %(period)s) AS value,
           max(m.value) FILTER (WHERE m.period = %(last_year)s) AS value_last_year,
           sum(m.value) FILTER (WHERE m.period >= %(year_start)s) AS year_to_date
    FROM agg_month m
    WHERE m.unit_id = %(unit)s AND m.period BETWEEN %(last_year)s AND %(period)s{operands}
    GROUP BY m.indicator_id
)
SELECT i.code,
       {indicator_value("v.value", "n.value", "d.value")} AS value,
       {indicator_value("v.value_last_year", "n.value_last_year", "d.value_last_year")} AS value_last_year,
       CASE WHEN i.numerator_id IS NULL AND i.cumulative THEN v.year_to_date END AS year_to_date
FROM domain_indicator i
LEFT JOIN operand v ON v.indicator_id = i.id
LEFT JOIN operand n ON n.indicator_id = i.numerator_id
LEFT JOIN operand d ON d.indicator_id = i.denominator_id
ORDER BY i.code"""


def log(message):
    print(f"baseline: {message}", file=sys.stderr, flush=True)


class Postgres:
    """PostgreSQL through psycopg 3, in its own schema, dropped before and after the run."""

    prefix = "pg"
    # The scorecard reading only its operands' rows, which the primary key finds, was measured faster.
    questions = {"rollup": ROLLUP_SQL, "panel": PANEL_PROBE_SQL, "lookup": LOOKUP_SQL,
                 "scorecard": scorecard_sql(only_operands=True)}

    def __init__(self, url):
        self.conn = psycopg.connect(url, autocommit=True)
        self.cur = self.conn.cursor(binary=True)  # binary results: less to parse than text
        self.drop_schema()
        self.conn.execute(f"CREATE SCHEMA {PG_SCHEMA}")
        self.conn.execute(f"SET search_path TO {PG_SCHEMA}")

    def drop_schema(self):
        self.conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")

    def close(self):
        try:
            self.drop_schema()
        finally:
            self.conn.close()

    def copy_csv(self, table, path):
        """Streams a CSV file into `table` with COPY FROM STDIN; returns the number of rows. FREEZE (allowed
        as the table is created in the same transaction) writes the rows already frozen, so the first scan
        after the load does not have to rewrite every page to set its hint bits."""
        with path.open("rb") as source, self.cur.copy(
                f"COPY {table} FROM STDIN (FORMAT csv, HEADER true, FREEZE true)") as copy:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        return self.cur.rowcount

    def load(self, data):
        """Loads the dataset; returns (observation rows, seconds of the observation load)."""
        with self.conn.transaction():
            self.conn.execute(UNIT_DDL.format(code='TEXT COLLATE "C"'))
            self.conn.execute(INDICATOR_DDL.format(code='TEXT COLLATE "C"'))
            self.copy_csv("unit", data / "units.csv")
            self.copy_csv("indicator", data / "indicators.csv")
        start = time.perf_counter()
        with self.conn.transaction():  # table, index and rows committed together
            self.conn.execute(OBSERVATION_DDL)
            rows = self.copy_csv("observation", data / "observations.csv")
        return rows, time.perf_counter() - start

    def prepare(self):
        # There is no arg_max: the latest month's value is the first of the values ordered newest first.
        last = "(array_agg(value ORDER BY period DESC))[1]"
        for statement in (
            "ANALYZE unit, indicator, observation",  # for the plans of the aggregations below
            f"CREATE TABLE unit_subtree AS {UNIT_SUBTREE_SELECT}",
            f"CREATE TABLE agg_month AS {AGG_MONTH_SELECT}",
            "ALTER TABLE agg_month ADD PRIMARY KEY (unit_id, indicator_id, period)",
            f"CREATE TABLE agg_quarter AS {AGG_QUARTER_SELECT.format(last=last)}",
            "ALTER TABLE agg_quarter ADD PRIMARY KEY (unit_id, indicator_id, quarter_start)",
            "ANALYZE unit_subtree, agg_month, agg_quarter",
        ):
            self.conn.execute(statement)

    def fetch(self, sql, params=None):
        # prepare=True: parsed and planned once on the server, then executed by name.
        self.cur.execute(sql, params, prepare=True)
        return self.cur.fetchall()


class DuckDB:
    """DuckDB in-process, on a database file in a temporary directory."""

    prefix = "duckdb"
    # The scorecard scanning all the unit's rows (a few thousand, vectorised) was measured faster than
    # semi-joining them with its operands. DuckDB spells the parameter %(name)s as $name.
    questions = {name: re.sub(r"%\((\w+)\)s", r"$\1", sql) for name, sql in {
        "rollup": ROLLUP_SQL, "panel": PANEL_SCAN_SQL, "lookup": LOOKUP_SQL,
        "scorecard": scorecard_sql(only_operands=False)}.items()}

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="vantage-bench-duckdb-")
        self.con = duckdb.connect(str(Path(self.tmp.name) / "bench.duckdb"))

    def close(self):
        try:
            self.con.close()
        finally:
            self.tmp.cleanup()

    def copy_csv(self, table, path):
        """Loads a CSV file into `table` with DuckDB's reader; returns the number of rows."""
        literal = "'" + str(path.resolve()).replace("'", "''") + "'"
        return self.con.execute(f"COPY {table} FROM {literal} (FORMAT csv, HEADER true)").fetchone()[0]

    def load(self, data):
        """Loads the dataset; returns (observation rows, seconds of the observation load)."""
        self.con.execute(UNIT_DDL.format(code="TEXT"))
        self.con.execute(INDICATOR_DDL.format(code="TEXT"))
        self.copy_csv("unit", data / "units.csv")
        self.copy_csv("indicator", data / "indicators.csv")
        start = time.perf_counter()
        self.con.execute(OBSERVATION_DDL)
        rows = self.copy_csv("observation", data / "observations.csv")
        self.con.execute("CHECKPOINT")  # the rows are in the database file, not just the WAL
        return rows, time.perf_counter() - start

    def prepare(self):
        for statement in (
            f"CREATE TABLE unit_subtree AS {UNIT_SUBTREE_SELECT}",
            f"CREATE TABLE agg_month AS {AGG_MONTH_SELECT}",
            f"CREATE TABLE agg_quarter AS {AGG_QUARTER_SELECT.format(last='arg_max(value, period)')}",
            "CHECKPOINT",
        ):
            self.con.execute(statement)

    def fetch(self, sql, params=None):
        return self.con.execute(sql, params).fetchall()


def question_params(engine, queries):
    """Parameters of each question, from queries.json."""
    provinces = engine.fetch("SELECT id FROM unit WHERE level = 'province'")
    if len(provinces) != 1:
        raise ValueError(f"units.csv has {len(provinces)} provinces, expected exactly 1")
    panel, lookup, scorecard = queries["panel"], queries["lookup"], queries["scorecard"]
    return {
        "rollup": {"unit": provinces[0][0], "year": queries["year"]},
        "panel": {"indicator": panel["indicator_id"], "period": panel["period"],
                  "last_year": panel["period"] - 100},
        "lookup": {"indicator": lookup["indicator_id"], "unit": lookup["unit_id"],
                   "period": lookup["period"]},
        "scorecard": {"domain": scorecard["domain"], "unit": scorecard["unit_id"],
                      "period": scorecard["period"], "last_year": scorecard["period"] - 100,
                      "year_start": scorecard["period"] // 100 * 100 + 1},
    }


def time_question(engine, sql, params, repeat):
    """One warm-up run, then `repeat` timed ones; returns (rows, median ms, p99 ms)."""
    rows = engine.fetch(sql, params)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        engine.fetch(sql, params)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[math.ceil(0.99 * len(samples)) - 1]  # nearest rank
    return rows, statistics.median(samples), p99


def run_engine(engine, data, queries):
    """Loads, prepares and times one engine; returns (figures, answers)."""
    p = engine.prefix
    log(f"{p}: loading")
    rows, load_s = engine.load(data)
    figures = {f"{p}_load_obs_per_s": rows / load_s, f"{p}_load_s": load_s}
    log(f"{p}: loaded {rows} observations in {load_s:.2f} s; preparing")
    start = time.perf_counter()
    engine.prepare()
    figures[f"{p}_prepare_s"] = time.perf_counter() - start
    log(f"{p}: prepared in {figures[f'{p}_prepare_s']:.2f} s")

    params = question_params(engine, queries)
    answers = {}
    for question in QUESTIONS:
        rows, median, p99 = time_question(engine, engine.questions[question], params[question],
                                          queries["repeat"])
        answers[question] = [list(row) for row in rows]
        figures[f"{p}_{question}_ms"] = median
        figures[f"{p}_{question}_p99_ms"] = p99
        log(f"{p}: {question} median {median:.3f} ms, p99 {p99:.3f} ms")
    # The lookup is one cell: its value, or null when the cell does not exist.
    answers["lookup"] = answers["lookup"][0][0] if answers["lookup"] else None
    return figures, answers


def parse_args():
    parser = argparse.ArgumentParser(description="PostgreSQL and DuckDB baselines for the engine benchmark")
    parser.add_argument("--data", required=True, type=Path, help="directory of the generated dataset")
    parser.add_argument("--postgres", help="PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-duckdb", action="store_true")
    args = parser.parse_args()
    if not args.skip_postgres and not args.postgres:
        parser.error("--postgres URL is required unless --skip-postgres is given")
    return args


def main():
    args = parse_args()
    queries = json.loads((args.data / "queries.json").read_text())
    if queries["repeat"] < 1:
        raise ValueError("queries.json: repeat must be at least 1")
    engines = []
    if not args.skip_postgres:
        engines.append(("postgres", lambda: Postgres(args.postgres)))
    if not args.skip_duckdb:
        engines.append(("duckdb", DuckDB))

    figures = {}
    for name, connect in engines:
        engine = connect()
        try:
            engine_figures, answers = run_engine(engine, args.data, queries)
        finally:
            engine.close()
        figures.update(engine_figures)
        # allow_nan=False: a NaN or infinity would not be valid JSON, better to fail loudly.
        (args.data / f"answers-{name}.json").write_text(json.dumps(answers, allow_nan=False) + "\n")
    print(json.dumps(figures))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # any failure: one clear line and a non-zero exit
        log(f"error: {type(error).__name__}: {error}")
        sys.exit(1)
