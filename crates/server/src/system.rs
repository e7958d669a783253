//! Liveness, readiness and the start page.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Problem, ProblemKind};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(site))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SiteView {
    /// A MapLibre style URL to draw under the maps; null when maps show the units alone.
    basemap_style: Option<String>,
    /// The civil time zone periods and "today" are reckoned in (IANA name).
    time_zone: Option<String>,
}

/// How this deployment presents itself: what the web app needs before anyone signs in.
#[utoipa::path(get, path = "/site", tag = "system", responses((status = 200, body = SiteView)))]
async fn site(State(state): State<AppState>) -> Json<SiteView> {
    Json(SiteView {
        basemap_style: state.site.basemap_style.clone(),
        time_zone: state.time_zone.iana_name().map(str::to_owned),
    })
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    /// Always `ok` while the process serves requests.
    status: &'static str,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/health", tag = "system", responses((status = 200, body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Readiness {
    /// `ready` when storage answers (the analytics engine is loaded before the server listens).
    status: &'static str,
    /// `sqlite` or `postgres`.
    storage: &'static str,
    /// Values the analytics engine loaded from storage at start-up.
    values_loaded: u64,
    /// Stored values it could not place under today's catalogue (see the log).
    values_skipped: u64,
    /// How long that load took, in seconds.
    load_seconds: f64,
}

/// Readiness: storage is reachable and the analytics engine loaded.
#[utoipa::path(
    get,
    path = "/ready",
    tag = "system",
    responses(
        (status = 200, body = Readiness),
        (status = 503, body = Problem, content_type = "application/problem+json")
    )
)]
async fn ready(State(state): State<AppState>) -> Result<Json<Readiness>, Problem> {
    state.store().ping().await.map_err(|error| {
        tracing::warn!(%error, "readiness check failed");
        Problem::new(
            ProblemKind::StorageUnavailable,
            "the database cannot be reached",
        )
    })?;
    let load = state.analytics.load_report();
    Ok(Json(Readiness {
        status: "ready",
        storage: state.store().backend().name(),
        values_loaded: load.values,
        values_skipped: load.skipped,
        load_seconds: load.seconds,
    }))
}
