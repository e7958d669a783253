//! Throwaway databases for tests: an SQLite file in a temporary directory always, and a uniquely named
//! PostgreSQL database when `VANTAGE_TEST_POSTGRES` holds a server URL (CI sets it).

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AnyConnection, AssertSqlSafe, Connection, Executor};

use crate::Store;

/// A store on a fresh database, removed when dropped (PostgreSQL: by [`TestDatabase::drop_database`]).
pub struct TestDatabase {
    pub store: Store,
    pub url: String,
    pub backend_name: &'static str,
    /// Held so that the SQLite directory lives as long as the store.
    _directory: Option<tempfile::TempDir>,
    /// The server and database name to drop afterwards.
    postgres: Option<(String, String)>,
}

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    pub async fn sqlite() -> TestDatabase {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite:{}", directory.path().join("vantage.db").display());
        let store = Store::open(&url).await.expect("an SQLite store");
        TestDatabase {
            store,
            url,
            backend_name: "sqlite",
            _directory: Some(directory),
            postgres: None,
        }
    }

    /// A database on the server of `VANTAGE_TEST_POSTGRES`, or `None` when that is not set.
    pub async fn postgres() -> Option<TestDatabase> {
        let server = std::env::var("VANTAGE_TEST_POSTGRES")
            .ok()
            .filter(|url| !url.is_empty())?;
        sqlx::any::install_default_drivers();
        let name = format!(
            "vantage_test_{}_{}_{}",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed),
            jiff::Timestamp::now().as_millisecond()
        );
        let mut admin = AnyConnection::connect(&server)
            .await
            .expect("VANTAGE_TEST_POSTGRES must be reachable");
        admin
            .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create a test database");
        admin.close().await.ok();
        let url = with_database(&server, &name);
        let store = Store::open(&url).await.expect("a PostgreSQL store");
        Some(TestDatabase {
            store,
            url,
            backend_name: "postgres",
            _directory: None,
            postgres: Some((server, name)),
        })
    }

    /// Every backend available to this test run.
    pub async fn all() -> Vec<TestDatabase> {
        let mut databases = vec![TestDatabase::sqlite().await];
        databases.extend(TestDatabase::postgres().await);
        databases
    }

    /// Closes the store and removes its database.
    pub async fn drop_database(self) {
        self.store.close().await;
        if let Some((server, name)) = &self.postgres
            && let Ok(mut admin) = AnyConnection::connect(server).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            admin.execute(AssertSqlSafe(drop)).await.ok();
            admin.close().await.ok();
        }
    }
}

/// `server` with its database name replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server
        .split_once('?')
        .map_or((server, None), |(base, query)| (base, Some(query)));
    let authority_end = base.find("://").map_or(0, |scheme| scheme + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}
