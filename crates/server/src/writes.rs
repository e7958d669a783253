//! Writes over the API: a batch of values, checked item by item as an imported file is, authorised by the
//! caller's grant, made durable and applied to the engine through the live path. A batch with a bad item is
//! refused whole (422, every bad item listed) unless `accept_valid=true`. A request repeated with the same
//! `Idempotency-Key` gets the first answer again.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_ingest::{ImportError, ImportKind, ImportOptions};
use vantage_model::period::Period;
use vantage_model::record::{Observation, ObservationKey, ObservationStatus};
use vantage_model::reporting::outlier;
use vantage_store::IdempotentAnswer;

use crate::access::Caller;
use crate::audit;
use crate::security::check_same_site;
use crate::{AppState, ItemError, Problem, ProblemKind};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write_observations))
        .routes(routes!(check_observations))
        .routes(routes!(change_status))
        .routes(routes!(write_targets))
}

/// One target to set.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)] // Documents the items of the body, which are read field by field to report each fault.
pub(crate) struct TargetItem {
    indicator: String,
    unit: String,
    /// Usually a year, e.g. `2026`; any period of the indicator's frequency or coarser.
    period: String,
    /// `at_least`, `at_most` or `range`.
    kind: String,
    /// The bound (for a range, its minimum).
    value: f64,
    /// For a range, its maximum.
    max: Option<f64>,
    /// The document that set it, e.g. a People's Council resolution.
    source_document: Option<String>,
}

/// Sets targets `[{indicator, unit, period, kind, value, max, source_document}]` (admins and leaders):
/// checked item by item as an imported file is; statuses follow at once.
#[utoipa::path(
    post,
    path = "/targets",
    tag = "writes",
    params(WriteQuery),
    request_body = Vec<TargetItem>,
    responses(
        (status = 200, body = WriteSummary),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
async fn write_targets(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<WriteQuery>,
    body: Bytes,
) -> Result<axum::Json<WriteSummary>, Problem> {
    let user = caller.reviewer()?.clone();
    check_same_site(&caller, &headers)?;
    let accept_valid = query.accept_valid.unwrap_or(false);
    let (prepared, errors) = Batch::TARGETS
        .check(
            &state,
            &user.username,
            &parse_items(&body)?,
            accept_valid,
            &|_| None,
        )
        .await?;
    let counts = state
        .analytics
        .write_targets(&prepared.into_targets())
        .await?;
    let detail = serde_json::json!({
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "rejected": errors.len(),
    });
    audit::record(&state, &user.username, "targets.write", "targets", detail).await?;
    Ok(axum::Json(WriteSummary {
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        rejected: errors,
    }))
}

/// The fields of a value written over the API, in the order the checks report them.
const OBSERVATION_FIELDS: [&str; 6] = ["indicator", "unit", "period", "value", "comment", "status"];
/// The fields of a target.
const TARGET_FIELDS: [&str; 7] = [
    "indicator",
    "unit",
    "period",
    "kind",
    "value",
    "max",
    "source_document",
];

/// One value to write.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)] // Documents the items of the body, which are read field by field to report each fault.
pub(crate) struct ObservationItem {
    indicator: String,
    unit: String,
    /// DHIS2 period identifier of the indicator's frequency.
    period: String,
    value: f64,
    comment: Option<String>,
    /// `draft` (kept for its owner, not counted yet) or `submitted` (the default).
    status: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WriteQuery {
    /// Write the valid items and return the bad ones instead of refusing the batch.
    pub(crate) accept_valid: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct WriteSummary {
    created: u64,
    updated: u64,
    unchanged: u64,
    /// With `accept_valid=true`, the items left out.
    rejected: Vec<ItemError>,
}

/// Writes a batch of values `[{indicator, unit, period, value, comment, status}]`. Approved values are
/// locked: writing over one is refused until an admin unlocks it.
#[utoipa::path(
    post,
    path = "/observations",
    tag = "writes",
    params(
        WriteQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Repeating a request with the same key returns the first answer")
    ),
    request_body = Vec<ObservationItem>,
    responses(
        (status = 200, body = WriteSummary),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
async fn write_observations(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<WriteQuery>,
    body: Bytes,
) -> Result<Response, Problem> {
    let user = caller.writer()?.clone();
    check_same_site(&caller, &headers)?;
    let accept_valid = query.accept_valid.unwrap_or(false);
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let request_hash = hex::encode(Sha256::digest(
        [&body[..], &[u8::from(accept_valid)]].concat(),
    ));
    let store = state.store();
    if let Some(key) = &key
        && let Some(answer) = store.idempotent_answer(&user.username, key).await?
    {
        if answer.request_hash != request_hash {
            return Err(Problem::new(
                ProblemKind::Conflict,
                "this Idempotency-Key was used for a different request",
            ));
        }
        return Ok(stored_response(&answer));
    }
    let outcome = write(&state, &caller, &user.username, &body, accept_valid).await;
    let detail = match &outcome {
        Ok(summary) => serde_json::json!({
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "rejected": summary.rejected.len(),
            "idempotency_key": key,
        }),
        Err(problem) => serde_json::json!({"refused": problem.detail, "idempotency_key": key}),
    };
    audit::record(
        &state,
        &user.username,
        "observations.write",
        "observations",
        detail,
    )
    .await?;
    let response = match outcome {
        Ok(summary) => (
            StatusCode::OK,
            serde_json::to_string(&summary).unwrap_or_default(),
        ),
        Err(problem) if problem.status == 422 => (
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::to_string(&problem).unwrap_or_default(),
        ),
        Err(problem) => return Err(problem),
    };
    let answer = IdempotentAnswer {
        request_hash,
        status: response.0.as_u16(),
        body: response.1,
    };
    if let Some(key) = &key {
        store
            .save_idempotent_answer(&user.username, key, &answer, jiff::Timestamp::now())
            .await?;
    }
    Ok(stored_response(&answer))
}

fn stored_response(answer: &IdempotentAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        answer.body.clone(),
    )
        .into_response()
}

/// Reads the items, checks the caller's grant on each, checks them as an import does, and writes the
/// valid ones when all are valid or the caller accepts the valid ones.
async fn write(
    state: &AppState,
    caller: &Caller,
    author: &str,
    body: &[u8],
    accept_valid: bool,
) -> Result<WriteSummary, Problem> {
    let (observations, errors) = checked(state, caller, author, &parse_items(body)?).await?;
    if !errors.is_empty() && !accept_valid {
        return Err(refused(errors));
    }
    let observations: Vec<Observation> = observations.into_iter().map(|(_, o)| o).collect();
    let counts = state.analytics.write_observations(&observations).await?;
    Ok(WriteSummary {
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        rejected: errors,
    })
}

/// The valid values of a batch with their positions, and every fault of the others: the importer's checks,
/// then [`admissible`].
async fn checked(
    state: &AppState,
    caller: &Caller,
    author: &str,
    items: &[Value],
) -> Result<(Vec<(usize, Observation)>, Vec<ItemError>), Problem> {
    let (mut prepared, mut errors) = Batch::OBSERVATIONS
        .check(state, author, items, true, &|_| None)
        .await?;
    let valid = admissible(
        state,
        caller,
        prepared.take_numbered_observations(),
        &mut errors,
    )
    .await?;
    errors.sort_by_key(|error| error.index);
    Ok((valid, errors))
}

/// The checked values (numbered by item or row) the caller may write, the others' faults added to
/// `errors`: an API writer enters drafts or submits (approval and return go through
/// `/observations/status`), within its grant, and never over an approved value, which is locked.
pub(crate) async fn admissible(
    state: &AppState,
    caller: &Caller,
    numbered: Vec<(usize, Observation)>,
    errors: &mut Vec<ItemError>,
) -> Result<Vec<(usize, Observation)>, Problem> {
    let keys: Vec<ObservationKey> = numbered.iter().map(|(_, o)| o.key.clone()).collect();
    let locked: HashSet<ObservationKey> = state
        .store()
        .current_observations(&keys)
        .await?
        .into_iter()
        .filter(|stored| stored.status == ObservationStatus::Approved)
        .map(|stored| stored.key)
        .collect();
    let engine = state.analytics.engine();
    let mut valid = Vec::with_capacity(numbered.len());
    for (index, observation) in numbered {
        let fault = |field: &str, reason: String| ItemError {
            index,
            field: field.to_owned(),
            reason,
        };
        let key = &observation.key;
        let placed = engine
            .catalog()
            .id(&key.indicator)
            .zip(engine.unit_for(&key.unit, key.period));
        let refusal = placed.and_then(|(indicator, unit)| {
            caller.write_refusal(engine.catalog().get(indicator), &engine, unit)
        });
        if !matches!(
            observation.status,
            ObservationStatus::Draft | ObservationStatus::Submitted
        ) {
            errors.push(fault(
                "status",
                format!(
                    "`{}` cannot be written: values are written as draft or submitted, and approved or \
                     returned through /observations/status",
                    observation.status
                ),
            ));
        } else if let Some(field) = refusal {
            errors.push(fault(field, "outside your grant".to_owned()));
        } else if locked.contains(key) {
            errors.push(fault(
                "status",
                "the value is approved and locked; an admin unlocks it first".to_owned(),
            ));
        } else {
            valid.push((index, observation));
        }
    }
    Ok(valid)
}

/// Checks a batch of values as a write would, without writing: the faults a write would refuse, and
/// warnings for values far outside their cell's history (a robust z-score beyond 3.5 against up to 24
/// earlier periods), which the person entering them should confirm.
#[utoipa::path(
    post,
    path = "/observations/check",
    tag = "writes",
    request_body = Vec<ObservationItem>,
    responses(
        (status = 200, body = CheckReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn check_observations(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<axum::Json<CheckReport>, Problem> {
    let user = caller.writer()?.clone();
    let (valid, errors) = checked(&state, &caller, &user.username, &parse_items(&body)?).await?;
    let engine = state.analytics.engine();
    let warnings = valid
        .iter()
        .filter_map(|(index, observation)| {
            let key = &observation.key;
            let indicator = engine.catalog().id(&key.indicator)?;
            let unit = engine.unit_for(&key.unit, key.period)?;
            let found = outlier(
                &engine.history(indicator, unit, key.period),
                observation.value,
            )?;
            Some(ValueWarning {
                index: *index,
                field: "value",
                reason: format!(
                    "far from this cell's history: usually {} to {} (median {}); confirm it with a comment",
                    round(found.low),
                    round(found.high),
                    round(found.median)
                ),
                median: found.median,
                low: found.low,
                high: found.high,
                z: found.z.is_finite().then_some(found.z),
            })
        })
        .collect();
    Ok(axum::Json(CheckReport { errors, warnings }))
}

/// Four significant digits, for messages.
fn round(value: f64) -> String {
    format!("{}", format!("{value:.4e}").parse::<f64>().unwrap_or(value))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CheckReport {
    /// What a write would refuse.
    errors: Vec<ItemError>,
    /// Values a write would take but that look wrong.
    warnings: Vec<ValueWarning>,
}

/// A value unusual against its cell's history.
#[derive(Serialize, ToSchema)]
pub(crate) struct ValueWarning {
    index: usize,
    /// Always `value`.
    field: &'static str,
    reason: String,
    median: f64,
    /// The range of usual values.
    low: f64,
    high: f64,
    /// The robust z-score; null when the history never varied.
    z: Option<f64>,
}

/// A request body that must be a JSON array of items.
fn parse_items(body: &[u8]) -> Result<Vec<Value>, Problem> {
    serde_json::from_slice(body)
        .map_err(|error| Problem::invalid("body", format!("not a JSON array of items: {error}")))
}

/// Why a well-formed item may not be written, as the field at fault and the reason; `None` when it may.
pub(crate) type Refusal<'a> = dyn Fn(&[String]) -> Option<(&'static str, String)> + Sync + 'a;

/// A JSON batch of records of one kind, checked item by item with the importer's own checks.
pub(crate) struct Batch {
    kind: ImportKind,
    /// The fields an item may carry, in the order the checks report them.
    fields: &'static [&'static str],
    /// The fields that may be JSON numbers.
    numbers: &'static [&'static str],
}

impl Batch {
    /// Values: `{indicator, unit, period, value, comment, status}`.
    pub(crate) const OBSERVATIONS: Batch = Batch {
        kind: ImportKind::Observations,
        fields: &OBSERVATION_FIELDS,
        numbers: &["value"],
    };
    /// Values of a DHIS2 data value set, read as rows of `{indicator, unit, period, value, comment}`.
    pub(crate) const DHIS2_VALUES: Batch = Batch {
        kind: ImportKind::Observations,
        fields: &vantage_ingest::dhis2::VALUE_COLUMNS,
        numbers: &["value"],
    };
    /// Targets: `{indicator, unit, period, kind, value, max, source_document}`.
    const TARGETS: Batch = Batch {
        kind: ImportKind::Targets,
        fields: &TARGET_FIELDS,
        numbers: &["value", "max"],
    };

    /// The checked records, and every bad item (refused as a whole unless `accept_valid`). `refusal` names
    /// the field that puts a well-formed item outside the caller's grant.
    pub(crate) async fn check(
        &self,
        state: &AppState,
        author: &str,
        items: &[Value],
        accept_valid: bool,
        refusal: &Refusal<'_>,
    ) -> Result<(vantage_ingest::Prepared, Vec<ItemError>), Problem> {
        let mut errors: Vec<ItemError> = Vec::new();
        let mut rows = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let (fields, mut faults) = self.item_fields(index, item);
            errors.append(&mut faults);
            if let Some(fields) = fields {
                rows.push((index, fields));
            }
        }
        self.check_rows(state, author, rows, errors, accept_valid, refusal)
            .await
    }

    /// [`Batch::check`] for items already read as rows of the batch's fields, with the faults found so far.
    pub(crate) async fn check_rows(
        &self,
        state: &AppState,
        author: &str,
        items: Vec<(usize, Vec<String>)>,
        mut errors: Vec<ItemError>,
        accept_valid: bool,
        refusal: &Refusal<'_>,
    ) -> Result<(vantage_ingest::Prepared, Vec<ItemError>), Problem> {
        let mut rows = Vec::new();
        for (index, fields) in items {
            match refusal(&fields) {
                Some((field, reason)) => errors.push(ItemError {
                    index,
                    field: field.to_owned(),
                    reason,
                }),
                // Checked as an import row even after a fault of its shape, so that all its faults are told.
                None => rows.push((index, fields)),
            }
        }
        let options = ImportOptions {
            // Every bad item is reported, then the decision below applies to all of them alike.
            accept_valid: true,
            skip_empty_values: false,
            author: author.to_owned(),
            source: "api".to_owned(),
            now: jiff::Timestamp::now(),
        };
        let header = self
            .fields
            .iter()
            .map(|field| (*field).to_owned())
            .collect();
        let prepared =
            vantage_ingest::prepare_records(state.store(), self.kind, header, rows, &options).await;
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(ImportError::Refused(rejected)) => {
                errors.extend(rejected.errors.into_iter().map(item_error));
                errors.sort_by_key(|error| error.index);
                return Err(refused(errors));
            }
            Err(ImportError::Store(error)) => return Err(error.into()),
            Err(ImportError::File(error)) => return Err(Problem::invalid("body", error)),
        };
        errors.extend(prepared.rejected.errors.iter().cloned().map(item_error));
        errors.sort_by_key(|error| error.index);
        if !errors.is_empty() && !accept_valid {
            return Err(refused(errors));
        }
        Ok((prepared, errors))
    }

    /// An item's fields as text, in the batch's field order, and what is wrong with its shape: unknown
    /// fields, or fields of the wrong type (then no fields, as they could not be read).
    fn item_fields(&self, index: usize, item: &Value) -> (Option<Vec<String>>, Vec<ItemError>) {
        let error = |field: &str, reason: &str| ItemError {
            index,
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        let Some(object) = item.as_object() else {
            return (None, vec![error("", "is not an object")]);
        };
        let mut errors: Vec<ItemError> = object
            .keys()
            .filter(|key| !self.fields.contains(&key.as_str()))
            .map(|key| error(key, "is not a field of this kind of item"))
            .collect();
        let mut readable = true;
        let fields = self
            .fields
            .iter()
            .map(|field| match object.get(*field) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(text)) => text.clone(),
                Some(Value::Number(number)) if self.numbers.contains(field) => number.to_string(),
                Some(_) => {
                    errors.push(error(field, "has the wrong type"));
                    readable = false;
                    String::new()
                }
            })
            .collect();
        (readable.then_some(fields), errors)
    }
}

pub(crate) fn item_error(error: vantage_ingest::RowError) -> ItemError {
    ItemError {
        index: error.row,
        field: error.column,
        reason: error.reason,
    }
}

pub(crate) fn refused(errors: Vec<ItemError>) -> Problem {
    let mut problem = Problem::new(
        ProblemKind::InvalidItems,
        format!("{} bad item(s); nothing was written", errors.len()),
    );
    problem.errors = errors;
    problem
}

/// The field that puts a well-formed item outside the caller's grant, if any, and why. Items whose
/// indicator, unit or period do not resolve are left for the import checks to describe.
pub(crate) fn outside_grant(
    state: &AppState,
    caller: &Caller,
    fields: &[String],
) -> Option<(&'static str, String)> {
    let engine = state.analytics.engine();
    let indicator = engine.catalog().id(&fields[0])?;
    let period = Period::parse(&fields[2]).ok()?;
    let unit = engine.unit_for(&fields[1], period)?;
    let field = caller.write_refusal(engine.catalog().get(indicator), &engine, unit)?;
    Some((field, "outside your grant".to_owned()))
}

/// The cell of a stored value.
#[derive(Deserialize, ToSchema)]
pub(crate) struct CellRef {
    indicator: String,
    unit: String,
    period: String,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct StatusChange {
    /// `submit` (a draft or returned value, by its data owner), `approve` (a submitted value, by an admin or
    /// leader; approved values are locked), `return` (a submitted value, for correction, with a reason) or
    /// `unlock` (an approved value, by an admin, with a reason: it is returned to its owner).
    action: String,
    /// Why a value is returned or unlocked; required for both.
    reason: Option<String>,
    items: Vec<CellRef>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct StatusSummary {
    changed: u64,
    /// With `accept_valid=true`, the items left unchanged and why.
    rejected: Vec<ItemError>,
}

/// Moves values through approval: submit, approve, or return for correction with a reason.
#[utoipa::path(
    post,
    path = "/observations/status",
    tag = "writes",
    params(WriteQuery),
    request_body = StatusChange,
    responses(
        (status = 200, body = StatusSummary),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<WriteQuery>,
    body: Result<axum::Json<StatusChange>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::Json<StatusSummary>, Problem> {
    let axum::Json(change) = body?;
    let (from, to): (&[ObservationStatus], ObservationStatus) = match change.action.as_str() {
        "submit" => (
            &[ObservationStatus::Draft, ObservationStatus::Returned],
            ObservationStatus::Submitted,
        ),
        "approve" => (&[ObservationStatus::Submitted], ObservationStatus::Approved),
        "return" => (&[ObservationStatus::Submitted], ObservationStatus::Returned),
        "unlock" => (&[ObservationStatus::Approved], ObservationStatus::Returned),
        other => {
            return Err(Problem::invalid(
                "action",
                format!("`{other}` is not submit, approve, return or unlock"),
            ));
        }
    };
    let user = match change.action.as_str() {
        "submit" => caller.writer()?,
        "unlock" => caller.admin()?,
        _ => caller.reviewer()?,
    }
    .clone();
    check_same_site(&caller, &headers)?;
    let reason = change
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if to == ObservationStatus::Returned && reason.is_none() {
        return Err(Problem::invalid(
            "reason",
            format!("to {} a value needs a reason", change.action),
        ));
    }
    let mut errors = Vec::new();
    let mut keys = Vec::new();
    for (index, item) in change.items.iter().enumerate() {
        let fail = |field: &str, reason: String| ItemError {
            index,
            field: field.to_owned(),
            reason,
        };
        let Ok(period) = Period::parse(&item.period) else {
            errors.push(fail("period", format!("`{}` is not a period", item.period)));
            continue;
        };
        let engine = state.analytics.engine();
        let placed = engine
            .catalog()
            .id(&item.indicator)
            .zip(engine.unit_for(&item.unit, period));
        if to == ObservationStatus::Submitted
            && let Some((indicator, unit)) = placed
            && let Some(field) =
                caller.write_refusal(engine.catalog().get(indicator), &engine, unit)
        {
            errors.push(fail(field, "outside your grant".to_owned()));
            continue;
        }
        keys.push((
            index,
            ObservationKey {
                indicator: item.indicator.clone(),
                unit: item.unit.clone(),
                period,
            },
        ));
    }
    let wanted: Vec<ObservationKey> = keys.iter().map(|(_, key)| key.clone()).collect();
    let current = state.store().current_observations(&wanted).await?;
    let now = jiff::Timestamp::now();
    let mut changed = Vec::new();
    for (index, key) in keys {
        let Some(found) = current.iter().find(|observation| observation.key == key) else {
            errors.push(ItemError {
                index,
                field: "period".to_owned(),
                reason: format!("no value for {key}"),
            });
            continue;
        };
        if !from.contains(&found.status) {
            let reason = format!(
                "the value is {}; only a {} value can be {}",
                found.status,
                from.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
                change.action
            );
            errors.push(ItemError {
                index,
                field: "status".to_owned(),
                reason,
            });
            continue;
        }
        changed.push(Observation {
            status: to,
            author: user.username.clone(),
            recorded_at: now,
            source: "api".to_owned(),
            comment: if to == ObservationStatus::Returned {
                reason.map(str::to_owned)
            } else {
                found.comment.clone()
            },
            ..found.clone()
        });
    }
    errors.sort_by_key(|error| error.index);
    let accept_valid = query.accept_valid.unwrap_or(false);
    if !errors.is_empty() && !accept_valid {
        return Err(refused(errors));
    }
    state.analytics.write_observations(&changed).await?;
    let detail =
        serde_json::json!({"action": change.action, "changed": changed.len(), "reason": reason});
    audit::record(
        &state,
        &user.username,
        "observations.status",
        "observations",
        detail,
    )
    .await?;
    Ok(axum::Json(StatusSummary {
        changed: changed.len() as u64,
        rejected: errors,
    }))
}
