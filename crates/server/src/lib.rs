//! The HTTP side of Vantage: the JSON API under `/api/v1`, its OpenAPI document, and the pages served with it.

mod access;
mod alerts;
mod analytics;
mod audit;
pub mod auth;
mod cap;
mod catalog;
mod connectors;
mod counting;
mod dashboards;
mod dhis2;
mod history;
mod limits;
mod notifications;
mod problem;
mod pulling;
mod reporting;
mod reviews;
mod security;
mod session;
mod stream;
mod system;
mod tasks;
mod tokens;
mod units;
mod uploads;
pub mod users;
mod web;
mod writes;

use std::sync::Arc;

use axum::Router;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use vantage_alerts::Alerting;
use vantage_live::Analytics;
use vantage_store::Store;

pub use crate::problem::{ItemError, Problem, ProblemKind};

/// A definition kept under an id (an alert rule, a notification policy, a connector) read from a `PUT`
/// body: `what` it is, refused when it cannot be read or names another id than the path's.
pub(crate) fn definition<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &str,
    path_id: &str,
    id_of: impl Fn(&T) -> &str,
) -> Result<T, Problem> {
    let definition: T = serde_json::from_slice(body)
        .map_err(|error| Problem::invalid("body", format!("not {what}: {error}")))?;
    if id_of(&definition) != path_id {
        return Err(Problem::invalid(
            "id",
            format!("the id differs from the path's ({path_id})"),
        ));
    }
    Ok(definition)
}
pub use crate::web::WebFiles;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store and the analytics engine built from it; every write goes through it.
    pub analytics: Arc<Analytics>,
    /// The alert rules watching the engine, and the alerts they raised.
    pub alerting: Arc<Alerting>,
    /// The deployment's civil time zone: "today" and periods are reckoned in it.
    pub time_zone: TimeZone,
    stream: Arc<stream::StreamHub>,
    sign_in_guard: Arc<limits::SignInGuard>,
    site: Arc<Site>,
    web: Arc<WebFiles>,
    content_security_policy: Arc<axum::http::HeaderValue>,
    /// The weekly days off that working-day deadlines skip.
    days_off: Arc<[jiff::civil::Weekday]>,
    puller: Arc<pulling::Puller>,
    /// Whether this server keeps the reporting-rate indicators' counts (`counting`).
    counts_reports: bool,
}

/// How this deployment presents itself to the web app.
#[derive(Clone, Debug, Default)]
pub struct Site {
    /// A MapLibre style URL for a basemap under the maps; without one, maps show the units alone.
    pub basemap_style: Option<String>,
}

impl AppState {
    /// The state of a server over `alerting` and its analytics; starts relaying their changes and alerts
    /// to the live stream, so it must be called inside the Tokio runtime.
    pub fn new(alerting: Arc<Alerting>, time_zone: TimeZone) -> AppState {
        let analytics = alerting.analytics().clone();
        AppState {
            stream: stream::StreamHub::start(&alerting),
            alerting,
            sign_in_guard: Arc::default(),
            analytics,
            time_zone,
            site: Arc::default(),
            web: Arc::default(),
            content_security_policy: Arc::new(security::content_security_policy(None)),
            days_off: Arc::from(vantage_model::calendar::USUAL_DAYS_OFF),
            puller: Arc::default(),
            counts_reports: true,
        }
    }

    /// The same state leaving the reporting-rate indicators' counts to another server over the same
    /// database (or, in tests of other things, to nobody).
    pub fn without_report_counts(mut self) -> AppState {
        self.counts_reports = false;
        self
    }

    /// The same state with these weekly days off for reporting deadlines.
    pub fn with_days_off(mut self, days_off: Vec<jiff::civil::Weekday>) -> AppState {
        self.days_off = Arc::from(days_off);
        self
    }

    /// The same state presenting `site`.
    pub fn with_site(mut self, site: Site) -> AppState {
        self.content_security_policy = Arc::new(security::content_security_policy(
            site.basemap_style.as_deref(),
        ));
        self.site = Arc::new(site);
        self
    }

    /// The same state serving the web app from `web`.
    pub fn with_web_files(mut self, web: WebFiles) -> AppState {
        self.web = Arc::new(web);
        self
    }

    pub fn store(&self) -> &Store {
        self.analytics.store()
    }

    pub fn today(&self) -> Date {
        self.time_zone.to_datetime(jiff::Timestamp::now()).date()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vantage API",
        description = "The API of Vantage, an open Intelligent Operations Center for provinces and cities.",
        license(name = "Apache-2.0")
    ),
    tags(
        (name = "system", description = "Liveness and readiness"),
        (name = "units", description = "Administrative units with their history"),
        (name = "catalog", description = "The indicator catalogue"),
        (name = "session", description = "Sign-in and the signed-in user"),
        (name = "writes", description = "Values written over the API"),
        (name = "audit", description = "The append-only, hash-chained audit log"),
        (name = "tokens", description = "API tokens for machines"),
        (name = "users", description = "Users and their grants"),
        (name = "dhis2", description = "DHIS2 dataValueSets in JSON and CSV"),
        (name = "dashboards", description = "The overview and the domains' dashboards as operators arranged them"),
        (name = "alerts", description = "Alerts, their timelines and explanations, and the rules that raise them"),
        (name = "connectors", description = "Pull connectors: JSON sources fetched on a schedule into values, and their run log"),
        (name = "analytics", description = "Figures, series, breakdowns, rankings and scorecards from the live analytics engine")
    )
)]
struct ApiDoc;

/// The API routes and the OpenAPI document that describes exactly them.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(system::routes())
        .merge(units::routes())
        .merge(catalog::routes())
        .merge(analytics::routes())
        .merge(session::routes())
        .merge(stream::routes())
        .merge(writes::routes())
        .merge(audit::routes())
        .merge(tokens::routes())
        .merge(users::routes())
        .merge(dhis2::routes())
        .merge(dashboards::routes())
        .merge(history::routes())
        .merge(tasks::routes())
        .merge(reviews::routes())
        .merge(uploads::routes())
        .merge(alerts::routes())
        .merge(notifications::routes())
        .merge(connectors::routes())
        .merge(reporting::routes());
    let (router, mut document) = OpenApiRouter::new()
        .nest("/api/v1", api)
        .merge(cap::routes())
        .split_for_parts();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    (router, document)
}

/// The whole application: the API, `/api/v1/openapi.json`, and the web app.
pub fn app(state: AppState) -> Router {
    let (router, document) = api();
    let document = Arc::new(document);
    router
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let document = document.clone();
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        .fallback_service(axum::routing::get(web::serve).with_state(state.clone()))
        .layer(axum::extract::DefaultBodyLimit::max(security::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::protect,
        ))
        .with_state(state)
}

/// Serves the API and the web app, runs the pull connectors and keeps the reporting-rate counts, until
/// the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    pulling::start(state.clone());
    if state.counts_reports {
        counting::start(state.clone());
    }
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
