//! Reporting rates (*tình hình cập nhật số liệu*): every report the departments and the communes owe
//! whose deadline falls in a window, and whether it came on time, late or not at all — tallied per
//! department, per commune and per indicator, as DHIS2's reporting rates are, with the reports behind
//! each figure. For the operations centre.
//!
//! Who owes what (`Indicator::is_owed_at`): a province-level value is owed by the indicator's owner
//! agency, a commune's value by the commune; a province total the engine sums from the communes is not
//! owed, nor is a derived indicator. A report came when its cell first held a value
//! that counts (submitted, approved or returned; a draft is not a report), and on time when that was by
//! the deadline.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::Json;
use axum::extract::{Query, State};
use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::calendar::WorkingCalendar;
use vantage_model::indicator::Indicator;
use vantage_model::period::Period;
use vantage_model::record::ObservationKey;
use vantage_model::reporting::{Punctuality, ReportingRates, periods_due, punctuality};
use vantage_model::unit::UnitLevel;

use crate::access::Caller;
use crate::units::parse_date;
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reporting_rates))
        .routes(routes!(reports))
}

/// The widest window of deadlines asked for at once.
const MAX_WINDOW_DAYS: i64 = 400;
/// The most reports one answer lists.
const MAX_REPORTS: usize = 2000;

/// The working calendar deadlines follow: the configured days off and the stored holidays.
pub(crate) async fn calendar(state: &AppState) -> Result<WorkingCalendar, Problem> {
    let holidays = state.store().holidays().await?;
    Ok(WorkingCalendar::new(
        state.days_off.to_vec(),
        holidays.into_iter().map(|holiday| holiday.day),
    ))
}

/// A window of deadline days from the query, `back` days before and `ahead` days after today by default.
pub(crate) fn window(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
    back: i64,
    ahead: i64,
) -> Result<(Date, Date), Problem> {
    let today = state.today();
    let from = parse_date("from", from, today - back.days())?;
    let to = parse_date("to", to, today + ahead.days())?;
    if from > to {
        return Err(Problem::invalid("from", format!("{from} comes after {to}")));
    }
    if (to - from).get_days() > MAX_WINDOW_DAYS as i32 {
        return Err(Problem::invalid(
            "to",
            format!("a window spans at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// A local time as RFC 3339 with the province's offset.
pub(crate) fn local_time(state: &AppState, at: DateTime) -> String {
    state
        .time_zone
        .to_zoned_datetime(at)
        .map(|zoned| zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
        .unwrap_or_else(|_| at.to_string())
}

/// The periods of `indicator` whose report is due in the window, with their deadlines; none for an
/// indicator nobody reports.
pub(crate) fn reports_due(
    indicator: &Indicator,
    calendar: &WorkingCalendar,
    from: Date,
    to: Date,
) -> Vec<(Period, DateTime)> {
    if !indicator.is_owed() {
        return Vec::new();
    }
    periods_due(
        indicator.frequency,
        indicator.deadline_rule(),
        calendar,
        from,
        to,
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RatesQuery {
    /// First day of the window of deadlines (YYYY-MM-DD); 30 days before today by default.
    from: Option<String>,
    /// Last day of the window (YYYY-MM-DD); today by default.
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RatesView {
    /// Reports due by now (and those received before their deadline).
    expected: u64,
    received: u64,
    on_time: u64,
    late: u64,
    missing: u64,
    /// Not due yet and not received.
    pending: u64,
    /// Received of expected, in percent; absent when nothing was expected.
    rate: Option<f64>,
    /// Received on time of expected, in percent.
    on_time_rate: Option<f64>,
}

impl From<ReportingRates> for RatesView {
    fn from(rates: ReportingRates) -> RatesView {
        RatesView {
            expected: rates.expected(),
            received: rates.received(),
            on_time: rates.on_time,
            late: rates.late,
            missing: rates.missing,
            pending: rates.pending,
            rate: rates.rate(),
            on_time_rate: rates.on_time_rate(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RankedView {
    /// Agency, unit or indicator code.
    code: String,
    /// In Vietnamese.
    name: String,
    /// In English, where there is one (agencies and indicators).
    name_en: Option<String>,
    #[serde(flatten)]
    rates: RatesView,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ReportingRatesView {
    from: String,
    to: String,
    /// When the reports were judged (RFC 3339).
    as_of: String,
    totals: RatesView,
    /// Departments, by their province-level reports: best on-time rate first.
    agencies: Vec<RankedView>,
    /// Communes, by their own reports: best on-time rate first.
    communes: Vec<RankedView>,
    /// Indicators, by every report of theirs: best on-time rate first.
    indicators: Vec<RankedView>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportsQuery {
    /// First day of the window of deadlines (YYYY-MM-DD); 30 days before today by default.
    from: Option<String>,
    /// Last day of the window (YYYY-MM-DD); today by default.
    to: Option<String>,
    /// Only the province-level reports this agency owes.
    agency: Option<String>,
    /// Only the reports of this unit.
    unit: Option<String>,
    indicator: Option<String>,
    /// Comma-separated: `on_time`, `late`, `missing`, `pending`; all by default.
    punctuality: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ReportView {
    indicator: String,
    indicator_name_vi: String,
    indicator_name_en: String,
    unit: String,
    unit_name: String,
    /// The agency that owes it (province-level reports).
    agency: Option<String>,
    period: String,
    /// Local time with its offset (RFC 3339).
    deadline: String,
    /// When a value that counts was first entered (RFC 3339).
    first_reported_at: Option<String>,
    /// `on_time`, `late`, `missing` or `pending`.
    punctuality: &'static str,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ReportList {
    /// By deadline, then indicator and unit; at most 2000.
    items: Vec<ReportView>,
    truncated: bool,
}

/// One report owed.
pub(crate) struct Owed {
    indicator: String,
    pub(crate) unit: String,
    pub(crate) level: UnitLevel,
    /// The agency that owes a province-level report.
    agency: Option<String>,
    period: Period,
    pub(crate) deadline: DateTime,
    first_reported_at: Option<jiff::Timestamp>,
    pub(crate) punctuality: Punctuality,
}

/// Every report owed in the window (by the units in `only`, or by all), judged as of now.
pub(crate) async fn owed(
    state: &AppState,
    from: Date,
    to: Date,
    only: Option<&HashSet<String>>,
) -> Result<Vec<Owed>, Problem> {
    let calendar = calendar(state).await?;
    let mut owed = Vec::new();
    {
        let engine = state.analytics.engine();
        let registry = engine.registry();
        let mut units_on: HashMap<Date, Vec<(String, UnitLevel)>> = HashMap::new();
        for id in engine.catalog().ids() {
            let indicator = engine.catalog().get(id);
            for (period, deadline) in reports_due(indicator, &calendar, from, to) {
                let units = units_on.entry(period.end()).or_insert_with(|| {
                    registry
                        .as_of(period.end())
                        .into_iter()
                        .map(|unit| (unit.code.clone(), unit.level))
                        .collect()
                });
                for (unit, level) in units.iter() {
                    if !indicator.is_owed_at(*level)
                        || only.is_some_and(|only| !only.contains(unit))
                    {
                        continue;
                    }
                    owed.push(Owed {
                        indicator: indicator.code.clone(),
                        unit: unit.clone(),
                        level: *level,
                        agency: (*level == UnitLevel::Province)
                            .then(|| indicator.owner_agency.clone()),
                        period,
                        deadline,
                        first_reported_at: None,
                        punctuality: Punctuality::Pending,
                    });
                }
            }
        }
    }
    let keys: Vec<ObservationKey> = owed
        .iter()
        .map(|report| ObservationKey {
            indicator: report.indicator.clone(),
            unit: report.unit.clone(),
            period: report.period,
        })
        .collect();
    let first = state.store().first_reports(&keys).await?;
    let now = state.time_zone.to_datetime(jiff::Timestamp::now());
    for (report, key) in owed.iter_mut().zip(&keys) {
        report.first_reported_at = first.get(key).copied();
        let at = report
            .first_reported_at
            .map(|at| state.time_zone.to_datetime(at));
        report.punctuality = punctuality(report.deadline, at, now);
    }
    Ok(owed)
}

/// Ranked best first: on-time rate, then rate, then code; parties with nothing expected last.
fn ranked(
    tallies: BTreeMap<String, ReportingRates>,
    name: impl Fn(&str) -> (String, Option<String>),
) -> Vec<RankedView> {
    let mut rows: Vec<(String, ReportingRates)> = tallies.into_iter().collect();
    let key = |rates: &ReportingRates| {
        (
            rates.on_time_rate().unwrap_or(-1.0),
            rates.rate().unwrap_or(-1.0),
        )
    };
    rows.sort_by(|(a_code, a), (b_code, b)| {
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a_code.cmp(b_code))
    });
    rows.into_iter()
        .map(|(code, rates)| {
            let (name, name_en) = name(&code);
            RankedView {
                name,
                name_en,
                code,
                rates: rates.into(),
            }
        })
        .collect()
}

/// How the departments and the communes reported the values due in a window (the operations centre):
/// totals, and rankings of departments, communes and indicators by their on-time rate.
#[utoipa::path(
    get,
    path = "/reporting-rates",
    tag = "writes",
    params(RatesQuery),
    responses(
        (status = 200, body = ReportingRatesView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn reporting_rates(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<RatesQuery>,
) -> Result<Json<ReportingRatesView>, Problem> {
    caller.monitor()?;
    let (from, to) = window(&state, query.from.as_deref(), query.to.as_deref(), 30, 0)?;
    let owed = owed(&state, from, to, None).await?;
    let mut totals = ReportingRates::default();
    let mut agencies: BTreeMap<String, ReportingRates> = BTreeMap::new();
    let mut communes: BTreeMap<String, ReportingRates> = BTreeMap::new();
    let mut indicators: BTreeMap<String, ReportingRates> = BTreeMap::new();
    for report in &owed {
        totals.add(report.punctuality);
        indicators
            .entry(report.indicator.clone())
            .or_default()
            .add(report.punctuality);
        if let Some(agency) = &report.agency {
            agencies
                .entry(agency.clone())
                .or_default()
                .add(report.punctuality);
        } else if report.level == UnitLevel::Commune {
            communes
                .entry(report.unit.clone())
                .or_default()
                .add(report.punctuality);
        }
    }
    let agency_names: HashMap<String, (String, String)> = state
        .store()
        .agencies()
        .await?
        .into_iter()
        .map(|agency| (agency.code, (agency.name_vi, agency.name_en)))
        .collect();
    let engine = state.analytics.engine();
    let unit_name = |code: &str| {
        let name = engine
            .registry()
            .current(code)
            .or_else(|| engine.registry().history(code).last().copied())
            .map_or_else(|| code.to_owned(), |unit| unit.name.clone());
        (name, None)
    };
    let indicator_name = |code: &str| {
        engine.catalog().id(code).map_or_else(
            || (code.to_owned(), None),
            |id| {
                let indicator = engine.catalog().get(id);
                (indicator.name_vi.clone(), Some(indicator.name_en.clone()))
            },
        )
    };
    Ok(Json(ReportingRatesView {
        from: from.to_string(),
        to: to.to_string(),
        as_of: jiff::Timestamp::now().to_string(),
        totals: totals.into(),
        agencies: ranked(agencies, |code| {
            agency_names.get(code).map_or_else(
                || (code.to_owned(), None),
                |(vi, en)| (vi.clone(), Some(en.clone())),
            )
        }),
        communes: ranked(communes, unit_name),
        indicators: ranked(indicators, indicator_name),
    }))
}

/// The reports behind a reporting rate (the operations centre): each owed report of the window with its
/// deadline, when it first came and whether that was on time; filtered by agency, unit, indicator and
/// punctuality.
#[utoipa::path(
    get,
    path = "/reporting-rates/reports",
    tag = "writes",
    params(ReportsQuery),
    responses(
        (status = 200, body = ReportList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn reports(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ReportsQuery>,
) -> Result<Json<ReportList>, Problem> {
    caller.monitor()?;
    let (from, to) = window(&state, query.from.as_deref(), query.to.as_deref(), 30, 0)?;
    let wanted: Vec<Punctuality> = query
        .punctuality
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            Punctuality::parse(part).map_err(|reason| Problem::invalid("punctuality", reason))
        })
        .collect::<Result<_, _>>()?;
    let owed = owed(&state, from, to, None).await?;
    let mut selected: Vec<&Owed> = owed
        .iter()
        .filter(|report| wanted.is_empty() || wanted.contains(&report.punctuality))
        .filter(|report| {
            query
                .agency
                .as_ref()
                .is_none_or(|agency| report.agency.as_ref() == Some(agency))
        })
        .filter(|report| query.unit.as_ref().is_none_or(|unit| &report.unit == unit))
        .filter(|report| {
            query
                .indicator
                .as_ref()
                .is_none_or(|indicator| &report.indicator == indicator)
        })
        .collect();
    selected.sort_by(|a, b| {
        (a.deadline, &a.indicator, &a.unit).cmp(&(b.deadline, &b.indicator, &b.unit))
    });
    let truncated = selected.len() > MAX_REPORTS;
    selected.truncate(MAX_REPORTS);
    let engine = state.analytics.engine();
    let items = selected
        .into_iter()
        .map(|report| {
            let indicator = engine
                .catalog()
                .id(&report.indicator)
                .map(|id| engine.catalog().get(id));
            ReportView {
                indicator_name_vi: indicator.map_or_else(String::new, |i| i.name_vi.clone()),
                indicator_name_en: indicator.map_or_else(String::new, |i| i.name_en.clone()),
                indicator: report.indicator.clone(),
                unit_name: engine
                    .registry()
                    .resolve(&report.unit, report.period.end())
                    .map_or_else(|| report.unit.clone(), |unit| unit.name.clone()),
                unit: report.unit.clone(),
                agency: report.agency.clone(),
                period: report.period.to_string(),
                deadline: local_time(&state, report.deadline),
                first_reported_at: report.first_reported_at.map(|at| at.to_string()),
                punctuality: report.punctuality.as_str(),
            }
        })
        .collect();
    Ok(Json(ReportList { items, truncated }))
}
