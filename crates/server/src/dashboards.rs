//! Dashboards: the overview and one per domain, generated from the catalogue and arranged by operators.
//! Everyone sees a dashboard through their own grant: tiles of indicators the caller may not read are left
//! out, and a domain the caller sees nothing of is unknown to it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::dashboard::{self, ChartKind, OVERVIEW, Tile};
use vantage_model::indicator::Indicator;
use vantage_store::SavedLayout;

use crate::access::Caller;
use crate::security::check_same_site;
use crate::{AppState, ItemError, Problem, audit, writes};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dashboards))
        .routes(routes!(get_dashboard, put_dashboard, reset_dashboard))
}

/// One tile: an indicator, whether it is hidden or pinned (shown first), and how it is drawn.
#[derive(Serialize, Deserialize, ToSchema)]
pub(crate) struct TileView {
    indicator: String,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    pinned: bool,
    /// `line`, `bar` or `number`.
    chart: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DashboardView {
    /// `overview` or a domain code.
    id: String,
    tiles: Vec<TileView>,
    /// Whether someone arranged it; otherwise the tiles are the catalogue's default.
    saved: bool,
    updated_by: Option<String>,
    /// RFC 3339.
    updated_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DashboardSummary {
    id: String,
    name_vi: String,
    name_en: String,
    /// Indicators on it the caller may read.
    indicators: usize,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DashboardList {
    /// The overview first, then one per domain in the catalogue's order of domains.
    items: Vec<DashboardSummary>,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct LayoutChange {
    tiles: Vec<TileView>,
}

/// The dashboards the caller can see: the overview and every domain with an indicator it may read.
#[utoipa::path(get, path = "/dashboards", tag = "dashboards", responses((status = 200, body = DashboardList)))]
async fn list_dashboards(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DashboardList>, Problem> {
    let catalogue = readable_catalogue(&state, &caller).await?;
    let mut items = vec![DashboardSummary {
        id: OVERVIEW.to_owned(),
        name_vi: "Tổng quan".to_owned(),
        name_en: "Overview".to_owned(),
        indicators: catalogue.len(),
    }];
    for domain in state.store().domains().await? {
        let indicators = catalogue.iter().filter(|i| i.domain == domain.code).count();
        if indicators > 0 {
            items.push(DashboardSummary {
                id: domain.code,
                name_vi: domain.name_vi,
                name_en: domain.name_en,
                indicators,
            });
        }
    }
    Ok(Json(DashboardList { items }))
}

/// A dashboard as arranged (or the catalogue's default), with the tiles the caller may read.
#[utoipa::path(
    get,
    path = "/dashboards/{id}",
    tag = "dashboards",
    params(("id" = String, Path, description = "`overview` or a domain code")),
    responses(
        (status = 200, body = DashboardView),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DashboardView>, Problem> {
    let catalogue = readable_catalogue(&state, &caller).await?;
    known(&id, &catalogue)?;
    let saved = state.store().dashboard_layout(&id).await?;
    Ok(Json(view(&state, &id, saved, &catalogue)))
}

/// Saves a dashboard's arrangement (admins, leaders and operators): the order of the tiles, which are
/// hidden or pinned, and their charts. Every tile must name an indicator of the dashboard's domain (any
/// indicator on the overview), once.
#[utoipa::path(
    put,
    path = "/dashboards/{id}",
    tag = "dashboards",
    params(("id" = String, Path, description = "`overview` or a domain code")),
    request_body = LayoutChange,
    responses(
        (status = 200, body = DashboardView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
async fn put_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<LayoutChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<DashboardView>, Problem> {
    let (curator, catalogue) = arranging(&state, &caller, &headers, &id).await?;
    let Json(change) = body?;
    // Every fault of every tile: a bad chart does not hide a bad indicator.
    let charts: Vec<Result<ChartKind, String>> = change
        .tiles
        .iter()
        .map(|tile| ChartKind::parse(&tile.chart))
        .collect();
    let tiles: Vec<Tile> = change
        .tiles
        .into_iter()
        .zip(&charts)
        .map(|(tile, chart)| Tile {
            indicator: tile.indicator,
            hidden: tile.hidden,
            pinned: tile.pinned,
            chart: chart.clone().unwrap_or(ChartKind::Line),
        })
        .collect();
    let mut errors: Vec<ItemError> = charts
        .into_iter()
        .enumerate()
        .filter_map(|(index, chart)| {
            chart.err().map(|reason| ItemError {
                index,
                field: "chart".into(),
                reason,
            })
        })
        .chain(
            dashboard::check(&id, &tiles, &catalogue)
                .into_iter()
                .map(|(index, reason)| ItemError {
                    index,
                    field: "indicator".into(),
                    reason,
                }),
        )
        .collect();
    errors.sort_by_key(|error| error.index);
    if !errors.is_empty() {
        return Err(writes::refused(errors));
    }
    // Kept to the millisecond, as stored, so that this answer and later reads agree.
    let now = jiff::Timestamp::now();
    let layout = SavedLayout {
        tiles,
        updated_by: curator.clone(),
        updated_at: jiff::Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now),
    };
    state.store().save_dashboard_layout(&id, &layout).await?;
    let detail = json!({"tiles": layout.tiles.len()});
    audit::record(&state, &curator, "dashboard.save", &id, detail).await?;
    Ok(Json(view(&state, &id, Some(layout), &catalogue)))
}

/// Forgets a dashboard's arrangement (admins, leaders and operators): it is generated from the catalogue
/// again. Answers the dashboard as it now is.
#[utoipa::path(
    delete,
    path = "/dashboards/{id}",
    tag = "dashboards",
    params(("id" = String, Path, description = "`overview` or a domain code")),
    responses(
        (status = 200, body = DashboardView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn reset_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<DashboardView>, Problem> {
    let (curator, catalogue) = arranging(&state, &caller, &headers, &id).await?;
    if state.store().delete_dashboard_layout(&id).await? {
        audit::record(&state, &curator, "dashboard.reset", &id, json!({})).await?;
    }
    Ok(Json(view(&state, &id, None, &catalogue)))
}

/// Who arranges dashboard `id` and the catalogue they see, or why the caller may not arrange it.
async fn arranging(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    id: &str,
) -> Result<(String, Vec<Indicator>), Problem> {
    let curator = caller.curator()?.username.clone();
    check_same_site(caller, headers)?;
    let catalogue = readable_catalogue(state, caller).await?;
    known(id, &catalogue)?;
    Ok((curator, catalogue))
}

/// The catalogue as far as the caller may read it, in catalogue order.
async fn readable_catalogue(state: &AppState, caller: &Caller) -> Result<Vec<Indicator>, Problem> {
    let mut catalogue = state.store().indicators().await?;
    catalogue.retain(|indicator| caller.may_read(indicator));
    Ok(catalogue)
}

/// The overview, or a domain of which the caller may read something.
fn known(id: &str, catalogue: &[Indicator]) -> Result<(), Problem> {
    if id == OVERVIEW || catalogue.iter().any(|indicator| indicator.domain == id) {
        Ok(())
    } else {
        Err(Problem::not_found(format!("no dashboard {id}")))
    }
}

fn view(
    state: &AppState,
    id: &str,
    saved: Option<SavedLayout>,
    catalogue: &[Indicator],
) -> DashboardView {
    let (tiles, saved, updated_by, updated_at) = match saved {
        Some(layout) => (
            dashboard::reconcile(id, layout.tiles, catalogue),
            true,
            Some(layout.updated_by),
            Some(layout.updated_at.to_string()),
        ),
        None => {
            // Indicators with targets on the province come first on a default overview.
            let engine = state.analytics.engine();
            let province = crate::analytics::resolve_unit(state, &engine, None, None).ok();
            let targeted = |indicator: &Indicator| {
                province
                    .zip(engine.catalog().id(&indicator.code))
                    .is_some_and(|(province, id)| engine.has_targets(id, province))
            };
            let tiles = dashboard::default_tiles(id, catalogue, targeted);
            (tiles, false, None, None)
        }
    };
    DashboardView {
        id: id.to_owned(),
        tiles: tiles
            .into_iter()
            .map(|tile| TileView {
                indicator: tile.indicator,
                hidden: tile.hidden,
                pinned: tile.pinned,
                chart: tile.chart.as_str().to_owned(),
            })
            .collect(),
        saved,
        updated_by,
        updated_at,
    }
}
