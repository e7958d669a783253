//! Reporting tasks: for the signed-in data owner, every value it is expected to report whose deadline
//! falls in a window of days, with the deadline and where the report stands.
//!
//! Who reports what: a user reports for the unit at the root of its grant (the province when the grant has
//! none), every indicator of its domains reported at that unit's level that is not computed; at province
//! level only the indicators its agency owns (the communes report their own values).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::record::{Observation, ObservationKey};
use vantage_model::reporting::task_state;
use vantage_model::unit::UnitLevel;

use crate::access::Caller;
use crate::analytics::resolve_unit;
use crate::reporting::{calendar, local_time, reports_due, window};
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks))
        .routes(routes!(task_template))
}

/// How far the window reaches by default, before and after today.
const DEFAULT_REACH_DAYS: i64 = 31;

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

/// A file to fill in: one row per task of the window (as `/tasks` lists them), with the indicator's name,
/// measure and the unit's name in Vietnamese, the stored value and comment when there is one, and the
/// columns `/uploads/observations` reads, so that the filled file is uploaded as it is. CSV (UTF-8 with a
/// byte-order mark, for spreadsheets) or an Excel workbook.
#[utoipa::path(
    get,
    path = "/tasks/{file}",
    tag = "writes",
    params(
        ("file" = String, Path, description = "`template.csv` or `template.xlsx`"),
        TaskQuery
    ),
    responses(
        (status = 200, description = "The template, CSV or XLSX", body = String, content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn task_template(
    State(state): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
    Query(query): Query<TaskQuery>,
) -> Result<axum::response::Response, Problem> {
    use axum::response::IntoResponse;
    let excel = match file.as_str() {
        "template.csv" => false,
        "template.xlsx" => true,
        other => return Err(Problem::not_found(format!("no task file {other}"))),
    };
    let tasks = tasks_of(&state, &caller, &query).await?;
    let rows = template_rows(&state, &tasks);
    let (body, content_type, extension) = if excel {
        let body = workbook(&rows).map_err(|error| {
            tracing::error!(%error, "the template workbook could not be written");
            Problem::new(
                crate::ProblemKind::Internal,
                "the workbook could not be written",
            )
        })?;
        (
            body,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(TEMPLATE_COLUMNS);
        for row in &rows {
            let _ = writer.write_record(row);
        }
        let mut body = "\u{feff}".as_bytes().to_vec();
        body.extend(writer.into_inner().unwrap_or_default());
        (body, "text/csv; charset=utf-8", "csv")
    };
    let disposition = format!(
        "attachment; filename=\"bieu-mau-{}-{}-{}.{extension}\"",
        tasks.unit, tasks.from, tasks.to
    );
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// The template's columns: those an upload reads, then those for people.
const TEMPLATE_COLUMNS: [&str; 10] = [
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

/// One template row per task, in [`TEMPLATE_COLUMNS`] order.
fn template_rows(state: &AppState, tasks: &TaskList) -> Vec<[String; 10]> {
    let engine = state.analytics.engine();
    let unit_name = resolve_unit(state, &engine, Some(&tasks.unit), None)
        .map(|unit| engine.registry().get(unit).name.clone())
        .unwrap_or_default();
    tasks
        .items
        .iter()
        .map(|task| {
            let measure = engine
                .catalog()
                .id(&task.indicator)
                .map(|id| engine.catalog().get(id).measure.clone())
                .unwrap_or_default();
            [
                task.indicator.clone(),
                task.unit.clone(),
                task.period.clone(),
                task.value
                    .map(|value| value.to_string())
                    .unwrap_or_default(),
                task.comment.clone().unwrap_or_default(),
                task.name_vi.clone(),
                measure,
                unit_name.clone(),
                task.deadline.clone(),
                task.state.to_owned(),
            ]
        })
        .collect()
}

/// The template as an Excel workbook: a bold, frozen header, values as numbers, columns sized to read.
fn workbook(rows: &[[String; 10]]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Bieu mau")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, name) in TEMPLATE_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *name, &bold)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let line = index as u32 + 1;
        for (column, text) in row.iter().enumerate() {
            let column = column as u16;
            match text.parse::<f64>() {
                Ok(number) if column == 3 => sheet.write_number(line, column, number)?,
                _ => sheet.write_string(line, column, text)?,
            };
        }
    }
    for (column, width) in [18.0, 8.0, 9.0, 12.0, 24.0, 48.0, 12.0, 20.0, 26.0, 12.0]
        .into_iter()
        .enumerate()
    {
        sheet.set_column_width(column as u16, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// The caller's tasks whose deadline falls in the query's window.
async fn tasks_of(
    state: &AppState,
    caller: &Caller,
    query: &TaskQuery,
) -> Result<TaskList, Problem> {
    let user = caller.writer()?.clone();
    let (from, to) = window(
        state,
        query.from.as_deref(),
        query.to.as_deref(),
        DEFAULT_REACH_DAYS,
        DEFAULT_REACH_DAYS,
    )?;
    let calendar = calendar(state).await?;
    let mut due = Vec::new();
    let unit_code = {
        let engine = state.analytics.engine();
        let root = resolve_unit(state, &engine, user.unit.as_deref(), None)?;
        let unit = engine.registry().get(root).clone();
        for id in engine.catalog().ids() {
            let indicator = engine.catalog().get(id);
            let reports = indicator.is_owed_at(unit.level)
                && (user.domains.is_empty() || user.domains.contains(&indicator.domain))
                && (unit.level != UnitLevel::Province || indicator.owner_agency == user.agency);
            if !reports {
                continue;
            }
            let periods = reports_due(indicator, &calendar, from, to);
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
            let deadline_text = local_time(state, deadline);
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
