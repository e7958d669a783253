//! The review queue: values waiting for a reviewer's decision (submitted), or approved ones an admin may
//! unlock, newest first. Decisions go through `POST /observations/status`.

use axum::Json;
use axum::extract::{Query, State};
use jiff::ToSpan;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::record::ObservationStatus;
use vantage_store::ObservationFilter;

use crate::access::Caller;
use crate::units::parse_date;
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(review_queue))
}

/// The most values one answer lists.
const MAX_ITEMS: usize = 1000;
/// How far back periods reach by default.
const DEFAULT_DAYS: i64 = 92;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReviewQuery {
    /// `submitted` (the default: waiting for a decision) or `approved` (locked, for unlocking).
    status: Option<String>,
    /// Only values of periods ending on or after this day (YYYY-MM-DD); 92 days before today by default.
    from: Option<String>,
    /// Only values of periods ending on or before this day; by default no limit (periods still running
    /// included).
    to: Option<String>,
    indicator: Option<String>,
    unit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewItem {
    indicator: String,
    name_vi: String,
    name_en: String,
    unit: String,
    unit_name: String,
    period: String,
    value: f64,
    status: &'static str,
    comment: Option<String>,
    author: String,
    /// RFC 3339.
    recorded_at: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewQueue {
    /// Newest first, at most 1,000.
    items: Vec<ReviewItem>,
    /// More values matched than are listed: narrow the window or filter by indicator or unit.
    truncated: bool,
}

/// Values waiting for review, or approved ones (admins and leaders).
#[utoipa::path(
    get,
    path = "/reviews",
    tag = "writes",
    params(ReviewQuery),
    responses(
        (status = 200, body = ReviewQueue),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn review_queue(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ReviewQuery>,
) -> Result<Json<ReviewQueue>, Problem> {
    caller.reviewer()?;
    let status = match query.status.as_deref().unwrap_or("submitted") {
        "submitted" => ObservationStatus::Submitted,
        "approved" => ObservationStatus::Approved,
        other => {
            return Err(Problem::invalid(
                "status",
                format!("`{other}` is not submitted or approved"),
            ));
        }
    };
    let today = state.today();
    let filter = ObservationFilter {
        indicator: query.indicator,
        unit: query.unit,
        from: Some(parse_date(
            "from",
            query.from.as_deref(),
            today - DEFAULT_DAYS.days(),
        )?),
        to: query
            .to
            .as_deref()
            .map(|to| parse_date("to", Some(to), today))
            .transpose()?,
        status: Some(status),
    };
    let mut values = state.store().observations(&filter).await?;
    values.sort_by_key(|value| std::cmp::Reverse(value.recorded_at));
    let truncated = values.len() > MAX_ITEMS;
    values.truncate(MAX_ITEMS);
    let engine = state.analytics.engine();
    let items = values
        .into_iter()
        .map(|value| {
            let indicator = engine
                .catalog()
                .id(&value.key.indicator)
                .map(|id| engine.catalog().get(id));
            let unit_name = engine
                .unit_for(&value.key.unit, value.key.period)
                .map(|unit| engine.registry().get(unit).name.clone())
                .unwrap_or_default();
            ReviewItem {
                name_vi: indicator.map(|i| i.name_vi.clone()).unwrap_or_default(),
                name_en: indicator.map(|i| i.name_en.clone()).unwrap_or_default(),
                indicator: value.key.indicator,
                unit: value.key.unit,
                unit_name,
                period: value.key.period.to_string(),
                value: value.value,
                status: value.status.as_str(),
                comment: value.comment,
                author: value.author,
                recorded_at: value.recorded_at.to_string(),
            }
        })
        .collect();
    Ok(Json(ReviewQueue { items, truncated }))
}
