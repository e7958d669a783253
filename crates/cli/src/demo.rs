//! `vantage demo`: the demo province (the new Lâm Đồng) loaded into an embedded database, then served.
//!
//! The reference files are compiled into the binary, so the demo works from any directory. They go through
//! the same importers as a user's files; the values are generated deterministically (vantage-demo) and
//! written through the store's batch path.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use jiff::civil::Date;
use vantage_alerts::{Alerting, StepRequest};
use vantage_demo::{DemoOptions, Generator, REFERENCE_FILES};
use vantage_ingest::{ImportKind, ImportOptions};
use vantage_model::access::{Role, User};
use vantage_model::alert::{
    Actor, AlertAction, AlertState, CorrectiveAction, Explanation, actor_for,
};
use vantage_model::alert_rule::AlertRule;
use vantage_model::calendar::WorkingCalendar;
use vantage_model::unit::{UnitLevel, UnitRegistry};
use vantage_store::{AlertFilter, Store};

use crate::commands::{open_alerting, open_store, serve_alerting};
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
    let alerting = open_alerting(store, &settings).await?;
    demo_alerts(&alerting, settings.today()).await?;
    serve_alerting(alerting, &settings).await
}

/// The demo's alert rules, as the operations centre set them up.
const DEMO_RULES: &str = include_str!("../../../data/demo/alert-rules.json");
/// How long ago the demo's rules were set up, so that some explanations are overdue by now.
const RULES_AGE_DAYS: i64 = 12;

/// Saves the demo's rules (once: a demo database that has rules keeps them) as of a fortnight ago, then
/// takes a few steps on the alerts they raised, so that the demo shows alerts in every state: explained
/// and accepted, explained and awaiting a decision, returned, acknowledged, assigned, and overdue (the
/// clock escalates those as the server starts).
async fn demo_alerts(alerting: &Alerting, today: Date) -> anyhow::Result<()> {
    if !alerting.rules().await?.is_empty() {
        return Ok(());
    }
    let rules: Vec<AlertRule> =
        serde_json::from_str(DEMO_RULES).context("the demo's alert rules do not read")?;
    let now = jiff::Timestamp::now();
    let day = |n: i64| now - jiff::SignedDuration::from_hours(24 * (RULES_AGE_DAYS - n));
    for rule in rules {
        alerting.save_rule(rule, "operator", day(0)).await?;
    }
    let store = alerting.analytics().store();
    let users = store.users().await?;
    let user = |name: &str| {
        users
            .iter()
            .find(|user| user.username == name)
            .cloned()
            .with_context(|| format!("the demo user {name} is missing"))
    };
    let (leader, operator) = (user("leader")?, user("operator")?);
    let mut alerts = store.alerts(&AlertFilter::default()).await?;
    alerts.sort_by_key(|alert| alert.id);
    // The assigned alerts a demo data owner can explain, with who.
    let explainable: Vec<(i64, &User)> = alerts
        .iter()
        .filter(|alert| alert.state == AlertState::Assigned)
        .filter_map(|alert| {
            let owner = users.iter().find(|user| {
                actor_for(user, alert.assignee.as_ref(), &alert.domain) == Actor::Assignee
            })?;
            Some((alert.id, owner))
        })
        .collect();
    let step = |action, note: Option<&str>, explanation: Option<Explanation>| StepRequest {
        action,
        note: note.map(Into::into),
        assignee: None,
        explanation,
    };
    let explanation = |cause: &str, action: &str| {
        Some(Explanation {
            cause: cause.into(),
            actions: vec![CorrectiveAction {
                action: action.into(),
                due: today + jiff::Span::new().days(45),
            }],
        })
    };
    let explain = step(
        AlertAction::SubmitExplanation,
        None,
        explanation(
            "Số liệu kỳ này thấp do nguồn lực triển khai chậm và một số đơn vị báo cáo muộn.",
            "Rà soát, bổ sung nguồn lực và đôn đốc các đơn vị báo cáo đúng hạn",
        ),
    );
    if let [(accepted, first), (awaiting, second), (returned, third), ..] = explainable[..] {
        alerting
            .act(accepted, explain.clone(), first, day(2))
            .await?;
        let accept = step(
            AlertAction::Accept,
            Some("Đồng ý; báo cáo tiến độ hằng tháng."),
            None,
        );
        alerting.act(accepted, accept, &leader, day(4)).await?;
        alerting
            .act(awaiting, explain.clone(), second, day(3))
            .await?;
        alerting.act(returned, explain, third, day(1)).await?;
        let back = step(
            AlertAction::Return,
            Some("Chưa nêu số liệu cụ thể và thời hạn từng giải pháp."),
            None,
        );
        alerting.act(returned, back, &leader, day(2)).await?;
    }
    let unassigned: Vec<i64> = alerts
        .iter()
        .filter(|alert| alert.state == AlertState::Open)
        .map(|alert| alert.id)
        .collect();
    for &id in unassigned.iter().take(3) {
        let acknowledge = step(AlertAction::Acknowledge, None, None);
        alerting.act(id, acknowledge, &operator, day(1)).await?;
    }
    if let Some(&id) = unassigned.get(3) {
        let assign = step(
            AlertAction::Assign,
            Some("Đề nghị báo cáo nguyên nhân."),
            None,
        );
        alerting
            .act(id, assign, &leader, day(RULES_AGE_DAYS - 1))
            .await?;
    }
    let counts = store.alerts(&AlertFilter::default()).await?;
    println!(
        "Demo alerts: {} rules, {} alerts raised and worked on as of {RULES_AGE_DAYS} days ago",
        alerting.rules().await?.len(),
        counts.len()
    );
    Ok(())
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

const DEMO_USERS: [DemoUser; 7] = [
    demo_user("admin", Role::Admin, "VPUBND", None, None),
    demo_user("leader", Role::Leader, "VPUBND", None, None),
    demo_user("operator", Role::Operator, "VPUBND", None, None),
    demo_user("finance", Role::DataOwner, "STC", None, None),
    demo_user("thongke", Role::DataOwner, "TK", None, None),
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
        calendar: WorkingCalendar::new(
            settings.days_off.clone(),
            store
                .holidays()
                .await?
                .into_iter()
                .map(|holiday| holiday.day),
        ),
        time_zone: settings.time_zone.clone(),
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
