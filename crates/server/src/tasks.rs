//! Reporting tasks: for the signed-in data owner, every value it is expected to report whose deadline
//! falls in a window of days, with the deadline and where the report stands.
//!
//! Who reports what: a user reports for the unit at the root of its grant (the province when the grant has
//! none), every indicator of its domains reported at that unit's level that is not computed; at province
//! level only the indicators its agency owns (the communes report their own values).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use jiff::ToSpan;
use jiff::civil::Weekday;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::calendar::WorkingCalendar;
use vantage_model::record::{Observation, ObservationKey};
use vantage_model::reporting::{periods_due, task_state};
use vantage_model::unit::UnitLevel;

use crate::access::Caller;
use crate::analytics::resolve_unit;
use crate::units::parse_date;
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks))
        .routes(routes!(task_template))
}

/// How far the window reaches by default, before and after today.
const DEFAULT_REACH_DAYS: i64 = 31;
/// The widest window asked for at once.
const MAX_WINDOW_DAYS: i64 = 400;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TaskQuery {
    /// First day of the window of deadlines (YYYY-MM-DD); 31 days before today by default.
    from: Option<String>,
    /// Last day of the window (YYYY-MM-DD); 31 days after today by default.
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TaskView {
    indicator: String,
    name_vi: String,
    name_en: String,
    unit: String,
    /// DHIS2 period identifier.
    period: String,
    /// When the value is due, local time with its offset (RFC 3339).
    deadline: String,
    /// `not_started`, `draft`, `submitted`, `approved`, `returned` or `late`.
    state: &'static str,
    /// The stored value, if any.
    value: Option<f64>,
    /// The stored value's status (a late task may hold a draft or a returned value).
    status: Option<&'static str>,
    /// The stored value's comment: for a returned value, the reviewer's reason.
    comment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TaskList {
    /// The unit the caller reports for.
    unit: String,
    from: String,
    to: String,
    /// By deadline, then indicator.
    items: Vec<TaskView>,
}

/// The caller's reporting tasks whose deadline falls in the window (admins and data owners).
#[utoipa::path(
    get,
    path = "/tasks",
    tag = "writes",
    params(TaskQuery),
    responses(
        (status = 200, body = TaskList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_tasks(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TaskQuery>,
) -> Result<Json<TaskList>, Problem> {
    Ok(Json(tasks_of(&state, &caller, &query).await?))
}

/// A CSV file to fill in: one row per task of the window (as `/tasks` lists them), with the indicator's
/// name, measure and the unit's name in Vietnamese, the stored value and comment when there is one, and
/// the columns `/uploads/observations` reads, so that the filled file is uploaded as it is.
#[utoipa::path(
    get,
    path = "/tasks/template.csv",
    tag = "writes",
    params(TaskQuery),
    responses(
        (status = 200, description = "CSV (UTF-8 with a byte-order mark, for spreadsheets)", body = String, content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn task_template(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TaskQuery>,
) -> Result<axum::response::Response, Problem> {
    use axum::response::IntoResponse;
    let tasks = tasks_of(&state, &caller, &query).await?;
    let (measures, unit_name) = {
        let engine = state.analytics.engine();
        let measures: HashMap<String, String> = engine
            .catalog()
            .ids()
            .map(|id| engine.catalog().get(id))
            .map(|indicator| (indicator.code.clone(), indicator.measure.clone()))
            .collect();
        let unit_name = resolve_unit(&state, &engine, Some(&tasks.unit), None)
            .map(|unit| engine.registry().get(unit).name.clone())
            .unwrap_or_default();
        (measures, unit_name)
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "indicator",
        "unit",
        "period",
        "value",
        "comment",
        "ten_chi_tieu",
        "don_vi_tinh",
        "don_vi",
        "han_nop",
        "trang_thai",
    ];
    let _ = writer.write_record(header);
    for task in &tasks.items {
        let value = task
            .value
            .map(|value| value.to_string())
            .unwrap_or_default();
        let row = [
            task.indicator.as_str(),
            task.unit.as_str(),
            task.period.as_str(),
            value.as_str(),
            task.comment.as_deref().unwrap_or_default(),
            task.name_vi.as_str(),
            measures.get(&task.indicator).map_or("", String::as_str),
            unit_name.as_str(),
            task.deadline.as_str(),
            task.state,
        ];
        let _ = writer.write_record(row);
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(writer.into_inner().unwrap_or_default());
    let disposition = format!(
        "attachment; filename=\"bieu-mau-{}-{}-{}.csv\"",
        tasks.unit, tasks.from, tasks.to
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// The caller's tasks whose deadline falls in the query's window.
async fn tasks_of(
    state: &AppState,
    caller: &Caller,
    query: &TaskQuery,
) -> Result<TaskList, Problem> {
    let user = caller.writer()?.clone();
    let today = state.today();
    let from = parse_date(
        "from",
        query.from.as_deref(),
        today - DEFAULT_REACH_DAYS.days(),
    )?;
    let to = parse_date("to", query.to.as_deref(), today + DEFAULT_REACH_DAYS.days())?;
    if from > to {
        return Err(Problem::invalid("from", format!("{from} comes after {to}")));
    }
    if (to - from).get_days() > MAX_WINDOW_DAYS as i32 {
        return Err(Problem::invalid(
            "to",
            format!("a window spans at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    let holidays = state.store().holidays().await?;
    let calendar = WorkingCalendar::new(
        vec![Weekday::Saturday, Weekday::Sunday],
        holidays.into_iter().map(|holiday| holiday.day),
    );
    let mut due = Vec::new();
    let unit_code = {
        let engine = state.analytics.engine();
        let root = resolve_unit(state, &engine, user.unit.as_deref(), None)?;
        let unit = engine.registry().get(root).clone();
        for id in engine.catalog().ids() {
            let indicator = engine.catalog().get(id);
            let reports = !indicator.is_derived()
                && indicator.is_reported_at(unit.level)
                && (user.domains.is_empty() || user.domains.contains(&indicator.domain))
                && (unit.level != UnitLevel::Province || indicator.owner_agency == user.agency);
            if !reports {
                continue;
            }
            let periods = periods_due(
                indicator.frequency,
                indicator.deadline_rule(),
                &calendar,
                from,
                to,
            );
            due.extend(
                periods
                    .into_iter()
                    .filter(|(period, _)| unit.is_valid_on(period.end()))
                    .map(|(period, deadline)| (indicator.clone(), period, deadline)),
            );
        }
        unit.code
    };
    let keys: Vec<ObservationKey> = due
        .iter()
        .map(|(indicator, period, _)| ObservationKey {
            indicator: indicator.code.clone(),
            unit: unit_code.clone(),
            period: *period,
        })
        .collect();
    let stored: HashMap<ObservationKey, Observation> = state
        .store()
        .current_observations(&keys)
        .await?
        .into_iter()
        .map(|observation| (observation.key.clone(), observation))
        .collect();
    let now = state.time_zone.to_datetime(jiff::Timestamp::now());
    let mut items: Vec<TaskView> = due
        .into_iter()
        .zip(keys)
        .map(|((indicator, period, deadline), key)| {
            let found = stored.get(&key);
            let state_now = task_state(found.map(|o| o.status), deadline, now);
            let deadline_text = state
                .time_zone
                .to_zoned_datetime(deadline)
                .map(|zoned| zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
                .unwrap_or_else(|_| deadline.to_string());
            TaskView {
                indicator: indicator.code,
                name_vi: indicator.name_vi,
                name_en: indicator.name_en,
                unit: key.unit,
                period: period.to_string(),
                deadline: deadline_text,
                state: state_now.as_str(),
                value: found.map(|o| o.value),
                status: found.map(|o| o.status.as_str()),
                comment: found.and_then(|o| o.comment.clone()),
            }
        })
        .collect();
    items.sort_by(|a, b| (&a.deadline, &a.indicator).cmp(&(&b.deadline, &b.indicator)));
    Ok(TaskList {
        unit: unit_code,
        from: from.to_string(),
        to: to.to_string(),
        items,
    })
}
