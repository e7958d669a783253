//! Pull connectors as saved, and the log of their runs.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use vantage_model::connector::{Connector, RunOutcome, RunProblem, RunTrigger};

use crate::definitions::{Kept, Saved};
use crate::{Store, StoreError};

/// A connector as last saved.
pub type StoredConnector = Saved<Connector>;

/// One run of a connector: one fetch, and what became of the document's records.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectorRun {
    /// Given by the store; 0 before.
    pub id: i64,
    pub connector: String,
    pub trigger: RunTrigger,
    /// 1 for a scheduled or manual run, then counting the retries of a failed one.
    pub attempt: u32,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub outcome: RunOutcome,
    /// Records in the document.
    pub records: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records refused.
    pub rejected: u64,
    /// Why nothing was fetched (failed runs).
    pub error: Option<String>,
    /// The first problems of refused records.
    pub problems: Vec<RunProblem>,
    /// When a failed fetch is tried again.
    pub retry_at: Option<Timestamp>,
}

const RUN_COLUMNS: &str = "id, connector, run_trigger, attempt, started_at, finished_at, outcome, \
    records, created, updated, unchanged, rejected, error, problems, retry_at";

fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("connector run: {error}"))
}

fn count(row: &AnyRow, index: usize) -> Result<u64, StoreError> {
    u64::try_from(row.try_get::<i64, _>(index)?).map_err(corrupt)
}

fn instant(millis: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(millis).map_err(corrupt)
}

fn decode_run(row: &AnyRow) -> Result<ConnectorRun, StoreError> {
    let trigger: String = row.try_get(2)?;
    let outcome: String = row.try_get(6)?;
    let problems: String = row.try_get(13)?;
    Ok(ConnectorRun {
        id: row.try_get(0)?,
        connector: row.try_get(1)?,
        trigger: RunTrigger::parse(&trigger).map_err(corrupt)?,
        attempt: u32::try_from(row.try_get::<i64, _>(3)?).map_err(corrupt)?,
        started_at: instant(row.try_get(4)?)?,
        finished_at: instant(row.try_get(5)?)?,
        outcome: RunOutcome::parse(&outcome).map_err(corrupt)?,
        records: count(row, 7)?,
        created: count(row, 8)?,
        updated: count(row, 9)?,
        unchanged: count(row, 10)?,
        rejected: count(row, 11)?,
        error: row.try_get(12)?,
        problems: serde_json::from_str(&problems).map_err(corrupt)?,
        retry_at: row
            .try_get::<Option<i64>, _>(14)?
            .map(instant)
            .transpose()?,
    })
}

impl Store {
    pub async fn connectors(&self) -> Result<Vec<StoredConnector>, StoreError> {
        self.definitions(Kept::Connectors).await
    }

    pub async fn save_connector(&self, connector: &StoredConnector) -> Result<(), StoreError> {
        self.save_definition(Kept::Connectors, &connector.item.id, connector)
            .await
    }

    /// Deletes a connector and the log of its runs (what it wrote stays, and the audit log tells of it),
    /// so that a connector saved later under the same id starts afresh. Whether there was one.
    pub async fn delete_connector(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self.delete_definition(Kept::Connectors, id).await?;
        let _writer = self.writer.lock().await;
        sqlx::query("DELETE FROM connector_runs WHERE connector = $1")
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(deleted)
    }

    /// Adds a run to the log (durable when this returns); its id.
    pub async fn record_connector_run(&self, run: &ConnectorRun) -> Result<i64, StoreError> {
        let problems = serde_json::to_string(&run.problems).map_err(corrupt)?;
        let as_i64 = |n: u64| i64::try_from(n).map_err(corrupt);
        let _writer = self.writer.lock().await;
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO connector_runs ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             $11, $12, $13, $14) RETURNING id",
            &RUN_COLUMNS["id, ".len()..]
        )))
        .bind(run.connector.clone())
        .bind(run.trigger.as_str())
        .bind(i64::from(run.attempt))
        .bind(run.started_at.as_millisecond())
        .bind(run.finished_at.as_millisecond())
        .bind(run.outcome.as_str())
        .bind(as_i64(run.records)?)
        .bind(as_i64(run.created)?)
        .bind(as_i64(run.updated)?)
        .bind(as_i64(run.unchanged)?)
        .bind(as_i64(run.rejected)?)
        .bind(run.error.clone())
        .bind(problems)
        .bind(run.retry_at.map(|at| at.as_millisecond()))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// A connector's latest runs, newest first, at most `limit`.
    pub async fn connector_runs(
        &self,
        connector: &str,
        limit: usize,
    ) -> Result<Vec<ConnectorRun>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RUN_COLUMNS} FROM connector_runs WHERE connector = $1 ORDER BY id DESC LIMIT $2"
        )))
        .bind(connector.to_owned())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_run).collect()
    }
}
