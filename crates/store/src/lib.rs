//! Persistence behind one interface, on SQLite (the embedded default) or PostgreSQL, picked by the database
//! URL. Both backends run the same SQL through sqlx's `Any` driver; what differs between them (column types,
//! connection settings) lives in the per-backend migrations and in [`Store::open`].

mod alerts;
mod audit;
mod connectors;
mod convert;
mod definitions;
mod outbox;
mod table;
#[cfg(feature = "testing")]
pub mod testing;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, AssertSqlSafe, Executor, Row};
use tokio::sync::Mutex;
use vantage_model::access::User;
use vantage_model::agency::Agency;
use vantage_model::calendar::Holiday;
use vantage_model::indicator::{Domain, Indicator};
use vantage_model::period::Period;
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target};
use vantage_model::unit::{Lineage, Unit};

pub use crate::alerts::{AlertFilter, Attachment, StoredRule};
pub use crate::audit::{AuditCheck, AuditEntry};
pub use crate::connectors::{ConnectorRun, StoredConnector};
use crate::convert::{Decode, Encode};
pub use crate::definitions::Saved;
pub use crate::outbox::{Delivery, OutboxItem, OutboxStatus, StoredPolicy};
pub use crate::table::WriteCounts;
use crate::table::{Cell, Table};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme `{0}`: expected sqlite:PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed => StoreError::Unavailable(error.to_string()),
            sqlx::Error::Database(ref database) if database.is_unique_violation() => {
                StoreError::AlreadyExists(database.message().to_owned())
            }
            _ => StoreError::Database(error.to_string()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            // Only the scheme: the rest of a URL may hold a password.
            let scheme = url.split(':').next().unwrap_or_default();
            Err(StoreError::UnsupportedUrl(scheme.to_owned()))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// An API token as stored, without its secret.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiToken {
    /// The public part of the token, shown in lists and used to revoke it.
    pub id: String,
    pub username: String,
    /// What it is for, e.g. `trạm quan trắc`.
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    pub created_at: jiff::Timestamp,
    pub expires_at: jiff::Timestamp,
    pub revoked_at: Option<jiff::Timestamp>,
    pub last_used: Option<jiff::Timestamp>,
}

/// The surveyed boundary of one unit record.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitBoundary {
    pub unit: String,
    /// The first day of the unit record it belongs to (`None`: the record that predates our records).
    pub valid_from: Option<jiff::civil::Date>,
    pub area: vantage_model::geometry::Area,
    /// Where it came from, e.g. `import:ranh-gioi.geojson`.
    pub source: String,
    pub imported_at: jiff::Timestamp,
}

/// A dashboard's layout as last saved.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedLayout {
    pub tiles: Vec<vantage_model::dashboard::Tile>,
    pub updated_by: String,
    pub updated_at: jiff::Timestamp,
}

/// Which audit entries to read.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Entries after this sequence number (0 for the start).
    pub after: i64,
    pub actor: Option<String>,
    pub object: Option<String>,
    pub from: Option<jiff::Timestamp>,
    /// Entries before this instant.
    pub to: Option<jiff::Timestamp>,
}

fn audit_entry(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    let millis: i64 = row.try_get(1)?;
    Ok(AuditEntry {
        seq: row.try_get(0)?,
        at: jiff::Timestamp::from_millisecond(millis)
            .map_err(|error| StoreError::Corrupt(format!("audit time: {error}")))?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        object: row.try_get(4)?,
        detail: row.try_get(5)?,
        hash: row.try_get(6)?,
    })
}

/// The answer a write with an idempotency key got.
#[derive(Clone, Debug, PartialEq)]
pub struct IdempotentAnswer {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// A signed-in session: whose it is and when it began and was last used.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub user: User,
    pub created_at: jiff::Timestamp,
    pub last_seen: jiff::Timestamp,
}

/// A current value as analytics read it.
#[derive(Clone, Copy, Debug)]
pub struct CountedValue<'a> {
    pub indicator: &'a str,
    pub unit: &'a str,
    pub period: Period,
    pub value: f64,
}

/// Which observations to read.
#[derive(Clone, Debug, Default)]
pub struct ObservationFilter {
    pub indicator: Option<String>,
    pub unit: Option<String>,
    /// Periods ending on or after this day.
    pub from: Option<Date>,
    /// Periods ending on or before this day.
    pub to: Option<Date>,
    /// Values in this status; by default every status but `deleted`.
    pub status: Option<ObservationStatus>,
}

pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// One writer at a time: SQLite allows no more, and serialising here keeps a reading transaction from
    /// failing when it upgrades to a write.
    writer: Mutex<()>,
}

const DOMAINS: Table = Table {
    name: "domains",
    columns: &[("code", T), ("name_vi", T), ("name_en", T)],
    key: 1,
    compared: 3,
    history: None,
};

const HOLIDAYS: Table = Table {
    name: "holidays",
    columns: &[("day", I), ("name", T)],
    key: 1,
    compared: 2,
    history: None,
};

const AGENCIES: Table = Table {
    name: "agencies",
    columns: &[
        ("code", T),
        ("name_vi", T),
        ("name_en", T),
        ("kind", T),
        ("jurisdiction", T),
    ],
    key: 1,
    compared: 5,
    history: None,
};

const UNITS: Table = Table {
    name: "units",
    columns: &[
        ("code", T),
        ("valid_from", I),
        ("valid_to", I),
        ("name", T),
        ("level", T),
        ("parent_code", T),
        ("kind", T),
        ("lat", R),
        ("lon", R),
    ],
    key: 2,
    compared: 9,
    history: None,
};

const LINEAGE: Table = Table {
    name: "lineage",
    columns: &[
        ("old_code", T),
        ("new_code", T),
        ("effective_date", I),
        ("kind", T),
        ("weight", R),
    ],
    key: 3,
    compared: 5,
    history: None,
};

const INDICATORS: Table = Table {
    name: "indicators",
    columns: &[
        ("code", T),
        ("name_vi", T),
        ("name_en", T),
        ("domain", T),
        ("measure", T),
        ("frequency", T),
        ("time_aggregation", T),
        ("space_aggregation", T),
        ("polarity", T),
        ("cumulative", I),
        ("levels", T),
        ("owner_agency", T),
        ("formula", T),
        ("public", I),
        ("source", T),
        ("confidence", T),
        ("deadline", T),
        ("computed", T),
    ],
    key: 1,
    compared: 18,
    history: None,
};

const TARGETS: Table = Table {
    name: "targets",
    columns: &[
        ("indicator", T),
        ("unit_code", T),
        ("period", T),
        ("kind", T),
        ("value", R),
        ("value_max", R),
        ("source_document", T),
    ],
    key: 3,
    compared: 7,
    history: None,
};

const OBSERVATIONS: Table = Table {
    name: "observations",
    columns: &[
        ("indicator", T),
        ("unit_code", T),
        ("period", T),
        ("value", R),
        ("status", T),
        ("comment", T),
        ("source", T),
        ("author", T),
        ("recorded_at", I),
        ("period_start", I),
        ("period_end", I),
        ("revision", I),
    ],
    key: 3,
    compared: 6,
    history: Some("observation_revisions"),
};

const USERS: Table = Table {
    name: "users",
    columns: &[
        ("username", T),
        ("role", T),
        ("agency", T),
        ("unit_code", T),
        ("domain", T),
        ("password_hash", T),
        ("created_at", I),
    ],
    key: 1,
    compared: 7,
    history: None,
};

use crate::table::ColumnType::{Int as I, Real as R, Text as T};

impl Store {
    /// Connects, creating an SQLite file if needed, and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL makes a commit durable before it
                        // returns, which is the promise an acknowledged write makes. A 32 MB page cache
                        // (the default is 2 MB) keeps the value index in memory during bulk writes.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA cache_size = -32768;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator
            .run(&pool)
            .await
            .map_err(|error| StoreError::Migration(error.to_string()))?;
        Ok(Store {
            pool,
            backend,
            writer: Mutex::new(()),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Applies one batch to one table in one transaction.
    async fn write(&self, table: &Table, rows: Vec<Vec<Cell>>) -> Result<WriteCounts, StoreError> {
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        let counts = table.upsert(&mut tx, self.backend, rows).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn read<D: Decode>(
        &self,
        table: &Table,
        filter: &str,
        binds: Vec<Cell>,
    ) -> Result<Vec<D>, StoreError> {
        let columns: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
        // Revisions of one key come oldest first.
        let mut order: Vec<&str> = columns[..table.key].to_vec();
        order.extend(columns.iter().filter(|name| **name == "revision"));
        let sql = format!(
            "SELECT {} FROM {} {filter} ORDER BY {}",
            columns.join(", "),
            table.name,
            order.join(", ")
        );
        self.fetch(table, sql, &binds).await
    }

    /// Runs a query over `table`'s columns with `binds` and decodes each row.
    async fn fetch<D: Decode>(
        &self,
        table: &Table,
        sql: String,
        binds: &[Cell],
    ) -> Result<Vec<D>, StoreError> {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for cell in binds {
            query = table::bind(query, cell);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| D::decode(table.decode(row)?))
            .collect()
    }

    pub async fn write_holidays(&self, holidays: &[Holiday]) -> Result<WriteCounts, StoreError> {
        self.write(&HOLIDAYS, holidays.iter().map(Encode::encode).collect())
            .await
    }

    /// The statutory holidays, in order.
    pub async fn holidays(&self) -> Result<Vec<Holiday>, StoreError> {
        let mut holidays: Vec<Holiday> = self.read(&HOLIDAYS, "", vec![]).await?;
        holidays.sort_by_key(|holiday| holiday.day);
        Ok(holidays)
    }

    pub async fn write_domains(&self, domains: &[Domain]) -> Result<WriteCounts, StoreError> {
        self.write(&DOMAINS, domains.iter().map(Encode::encode).collect())
            .await
    }

    pub async fn domains(&self) -> Result<Vec<Domain>, StoreError> {
        self.read(&DOMAINS, "", vec![]).await
    }

    pub async fn write_agencies(&self, agencies: &[Agency]) -> Result<WriteCounts, StoreError> {
        self.write(&AGENCIES, agencies.iter().map(Encode::encode).collect())
            .await
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        self.read(&AGENCIES, "", vec![]).await
    }

    pub async fn write_units(&self, units: &[Unit]) -> Result<WriteCounts, StoreError> {
        self.write(&UNITS, units.iter().map(Encode::encode).collect())
            .await
    }

    pub async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        self.read(&UNITS, "", vec![]).await
    }

    pub async fn write_lineage(&self, lineage: &[Lineage]) -> Result<WriteCounts, StoreError> {
        self.write(&LINEAGE, lineage.iter().map(Encode::encode).collect())
            .await
    }

    pub async fn lineage(&self) -> Result<Vec<Lineage>, StoreError> {
        self.read(&LINEAGE, "", vec![]).await
    }

    pub async fn write_indicators(
        &self,
        indicators: &[Indicator],
    ) -> Result<WriteCounts, StoreError> {
        self.write(&INDICATORS, indicators.iter().map(Encode::encode).collect())
            .await
    }

    pub async fn indicators(&self) -> Result<Vec<Indicator>, StoreError> {
        self.read(&INDICATORS, "", vec![]).await
    }

    pub async fn write_targets(&self, targets: &[Target]) -> Result<WriteCounts, StoreError> {
        self.write(&TARGETS, targets.iter().map(Encode::encode).collect())
            .await
    }

    pub async fn targets(&self) -> Result<Vec<Target>, StoreError> {
        self.read(&TARGETS, "", vec![]).await
    }

    /// Writes a batch of values atomically. A value that differs from the current one becomes a new revision
    /// and the old one moves to the history; an identical value is left alone.
    pub async fn write_observations(
        &self,
        observations: &[Observation],
    ) -> Result<WriteCounts, StoreError> {
        self.write(
            &OBSERVATIONS,
            observations.iter().map(Encode::encode).collect(),
        )
        .await
    }

    pub async fn observations(
        &self,
        filter: &ObservationFilter,
    ) -> Result<Vec<Observation>, StoreError> {
        let mut conditions = Vec::new();
        let mut binds = Vec::new();
        let mut condition = |sql: &str, cell: Cell| {
            binds.push(cell);
            conditions.push(format!("{sql} ${}", binds.len()));
        };
        if let Some(indicator) = &filter.indicator {
            condition("indicator =", Cell::text(indicator.as_str()));
        }
        if let Some(unit) = &filter.unit {
            condition("unit_code =", Cell::text(unit.as_str()));
        }
        if let Some(from) = filter.from {
            condition("period_end >=", Cell::int(convert::day_number(from)));
        }
        if let Some(to) = filter.to {
            condition("period_end <=", Cell::int(convert::day_number(to)));
        }
        match filter.status {
            Some(status) => condition("status =", Cell::text(status.as_str())),
            None => condition("status <>", Cell::text(ObservationStatus::Deleted.as_str())),
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let mut observations: Vec<Observation> = self.read(&OBSERVATIONS, &filter, binds).await?;
        // Sorted here, not by the database, whose text collation differs between backends.
        observations.sort_by(|a, b| {
            (&a.key.indicator, a.key.period, &a.key.unit).cmp(&(
                &b.key.indicator,
                b.key.period,
                &b.key.unit,
            ))
        });
        Ok(observations)
    }

    /// Streams the current value of every cell that counts in analytics (all but drafts and deleted
    /// values, as [`ObservationStatus::counts`] says) to `visit`,
    /// without building observations: the engine's start-up load, which must read millions. Values come
    /// grouped by (indicator, period), one row per group with its units and values packed in a text
    /// (units are codes; values are written with enough digits to read back exactly), because the
    /// drivers hand each row from their worker thread to the caller at a cost that dwarfs reading it.
    pub async fn for_each_counted_value(
        &self,
        mut visit: impl FnMut(CountedValue<'_>) -> Result<(), String>,
    ) -> Result<u64, StoreError> {
        let packed = match self.backend {
            Backend::Sqlite => {
                "group_concat(unit_code || char(31) || printf('%!.17g', value), char(30))"
            }
            // float8 prints the shortest text that reads back exactly.
            Backend::Postgres => "string_agg(unit_code || chr(31) || value::text, chr(30))",
        };
        let sql = format!(
            "SELECT indicator, period, {packed} FROM observations \
             WHERE status NOT IN ('draft', 'deleted') GROUP BY indicator, period"
        );
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&self.pool);
        let mut count = 0;
        while let Some(row) = rows.try_next().await? {
            let indicator: &str = row.try_get(0)?;
            let period: &str = row.try_get(1)?;
            let period = Period::parse(period)
                .map_err(|error| StoreError::Corrupt(format!("stored period {period}: {error}")))?;
            let packed: &str = row.try_get(2)?;
            for pair in packed.split('\u{1e}') {
                let parsed = pair
                    .split_once('\u{1f}')
                    .and_then(|(unit, value)| Some((unit, value.parse::<f64>().ok()?)));
                let Some((unit, value)) = parsed else {
                    return Err(StoreError::Corrupt(format!(
                        "stored value of {indicator} for {period} unreadable: {pair}"
                    )));
                };
                visit(CountedValue {
                    indicator,
                    unit,
                    period,
                    value,
                })
                .map_err(StoreError::Corrupt)?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// The current values of these cells, those that have one (a deleted value is none).
    pub async fn current_observations(
        &self,
        keys: &[ObservationKey],
    ) -> Result<Vec<Observation>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut found = Vec::new();
        for chunk in keys.chunks(table::CHUNK_ROWS) {
            let cells: Vec<Vec<Cell>> = chunk
                .iter()
                .map(|key| convert::key_cells(key).to_vec())
                .collect();
            let keys: Vec<&[Cell]> = cells.iter().map(Vec::as_slice).collect();
            for row in OBSERVATIONS
                .current(&mut conn, self.backend, &keys)
                .await?
                .into_values()
            {
                let observation = Observation::decode(row)?;
                if observation.status.present() {
                    found.push(observation);
                }
            }
        }
        Ok(found)
    }

    /// When each of these cells that holds a value counting in analytics was first reported: the earliest
    /// of its revisions, current or superseded, that was neither a draft nor deleted. Cells without such a
    /// value are left out.
    pub async fn first_reports(
        &self,
        keys: &[ObservationKey],
    ) -> Result<HashMap<ObservationKey, Timestamp>, StoreError> {
        let not_counted = "('draft', 'deleted')";
        let packed = match self.backend {
            Backend::Sqlite => {
                "json_group_array(json_array(i, u, p, \
                CASE WHEN earlier < at THEN earlier ELSE at END))"
            }
            Backend::Postgres => {
                "json_agg(json_build_array(i, u, p, \
                CASE WHEN earlier < at THEN earlier ELSE at END))::text"
            }
        };
        // Driven from the keys, one index lookup each in both tables; the answer packed in one text (see
        // `Table::current`).
        let sql = format!(
            "SELECT {packed} FROM (SELECT stored.indicator AS i, stored.unit_code AS u, \
             stored.period AS p, stored.recorded_at AS at, \
             (SELECT MIN(old.recorded_at) FROM observation_revisions AS old \
              WHERE old.indicator = stored.indicator AND old.unit_code = stored.unit_code \
              AND old.period = stored.period AND old.status NOT IN {not_counted}) AS earlier \
             FROM ({}) AS wanted JOIN observations AS stored ON stored.indicator = wanted.k0 \
             AND stored.unit_code = wanted.k1 AND stored.period = wanted.k2 \
             WHERE stored.status NOT IN {not_counted}) AS found",
            table::unpack(self.backend, &OBSERVATIONS.columns[..OBSERVATIONS.key], "k")
        );
        let mut first = HashMap::new();
        for chunk in keys.chunks(table::CHUNK_ROWS) {
            let cells: Vec<[Cell; 3]> = chunk.iter().map(convert::key_cells).collect();
            let rows: Vec<&[Cell]> = cells.iter().map(|cells| cells.as_slice()).collect();
            let row = sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(table::to_json(&rows))
                .fetch_one(&self.pool)
                .await?;
            let Some(packed) = row.try_get::<Option<String>, _>(0)? else {
                continue;
            };
            let found: Vec<(String, String, String, i64)> = serde_json::from_str(&packed)
                .map_err(|error| StoreError::Corrupt(format!("first reports: {error}")))?;
            for (indicator, unit, period, at) in found {
                let corrupt =
                    |error: String| StoreError::Corrupt(format!("first reports: {error}"));
                let key = ObservationKey {
                    indicator,
                    unit,
                    period: Period::parse(&period).map_err(|error| corrupt(error.to_string()))?,
                };
                let at =
                    Timestamp::from_millisecond(at).map_err(|error| corrupt(error.to_string()))?;
                first.insert(key, at);
            }
        }
        Ok(first)
    }

    /// How many cells have a current row, deleted values included.
    pub async fn count_observations(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM observations")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(count as u64)
    }

    /// Every revision of one value, oldest first, the current one last.
    pub async fn observation_history(
        &self,
        key: &ObservationKey,
    ) -> Result<Vec<Observation>, StoreError> {
        let binds = vec![
            Cell::text(key.indicator.as_str()),
            Cell::text(key.unit.as_str()),
            Cell::text(key.period.to_string()),
        ];
        // One statement, so that a write in between cannot show a revision twice or lose one.
        let filter = "WHERE indicator = $1 AND unit_code = $2 AND period = $3";
        let columns: Vec<&str> = OBSERVATIONS.columns.iter().map(|(name, _)| *name).collect();
        let columns = columns.join(", ");
        let sql = format!(
            "SELECT {columns} FROM observation_revisions {filter} \
             UNION ALL SELECT {columns} FROM observations {filter} ORDER BY revision"
        );
        self.fetch(&OBSERVATIONS, sql, &binds).await
    }

    /// Adds a user; refuses a username that is taken. A plain insert, so that two processes adding the same
    /// name cannot overwrite each other: the database's unique key decides.
    pub async fn add_user(
        &self,
        user: &User,
        password_hash: &str,
        created_at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO users (username, role, agency, unit_code, domain, password_hash, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let mut query = sqlx::query(sql);
        for cell in convert::user_row(user, password_hash, created_at) {
            query = table::bind(query, &cell);
        }
        match query.execute(&self.pool).await.map_err(StoreError::from) {
            Err(StoreError::AlreadyExists(_)) => Err(StoreError::AlreadyExists(format!(
                "user `{}`",
                user.username
            ))),
            other => other.map(|_| ()),
        }
    }

    /// Changes a user's role and grant; `false` when there is no such user.
    pub async fn update_user_grant(&self, user: &User) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET role = $1, agency = $2, unit_code = $3, domain = $4 WHERE username = $5",
        )
        .bind(user.role.as_str().to_owned())
        .bind(user.agency.clone())
        .bind(user.unit.clone())
        .bind(match convert::domains_cell(&user.domains) {
            Cell::Text(list) => list,
            _ => None,
        })
        .bind(user.username.clone())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes a user with their sessions and tokens; `false` when there is no such user.
    pub async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        for table in ["sessions", "api_tokens"] {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE username = $1"
            )))
            .bind(username.to_owned())
            .execute(&mut *tx)
            .await?;
        }
        let done = sqlx::query("DELETE FROM users WHERE username = $1")
            .bind(username.to_owned())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(&USERS, "", vec![]).await
    }

    /// Records a new session for a signed-in user under the hash of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        username: &str,
        now: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, username, created_at, last_seen) VALUES ($1, $2, $3, $3)",
        )
        .bind(token_hash.to_owned())
        .bind(username.to_owned())
        .bind(now.as_millisecond())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session stored under a token hash, with its user.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT username, created_at, last_seen FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let username: String = row.try_get(0)?;
        let instant = |index: usize| -> Result<jiff::Timestamp, StoreError> {
            let millis: i64 = row.try_get(index)?;
            jiff::Timestamp::from_millisecond(millis)
                .map_err(|error| StoreError::Corrupt(format!("session time: {error}")))
        };
        let (created_at, last_seen) = (instant(1)?, instant(2)?);
        let users: Vec<User> = self
            .read(&USERS, "WHERE username = $1", vec![Cell::text(username)])
            .await?;
        Ok(users.into_iter().next().map(|user| Session {
            user,
            created_at,
            last_seen,
        }))
    }

    /// Notes that a session was used.
    pub async fn touch_session(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(now.as_millisecond())
            .bind(token_hash.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The answer given to a user's earlier request with this idempotency key, if any.
    pub async fn idempotent_answer(
        &self,
        username: &str,
        key: &str,
    ) -> Result<Option<IdempotentAnswer>, StoreError> {
        let row = sqlx::query(
            "SELECT request_hash, status, body FROM idempotency \
             WHERE username = $1 AND idempotency_key = $2",
        )
        .bind(username.to_owned())
        .bind(key.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let status: i64 = row.try_get(1)?;
        Ok(Some(IdempotentAnswer {
            request_hash: row.try_get(0)?,
            status: u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("stored status {status}")))?,
            body: row.try_get(2)?,
        }))
    }

    /// Keeps the answer to a request with an idempotency key; the first answer stays.
    pub async fn save_idempotent_answer(
        &self,
        username: &str,
        key: &str,
        answer: &IdempotentAnswer,
        now: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO idempotency (username, idempotency_key, request_hash, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username, idempotency_key) DO NOTHING",
        )
        .bind(username.to_owned())
        .bind(key.to_owned())
        .bind(answer.request_hash.clone())
        .bind(i64::from(answer.status))
        .bind(answer.body.clone())
        .bind(now.as_millisecond())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends an entry to the audit log, chained to the last one.
    pub async fn append_audit(
        &self,
        at: jiff::Timestamp,
        actor: &str,
        action: &str,
        object: &str,
        detail: &str,
    ) -> Result<AuditEntry, StoreError> {
        // One writer at a time keeps the chain a line.
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin().await?;
        let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (prev_seq, prev_hash): (i64, String) = match last {
            Some(row) => (row.try_get(0)?, row.try_get(1)?),
            None => (0, audit::GENESIS.to_owned()),
        };
        let seq = prev_seq + 1;
        let millis = at.as_millisecond();
        let hash = audit::chain_hash(&prev_hash, seq, millis, actor, action, object, detail);
        sqlx::query(
            "INSERT INTO audit (seq, at, actor, action, object, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(millis)
        .bind(actor.to_owned())
        .bind(action.to_owned())
        .bind(object.to_owned())
        .bind(detail.to_owned())
        .bind(prev_hash)
        .bind(hash.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AuditEntry {
            seq,
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            object: object.to_owned(),
            detail: detail.to_owned(),
            hash,
        })
    }

    /// Audit entries after `after` (a sequence number), oldest first, filtered, at most `limit`.
    pub async fn audit(
        &self,
        filter: &AuditFilter,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut conditions = vec!["seq > $1".to_owned()];
        let mut binds: Vec<Cell> = vec![Cell::int(filter.after)];
        let mut condition = |sql: &str, cell: Cell| {
            binds.push(cell);
            conditions.push(format!("{sql} ${}", binds.len()));
        };
        if let Some(actor) = &filter.actor {
            condition("actor =", Cell::text(actor.as_str()));
        }
        if let Some(object) = &filter.object {
            condition("object =", Cell::text(object.as_str()));
        }
        if let Some(from) = filter.from {
            condition("at >=", Cell::int(from.as_millisecond()));
        }
        if let Some(to) = filter.to {
            condition("at <", Cell::int(to.as_millisecond()));
        }
        let sql = format!(
            "SELECT seq, at, actor, action, object, detail, hash FROM audit WHERE {} ORDER BY seq LIMIT {}",
            conditions.join(" AND "),
            limit
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for cell in &binds {
            query = table::bind(query, cell);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(audit_entry)
            .collect()
    }

    /// Recomputes the chain from the first entry and reports the first break.
    pub async fn verify_audit(&self) -> Result<AuditCheck, StoreError> {
        const PAGE: i64 = 10_000;
        let mut expected_seq = 1;
        let mut prev_hash = audit::GENESIS.to_owned();
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, object, detail, prev_hash, hash FROM audit \
                 WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(expected_seq)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(AuditCheck::Intact {
                    entries: u64::try_from(expected_seq - 1).unwrap_or(0),
                });
            }
            for row in &rows {
                let seq: i64 = row.try_get(0)?;
                let stored_prev: String = row.try_get(6)?;
                let stored_hash: String = row.try_get(7)?;
                let text = |index: usize| row.try_get::<String, _>(index);
                let hash = audit::chain_hash(
                    &prev_hash,
                    seq,
                    row.try_get(1)?,
                    &text(2)?,
                    &text(3)?,
                    &text(4)?,
                    &text(5)?,
                );
                let broken = |reason: &str| AuditCheck::Broken {
                    seq,
                    reason: reason.to_owned(),
                };
                if seq != expected_seq {
                    return Ok(AuditCheck::Broken {
                        seq: expected_seq,
                        reason: "the entry is missing".to_owned(),
                    });
                }
                if stored_prev != prev_hash {
                    return Ok(broken("it does not follow the entry before it"));
                }
                if stored_hash != hash {
                    return Ok(broken("its content does not match its hash"));
                }
                prev_hash = stored_hash;
                expected_seq += 1;
            }
        }
    }

    /// Records a new API token (its secret already hashed).
    pub async fn create_api_token(
        &self,
        token: &ApiToken,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (token_id, token_hash, username, name, scope, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token.id.clone())
        .bind(token_hash.to_owned())
        .bind(token.username.clone())
        .bind(token.name.clone())
        .bind(token.scope.clone())
        .bind(token.created_at.as_millisecond())
        .bind(token.expires_at.as_millisecond())
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)
        .map_err(|error| match error {
            StoreError::Database(_) => StoreError::Database(format!(
                "token for `{}` not created (is there such a user?)",
                token.username
            )),
            other => other,
        })?;
        Ok(())
    }

    /// The token stored under a secret's hash, with its user, whatever its state.
    pub async fn api_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        let tokens = self
            .api_tokens_where("token_hash = $1", Cell::text(token_hash))
            .await?;
        let Some(token) = tokens.into_iter().next() else {
            return Ok(None);
        };
        let users: Vec<User> = self
            .read(
                &USERS,
                "WHERE username = $1",
                vec![Cell::text(token.username.as_str())],
            )
            .await?;
        Ok(users.into_iter().next().map(|user| (token, user)))
    }

    /// Every token, newest first.
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let mut tokens = self.api_tokens_where("1 = $1", Cell::int(1)).await?;
        tokens.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        Ok(tokens)
    }

    async fn api_tokens_where(
        &self,
        condition: &str,
        bind: Cell,
    ) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!(
            "SELECT token_id, username, name, scope, created_at, expires_at, revoked_at, last_used \
             FROM api_tokens WHERE {condition}"
        );
        let rows = table::bind(sqlx::query(AssertSqlSafe(sql)), &bind)
            .fetch_all(&self.pool)
            .await?;
        let instant = |millis: i64| {
            jiff::Timestamp::from_millisecond(millis)
                .map_err(|error| StoreError::Corrupt(format!("token time: {error}")))
        };
        rows.iter()
            .map(|row| {
                let optional = |index: usize| -> Result<Option<jiff::Timestamp>, StoreError> {
                    row.try_get::<Option<i64>, _>(index)?
                        .map(instant)
                        .transpose()
                };
                Ok(ApiToken {
                    id: row.try_get(0)?,
                    username: row.try_get(1)?,
                    name: row.try_get(2)?,
                    scope: row.try_get(3)?,
                    created_at: instant(row.try_get(4)?)?,
                    expires_at: instant(row.try_get(5)?)?,
                    revoked_at: optional(6)?,
                    last_used: optional(7)?,
                })
            })
            .collect()
    }

    /// Revokes a token; `false` when there is no such token or it was revoked already.
    pub async fn revoke_api_token(
        &self,
        id: &str,
        now: jiff::Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL",
        )
        .bind(now.as_millisecond())
        .bind(id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Notes when a token was last used.
    pub async fn touch_api_token(&self, id: &str, now: jiff::Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used = $1 WHERE token_id = $2")
            .bind(now.as_millisecond())
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Saves boundaries, each over the one its unit record had; all or none.
    pub async fn write_boundaries(&self, boundaries: &[UnitBoundary]) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        for boundary in boundaries {
            let area = serde_json::to_string(&boundary.area).map_err(|error| {
                StoreError::Corrupt(format!("area of {}: {error}", boundary.unit))
            })?;
            sqlx::query(
                "INSERT INTO unit_boundaries (unit_code, valid_from, area, source, imported_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unit_code, valid_from) DO UPDATE SET \
                 area = excluded.area, source = excluded.source, imported_at = excluded.imported_at",
            )
            .bind(boundary.unit.clone())
            .bind(boundary.valid_from.map_or(0, convert::day_number))
            .bind(area)
            .bind(boundary.source.clone())
            .bind(boundary.imported_at.as_millisecond())
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Every imported boundary.
    pub async fn boundaries(&self) -> Result<Vec<UnitBoundary>, StoreError> {
        let rows = sqlx::query(
            "SELECT unit_code, valid_from, area, source, imported_at FROM unit_boundaries",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let unit: String = row.try_get(0)?;
                let area: String = row.try_get(2)?;
                let corrupt =
                    |what: String| StoreError::Corrupt(format!("boundary of {unit}: {what}"));
                Ok(UnitBoundary {
                    valid_from: convert::optional_day(row.try_get(1)?)?,
                    area: serde_json::from_str(&area).map_err(|e| corrupt(e.to_string()))?,
                    source: row.try_get(3)?,
                    imported_at: jiff::Timestamp::from_millisecond(row.try_get(4)?)
                        .map_err(|e| corrupt(e.to_string()))?,
                    unit,
                })
            })
            .collect()
    }

    /// The layout of a dashboard as last saved; `None` while nobody has arranged it.
    pub async fn dashboard_layout(
        &self,
        dashboard: &str,
    ) -> Result<Option<SavedLayout>, StoreError> {
        let row = sqlx::query(
            "SELECT tiles, updated_by, updated_at FROM dashboard_layouts WHERE dashboard = $1",
        )
        .bind(dashboard.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let tiles: String = row.try_get(0)?;
        let tiles = serde_json::from_str(&tiles)
            .map_err(|error| StoreError::Corrupt(format!("layout of {dashboard}: {error}")))?;
        let updated_at = jiff::Timestamp::from_millisecond(row.try_get(2)?)
            .map_err(|error| StoreError::Corrupt(format!("layout time: {error}")))?;
        Ok(Some(SavedLayout {
            tiles,
            updated_by: row.try_get(1)?,
            updated_at,
        }))
    }

    /// Forgets a dashboard's saved layout; `false` when it had none.
    pub async fn delete_dashboard_layout(&self, dashboard: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM dashboard_layouts WHERE dashboard = $1")
            .bind(dashboard.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Saves a dashboard's layout over the previous one.
    pub async fn save_dashboard_layout(
        &self,
        dashboard: &str,
        layout: &SavedLayout,
    ) -> Result<(), StoreError> {
        let tiles = serde_json::to_string(&layout.tiles)
            .map_err(|error| StoreError::Corrupt(format!("layout of {dashboard}: {error}")))?;
        sqlx::query(
            "INSERT INTO dashboard_layouts (dashboard, tiles, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (dashboard) DO UPDATE SET tiles = excluded.tiles, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(dashboard.to_owned())
        .bind(tiles)
        .bind(layout.updated_by.clone())
        .bind(layout.updated_at.as_millisecond())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The stored password hash of a user, for sign-in.
    pub async fn password_hash(&self, username: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE username = $1")
            .bind(username.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }
}

/// The period of a stored key, which the store wrote itself and so must parse.
fn stored_period(text: &str) -> Result<Period, StoreError> {
    Period::parse(text).map_err(|error| StoreError::Corrupt(error.to_string()))
}
