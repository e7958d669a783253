//! The history of one stored value: every revision, who entered it and when, so that a figure on a
//! dashboard can be traced to the people behind it. Drafts show only to those who may write the cell.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::record::{ObservationKey, ObservationStatus};

use crate::access::Caller;
use crate::analytics::{parse_period, readable, readable_on, resolve_unit};
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(value_history))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct HistoryQuery {
    indicator: String,
    /// The unit the value was reported for (as stored: the unit valid at the end of the period).
    unit: String,
    /// DHIS2 period identifier of the indicator's frequency.
    period: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Revision {
    /// 1 for the first value entered, counting up.
    revision: usize,
    value: f64,
    /// `draft`, `submitted`, `approved` or `returned`.
    status: &'static str,
    comment: Option<String>,
    /// Where it came from: `api`, `import:FILE`, `dhis2`, `demo`, ...
    source: String,
    author: String,
    /// RFC 3339.
    recorded_at: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct History {
    /// Newest first.
    items: Vec<Revision>,
}

/// Every revision of one stored value, newest first.
#[utoipa::path(
    get,
    path = "/observations/history",
    tag = "writes",
    params(HistoryQuery),
    responses(
        (status = 200, body = History),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn value_history(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<History>, Problem> {
    let period = parse_period(&query.period)?;
    let sees_drafts = {
        let engine = state.analytics.engine();
        let indicator = readable(&engine, &caller, &query.indicator)?;
        let unit = resolve_unit(&state, &engine, Some(&query.unit), Some(period))?;
        readable_on(&engine, &caller, indicator, unit)?;
        caller
            .write_refusal(engine.catalog().get(indicator), &engine, unit)
            .is_none()
            && caller.writer().is_ok()
    };
    let key = ObservationKey {
        indicator: query.indicator,
        unit: query.unit,
        period,
    };
    let revisions = state.store().observation_history(&key).await?;
    let mut items: Vec<Revision> = revisions
        .into_iter()
        .enumerate()
        .filter(|(_, stored)| sees_drafts || stored.status != ObservationStatus::Draft)
        .map(|(index, stored)| Revision {
            revision: index + 1,
            value: stored.value,
            status: stored.status.as_str(),
            comment: stored.comment,
            source: stored.source,
            author: stored.author,
            recorded_at: stored.recorded_at.to_string(),
        })
        .collect();
    items.reverse();
    Ok(Json(History { items }))
}
