//! DHIS2 `dataValueSets` in JSON, so that DHIS2 instances and the tools built for them can send and fetch
//! values: indicator codes are data elements, unit codes org units, periods DHIS2 period ids, a domain is a
//! data set. Imports are checked exactly as other writes are; valid values are written and each bad one
//! comes back as a conflict, as DHIS2 does.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_ingest::adx::AdxValue;
use vantage_ingest::dhis2::{CSV_COLUMNS, Dhis2Format, VALUE_COLUMNS, data_value_rows};
use vantage_model::period::Period;
use vantage_model::record::{Observation, ObservationStatus};
use vantage_store::ObservationFilter;

use crate::access::Caller;
use crate::security::check_same_site;
use crate::writes::{Batch, outside_grant};
use crate::{AppState, Problem, audit};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_values, export_values))
}

/// The format a request names: by the path's suffix (`dataValueSets.csv`, `.json`, `.xml` or `.adx` for
/// ADX), else by `header` (`Content-Type` for imports, `Accept` for exports: `application/csv`,
/// `application/adx+xml`); JSON by default.
fn format_of(
    file: &str,
    headers: &HeaderMap,
    header: axum::http::HeaderName,
) -> Result<Dhis2Format, Problem> {
    match file {
        "dataValueSets.json" => Ok(Dhis2Format::Json),
        "dataValueSets.csv" => Ok(Dhis2Format::Csv),
        "dataValueSets.xml" | "dataValueSets.adx" => Ok(Dhis2Format::Adx),
        "dataValueSets" => {
            let named = headers
                .get(header)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            Ok(if named.contains("csv") {
                Dhis2Format::Csv
            } else if named.contains("adx") || named.contains("xml") {
                Dhis2Format::Adx
            } else {
                Dhis2Format::Json
            })
        }
        other => Err(Problem::not_found(format!("no DHIS2 resource {other}"))),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportQuery {
    /// Check and count without writing anything.
    #[serde(rename = "dryRun")]
    #[param(rename = "dryRun")]
    dry_run: Option<bool>,
    /// `CREATE` (new values only), `UPDATE` (existing values only), `CREATE_AND_UPDATE` (default) or
    /// `DELETE` (the values of the cells named, which need no value; the deletion is a revision of the
    /// cell's history).
    #[serde(rename = "importStrategy")]
    #[param(rename = "importStrategy")]
    import_strategy: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImportCount {
    imported: u64,
    updated: u64,
    ignored: u64,
    deleted: u64,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Conflict {
    /// The data value at fault, as `dataValues[index].field`.
    object: String,
    /// Why.
    value: String,
}

/// DHIS2's import summary.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImportSummary {
    /// Always `ImportSummary`.
    response_type: &'static str,
    /// `SUCCESS`, `WARNING` (some values conflicted) or `ERROR` (none could be imported).
    status: &'static str,
    description: String,
    import_count: ImportCount,
    conflicts: Vec<Conflict>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Create,
    Update,
    CreateAndUpdate,
    Delete,
}

/// Imports a DHIS2 data value set (`{dataSet, period, orgUnit, dataValues: [{dataElement, period, orgUnit,
/// value, comment}]}`; a value's missing period or org unit comes from the set).
#[utoipa::path(
    post,
    path = "/dhis2/{file}",
    tag = "dhis2",
    params(
        ("file" = String, Path, description = "`dataValueSets` (format by Content-Type), `dataValueSets.json`, `dataValueSets.csv` or `dataValueSets.xml` (ADX)"),
        ImportQuery
    ),
    request_body(content = Object, description = "A DHIS2 data value set, in JSON or DHIS2's CSV"),
    responses(
        (status = 200, body = ImportSummary),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn import_values(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportSummary>, Problem> {
    let format = format_of(&file, &headers, header::CONTENT_TYPE)?;
    let user = caller.writer()?.clone();
    check_same_site(&caller, &headers)?;
    let strategy = match query
        .import_strategy
        .as_deref()
        .unwrap_or("CREATE_AND_UPDATE")
    {
        "CREATE" => Strategy::Create,
        "UPDATE" => Strategy::Update,
        "CREATE_AND_UPDATE" | "NEW_AND_UPDATES" => Strategy::CreateAndUpdate,
        "DELETE" | "DELETES" => Strategy::Delete,
        other => {
            return Err(Problem::invalid(
                "importStrategy",
                format!("`{other}` is not CREATE, UPDATE, CREATE_AND_UPDATE or DELETE"),
            ));
        }
    };
    let dry_run = query.dry_run.unwrap_or(false);
    let mut rows =
        data_value_rows(&body, format).map_err(|error| Problem::invalid("body", error))?;
    if strategy == Strategy::Delete {
        // A deletion names a cell; DHIS2 asks no value of it, so a missing one passes the value check.
        let value = VALUE_COLUMNS.iter().position(|column| *column == "value");
        for (_, row) in &mut rows {
            if let Some(cell) = value.and_then(|at| row.get_mut(at))
                && cell.trim().is_empty()
            {
                "0".clone_into(cell);
            }
        }
    }
    let (prepared, errors) = Batch::DHIS2_VALUES
        .check_rows(&state, &user.username, rows, Vec::new(), true, &|fields| {
            outside_grant(&state, &caller, fields)
        })
        .await?;
    let dhis2_field = |field: &str| {
        match field {
            "indicator" => "dataElement",
            "unit" => "orgUnit",
            other => other,
        }
        .to_owned()
    };
    let mut conflicts: Vec<Conflict> = errors
        .iter()
        .map(|error| Conflict {
            object: format!("dataValues[{}].{}", error.index, dhis2_field(&error.field)),
            value: error.reason.clone(),
        })
        .collect();
    let conflicted: HashSet<usize> = errors.iter().map(|error| error.index).collect();
    let observations = prepared.into_observations();
    let keys: Vec<_> = observations.iter().map(|o| o.key.clone()).collect();
    let stored = state.store().current_observations(&keys).await?;
    let existing: HashMap<_, _> = stored.iter().map(|o| (o.key.clone(), o.value)).collect();
    // Approved values are locked, here as for any write.
    let locked: HashSet<_> = stored
        .into_iter()
        .filter(|o| o.status == ObservationStatus::Approved)
        .map(|o| o.key)
        .collect();
    let (observations, refused): (Vec<_>, Vec<_>) = observations
        .into_iter()
        .partition(|o| !locked.contains(&o.key));
    conflicts.extend(refused.iter().map(|o| Conflict {
        object: format!("{}/{}/{}", o.key.indicator, o.key.unit, o.key.period),
        value: "the value is approved and locked; an admin unlocks it first".to_owned(),
    }));
    let (mut chosen, mut skipped): (Vec<_>, Vec<_>) =
        observations.into_iter().partition(|o| match strategy {
            Strategy::Create => !existing.contains_key(&o.key),
            Strategy::Update | Strategy::Delete => existing.contains_key(&o.key),
            Strategy::CreateAndUpdate => true,
        });
    skipped.extend(refused);
    if strategy == Strategy::Delete {
        // The deletion keeps the value it ends, so that the cell's history reads as it was.
        for observation in &mut chosen {
            observation.value = existing[&observation.key];
            observation.status = ObservationStatus::Deleted;
            observation.comment = None;
        }
    }
    let ignored = (conflicted.len() + skipped.len()) as u64;
    let created = chosen
        .iter()
        .filter(|o| !existing.contains_key(&o.key))
        .count() as u64;
    let (written, unchanged) = if dry_run {
        (chosen.len() as u64, 0)
    } else {
        let counts = state.analytics.write_observations(&chosen).await?;
        let detail = json!({"format": "dhis2", "strategy": query.import_strategy, "created": counts.created, "updated": counts.updated, "ignored": ignored});
        audit::record(
            &state,
            &user.username,
            "observations.write",
            "observations",
            detail,
        )
        .await?;
        (counts.created + counts.updated, counts.unchanged)
    };
    // A cell written again after its value was deleted counts as imported, as in DHIS2; unchanged
    // values count as ignored.
    let count = if strategy == Strategy::Delete {
        ImportCount {
            imported: 0,
            updated: 0,
            ignored: ignored + unchanged,
            deleted: written,
        }
    } else {
        ImportCount {
            imported: created,
            updated: written.saturating_sub(created),
            ignored: ignored + unchanged,
            deleted: 0,
        }
    };
    let status = match (conflicts.is_empty(), written > 0 || !chosen.is_empty()) {
        (true, _) => "SUCCESS",
        (false, true) => "WARNING",
        (false, false) => "ERROR",
    };
    Ok(Json(ImportSummary {
        response_type: "ImportSummary",
        status,
        description: if dry_run {
            "Dry run: nothing was written".to_owned()
        } else {
            "Import process completed".to_owned()
        },
        import_count: count,
        conflicts,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// A domain code: the data set.
    #[serde(rename = "dataSet")]
    #[param(rename = "dataSet")]
    data_set: String,
    /// A DHIS2 period id.
    period: String,
    /// A unit code.
    #[serde(rename = "orgUnit")]
    #[param(rename = "orgUnit")]
    org_unit: String,
    /// Include the units below `orgUnit`.
    children: Option<bool>,
}

/// Exports the stored values of a data set (domain) for one period and org unit (and, with
/// `children=true`, the units below it) as a DHIS2 data value set; drafts are not exported.
#[utoipa::path(
    get,
    path = "/dhis2/{file}",
    tag = "dhis2",
    params(
        ("file" = String, Path, description = "`dataValueSets` (format by Accept), `dataValueSets.json`, `dataValueSets.csv` or `dataValueSets.xml` (ADX)"),
        ExportQuery
    ),
    responses(
        (status = 200, description = "A DHIS2 data value set, in JSON, DHIS2's CSV or ADX XML", body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json")
    )
)]
async fn export_values(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, Problem> {
    let format = format_of(&file, &headers, header::ACCEPT)?;
    let period = Period::parse(&query.period).map_err(|error| Problem::invalid("period", error))?;
    let (indicators, units) = {
        let engine = state.analytics.engine();
        let indicators: Vec<String> = engine
            .catalog()
            .domain(&query.data_set)
            .into_iter()
            .map(|id| engine.catalog().get(id).code.clone())
            .collect();
        let root = engine
            .unit_for(&query.org_unit, period)
            .ok_or_else(|| Problem::not_found(format!("no org unit {}", query.org_unit)))?;
        let mut units = vec![root];
        if query.children.unwrap_or(false) {
            let mut at = 0;
            while at < units.len() {
                units.extend(engine.units().children_for(units[at], period));
                at += 1;
            }
        }
        (indicators, units)
    };
    let mut exported: Vec<Observation> = Vec::new();
    for indicator in &indicators {
        let filter = ObservationFilter {
            indicator: Some(indicator.clone()),
            from: Some(period.end()),
            to: Some(period.end()),
            ..ObservationFilter::default()
        };
        for observation in state.store().observations(&filter).await? {
            if observation.key.period != period || !observation.status.counts() {
                continue;
            }
            let engine = state.analytics.engine();
            let Some(unit) = engine.unit_for(&observation.key.unit, period) else {
                continue;
            };
            let Some(id) = engine.catalog().id(indicator) else {
                continue;
            };
            if units.contains(&unit) && caller.reads(engine.catalog().get(id), &engine, unit) {
                exported.push(observation);
            }
        }
    }
    match format {
        Dhis2Format::Adx => {
            let values: Vec<AdxValue> = exported
                .into_iter()
                .map(|observation| AdxValue {
                    data_element: observation.key.indicator,
                    org_unit: observation.key.unit,
                    period,
                    value: observation.value,
                    comment: observation.comment,
                })
                .collect();
            let now = jiff::Timestamp::now().to_string();
            let body = vantage_ingest::adx::document(&query.data_set, &now, &values);
            Ok((
                [(header::CONTENT_TYPE, "application/adx+xml; charset=utf-8")],
                body,
            )
                .into_response())
        }
        Dhis2Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let _ = writer.write_record(CSV_COLUMNS);
            for observation in &exported {
                let row = [
                    observation.key.indicator.clone(),
                    observation.key.period.to_string(),
                    observation.key.unit.clone(),
                    String::new(),
                    String::new(),
                    observation.value.to_string(),
                    observation.author.clone(),
                    observation.recorded_at.to_string(),
                    observation.comment.clone().unwrap_or_default(),
                    "false".to_owned(),
                ];
                let _ = writer.write_record(&row);
            }
            let body = writer.into_inner().unwrap_or_default();
            Ok((
                [(header::CONTENT_TYPE, "application/csv; charset=utf-8")],
                body,
            )
                .into_response())
        }
        Dhis2Format::Json => {
            let data_values: Vec<Value> = exported
                .iter()
                .map(|observation| {
                    json!({
                        "dataElement": observation.key.indicator,
                        "period": observation.key.period.to_string(),
                        "orgUnit": observation.key.unit,
                        "value": observation.value.to_string(),
                        "comment": observation.comment,
                        "storedBy": observation.author,
                        "lastUpdated": observation.recorded_at.to_string(),
                        "followup": false,
                    })
                })
                .collect();
            Ok(Json(json!({
                "dataSet": query.data_set,
                "period": period.to_string(),
                "orgUnit": query.org_unit,
                "dataValues": data_values,
            }))
            .into_response())
        }
    }
}
