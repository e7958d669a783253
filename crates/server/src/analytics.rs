//! Reads from the analytics engine: one cell's figures, series, breakdowns over children, rankings and
//! domain scorecards. A unit code names today's unit when it exists today (showing earlier periods through
//! lineage), otherwise the unit it named at the end of the period. Without `unit`, the province; without
//! `period`, the latest period with data.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_engine::{Engine, Explanation, Figures, IndicatorId, RankOrder};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::TargetBound;
use vantage_model::unit::{UnitIndex, UnitLevel};

use crate::access::Caller;
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(values))
        .routes(routes!(series))
        .routes(routes!(breakdown))
        .routes(routes!(rankings))
        .routes(routes!(scorecard))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UnitRef {
    code: String,
    name: String,
    /// `province`, `district` or `commune`.
    level: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TargetView {
    /// The period the target is set for, e.g. `2026`.
    period: String,
    /// `at_least`, `at_most` or `range`.
    kind: &'static str,
    /// The bound (for a range, its minimum).
    value: f64,
    /// For a range, its maximum.
    max: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ForecastView {
    /// `seasonal` (last year's profile) or `linear` (elapsed share of the period).
    method: &'static str,
    /// The projected figure at the end of the target's period.
    value: f64,
    last_year_to_date: Option<f64>,
    last_year_total: Option<f64>,
    days_elapsed: i32,
    days_total: i32,
}

/// Why a status is what it is.
#[derive(Serialize, ToSchema)]
pub(crate) struct ExplanationView {
    /// `period_complete`, `already_decided`, `forecast`, `current_value` or `no_value`.
    rule: &'static str,
    /// The figure compared with the target: the value, or the figure to date for cumulative indicators.
    compared: Option<f64>,
    target: TargetView,
    /// `higher_better`, `lower_better` or `target_range`.
    polarity: &'static str,
    forecast: Option<ForecastView>,
}

/// What a tile shows for one indicator, unit and period.
#[derive(Serialize, ToSchema)]
pub(crate) struct FiguresView {
    indicator: String,
    unit: UnitRef,
    /// DHIS2 period identifier, e.g. `202609`, `2026Q3`, `2026`.
    period: String,
    /// This period (*kỳ này*).
    value: Option<f64>,
    /// From 1 January to the end of the period, for cumulative indicators (*lũy kế*).
    year_to_date: Option<f64>,
    /// The same period last year (*cùng kỳ*).
    last_year: Option<f64>,
    change: Option<f64>,
    change_percent: Option<f64>,
    /// The figure compared with the target as a percentage of it (*% kế hoạch*).
    target_percent: Option<f64>,
    /// `met`, `on_track`, `at_risk`, `missed` or `no_data`; null without a target.
    status: Option<&'static str>,
    explanation: Option<ExplanationView>,
    /// Some values come from the units this one replaced (periods before a reorganisation).
    carried: bool,
}

fn unit_ref(engine: &Engine, unit: UnitIndex) -> UnitRef {
    let record = engine.registry().get(unit);
    UnitRef {
        code: record.code.clone(),
        name: record.name.clone(),
        level: record.level.as_str().to_owned(),
    }
}

fn explanation_view(explanation: &Explanation) -> ExplanationView {
    let (kind, value, max) = match explanation.target.bound {
        TargetBound::AtLeast { value } => ("at_least", value, None),
        TargetBound::AtMost { value } => ("at_most", value, None),
        TargetBound::Range { min, max } => ("range", min, Some(max)),
    };
    ExplanationView {
        rule: explanation.rule.as_str(),
        compared: explanation.compared,
        target: TargetView {
            period: explanation.target.period.to_string(),
            kind,
            value,
            max,
        },
        polarity: explanation.polarity.as_str(),
        forecast: explanation.forecast.as_ref().map(|forecast| ForecastView {
            method: forecast.method.as_str(),
            value: forecast.value,
            last_year_to_date: forecast.last_year_to_date,
            last_year_total: forecast.last_year_total,
            days_elapsed: forecast.days_elapsed,
            days_total: forecast.days_total,
        }),
    }
}

fn figures_view(engine: &Engine, figures: &Figures) -> FiguresView {
    FiguresView {
        indicator: engine.catalog().get(figures.indicator).code.clone(),
        unit: unit_ref(engine, figures.unit),
        period: figures.period.to_string(),
        value: figures.value,
        year_to_date: figures.year_to_date,
        last_year: figures.last_year,
        change: figures.change,
        change_percent: figures.change_percent,
        target_percent: figures.target_percent,
        status: figures.status.map(|status| status.as_str()),
        explanation: figures.explanation.as_ref().map(explanation_view),
        carried: figures.carried,
    }
}

/// The parameters every read resolves the same way. Whether the caller may read the unit itself is for
/// each read to say: a breakdown shows the children in the caller's grant even when the parent is not.
struct Cell {
    indicator: IndicatorId,
    unit: UnitIndex,
    period: Period,
}

/// An indicator the caller may read, or a 404 that does not say whether it exists.
pub(crate) fn readable(
    engine: &Engine,
    caller: &Caller,
    code: &str,
) -> Result<IndicatorId, Problem> {
    engine
        .catalog()
        .id(code)
        .filter(|id| caller.may_read(engine.catalog().get(*id)))
        .ok_or_else(|| Problem::not_found(format!("no indicator {code}")))
}

/// The unit if the caller may read the indicator on it; otherwise a 404 like an unknown indicator's.
pub(crate) fn readable_on(
    engine: &Engine,
    caller: &Caller,
    indicator: IndicatorId,
    unit: UnitIndex,
) -> Result<UnitIndex, Problem> {
    let definition = engine.catalog().get(indicator);
    if caller.reads(definition, engine, unit) {
        Ok(unit)
    } else {
        let code = &engine.registry().get(unit).code;
        Err(Problem::not_found(format!(
            "no indicator {} on unit {code}",
            definition.code
        )))
    }
}

/// Only the figures the caller may read.
fn visible(engine: &Engine, caller: &Caller, items: Vec<Figures>) -> Vec<Figures> {
    items
        .into_iter()
        .filter(|figures| {
            caller.reads(
                engine.catalog().get(figures.indicator),
                engine,
                figures.unit,
            )
        })
        .collect()
}

pub(crate) fn parse_period(text: &str) -> Result<Period, Problem> {
    Period::parse(text).map_err(|error| Problem::invalid("period", error))
}

/// Today's unit of that code, or the one it named at the end of `period` (without a period, the last one it
/// named); the province without a code.
pub(crate) fn resolve_unit(
    state: &AppState,
    engine: &Engine,
    code: Option<&str>,
    period: Option<Period>,
) -> Result<UnitIndex, Problem> {
    let today = state.today();
    let registry = engine.registry();
    let Some(code) = code else {
        return registry
            .as_of(today)
            .into_iter()
            .find(|unit| unit.level == UnitLevel::Province)
            .and_then(|unit| registry.index_on(&unit.code, today))
            .ok_or_else(|| Problem::not_found("no province is loaded"));
    };
    let last_record = || {
        let last_day = registry.history(code).last()?.valid_to?.yesterday().ok()?;
        registry.index_on(code, last_day)
    };
    registry
        .index_on(code, today)
        .or_else(|| match period {
            Some(period) => registry.index_on(code, period.end()),
            None => last_record(),
        })
        .ok_or_else(|| Problem::not_found(format!("no unit {code}")))
}

fn resolve_cell(
    state: &AppState,
    engine: &Engine,
    caller: &Caller,
    indicator: &str,
    unit: Option<&str>,
    period: Option<&str>,
) -> Result<Cell, Problem> {
    let indicator = readable(engine, caller, indicator)?;
    let period = period.map(parse_period).transpose()?;
    let unit = resolve_unit(state, engine, unit, period)?;
    let frequency = engine.catalog().get(indicator).frequency;
    let period = match period {
        Some(period) if period.period_type() < frequency => {
            return Err(Problem::invalid(
                "period",
                format!("{period} is finer than the indicator's frequency ({frequency})"),
            ));
        }
        Some(period) => period,
        None => engine.latest_period(indicator, unit).ok_or_else(|| {
            Problem::not_found("no value yet for this indicator and unit; give a period")
        })?,
    };
    Ok(Cell {
        indicator,
        unit,
        period,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CellQuery {
    /// Indicator code.
    indicator: String,
    /// Unit code; the province by default.
    unit: Option<String>,
    /// DHIS2 period identifier of the indicator's frequency or coarser; the latest with data by default.
    period: Option<String>,
}

/// The figures of one indicator on one unit for one period: value, year to date, the same period last
/// year and the change, the share of the target, and the status with its explanation.
#[utoipa::path(
    get,
    path = "/values",
    tag = "analytics",
    params(CellQuery),
    responses(
        (status = 200, body = FiguresView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn values(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<CellQuery>,
) -> Result<Json<FiguresView>, Problem> {
    let engine = state.analytics.engine();
    let cell = resolve_cell(
        &state,
        &engine,
        &caller,
        &query.indicator,
        query.unit.as_deref(),
        query.period.as_deref(),
    )?;
    readable_on(&engine, &caller, cell.indicator, cell.unit)?;
    let figures = engine.figures(cell.indicator, cell.unit, cell.period);
    Ok(Json(figures_view(&engine, &figures)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SeriesQuery {
    indicator: String,
    /// Unit code; the province by default.
    unit: Option<String>,
    /// Period type: `day`, `week`, `month`, `quarter`, `halfyear` or `year`; the indicator's frequency by default.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    period_type: Option<String>,
    /// First period (of `type`); twelve periods before `to` by default.
    from: Option<String>,
    /// Last period (of `type`); the one holding the latest value by default (an empty series while nothing is reported).
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SeriesPoint {
    period: String,
    value: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SeriesView {
    indicator: String,
    unit: UnitRef,
    #[serde(rename = "type")]
    period_type: String,
    points: Vec<SeriesPoint>,
}

/// The most periods one series may span.
const SERIES_LIMIT: usize = 1000;

/// Values for a range of periods of one type.
#[utoipa::path(
    get,
    path = "/series",
    tag = "analytics",
    params(SeriesQuery),
    responses(
        (status = 200, body = SeriesView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn series(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<SeriesQuery>,
) -> Result<Json<SeriesView>, Problem> {
    let engine = state.analytics.engine();
    let indicator = readable(&engine, &caller, &query.indicator)?;
    let frequency = engine.catalog().get(indicator).frequency;
    let kind = match &query.period_type {
        Some(text) => PeriodType::parse(text).map_err(|error| Problem::invalid("type", error))?,
        None => frequency,
    };
    if kind < frequency {
        return Err(Problem::invalid(
            "type",
            format!("{kind} is finer than the indicator's frequency ({frequency})"),
        ));
    }
    let parse_bound = |name: &str, text: &Option<String>| -> Result<Option<Period>, Problem> {
        let Some(text) = text else { return Ok(None) };
        let period = Period::parse(text).map_err(|error| Problem::invalid(name, error))?;
        if period.period_type() != kind {
            return Err(Problem::invalid(name, format!("{period} is not a {kind}")));
        }
        Ok(Some(period))
    };
    let (from, to) = (
        parse_bound("from", &query.from)?,
        parse_bound("to", &query.to)?,
    );
    let unit = resolve_unit(&state, &engine, query.unit.as_deref(), to.or(from))?;
    let unit = readable_on(&engine, &caller, indicator, unit)?;
    let latest = || {
        engine
            .latest_period(indicator, unit)
            .and_then(|latest| latest.parent(kind))
    };
    // Nothing reported yet and no period asked for: an empty series, not an error.
    let Some(to) = to.or_else(latest) else {
        return Ok(Json(SeriesView {
            indicator: query.indicator,
            unit: unit_ref(&engine, unit),
            period_type: kind.as_str().to_owned(),
            points: Vec::new(),
        }));
    };
    let from = from.unwrap_or_else(|| to.offset(-11));
    if from > to {
        return Err(Problem::invalid("from", format!("{from} comes after {to}")));
    }
    if from.offset(SERIES_LIMIT as i32 - 1) < to {
        return Err(Problem::invalid(
            "from",
            format!("a series spans at most {SERIES_LIMIT} periods"),
        ));
    }
    let points = engine.series(indicator, unit, from, to);
    Ok(Json(SeriesView {
        indicator: query.indicator,
        unit: unit_ref(&engine, unit),
        period_type: kind.as_str().to_owned(),
        points: points
            .into_iter()
            .map(|(period, value)| SeriesPoint {
                period: period.to_string(),
                value,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct FiguresList {
    /// The unit whose children (breakdowns, rankings) or indicators (scorecards) are listed.
    unit: UnitRef,
    /// Null when nothing is reported yet on this unit (then there are no items).
    period: Option<String>,
    items: Vec<FiguresView>,
}

/// The figures of every child of a unit, for maps and tables, in unit code order.
#[utoipa::path(
    get,
    path = "/breakdown",
    tag = "analytics",
    params(CellQuery),
    responses(
        (status = 200, body = FiguresList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn breakdown(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<CellQuery>,
) -> Result<Json<FiguresList>, Problem> {
    let engine = state.analytics.engine();
    let cell = resolve_cell(
        &state,
        &engine,
        &caller,
        &query.indicator,
        query.unit.as_deref(),
        query.period.as_deref(),
    )?;
    let items = visible(
        &engine,
        &caller,
        engine.breakdown(cell.indicator, cell.unit, cell.period),
    );
    Ok(Json(list(&engine, cell.unit, cell.period, &items)))
}

fn list(engine: &Engine, unit: UnitIndex, period: Period, items: &[Figures]) -> FiguresList {
    FiguresList {
        unit: unit_ref(engine, unit),
        period: Some(period.to_string()),
        items: items
            .iter()
            .map(|figures| figures_view(engine, figures))
            .collect(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RankingsQuery {
    indicator: String,
    /// Unit code whose children are ranked; the province by default.
    unit: Option<String>,
    /// The latest period with data by default.
    period: Option<String>,
    /// `worst` (default) or `best`, by the indicator's polarity.
    order: Option<String>,
    /// How many, 1 to 100; 5 by default.
    limit: Option<usize>,
}

/// The best or worst children of a unit by the indicator's polarity (children without a value are left out).
#[utoipa::path(
    get,
    path = "/rankings",
    tag = "analytics",
    params(RankingsQuery),
    responses(
        (status = 200, body = FiguresList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn rankings(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<RankingsQuery>,
) -> Result<Json<FiguresList>, Problem> {
    let order = match query.order.as_deref() {
        None | Some("worst") => RankOrder::Worst,
        Some("best") => RankOrder::Best,
        Some(other) => {
            return Err(Problem::invalid(
                "order",
                format!("`{other}` is not best or worst"),
            ));
        }
    };
    let limit = match query.limit.unwrap_or(5) {
        limit @ 1..=100 => limit,
        other => {
            return Err(Problem::invalid(
                "limit",
                format!("{other} is not between 1 and 100"),
            ));
        }
    };
    let engine = state.analytics.engine();
    let cell = resolve_cell(
        &state,
        &engine,
        &caller,
        &query.indicator,
        query.unit.as_deref(),
        query.period.as_deref(),
    )?;
    // Ranked among the children the caller may see.
    let ranked = engine.rankings(cell.indicator, cell.unit, cell.period, order, usize::MAX);
    let mut items = visible(&engine, &caller, ranked);
    items.truncate(limit);
    Ok(Json(list(&engine, cell.unit, cell.period, &items)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ScorecardQuery {
    /// Domain (field) code, e.g. `BUD`.
    domain: String,
    /// Unit code; the province by default.
    unit: Option<String>,
    /// By default the latest period with data among the domain's indicators (a month when they are
    /// reported monthly or more often). Indicators reported less often show their period containing it.
    period: Option<String>,
}

/// Every indicator of a domain the caller may see, on one unit for one period.
#[utoipa::path(
    get,
    path = "/scorecard",
    tag = "analytics",
    params(ScorecardQuery),
    responses(
        (status = 200, body = FiguresList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn scorecard(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ScorecardQuery>,
) -> Result<Json<FiguresList>, Problem> {
    let engine = state.analytics.engine();
    let indicators: Vec<IndicatorId> = engine
        .catalog()
        .domain(&query.domain)
        .into_iter()
        .filter(|id| caller.may_read(engine.catalog().get(*id)))
        .collect();
    if indicators.is_empty() {
        return Err(Problem::not_found(format!("no domain {}", query.domain)));
    }
    let period = query.period.as_deref().map(parse_period).transpose()?;
    let unit = resolve_unit(&state, &engine, query.unit.as_deref(), period)?;
    let latest = || {
        indicators
            .iter()
            .filter_map(|id| engine.latest_period(*id, unit))
            .map(|latest| {
                latest
                    .parent(PeriodType::Month.max(latest.period_type()))
                    .unwrap_or(latest)
            })
            .max_by_key(|period| (period.end(), std::cmp::Reverse(period.period_type())))
    };
    let Some(period) = period.or_else(latest) else {
        return Ok(Json(FiguresList {
            unit: unit_ref(&engine, unit),
            period: None,
            items: Vec::new(),
        }));
    };
    let items = visible(
        &engine,
        &caller,
        engine.scorecard(&query.domain, unit, period),
    );
    Ok(Json(list(&engine, unit, period, &items)))
}
