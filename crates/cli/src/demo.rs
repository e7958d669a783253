//! `vantage demo`: the demo province (the new Lâm Đồng) loaded into an embedded database, then served.
//!
//! The reference files are compiled into the binary, so the demo works from any directory. They go through
//! the same importers as a user's files; the values are generated deterministically (vantage-demo) and
//! written through the store's batch path.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use jiff::civil::Date;
use vantage_demo::{DemoOptions, Generator, REFERENCE_FILES};
use vantage_ingest::{ImportKind, ImportOptions};
use vantage_model::access::{Role, User};
use vantage_model::unit::{UnitLevel, UnitRegistry};
use vantage_store::Store;

use crate::commands::{open_store, serve_store};
use crate::settings::Settings;

/// How much history to generate.
#[derive(Clone, Copy, Debug)]
pub struct History {
    /// First day of generated values.
    pub since: Date,
    /// First day of daily values at commune level; `None` for 120 days before today.
    pub daily_since: Option<Date>,
}

/// Observations per transaction while loading: large enough to amortise commits, small enough to keep
/// memory flat.
const BATCH: usize = 200_000;

pub async fn run(data_dir: &Path, history: History, settings: &Settings) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let url = format!("sqlite:{}", data_dir.join("vantage.db").display());
    let store = open_store(&url, true).await?;
    if store.count_observations().await? > 0 {
        println!("Reusing the demo database in {}", data_dir.display());
    } else {
        load(&store, history, settings).await?;
    }
    demo_users(&store).await?;
    let settings = Settings {
        database_url: url,
        ..settings.clone()
    };
    serve_store(store, &settings).await
}

/// One user per role, a data owner for the finance department's domain and a viewer for one commune, with
/// passwords that are printed, so that anyone trying the demo can sign in as each.
struct DemoUser {
    username: &'static str,
    role: Role,
    agency: &'static str,
    unit: Option<&'static str>,
    domain: Option<&'static str>,
}

const fn demo_user(
    username: &'static str,
    role: Role,
    agency: &'static str,
    unit: Option<&'static str>,
    domain: Option<&'static str>,
) -> DemoUser {
    DemoUser {
        username,
        role,
        agency,
        unit,
        domain,
    }
}

const DEMO_USERS: [DemoUser; 6] = [
    demo_user("admin", Role::Admin, "VPUBND", None, None),
    demo_user("leader", Role::Leader, "VPUBND", None, None),
    demo_user("operator", Role::Operator, "VPUBND", None, None),
    demo_user("finance", Role::DataOwner, "STC", None, Some("BUD")),
    demo_user("viewer", Role::Viewer, "VPUBND", None, None),
    demo_user("muine", Role::Viewer, "UBND-22918", Some("22918"), None),
];

fn demo_password(username: &str) -> String {
    format!("demo-{username}-2026")
}

/// Adds the demo users that are missing and prints how to sign in as each.
async fn demo_users(store: &Store) -> anyhow::Result<()> {
    let existing: Vec<String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| u.username)
        .collect();
    println!("Demo users (demo passwords, for trying the demo only):");
    for DemoUser {
        username,
        role,
        agency,
        unit,
        domain,
    } in DEMO_USERS
    {
        let password = demo_password(username);
        if !existing.iter().any(|name| name == username) {
            let user = User {
                username: username.into(),
                role,
                agency: agency.into(),
                unit: unit.map(Into::into),
                domains: domain.into_iter().map(Into::into).collect(),
            };
            let hash =
                vantage_server::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
            store.add_user(&user, &hash, jiff::Timestamp::now()).await?;
        }
        let grant = match (domain, unit) {
            (None, None) => String::new(),
            (domain, unit) => format!(
                " ({}{})",
                domain.map_or(String::new(), |d| format!("domain {d}")),
                unit.map_or(String::new(), |u| format!("unit {u}"))
            ),
        };
        println!("  {username:<9} {password:<22} {}{grant}", role.as_str());
    }
    Ok(())
}

/// Loads the reference files and generated values into an empty store.
pub async fn load(store: &Store, history: History, settings: &Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    let now = jiff::Timestamp::now();
    for (kind, name, bytes) in REFERENCE_FILES {
        let kind = ImportKind::parse(kind).map_err(anyhow::Error::msg)?;
        let options = ImportOptions {
            accept_valid: false,
            skip_empty_values: false,
            author: "demo".into(),
            source: format!("demo:{name}"),
            now,
        };
        vantage_ingest::import_csv(store, kind, bytes, &options)
            .await
            .with_context(|| format!("the demo's {name} does not import"))?;
    }
    let registry = UnitRegistry::new(store.units().await?, store.lineage().await?)
        .map_err(|errors| anyhow::anyhow!("the demo's units are inconsistent: {}", errors[0]))?;
    let indicators = store.indicators().await?;
    let today = settings.today();
    if history.since > today {
        bail!("--since {} is after today ({today})", history.since);
    }
    let default_daily_start = today.checked_sub(jiff::Span::new().days(120))?;
    let options = DemoOptions {
        start: history.since,
        daily_commune_start: history
            .daily_since
            .unwrap_or(default_daily_start)
            .max(history.since),
        today,
        recorded_at: now,
        // Any fixed number: the same seed gives every user the same demo.
        seed: 20250701,
    };
    let generator = Generator::new(&registry, &indicators, &options);
    let targets = generator.targets();
    store.write_targets(&targets).await?;
    let mut values = 0;
    for index in 0..indicators.len() {
        let observations = generator.observations(index);
        for batch in observations.chunks(BATCH) {
            store.write_observations(batch).await?;
        }
        values += observations.len();
    }
    let communes = registry
        .as_of(today)
        .iter()
        .filter(|unit| unit.level == UnitLevel::Commune)
        .count();
    let domains = store.domains().await?.len();
    println!(
        "Loaded the demo province Lâm Đồng in {:.1} s: {communes} communes today, {} indicators in {domains} domains, {values} values, {} targets",
        started.elapsed().as_secs_f64(),
        indicators.len(),
        targets.len(),
    );
    Ok(())
}
