//! `vantage`: one binary to serve the operations centre, load the demo province, import and export data and
//! manage users.

mod commands;
mod demo;
mod settings;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::{FileSettings, Given, Settings};

#[derive(Parser)]
#[command(
    name = "vantage",
    version,
    about = "Vantage, an open Intelligent Operations Center"
)]
struct Cli {
    /// Config file (TOML) with database_url, listen, time_zone, web_dir, basemap_style and days_off; the environment
    /// and flags override it.
    #[arg(long, global = true, env = "VANTAGE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Time zone of the deployment, for "today" and reporting periods.
    #[arg(long, global = true, env = "VANTAGE_TIME_ZONE", value_name = "ZONE")]
    time_zone: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Database {
    /// sqlite:PATH (embedded, the default: sqlite:./vantage-data/vantage.db) or postgres://USER@HOST/DB.
    #[arg(long, env = "VANTAGE_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Args)]
struct Listen {
    /// Address and port to serve on (default 127.0.0.1:8080).
    #[arg(long, env = "VANTAGE_LISTEN", value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Serve the web app from this build folder (e.g. web/dist) instead of the copy built into the binary;
    /// for developing the app.
    #[arg(long, env = "VANTAGE_WEB_DIR", value_name = "DIR")]
    web_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Create (or reuse) a data directory with the demo province loaded, and serve it.
    Demo {
        /// Where the demo database lives; created if missing, reused if it holds the demo already.
        #[arg(long, default_value = "./vantage-data", value_name = "DIR")]
        data_dir: PathBuf,
        /// First day of generated history, when the directory is new.
        #[arg(long, default_value = "2023-01-01", value_name = "DATE")]
        since: jiff::civil::Date,
        /// First day of daily values at commune level, by far the largest part of the history (about 6,800
        /// values a day); default: 120 days before today, which keeps the first load well under 30 s.
        #[arg(long, value_name = "DATE")]
        daily_since: Option<jiff::civil::Date>,
        #[command(flatten)]
        listen: Listen,
    },
    /// Serve an existing database.
    Serve {
        #[command(flatten)]
        database: Database,
        #[command(flatten)]
        listen: Listen,
    },
    /// Import a CSV file (domains, agencies, units, lineage, catalog, targets or observations), a DHIS2
    /// data value set (`dhis2`: JSON, DHIS2's CSV when the file ends in .csv, ADX when in .xml or .adx), or unit boundaries
    /// (`boundaries`: a GeoJSON FeatureCollection of Polygons or MultiPolygons, each feature naming its unit
    /// by `properties.code` or `id`).
    Import {
        /// What the file holds.
        #[arg(value_parser = ["domains", "agencies", "units", "lineage", "catalog", "targets", "observations", "dhis2", "boundaries"])]
        kind: String,
        file: PathBuf,
        /// For boundaries: the day on which the file's unit codes are taken (YYYY-MM-DD; today by default).
        /// Boundaries of the units before a reorganisation are imported with a day before it.
        #[arg(long, value_name = "DATE")]
        as_of: Option<jiff::civil::Date>,
        /// Apply the valid rows of a file with bad ones; the bad ones are written, with their reasons, to
        /// --rejected.
        #[arg(long)]
        accept_valid: bool,
        /// Where rejected rows go with --accept-valid (default: FILE.rejected.csv beside the file).
        #[arg(long, value_name = "FILE", requires = "accept_valid")]
        rejected: Option<PathBuf>,
        #[command(flatten)]
        database: Database,
    },
    /// Export data as CSV.
    Export {
        #[command(subcommand)]
        what: Export,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Issue an API token acting with a user's grant; it is printed once.
    Create {
        /// The user whose grant the token acts with.
        #[arg(long)]
        user: String,
        /// What it is for.
        #[arg(long)]
        name: String,
        /// read or write.
        #[arg(long, default_value = "read", value_parser = ["read", "write"])]
        scope: String,
        /// Days until it expires (1 to 366).
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=366))]
        days: i64,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Recompute the audit log's hash chain; exits 1 at the first entry that was changed or removed.
    Verify {
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Subcommand)]
enum Export {
    /// Current values (one row per indicator, unit and period), in the format `import observations` reads.
    Observations {
        #[arg(long)]
        indicator: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        /// Only periods ending on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        from: Option<jiff::civil::Date>,
        /// Only periods ending on or before this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        to: Option<jiff::civil::Date>,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user. The password is read from standard input, or prompted for on a terminal.
    Add {
        name: String,
        /// admin, leader, operator, data_owner or viewer.
        #[arg(long)]
        role: String,
        /// Code of the agency the user belongs to.
        #[arg(long)]
        agency: String,
        /// Limit the grant to this unit's subtree.
        #[arg(long)]
        unit: Option<String>,
        /// Limit the grant to this domain (repeat for several).
        #[arg(long = "domain", value_name = "DOMAIN")]
        domains: Vec<String>,
        #[command(flatten)]
        database: Database,
    },
}

fn settings(
    cli_config: Option<&PathBuf>,
    time_zone: Option<String>,
    database_url: Option<String>,
    listen: Option<Listen>,
) -> anyhow::Result<Settings> {
    let file = FileSettings::load(cli_config.map(PathBuf::as_path))?;
    let (listen, web_dir) = listen.map_or((None, None), |given| (given.listen, given.web_dir));
    Settings::resolve(
        Given {
            database_url,
            listen,
            time_zone,
            web_dir,
        },
        file,
    )
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VANTAGE_LOG")
                .unwrap_or_else(|_| "warn,sqlx=error,vantage=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // A reader that stops early (`vantage export ... | head`) is not an error.
        Err(error) if is_broken_pipe(&error) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|csv| matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
    })
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config.as_ref();
    match cli.command {
        Command::Demo {
            data_dir,
            since,
            daily_since,
            listen,
        } => {
            let settings = settings(config, cli.time_zone, None, Some(listen))?;
            demo::run(&data_dir, demo::History { since, daily_since }, &settings).await
        }
        Command::Serve { database, listen } => {
            let settings = settings(config, cli.time_zone, database.database_url, Some(listen))?;
            commands::serve(&settings).await
        }
        Command::Import {
            kind,
            file,
            as_of,
            accept_valid,
            rejected,
            database,
        } => {
            let settings = settings(config, cli.time_zone, database.database_url, None)?;
            if kind == "boundaries" {
                let as_of = as_of.unwrap_or_else(|| settings.today());
                commands::import_boundaries(&settings, &file, as_of, accept_valid).await
            } else {
                commands::import(&settings, &kind, &file, accept_valid, rejected).await
            }
        }
        Command::Export {
            what:
                Export::Observations {
                    indicator,
                    unit,
                    from,
                    to,
                    output,
                    database,
                },
        } => {
            let settings = settings(config, cli.time_zone, database.database_url, None)?;
            let filter = vantage_store::ObservationFilter {
                indicator,
                unit,
                from,
                to,
                status: None,
            };
            commands::export_observations(&settings, filter, output).await
        }
        Command::User {
            action:
                UserAction::Add {
                    name,
                    role,
                    agency,
                    unit,
                    domains,
                    database,
                },
        } => {
            let settings = settings(config, cli.time_zone, database.database_url, None)?;
            commands::add_user(&settings, name, &role, agency, unit, domains).await
        }
        Command::Token {
            action:
                TokenAction::Create {
                    user,
                    name,
                    scope,
                    days,
                    database,
                },
        } => {
            let settings = settings(config, cli.time_zone, database.database_url, None)?;
            commands::create_token(&settings, &user, &name, &scope, days).await
        }
        Command::Audit {
            action: AuditAction::Verify { database },
        } => {
            let settings = settings(config, cli.time_zone, database.database_url, None)?;
            commands::verify_audit(&settings).await
        }
    }
}
