//! Notification policies and the outbox of notices to send: written in the same transaction as the alert
//! changes they tell of (see [`Store::write_alerts`]), then delivered, retried after failures, and kept
//! with their outcome.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use vantage_model::alert::{Alert, TimelineEntry};
use vantage_model::notify::NotificationPolicy;

use crate::definitions::{Kept, Saved};
use crate::{Store, StoreError};

/// A policy as last saved.
pub type StoredPolicy = Saved<NotificationPolicy>;

/// A notice to put in the outbox with an alert change: under which policy, to go out when.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub policy: String,
    pub due_at: Timestamp,
}

/// A notice in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    pub policy: String,
    /// The alert as the notice left it, and the timeline entry told.
    pub alert: Alert,
    pub entry: TimelineEntry,
    pub created_at: Timestamp,
    /// When it goes out (after mute windows and the digest's gathering), or is tried again.
    pub due_at: Timestamp,
    pub attempts: u32,
    pub delivered_at: Option<Timestamp>,
    /// Given up on after too many attempts.
    pub failed_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// Which outbox items to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxStatus {
    Pending,
    Delivered,
    Failed,
}

const OUTBOX_COLUMNS: &str = "id, policy, alert_json, entry_json, created_at, due_at, attempts, \
    delivered_at, failed_at, last_error";

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {error}"))
}

fn instant(millis: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(millis).map_err(|error| corrupt("outbox time", error))
}

fn decode_item(row: &AnyRow) -> Result<OutboxItem, StoreError> {
    let alert: String = row.try_get(2)?;
    let entry: String = row.try_get(3)?;
    let optional = |index: usize| -> Result<Option<Timestamp>, StoreError> {
        row.try_get::<Option<i64>, _>(index)?
            .map(instant)
            .transpose()
    };
    Ok(OutboxItem {
        id: row.try_get(0)?,
        policy: row.try_get(1)?,
        alert: serde_json::from_str(&alert).map_err(|error| corrupt("outbox alert", error))?,
        entry: serde_json::from_str(&entry).map_err(|error| corrupt("outbox entry", error))?,
        created_at: instant(row.try_get(4)?)?,
        due_at: instant(row.try_get(5)?)?,
        attempts: u32::try_from(row.try_get::<i64, _>(6)?)
            .map_err(|error| corrupt("outbox attempts", error))?,
        delivered_at: optional(7)?,
        failed_at: optional(8)?,
        last_error: row.try_get(9)?,
    })
}

/// Puts notices in the outbox inside an alert write's transaction.
pub(crate) async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    alert: &Alert,
    entry: &TimelineEntry,
    deliveries: &[Delivery],
) -> Result<(), StoreError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let alert_json =
        serde_json::to_string(alert).map_err(|error| corrupt("outbox alert", error))?;
    let entry_json =
        serde_json::to_string(entry).map_err(|error| corrupt("outbox entry", error))?;
    for delivery in deliveries {
        sqlx::query(
            "INSERT INTO notification_outbox (policy, alert, alert_json, entry_json, created_at, \
             due_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, 0)",
        )
        .bind(delivery.policy.clone())
        .bind(alert.id)
        .bind(alert_json.clone())
        .bind(entry_json.clone())
        .bind(entry.at.as_millisecond())
        .bind(delivery.due_at.as_millisecond())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    pub async fn notification_policies(&self) -> Result<Vec<StoredPolicy>, StoreError> {
        self.definitions(Kept::NotificationPolicies).await
    }

    pub async fn save_notification_policy(&self, policy: &StoredPolicy) -> Result<(), StoreError> {
        self.save_definition(Kept::NotificationPolicies, &policy.item.id, policy)
            .await
    }

    /// Deletes a policy; what it already put in the outbox stays there. Whether there was one.
    pub async fn delete_notification_policy(&self, id: &str) -> Result<bool, StoreError> {
        self.delete_definition(Kept::NotificationPolicies, id).await
    }

    /// The pending items due by `now`, by policy and in the order they were made.
    pub async fn outbox_due(&self, now: Timestamp) -> Result<Vec<OutboxItem>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM notification_outbox WHERE delivered_at IS NULL \
             AND failed_at IS NULL AND due_at <= $1 ORDER BY policy, id"
        )))
        .bind(now.as_millisecond())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_item).collect()
    }

    /// When the next pending item falls due.
    pub async fn outbox_next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let next: Option<i64> = sqlx::query(
            "SELECT MIN(due_at) FROM notification_outbox WHERE delivered_at IS NULL \
             AND failed_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        next.map(instant).transpose()
    }

    /// The latest items of one status, newest first, at most `limit`.
    pub async fn outbox(
        &self,
        status: OutboxStatus,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let condition = match status {
            OutboxStatus::Pending => "delivered_at IS NULL AND failed_at IS NULL",
            OutboxStatus::Delivered => "delivered_at IS NOT NULL",
            OutboxStatus::Failed => "failed_at IS NOT NULL",
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM notification_outbox WHERE {condition} \
             ORDER BY id DESC LIMIT {}",
            limit.min(10_000)
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_item).collect()
    }

    /// Records what became of an attempt to deliver `ids`: delivered, tried again at `retry_at`, or
    /// given up (`retry_at` `None`) with `error`.
    pub async fn record_delivery(
        &self,
        ids: &[i64],
        now: Timestamp,
        outcome: Result<(), (&str, Option<Timestamp>)>,
    ) -> Result<(), StoreError> {
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        for id in ids {
            let query = match outcome {
                Ok(()) => sqlx::query(
                    "UPDATE notification_outbox SET delivered_at = $1, attempts = attempts + 1, \
                     last_error = NULL WHERE id = $2",
                )
                .bind(now.as_millisecond())
                .bind(*id),
                Err((error, Some(retry_at))) => sqlx::query(
                    "UPDATE notification_outbox SET due_at = $1, attempts = attempts + 1, \
                     last_error = $2 WHERE id = $3",
                )
                .bind(retry_at.as_millisecond())
                .bind(error.to_owned())
                .bind(*id),
                Err((error, None)) => sqlx::query(
                    "UPDATE notification_outbox SET failed_at = $1, attempts = attempts + 1, \
                     last_error = $2 WHERE id = $3",
                )
                .bind(now.as_millisecond())
                .bind(error.to_owned())
                .bind(*id),
            };
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
