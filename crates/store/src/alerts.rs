//! Alert rules, alerts and their timelines. An alert row holds what lists filter on in columns and the
//! facts found in JSON; every change to it checks and bumps its version, so that the rule watcher and a
//! person acting on the same alert at the same moment cannot overwrite each other.

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use vantage_model::alert::{Alert, AlertState, Assignee, Severity, TimelineEntry, TimelineEvent};
use vantage_model::alert_rule::AlertRule;

use crate::definitions::{Kept, Saved};
use crate::outbox::{Delivery, enqueue};
use crate::{Store, StoreError};

/// A rule as last saved.
pub type StoredRule = Saved<AlertRule>;

/// A file attached to an alert's explanation, without its content.
#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub id: i64,
    pub alert: i64,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    /// Of the content, in hex: says which file was attached, whatever its name.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: Timestamp,
}

const ATTACHMENT_COLUMNS: &str =
    "id, alert, name, media_type, size, sha256, uploaded_by, uploaded_at";

fn decode_attachment(row: &AnyRow) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        id: row.try_get(0)?,
        alert: row.try_get(1)?,
        name: row.try_get(2)?,
        media_type: row.try_get(3)?,
        size: u64::try_from(row.try_get::<i64, _>(4)?)
            .map_err(|error| corrupt("attachment size", error))?,
        sha256: row.try_get(5)?,
        uploaded_by: row.try_get(6)?,
        uploaded_at: instant(row.try_get(7)?)?,
    })
}

/// Which alerts to list; every field set narrows the list.
#[derive(Clone, Debug, Default)]
pub struct AlertFilter {
    pub states: Vec<AlertState>,
    pub severity: Option<Severity>,
    pub domain: Option<String>,
    pub unit: Option<String>,
    pub assignee: Option<String>,
    pub rule: Option<String>,
    pub public: Option<bool>,
}

const ALERT_COLUMNS: &str = "id, rule, severity, indicator, domain, unit_code, period, finding, \
    state, holds, public, assignee_kind, assignee_code, opened_at, updated_at, due_at, reminded_at, \
    escalated_at, triggers, version";

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {error}"))
}

fn instant(millis: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(millis).map_err(|error| corrupt("alert time", error))
}

fn optional_instant(millis: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    millis.map(instant).transpose()
}

fn assignee(kind: Option<String>, code: Option<String>) -> Result<Option<Assignee>, StoreError> {
    match kind.zip(code) {
        Some((kind, code)) => Assignee::new(&kind, code)
            .map(Some)
            .map_err(|error| corrupt("assignee", error)),
        None => Ok(None),
    }
}

fn decode_alert(row: &AnyRow) -> Result<Alert, StoreError> {
    let finding: String = row.try_get(7)?;
    let period: String = row.try_get(6)?;
    let severity: String = row.try_get(2)?;
    let state: String = row.try_get(8)?;
    Ok(Alert {
        id: row.try_get(0)?,
        rule: row.try_get(1)?,
        severity: Severity::parse(&severity).map_err(|error| corrupt("alert", error))?,
        indicator: row.try_get(3)?,
        domain: row.try_get(4)?,
        unit: row.try_get(5)?,
        period: period
            .parse()
            .map_err(|error| corrupt("alert period", error))?,
        finding: serde_json::from_str(&finding).map_err(|error| corrupt("alert finding", error))?,
        state: AlertState::parse(&state).map_err(|error| corrupt("alert", error))?,
        holds: row.try_get::<i64, _>(9)? != 0,
        public: row.try_get::<i64, _>(10)? != 0,
        assignee: assignee(row.try_get(11)?, row.try_get(12)?)?,
        opened_at: instant(row.try_get(13)?)?,
        updated_at: instant(row.try_get(14)?)?,
        due_at: optional_instant(row.try_get(15)?)?,
        reminded_at: optional_instant(row.try_get(16)?)?,
        escalated_at: optional_instant(row.try_get(17)?)?,
        triggers: u32::try_from(row.try_get::<i64, _>(18)?)
            .map_err(|error| corrupt("alert triggers", error))?,
        version: row.try_get(19)?,
    })
}

fn decode_entry(row: &AnyRow) -> Result<TimelineEntry, StoreError> {
    let event: String = row.try_get(2)?;
    let state: String = row.try_get(4)?;
    let explanation: Option<String> = row.try_get(7)?;
    Ok(TimelineEntry {
        at: instant(row.try_get(0)?)?,
        actor: row.try_get(1)?,
        event: TimelineEvent::parse(&event).map_err(|error| corrupt("timeline", error))?,
        note: row.try_get(3)?,
        state: AlertState::parse(&state).map_err(|error| corrupt("timeline", error))?,
        assignee: assignee(row.try_get(5)?, row.try_get(6)?)?,
        explanation: explanation
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|error| corrupt("explanation", error))?,
    })
}

impl Store {
    pub async fn alert_rules(&self) -> Result<Vec<StoredRule>, StoreError> {
        self.definitions(Kept::AlertRules).await
    }

    pub async fn save_alert_rule(&self, rule: &StoredRule) -> Result<(), StoreError> {
        self.save_definition(Kept::AlertRules, &rule.item.id, rule)
            .await
    }

    /// Deletes a rule; its alerts stay. Whether there was one.
    pub async fn delete_alert_rule(&self, id: &str) -> Result<bool, StoreError> {
        self.delete_definition(Kept::AlertRules, id).await
    }

    /// Opens new alerts and changes others, each with its new timeline entries, and puts in the outbox
    /// the notices `notify` asks for each entry, in one transaction: the opened alerts with their ids, or
    /// `None` when a changed alert is no longer at the version it was read at (`version - 1`), in which
    /// case nothing is written. Opening is refused with [`StoreError::AlreadyExists`] while the rule has
    /// an alert on the subject that is not closed.
    pub async fn write_alerts(
        &self,
        opened: &[(Alert, Vec<TimelineEntry>)],
        changed: &[(Alert, Vec<TimelineEntry>)],
        notify: &(dyn Fn(&Alert, &TimelineEntry) -> Vec<Delivery> + Sync),
    ) -> Result<Option<Vec<Alert>>, StoreError> {
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        let mut ids = Vec::with_capacity(opened.len());
        for (alert, entries) in opened {
            let id = insert_alert(&mut tx, alert).await?;
            append_entries(&mut tx, id, 0, entries).await?;
            let alert = Alert {
                id,
                ..alert.clone()
            };
            for entry in entries {
                enqueue(&mut tx, &alert, entry, &notify(&alert, entry)).await?;
            }
            ids.push(alert);
        }
        for (alert, entries) in changed {
            if !update_alert(&mut tx, alert).await? {
                return Ok(None);
            }
            if !entries.is_empty() {
                let last: Option<i64> =
                    sqlx::query("SELECT MAX(seq) FROM alert_timeline WHERE alert = $1")
                        .bind(alert.id)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get(0)?;
                append_entries(&mut tx, alert.id, last.unwrap_or(0), entries).await?;
            }
            for entry in entries {
                enqueue(&mut tx, alert, entry, &notify(alert, entry)).await?;
            }
        }
        tx.commit().await?;
        Ok(Some(ids))
    }

    pub async fn alert(&self, id: i64) -> Result<Option<Alert>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(decode_alert).transpose()
    }

    /// Alerts matching `filter`, the most recently changed first.
    pub async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let mut conditions = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut text = |column: &str, value: &str, binds: &mut Vec<String>| {
            binds.push(value.to_owned());
            conditions.push(format!("{column} = ${}", binds.len()));
        };
        if let Some(severity) = filter.severity {
            text("severity", severity.as_str(), &mut binds);
        }
        for (column, value) in [
            ("domain", &filter.domain),
            ("unit_code", &filter.unit),
            ("assignee_code", &filter.assignee),
            ("rule", &filter.rule),
        ] {
            if let Some(value) = value {
                text(column, value, &mut binds);
            }
        }
        if let Some(public) = filter.public {
            conditions.push(format!("public = {}", i64::from(public)));
        }
        if !filter.states.is_empty() {
            // Vocabulary words only: no user text reaches the SQL.
            let states: Vec<String> = filter
                .states
                .iter()
                .map(|state| format!("'{}'", state.as_str()))
                .collect();
            conditions.push(format!("state IN ({})", states.join(", ")));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM alerts {filter} ORDER BY updated_at DESC, id DESC"
        )));
        for bind in binds {
            query = query.bind(bind);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(decode_alert).collect()
    }

    /// Keeps a file attached to an alert (durable when this returns).
    pub async fn add_attachment(
        &self,
        alert: i64,
        name: &str,
        media_type: &str,
        content: &[u8],
        by: &str,
        at: Timestamp,
    ) -> Result<Attachment, StoreError> {
        use sha2::Digest;
        let sha256 = hex::encode(sha2::Sha256::digest(content));
        let size = i64::try_from(content.len()).map_err(|error| corrupt("attachment", error))?;
        let _writer = self.writer.lock().await;
        let row = sqlx::query(
            "INSERT INTO alert_attachments (alert, name, media_type, size, sha256, content, \
             uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(alert)
        .bind(name.to_owned())
        .bind(media_type.to_owned())
        .bind(size)
        .bind(sha256.clone())
        .bind(content.to_vec())
        .bind(by.to_owned())
        .bind(at.as_millisecond())
        .fetch_one(&self.pool)
        .await?;
        Ok(Attachment {
            id: row.try_get(0)?,
            alert,
            name: name.to_owned(),
            media_type: media_type.to_owned(),
            size: content.len() as u64,
            sha256,
            uploaded_by: by.to_owned(),
            uploaded_at: at,
        })
    }

    /// The files attached to an alert, oldest first.
    pub async fn attachments(&self, alert: i64) -> Result<Vec<Attachment>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM alert_attachments WHERE alert = $1 ORDER BY id"
        )))
        .bind(alert)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_attachment).collect()
    }

    /// One attached file with its content.
    pub async fn attachment(
        &self,
        alert: i64,
        id: i64,
    ) -> Result<Option<(Attachment, Vec<u8>)>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS}, content FROM alert_attachments WHERE alert = $1 AND id = $2"
        )))
        .bind(alert)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((decode_attachment(&row)?, row.try_get::<Vec<u8>, _>(8)?)))
            .transpose()
    }

    /// Records that `user` has seen each alert at the version given (never moving a read marker back),
    /// durable when this returns. Versions are the caller's to cap at what it showed.
    pub async fn mark_alerts_read(
        &self,
        user: &str,
        seen: &[(i64, i64)],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        for (alert, version) in seen {
            sqlx::query(
                "INSERT INTO alert_reads (username, alert, version, read_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (username, alert) DO UPDATE SET version = excluded.version, \
                 read_at = excluded.read_at WHERE alert_reads.version < excluded.version",
            )
            .bind(user.to_owned())
            .bind(*alert)
            .bind(*version)
            .bind(at.as_millisecond())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The version at which `user` last read each of `alerts` it has read.
    pub async fn alert_read_versions(
        &self,
        user: &str,
        alerts: &[i64],
    ) -> Result<HashMap<i64, i64>, StoreError> {
        let mut versions = HashMap::new();
        // Numbers only in the list: nothing the caller typed reaches the SQL.
        for chunk in alerts.chunks(1000) {
            let ids: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT alert, version FROM alert_reads WHERE username = $1 AND alert IN ({})",
                ids.join(", ")
            )))
            .bind(user.to_owned())
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                versions.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        Ok(versions)
    }

    /// An alert's timeline, oldest first.
    pub async fn alert_timeline(&self, id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, event, note, state, assignee_kind, assignee_code, explanation \
             FROM alert_timeline WHERE alert = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_entry).collect()
    }
}

async fn append_entries(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    alert: i64,
    after: i64,
    entries: &[TimelineEntry],
) -> Result<(), StoreError> {
    for (seq, entry) in (after + 1..).zip(entries) {
        let explanation = entry
            .explanation
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|error| corrupt("explanation", error))?;
        sqlx::query(
            "INSERT INTO alert_timeline (alert, seq, at, actor, event, note, state, assignee_kind, \
             assignee_code, explanation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(alert)
        .bind(seq)
        .bind(entry.at.as_millisecond())
        .bind(entry.actor.clone())
        .bind(entry.event.as_str())
        .bind(entry.note.clone())
        .bind(entry.state.as_str())
        .bind(entry.assignee.as_ref().map(|a| a.kind().to_owned()))
        .bind(entry.assignee.as_ref().map(|a| a.code().to_owned()))
        .bind(explanation)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_alert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    alert: &Alert,
) -> Result<i64, StoreError> {
    let finding =
        serde_json::to_string(&alert.finding).map_err(|error| corrupt("finding", error))?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO alerts ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19) RETURNING id",
        &ALERT_COLUMNS["id, ".len()..]
    )))
    .bind(alert.rule.clone())
    .bind(alert.severity.as_str())
    .bind(alert.indicator.clone())
    .bind(alert.domain.clone())
    .bind(alert.unit.clone())
    .bind(alert.period.to_string())
    .bind(finding)
    .bind(alert.state.as_str())
    .bind(i64::from(alert.holds))
    .bind(i64::from(alert.public))
    .bind(alert.assignee.as_ref().map(|a| a.kind().to_owned()))
    .bind(alert.assignee.as_ref().map(|a| a.code().to_owned()))
    .bind(alert.opened_at.as_millisecond())
    .bind(alert.updated_at.as_millisecond())
    .bind(alert.due_at.map(|at| at.as_millisecond()))
    .bind(alert.reminded_at.map(|at| at.as_millisecond()))
    .bind(alert.escalated_at.map(|at| at.as_millisecond()))
    .bind(i64::from(alert.triggers))
    .bind(alert.version)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get(0)?)
}

/// Writes `alert` over the version it was read at; `false` when the stored one is no longer that.
async fn update_alert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    alert: &Alert,
) -> Result<bool, StoreError> {
    let finding =
        serde_json::to_string(&alert.finding).map_err(|error| corrupt("finding", error))?;
    let done = sqlx::query(
        "UPDATE alerts SET severity = $1, period = $2, finding = $3, state = $4, holds = $5, \
         public = $6, assignee_kind = $7, assignee_code = $8, updated_at = $9, due_at = $10, \
         reminded_at = $11, escalated_at = $12, triggers = $13, version = $14 \
         WHERE id = $15 AND version = $16",
    )
    .bind(alert.severity.as_str())
    .bind(alert.period.to_string())
    .bind(finding)
    .bind(alert.state.as_str())
    .bind(i64::from(alert.holds))
    .bind(i64::from(alert.public))
    .bind(alert.assignee.as_ref().map(|a| a.kind().to_owned()))
    .bind(alert.assignee.as_ref().map(|a| a.code().to_owned()))
    .bind(alert.updated_at.as_millisecond())
    .bind(alert.due_at.map(|at| at.as_millisecond()))
    .bind(alert.reminded_at.map(|at| at.as_millisecond()))
    .bind(alert.escalated_at.map(|at| at.as_millisecond()))
    .bind(i64::from(alert.triggers))
    .bind(alert.version)
    .bind(alert.id)
    .bind(alert.version - 1)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}
