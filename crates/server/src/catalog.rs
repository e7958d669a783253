//! The indicator catalogue, searchable without diacritics; each caller sees the indicators it may read.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::indicator::{Indicator, format_levels};
use vantage_model::text;

use crate::access::Caller;
use crate::units::page_size;
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_indicators))
        .routes(routes!(get_indicator))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct IndicatorView {
    code: String,
    name_vi: String,
    name_en: String,
    /// Domain (field) code, e.g. `BUD`.
    domain: String,
    /// Unit of measure, e.g. `tỷ đồng` or `%`.
    measure: String,
    /// `day`, `week`, `month`, `quarter`, `halfyear` or `year`.
    frequency: String,
    /// How finer periods combine: `sum`, `mean`, `last`, `max`, `min` or `none`.
    time_aggregation: String,
    /// How child units combine: `sum`, `mean`, `max`, `min`, `none` or `formula`.
    space_aggregation: String,
    /// `higher_better`, `lower_better` or `target_range`.
    polarity: String,
    /// Shown year to date.
    cumulative: bool,
    /// Levels it is reported at, e.g. `province+commune`.
    levels: String,
    /// Code of the owning agency.
    owner_agency: String,
    /// For derived indicators, the formula over other indicator codes.
    formula: Option<String>,
    public: bool,
    source: String,
    confidence: String,
    /// When each period's value is due: `+0d 17:00` (the day itself by 17:00), `+15d` (15 days after the
    /// period), `+5wd` (the fifth working day after it), `day 20` (the 20th of the next month). The
    /// catalogue's rule, or the usual one for the frequency.
    deadline: String,
    /// For a reporting-rate indicator Vantage counts from the reporting calendar (nobody reports it):
    /// `reports_expected`, `reports_received` or `reports_on_time`.
    computed: Option<String>,
}

impl From<&Indicator> for IndicatorView {
    fn from(indicator: &Indicator) -> IndicatorView {
        IndicatorView {
            code: indicator.code.clone(),
            name_vi: indicator.name_vi.clone(),
            name_en: indicator.name_en.clone(),
            domain: indicator.domain.clone(),
            measure: indicator.measure.clone(),
            frequency: indicator.frequency.as_str().to_owned(),
            time_aggregation: indicator.time_aggregation.as_str().to_owned(),
            space_aggregation: indicator.space_aggregation.as_str().to_owned(),
            polarity: indicator.polarity.as_str().to_owned(),
            cumulative: indicator.cumulative,
            levels: format_levels(&indicator.levels),
            owner_agency: indicator.owner_agency.clone(),
            formula: indicator.formula.clone(),
            public: indicator.public,
            source: indicator.source.clone(),
            confidence: indicator.confidence.clone(),
            deadline: indicator.deadline_rule().to_string(),
            computed: indicator.computed.map(|count| count.as_str().to_owned()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct IndicatorPage {
    items: Vec<IndicatorView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct IndicatorQuery {
    /// Only indicators of this domain code.
    domain: Option<String>,
    /// Words to find in the code or the Vietnamese or English name; diacritics and case are ignored.
    q: Option<String>,
    /// Where the previous page ended (an indicator code).
    cursor: Option<String>,
    /// Page size, 1 to 1000; 500 by default.
    limit: Option<usize>,
}

/// The catalogue as far as the caller may read it, by code, filtered by domain and search words.
#[utoipa::path(
    get,
    path = "/indicators",
    tag = "catalog",
    params(IndicatorQuery),
    responses((status = 200, body = IndicatorPage), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
async fn list_indicators(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<IndicatorQuery>,
) -> Result<Json<IndicatorPage>, Problem> {
    let limit = page_size(query.limit)?;
    let mut indicators = state.store().indicators().await?;
    indicators.sort_by(|a, b| a.code.cmp(&b.code));
    let mut matching = indicators
        .iter()
        .filter(|indicator| caller.may_read(indicator))
        .filter(|indicator| {
            query
                .domain
                .as_ref()
                .is_none_or(|domain| &indicator.domain == domain)
        })
        .filter(|indicator| {
            query.q.as_deref().is_none_or(|words| {
                let searchable = format!(
                    "{} {} {}",
                    indicator.code, indicator.name_vi, indicator.name_en
                );
                text::matches(&searchable, words)
            })
        })
        .filter(|indicator| {
            query
                .cursor
                .as_ref()
                .is_none_or(|cursor| &indicator.code > cursor)
        })
        .peekable();
    let items: Vec<&Indicator> = matching.by_ref().take(limit).collect();
    let next_cursor = matching
        .peek()
        .and(items.last())
        .map(|indicator| indicator.code.clone());
    Ok(Json(IndicatorPage {
        items: items.into_iter().map(IndicatorView::from).collect(),
        next_cursor,
    }))
}

/// One indicator.
#[utoipa::path(
    get,
    path = "/indicators/{code}",
    tag = "catalog",
    params(("code" = String, Path, description = "Indicator code, e.g. BUD.REVENUE_TOTAL")),
    responses((status = 200, body = IndicatorView), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_indicator(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<IndicatorView>, Problem> {
    let indicators = state.store().indicators().await?;
    indicators
        .iter()
        .find(|indicator| indicator.code == code && caller.may_read(indicator))
        .map(|indicator| Json(IndicatorView::from(indicator)))
        .ok_or_else(|| Problem::not_found(format!("no indicator `{code}`")))
}
