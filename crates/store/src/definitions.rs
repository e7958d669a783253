//! Things kept as their JSON definition with who saved them last and when: alert rules, notification
//! policies, connectors. One way to read, save and delete them all.

use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, Row};

use crate::{Store, StoreError};

/// The tables of definitions (names from this list only reach the SQL).
#[derive(Clone, Copy)]
pub(crate) enum Kept {
    AlertRules,
    NotificationPolicies,
    Connectors,
}

impl Kept {
    fn table(self) -> &'static str {
        match self {
            Kept::AlertRules => "alert_rules",
            Kept::NotificationPolicies => "notification_policies",
            Kept::Connectors => "connectors",
        }
    }
}

fn corrupt(kept: Kept, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{}: {error}", kept.table()))
}

/// A definition with who saved it last and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved<T> {
    pub item: T,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

impl Store {
    /// Every definition of the table, by id.
    pub(crate) async fn definitions<T: DeserializeOwned>(
        &self,
        kept: Kept,
    ) -> Result<Vec<Saved<T>>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT definition, updated_by, updated_at FROM {} ORDER BY id",
            kept.table()
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let definition: String = row.try_get(0)?;
                Ok(Saved {
                    item: serde_json::from_str(&definition)
                        .map_err(|error| corrupt(kept, error))?,
                    updated_by: row.try_get(1)?,
                    updated_at: Timestamp::from_millisecond(row.try_get(2)?)
                        .map_err(|error| corrupt(kept, error))?,
                })
            })
            .collect()
    }

    /// Saves a definition under `id`, replacing the one there.
    pub(crate) async fn save_definition<T: Serialize>(
        &self,
        kept: Kept,
        id: &str,
        saved: &Saved<T>,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(&saved.item).map_err(|error| corrupt(kept, error))?;
        let _writer = self.writer.lock().await;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {} (id, definition, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            kept.table()
        )))
        .bind(id.to_owned())
        .bind(text)
        .bind(saved.updated_by.clone())
        .bind(saved.updated_at.as_millisecond())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes the definition under `id`; whether there was one.
    pub(crate) async fn delete_definition(&self, kept: Kept, id: &str) -> Result<bool, StoreError> {
        let _writer = self.writer.lock().await;
        let done = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {} WHERE id = $1",
            kept.table()
        )))
        .bind(id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
