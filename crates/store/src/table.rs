//! The one write path: batched, transactional, idempotent upserts of typed rows.
//!
//! Every table is described by a [`Table`]; rows are vectors of [`Cell`]s in the table's column order. A
//! batch is split into chunks; for each chunk the current rows are read, compared, and only the new or
//! changed ones are written, so re-applying a batch writes nothing.
//!
//! A chunk travels as one JSON parameter that the database unpacks itself (`jsonb_each` on SQLite,
//! `jsonb_array_elements` on PostgreSQL). Binding every cell as its own parameter costs the driver time that
//! grows faster than the number of parameters (measured: 33,000 rows/s at best through sqlx), while one
//! parameter per chunk lets SQLite insert at its own speed.

use std::collections::HashMap;

use sqlx::any::AnyRow;
// Statements are assembled from the static table descriptions and numbered placeholders only; values are
// always bound, never spliced, which is what `AssertSqlSafe` vouches for.
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::{Backend, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Int,
    Real,
    Text,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
}

// Cells used as keys are texts and integers; reals are never NaN because the model refuses non-finite values,
// so equality is total in practice.
impl Eq for Cell {}

impl std::hash::Hash for Cell {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Cell::Int(value) => value.hash(state),
            Cell::Real(value) => value.map(f64::to_bits).hash(state),
            Cell::Text(value) => value.hash(state),
        }
    }
}

impl Cell {
    pub(crate) fn text(value: impl Into<String>) -> Cell {
        Cell::Text(Some(value.into()))
    }

    pub(crate) fn int(value: i64) -> Cell {
        Cell::Int(Some(value))
    }

    pub(crate) fn real(value: f64) -> Cell {
        Cell::Real(Some(value))
    }
}

/// A table as the write path sees it.
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, ColumnType)],
    /// The first `key` columns are the primary key.
    pub key: usize,
    /// The first `compared` columns decide whether a write changes anything; the rest (who wrote it, when)
    /// are rewritten only along with a change.
    pub compared: usize,
    /// A table with the same columns that receives each superseded row. The last column of such a table is
    /// its revision number, which the write path maintains and callers leave out.
    pub history: Option<&'static str>,
}

/// What a batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl WriteCounts {
    pub fn add(&mut self, other: WriteCounts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// Rows per statement: large enough that statement overhead vanishes, small enough to keep the JSON of a
/// chunk within a few megabytes.
pub(crate) const CHUNK_ROWS: usize = 10_000;

impl Table {
    fn key_columns(&self) -> Vec<&'static str> {
        self.columns[..self.key]
            .iter()
            .map(|(name, _)| *name)
            .collect()
    }

    fn column_names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|(name, _)| *name).collect()
    }

    /// Reads the current rows of these keys.
    pub(crate) async fn current(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        keys: &[&[Cell]],
    ) -> Result<HashMap<Vec<Cell>, Vec<Cell>>, StoreError> {
        let mut current = HashMap::new();
        if keys.is_empty() {
            return Ok(current);
        }
        // Driven from the keys, so each is one index lookup whatever the size of the table. The rows
        // come back packed in one JSON text, because the drivers hand each result row from their worker
        // thread to the caller at a cost that dwarfs reading it (ten times the whole statement's).
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|(name, kind)| match (kind, backend) {
                // Reals travel as text with enough digits to read back exactly.
                (ColumnType::Real, Backend::Sqlite) => {
                    format!("iif(stored.{name} IS NULL, NULL, printf('%!.17g', stored.{name}))")
                }
                (ColumnType::Real, Backend::Postgres) => format!("stored.{name}::text"),
                _ => format!("stored.{name}"),
            })
            .collect();
        let packed = match backend {
            Backend::Sqlite => format!("json_group_array(json_array({}))", columns.join(", ")),
            Backend::Postgres => {
                format!("json_agg(json_build_array({}))::text", columns.join(", "))
            }
        };
        let matches: Vec<String> = self
            .key_columns()
            .iter()
            .enumerate()
            .map(|(index, name)| format!("stored.{name} = wanted.k{index}"))
            .collect();
        let sql = format!(
            "SELECT {packed} FROM ({}) AS wanted JOIN {} AS stored ON {}",
            unpack(backend, &self.columns[..self.key], "k"),
            self.name,
            matches.join(" AND ")
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(to_json(keys))
            .fetch_one(&mut *conn)
            .await?;
        let Some(packed) = row.try_get::<Option<String>, _>(0)? else {
            return Ok(current);
        };
        let rows: Vec<Vec<serde_json::Value>> = serde_json::from_str(&packed).map_err(|error| {
            StoreError::Corrupt(format!("current rows of {}: {error}", self.name))
        })?;
        for row in rows {
            let cells = self.decode_json(row)?;
            current.insert(cells[..self.key].to_vec(), cells);
        }
        Ok(current)
    }

    /// A row as the packed read gives it: reals as exact text, integers and texts as themselves.
    fn decode_json(&self, row: Vec<serde_json::Value>) -> Result<Vec<Cell>, StoreError> {
        use serde_json::Value;
        let corrupt = |value: &Value| {
            StoreError::Corrupt(format!(
                "unexpected value {value} in a row of {}",
                self.name
            ))
        };
        if row.len() != self.columns.len() {
            return Err(StoreError::Corrupt(format!(
                "a row of {} has {} columns",
                self.name,
                row.len()
            )));
        }
        self.columns
            .iter()
            .zip(row)
            .map(|((_, kind), value)| {
                Ok(match (kind, &value) {
                    (ColumnType::Int, Value::Null) => Cell::Int(None),
                    (ColumnType::Real, Value::Null) => Cell::Real(None),
                    (ColumnType::Text, Value::Null) => Cell::Text(None),
                    (ColumnType::Int, Value::Number(number)) => {
                        Cell::Int(Some(number.as_i64().ok_or_else(|| corrupt(&value))?))
                    }
                    (ColumnType::Real, Value::String(text)) => {
                        Cell::Real(Some(text.parse().map_err(|_| corrupt(&value))?))
                    }
                    (ColumnType::Text, Value::String(text)) => Cell::Text(Some(text.clone())),
                    _ => return Err(corrupt(&value)),
                })
            })
            .collect()
    }

    pub(crate) fn decode(&self, row: &AnyRow) -> Result<Vec<Cell>, StoreError> {
        self.columns
            .iter()
            .enumerate()
            .map(|(index, (_, kind))| {
                Ok(match kind {
                    ColumnType::Int => Cell::Int(row.try_get(index)?),
                    ColumnType::Real => Cell::Real(row.try_get(index)?),
                    ColumnType::Text => Cell::Text(row.try_get(index)?),
                })
            })
            .collect()
    }

    /// Upserts `rows` inside the caller's transaction. Within a batch the last row of a key wins.
    pub(crate) async fn upsert(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        rows: Vec<Vec<Cell>>,
    ) -> Result<WriteCounts, StoreError> {
        let mut counts = WriteCounts::default();
        // Keys are borrowed, not cloned: this runs for every row of every batch.
        let mut latest: HashMap<&[Cell], usize> = HashMap::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            latest.insert(&row[..self.key], index);
        }
        let keep: Vec<bool> = rows
            .iter()
            .enumerate()
            .map(|(index, row)| latest[&row[..self.key]] == index)
            .collect();
        drop(latest);
        let mut rows: Vec<Vec<Cell>> = rows
            .into_iter()
            .zip(keep)
            .filter(|(_, keep)| *keep)
            .map(|(row, _)| row)
            .collect();
        let supplied = if self.history.is_some() {
            self.columns.len() - 1
        } else {
            self.columns.len()
        };
        for chunk in rows.chunks_mut(CHUNK_ROWS) {
            let keys: Vec<&[Cell]> = chunk.iter().map(|row| &row[..self.key]).collect();
            let current = self.current(conn, backend, &keys).await?;
            let mut superseded = Vec::new();
            let mut changed = Vec::new();
            for row in chunk.iter_mut() {
                debug_assert_eq!(
                    row.len(),
                    supplied,
                    "row for {} has the wrong number of cells",
                    self.name
                );
                let existing = current.get(&row[..self.key]);
                match existing {
                    Some(existing) if existing[..self.compared] == row[..self.compared] => {
                        counts.unchanged += 1;
                        continue;
                    }
                    Some(_) => counts.updated += 1,
                    None => counts.created += 1,
                }
                if self.history.is_some() {
                    let revision = match existing {
                        Some(existing) => {
                            superseded.push(existing.clone());
                            match existing.last() {
                                Some(Cell::Int(Some(revision))) => revision + 1,
                                _ => 1,
                            }
                        }
                        None => 1,
                    };
                    row.push(Cell::int(revision));
                }
                changed.push(std::mem::take(row));
            }
            if let Some(history) = self.history {
                self.insert(conn, backend, history, &superseded, false)
                    .await?;
            }
            self.insert(conn, backend, self.name, &changed, true)
                .await?;
        }
        Ok(counts)
    }

    async fn insert(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        into: &str,
        rows: &[Vec<Cell>],
        replace: bool,
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        // `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
        let mut sql = format!(
            "INSERT INTO {into} ({}) {} WHERE true",
            self.column_names().join(", "),
            unpack(backend, self.columns, "c")
        );
        if replace {
            let updates: Vec<String> = self.columns[self.key..]
                .iter()
                .map(|(name, _)| format!("{name} = excluded.{name}"))
                .collect();
            sql.push_str(&format!(
                " ON CONFLICT ({}) DO UPDATE SET {}",
                self.key_columns().join(", "),
                updates.join(", ")
            ));
        }
        let rows: Vec<&[Cell]> = rows.iter().map(Vec::as_slice).collect();
        sqlx::query(AssertSqlSafe(sql))
            .bind(to_json(&rows))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

/// A `SELECT` that turns the JSON array of rows bound to `$1` back into typed columns named `{prefix}0`,
/// `{prefix}1`, ...
pub(crate) fn unpack(backend: Backend, columns: &[(&str, ColumnType)], prefix: &str) -> String {
    let fields: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(index, (_, kind))| match backend {
            Backend::Sqlite => format!("value ->> {index} AS {prefix}{index}"),
            Backend::Postgres => {
                let sql_type = match kind {
                    ColumnType::Int => "bigint",
                    ColumnType::Real => "double precision",
                    ColumnType::Text => "text",
                };
                format!("(row ->> {index})::{sql_type} AS {prefix}{index}")
            }
        })
        .collect();
    match backend {
        Backend::Sqlite => format!("SELECT {} FROM jsonb_each($1)", fields.join(", ")),
        Backend::Postgres => format!(
            "SELECT {} FROM jsonb_array_elements($1::jsonb) AS row",
            fields.join(", ")
        ),
    }
}

/// Rows as a JSON array of arrays. Reals are written in their shortest exact form, so they read back equal.
pub(crate) fn to_json(rows: &[&[Cell]]) -> String {
    serde_json::to_string(rows).unwrap_or_default()
}

impl serde::Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Int(Some(value)) => serializer.serialize_i64(*value),
            Cell::Real(Some(value)) => serializer.serialize_f64(*value),
            Cell::Text(Some(value)) => serializer.serialize_str(value),
            Cell::Int(None) | Cell::Real(None) | Cell::Text(None) => serializer.serialize_none(),
        }
    }
}

pub(crate) fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    cell: &Cell,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match cell {
        Cell::Int(value) => query.bind(*value),
        Cell::Real(value) => query.bind(*value),
        Cell::Text(value) => query.bind(value.clone()),
    }
}
