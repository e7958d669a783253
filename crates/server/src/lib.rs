//! The HTTP side of Vantage: the JSON API under `/api/v1`, its OpenAPI document, and the pages served with it.

mod access;
mod analytics;
mod audit;
pub mod auth;
mod catalog;
mod dhis2;
mod limits;
mod problem;
mod security;
mod session;
mod stream;
mod system;
mod tokens;
mod units;
pub mod users;
mod writes;

use std::sync::Arc;

use axum::Router;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use vantage_live::Analytics;
use vantage_store::Store;

pub use crate::problem::{ItemError, Problem, ProblemKind};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store and the analytics engine built from it; every write goes through it.
    pub analytics: Arc<Analytics>,
    /// The deployment's civil time zone: "today" and periods are reckoned in it.
    pub time_zone: TimeZone,
    stream: Arc<stream::StreamHub>,
    sign_in_guard: Arc<limits::SignInGuard>,
}

impl AppState {
    /// The state of a server over `analytics`; starts relaying its changes to the live stream, so it must
    /// be called inside the Tokio runtime.
    pub fn new(analytics: Arc<Analytics>, time_zone: TimeZone) -> AppState {
        AppState {
            stream: stream::StreamHub::start(analytics.clone()),
            sign_in_guard: Arc::default(),
            analytics,
            time_zone,
        }
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
        (name = "dhis2", description = "DHIS2 dataValueSets in JSON"),
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
        .merge(dhis2::routes());
    let (router, mut document) = OpenApiRouter::new().nest("/api/v1", api).split_for_parts();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    (router, document)
}

/// The whole application: the API, `/api/v1/openapi.json`, and the start page.
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
        .route("/", axum::routing::get(system::start_page))
        .layer(axum::extract::DefaultBodyLimit::max(security::BODY_LIMIT))
        .layer(axum::middleware::from_fn(security::protect))
        .with_state(state)
}

/// Serves until the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
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
