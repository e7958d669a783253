//! The one write path: batched, transactional, idempotent upserts of typed rows.
//!
//! Every table is described by a [`Table`]; rows are vectors of [`Cell`]s in the table's column order. A
//! batch is split into chunks that fit the drivers' parameter limits; for each chunk the current rows are
//! read, compared, and only the new or changed ones are written, so re-applying a batch writes nothing.

use std::collections::HashMap;

use sqlx::any::AnyRow;
// Statements are assembled from the static table descriptions and numbered placeholders only; values are
// always bound, never spliced, which is what `AssertSqlSafe` vouches for.
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::StoreError;

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

/// Most parameters one statement may carry on both backends (SQLite allows 32,766; PostgreSQL 65,535).
const MAX_PARAMETERS: usize = 32_000;

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

    /// Rows per statement for statements that bind every column.
    fn chunk_rows(&self) -> usize {
        (MAX_PARAMETERS / self.columns.len()).max(1)
    }

    /// Reads the current rows of these keys.
    async fn current(
        &self,
        conn: &mut AnyConnection,
        keys: &[&[Cell]],
    ) -> Result<HashMap<Vec<Cell>, Vec<Cell>>, StoreError> {
        let mut current = HashMap::new();
        if keys.is_empty() {
            return Ok(current);
        }
        let sql = format!(
            "SELECT {} FROM {} WHERE ({}) IN (VALUES {})",
            self.column_names().join(", "),
            self.name,
            self.key_columns().join(", "),
            placeholders(keys.len(), self.key)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for key in keys {
            for cell in key.iter() {
                query = bind(query, cell);
            }
        }
        for row in query.fetch_all(&mut *conn).await? {
            let cells = self.decode(&row)?;
            current.insert(cells[..self.key].to_vec(), cells);
        }
        Ok(current)
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
        rows: Vec<Vec<Cell>>,
    ) -> Result<WriteCounts, StoreError> {
        let mut counts = WriteCounts::default();
        let mut latest: HashMap<Vec<Cell>, usize> = HashMap::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            latest.insert(row[..self.key].to_vec(), index);
        }
        let mut rows: Vec<Vec<Cell>> = rows
            .into_iter()
            .enumerate()
            .filter(|(index, row)| latest[&row[..self.key]] == *index)
            .map(|(_, row)| row)
            .collect();
        let supplied = if self.history.is_some() {
            self.columns.len() - 1
        } else {
            self.columns.len()
        };
        for chunk in rows.chunks_mut(self.chunk_rows().min(MAX_PARAMETERS / self.key)) {
            let keys: Vec<&[Cell]> = chunk.iter().map(|row| &row[..self.key]).collect();
            let current = self.current(conn, &keys).await?;
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
                changed.push(std::mem::replace(row, Vec::new()));
            }
            if let Some(history) = self.history {
                self.insert(conn, history, &superseded, false).await?;
            }
            self.insert(conn, self.name, &changed, true).await?;
        }
        Ok(counts)
    }

    async fn insert(
        &self,
        conn: &mut AnyConnection,
        into: &str,
        rows: &[Vec<Cell>],
        replace: bool,
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(self.chunk_rows()) {
            let mut sql = format!(
                "INSERT INTO {into} ({}) VALUES {}",
                self.column_names().join(", "),
                placeholders(chunk.len(), self.columns.len())
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
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for row in chunk {
                for cell in row {
                    query = bind(query, cell);
                }
            }
            query.execute(&mut *conn).await?;
        }
        Ok(())
    }
}

/// `($1, $2), ($3, $4)` for two rows of two columns. Numbered placeholders are read by both backends.
fn placeholders(rows: usize, columns: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        if row > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for column in 0..columns {
            if column > 0 {
                text.push_str(", ");
            }
            text.push('$');
            text.push_str(&(row * columns + column + 1).to_string());
        }
        text.push(')');
    }
    text
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
