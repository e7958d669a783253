//! The commands other than `demo`: serve, import, export and user management.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use vantage_alerts::Alerting;
use vantage_ingest::boundaries::BoundaryError;
use vantage_ingest::dhis2::Dhis2Format;
use vantage_ingest::{ImportError, ImportKind, ImportOptions};
use vantage_live::Analytics;
use vantage_model::access::{Role, User};
use vantage_store::{ObservationFilter, Store};

use crate::settings::Settings;

/// Opens the store of `url`. `create` allows a new SQLite file (and its directory); serving refuses to,
/// since serving an empty database by mistake would look like lost data.
pub async fn open_store(url: &str, create: bool) -> anyhow::Result<Store> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = Path::new(
            path.split('?')
                .next()
                .unwrap_or(path)
                .trim_start_matches("//"),
        );
        if !create && !path.exists() {
            bail!(
                "no database at {} (run `vantage demo`, or `vantage import` to create one)",
                path.display()
            );
        }
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
    }
    Store::open(url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(url)))
}

/// A database URL without its password (in the authority or as a `password=` parameter), for messages.
fn redact(url: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match base[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &base[..scheme + 3], &base[at..]),
            None => base.to_owned(),
        },
        _ => base.to_owned(),
    };
    match query {
        None => base,
        Some(query) => {
            let parameters: Vec<String> = query
                .split('&')
                .map(|parameter| match parameter.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => {
                        format!("{name}=***")
                    }
                    _ => parameter.to_owned(),
                })
                .collect();
            format!("{base}?{}", parameters.join("&"))
        }
    }
}

pub async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(&settings.database_url, false).await?;
    serve_alerting(open_alerting(store, settings).await?, settings).await
}

/// Builds the analytics engine from the store and reads the alert rules; they start watching it when
/// served.
pub async fn open_alerting(store: Store, settings: &Settings) -> anyhow::Result<Arc<Alerting>> {
    let analytics = Analytics::open(Arc::new(store))
        .await
        .context("cannot build the analytics engine from the database")?;
    let load = analytics.load_report();
    println!(
        "Analytics engine: {} values loaded in {:.1} s{}",
        load.values,
        load.seconds,
        if load.skipped > 0 {
            format!(" ({} stored values left out, see the log)", load.skipped)
        } else {
            String::new()
        }
    );
    Alerting::open(
        Arc::new(analytics),
        vantage_alerts::Settings {
            time_zone: settings.time_zone.clone(),
            days_off: settings.days_off.clone(),
            outbound: settings.outbound.clone(),
            http: settings.http.clone(),
        },
    )
    .await
    .context("cannot read the alert rules")
}

/// Starts the alert rules watching, binds, prints the URL and serves until interrupted.
pub async fn serve_alerting(alerting: Arc<Alerting>, settings: &Settings) -> anyhow::Result<()> {
    alerting
        .run()
        .await
        .context("cannot start the alert rules")?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    println!(
        "Vantage is serving {} on http://{address}/  (Ctrl-C to stop)",
        redact(&settings.database_url)
    );
    std::io::stdout().flush().ok();
    let web_files = settings.web_dir.clone().map_or(
        vantage_server::WebFiles::Embedded,
        vantage_server::WebFiles::Folder,
    );
    let state = vantage_server::AppState::new(alerting, settings.time_zone.clone())
        .with_site(vantage_server::Site {
            basemap_style: settings.basemap_style.clone(),
        })
        .with_web_files(web_files)
        .with_days_off(settings.days_off.clone());
    vantage_server::serve(listener, state).await?;
    Ok(())
}

pub async fn import(
    settings: &Settings,
    kind: &str,
    file: &Path,
    accept_valid: bool,
    rejected: Option<PathBuf>,
) -> anyhow::Result<()> {
    // A DHIS2 data value set is values in DHIS2's JSON or CSV or in ADX XML, told apart by the file's
    // extension.
    let dhis2 = (kind == "dhis2").then(|| {
        let extension = file
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        match extension.to_ascii_lowercase().as_str() {
            "csv" => Dhis2Format::Csv,
            "xml" | "adx" => Dhis2Format::Adx,
            _ => Dhis2Format::Json,
        }
    });
    let kind = match dhis2 {
        Some(_) => ImportKind::Observations,
        None => ImportKind::parse(kind).map_err(anyhow::Error::msg)?,
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open_store(&settings.database_url, true).await?;
    let options = ImportOptions {
        accept_valid,
        skip_empty_values: true,
        author: std::env::var("USER").unwrap_or_else(|_| "cli".to_owned()),
        source: format!("import:{}", file_name(file)),
        now: jiff::Timestamp::now(),
    };
    let imported = match dhis2 {
        Some(format) => vantage_ingest::import_dhis2(&store, &bytes, format, &options).await,
        None => vantage_ingest::import_csv(&store, kind, &bytes, &options).await,
    };
    let outcome = match imported {
        Ok(outcome) => outcome,
        Err(ImportError::Refused(rejected)) => {
            eprint!("{rejected}");
            bail!(
                "{}: {} problem(s) in {} row(s); nothing was imported (fix them, or pass --accept-valid to import the valid rows)",
                file.display(),
                rejected.errors.len(),
                rejected.rejected_rows()
            );
        }
        Err(error) => {
            return Err(error).with_context(|| format!("cannot import {}", file.display()));
        }
    };
    let counts = outcome.counts;
    println!(
        "{}: {} created, {} updated, {} unchanged{}",
        file.display(),
        counts.created,
        counts.updated,
        counts.unchanged,
        match outcome.skipped {
            0 => String::new(),
            empty => format!(", {empty} row(s) without a value passed over"),
        }
    );
    if !outcome.rejected.is_empty() {
        let path = rejected.unwrap_or_else(|| {
            let mut name = file.as_os_str().to_owned();
            name.push(".rejected.csv");
            PathBuf::from(name)
        });
        std::fs::write(&path, outcome.rejected.to_csv())
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprint!("{}", outcome.rejected);
        println!(
            "{} row(s) rejected; written with their reasons to {}",
            outcome.rejected.rejected_rows(),
            path.display()
        );
    }
    Ok(())
}

/// Imports unit boundaries from GeoJSON; bad features are listed with their reasons.
pub async fn import_boundaries(
    settings: &Settings,
    file: &Path,
    as_of: jiff::civil::Date,
    accept_valid: bool,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open_store(&settings.database_url, true).await?;
    let source = format!("import:{}", file_name(file));
    let imported = vantage_ingest::boundaries::import_boundaries(
        &store,
        &bytes,
        as_of,
        accept_valid,
        &source,
        jiff::Timestamp::now(),
    )
    .await;
    let outcome = match imported {
        Ok(outcome) => outcome,
        Err(BoundaryError::Refused(rejected)) => {
            for error in &rejected {
                eprintln!("{error}");
            }
            bail!(
                "{}: {} bad feature(s); nothing was imported (fix them, or pass --accept-valid to import the valid ones)",
                file.display(),
                rejected.len()
            );
        }
        Err(error) => {
            return Err(error).with_context(|| format!("cannot import {}", file.display()));
        }
    };
    for error in &outcome.rejected {
        eprintln!("{error}");
    }
    println!(
        "{}: {} boundaries imported for units on {as_of}{}",
        file.display(),
        outcome.written,
        match outcome.rejected.len() {
            0 => String::new(),
            left_out => format!(", {left_out} bad feature(s) left out"),
        }
    );
    Ok(())
}

fn file_name(file: &Path) -> String {
    file.file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
}

pub async fn export_observations(
    settings: &Settings,
    filter: ObservationFilter,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let store = open_store(&settings.database_url, false).await?;
    let observations = store.observations(&filter).await?;
    let sink: Box<dyn Write> = match &output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(sink));
    writer.write_record([
        "indicator",
        "unit",
        "period",
        "value",
        "status",
        "comment",
        "source",
        "author",
        "recorded_at",
    ])?;
    for observation in &observations {
        writer.write_record([
            observation.key.indicator.as_str(),
            observation.key.unit.as_str(),
            &observation.key.period.to_string(),
            &observation.value.to_string(),
            observation.status.as_str(),
            observation.comment.as_deref().unwrap_or_default(),
            observation.source.as_str(),
            observation.author.as_str(),
            &observation.recorded_at.to_string(),
        ])?;
    }
    writer.flush()?;
    if let Some(path) = output {
        eprintln!(
            "{} observation(s) written to {}",
            observations.len(),
            path.display()
        );
    }
    Ok(())
}

pub async fn add_user(
    settings: &Settings,
    username: String,
    role: &str,
    agency: String,
    unit: Option<String>,
    domains: Vec<String>,
) -> anyhow::Result<()> {
    let role = Role::parse(role).map_err(anyhow::Error::msg)?;
    let store = open_store(&settings.database_url, false).await?;
    let user = User {
        username,
        role,
        agency,
        unit,
        domains,
    };
    vantage_server::users::check_grant(&store, &user).await?;
    let password = read_password()?;
    vantage_server::users::check_password(&password)?;
    let hash = vantage_server::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    store.add_user(&user, &hash, jiff::Timestamp::now()).await?;
    println!("user {} added with role {}", user.username, user.role);
    Ok(())
}

/// Prompts twice on a terminal; otherwise takes the first line of standard input, so scripts can pipe it.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat the password: ")?;
        if first != second {
            bail!("the passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `vantage token create`: issues a token for a user and prints it, once.
pub async fn create_token(
    settings: &Settings,
    username: &str,
    name: &str,
    scope: &str,
    days: i64,
) -> anyhow::Result<()> {
    let store = open_store(&settings.database_url, false).await?;
    if !store
        .users()
        .await?
        .iter()
        .any(|user| user.username == username)
    {
        anyhow::bail!("no user `{username}`");
    }
    let (id, token, hash) = vantage_server::auth::mint_api_token().map_err(anyhow::Error::msg)?;
    let now = jiff::Timestamp::now();
    let stored = vantage_store::ApiToken {
        id,
        username: username.to_owned(),
        name: name.to_owned(),
        scope: scope.to_owned(),
        created_at: now,
        expires_at: now + jiff::SignedDuration::from_hours(24 * days),
        revoked_at: None,
        last_used: None,
    };
    store.create_api_token(&stored, &hash).await?;
    let detail = serde_json::json!({"for": username, "name": name, "scope": scope});
    store
        .append_audit(now, "cli", "token.create", &stored.id, &detail.to_string())
        .await?;
    println!("{token}");
    eprintln!(
        "Token {} for {username} ({scope}) expires {}. It is shown this once; send it as `Authorization: Bearer <token>`.",
        stored.id, stored.expires_at
    );
    Ok(())
}

/// `vantage audit verify`: the chain is intact, or where it breaks (exit 1).
pub async fn verify_audit(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(&settings.database_url, false).await?;
    match store.verify_audit().await? {
        vantage_store::AuditCheck::Intact { entries } => {
            println!("The audit log is intact: {entries} entries.");
            Ok(())
        }
        vantage_store::AuditCheck::Broken { seq, reason } => {
            anyhow::bail!("the audit log is broken at entry {seq}: {reason}")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden_in_messages() {
        assert_eq!(
            super::redact("postgres://app:secret@db/vantage"),
            "postgres://app:***@db/vantage"
        );
        assert_eq!(
            super::redact("postgres://app@db/vantage"),
            "postgres://app@db/vantage"
        );
        assert_eq!(
            super::redact("sqlite:./vantage-data/vantage.db"),
            "sqlite:./vantage-data/vantage.db"
        );
    }
}
