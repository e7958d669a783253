//! Alerts and their rules over HTTP: the list with filters, one alert with its timeline and the steps the
//! caller may take, the steps themselves, and the rules (for the operations centre).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_alerts::{AlertError, StepRequest};
use vantage_engine::Engine;
use vantage_model::alert::{
    Actor, Alert, AlertAction, AlertState, Assignee, Explanation, MAX_ATTACHMENT_BYTES, Severity,
    StepError, TimelineEntry, actor_for, attachment_type, step,
};
use vantage_model::alert_rule::AlertRule;
use vantage_store::{AlertFilter, Attachment};

use crate::access::Caller;
use crate::{AppState, Problem, ProblemKind, audit, definition};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(one_alert))
        .routes(routes!(take_step))
        .routes(routes!(mark_read))
        .routes(routes!(list_rules))
        .routes(routes!(save_rule, delete_rule))
        .routes(routes!(attached_file))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(attach_file))
                .layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES + 1)),
        )
}

/// The most files one explanation may carry.
const MAX_ATTACHMENTS: usize = 20;

/// The most alerts one answer lists.
const MAX_ALERTS: usize = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AlertQuery {
    /// Comma-separated states; by default every state but `closed`.
    state: Option<String>,
    severity: Option<String>,
    domain: Option<String>,
    unit: Option<String>,
    /// An agency or unit code the alerts are assigned to.
    assignee: Option<String>,
    /// Only alerts the caller is to explain (`true`).
    mine: Option<bool>,
    /// Only alerts whose explanation is overdue, still awaited and gone up to the next level (`true`), or
    /// the others (`false`).
    escalated: Option<bool>,
    /// Only alerts published as public warnings (`true`) or not (`false`).
    public: Option<bool>,
    /// Only alerts the caller has not read since they last changed (`true`), or those it has (`false`).
    unread: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AssigneeView {
    /// `agency` or `unit`.
    kind: &'static str,
    code: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AlertView {
    id: i64,
    rule: String,
    rule_name: String,
    /// The rule's English name, when it has one.
    rule_name_en: Option<String>,
    #[schema(value_type = String, example = "critical")]
    severity: Severity,
    indicator: String,
    indicator_name_vi: String,
    indicator_name_en: String,
    measure: String,
    domain: String,
    unit: String,
    unit_name: String,
    /// The newest period the condition was found on.
    period: String,
    /// The facts found: `kind` (`target`, `threshold`, `year_on_year`, `outlier`, `late_data`,
    /// `overdue_explanation`) and its figures.
    #[schema(value_type = Object)]
    finding: serde_json::Value,
    #[schema(value_type = String, example = "assigned")]
    state: AlertState,
    /// Whether the condition still holds on the newest period judged.
    holds: bool,
    public: bool,
    assignee: Option<AssigneeView>,
    /// RFC 3339 instants.
    opened_at: String,
    updated_at: String,
    due_at: Option<String>,
    reminded_at: Option<String>,
    escalated_at: Option<String>,
    /// The explanation is awaited past its deadline.
    overdue: bool,
    /// How many times the condition was found.
    triggers: u32,
    /// Moves on with every change; what a caller marks as read.
    version: i64,
    /// Whether the signed-in caller has not read the alert since it last changed; absent for anonymous
    /// callers.
    unread: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AlertList {
    /// The most recently changed first, at most 500.
    items: Vec<AlertView>,
    truncated: bool,
    /// How many of the alerts matched (before the list was cut at 500) the caller has not read.
    unread: usize,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeenAlert {
    id: i64,
    /// The version the caller showed; a marker never moves past the alert's current version.
    version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadBody {
    /// At most 500.
    alerts: Vec<SeenAlert>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TimelineView {
    at: String,
    /// The user; absent for Vantage itself.
    actor: Option<String>,
    /// `opened`, `cleared`, `holds_again`, `acknowledge`, `assign`, `submit_explanation`, `accept`,
    /// `return`, `close`, `reminded`, `escalated`.
    event: &'static str,
    note: Option<String>,
    state: &'static str,
    /// Who the alert was assigned, reminded or escalated to.
    assignee: Option<AssigneeView>,
    #[schema(value_type = Option<Object>)]
    explanation: Option<Explanation>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AttachmentView {
    id: i64,
    name: String,
    media_type: String,
    size: u64,
    /// SHA-256 of the content, in hex.
    sha256: String,
    uploaded_by: String,
    uploaded_at: String,
}

impl From<Attachment> for AttachmentView {
    fn from(attachment: Attachment) -> AttachmentView {
        AttachmentView {
            id: attachment.id,
            name: attachment.name,
            media_type: attachment.media_type,
            size: attachment.size,
            sha256: attachment.sha256,
            uploaded_by: attachment.uploaded_by,
            uploaded_at: instant(attachment.uploaded_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AlertDetail {
    alert: AlertView,
    timeline: Vec<TimelineView>,
    /// Files the assigned unit attached to its explanation, oldest first.
    attachments: Vec<AttachmentView>,
    /// The steps the caller may take now.
    allowed: Vec<&'static str>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepBody {
    /// `acknowledge`, `assign`, `submit_explanation`, `accept`, `return` or `close`.
    action: String,
    /// Required to accept or return.
    note: Option<String>,
    /// For `assign`: `{"kind": "agency" | "unit", "code": ...}`; the indicator's owner agency (province)
    /// or the unit when absent.
    #[schema(value_type = Option<Object>)]
    assignee: Option<Assignee>,
    /// For `submit_explanation`: `{"cause": ..., "actions": [{"action": ..., "due": "YYYY-MM-DD"}]}`.
    #[schema(value_type = Option<Object>)]
    explanation: Option<Explanation>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RuleView {
    #[schema(value_type = Object)]
    rule: AlertRule,
    updated_by: String,
    updated_at: String,
}

fn instant(at: jiff::Timestamp) -> String {
    at.to_string()
}

/// The names alerts are shown with besides the engine's: rules' and agencies'.
struct Labels {
    /// Each rule's name in Vietnamese and in English.
    rules: HashMap<String, (String, Option<String>)>,
    agencies: HashMap<String, String>,
}

async fn labels(state: &AppState) -> Result<Labels, Problem> {
    Ok(Labels {
        rules: state
            .alerting
            .rules()
            .await
            .map_err(alert_problem)?
            .into_iter()
            .map(|stored| (stored.item.id, (stored.item.name, stored.item.name_en)))
            .collect(),
        agencies: state
            .store()
            .agencies()
            .await?
            .into_iter()
            .map(|agency| (agency.code, agency.name_vi))
            .collect(),
    })
}

fn assignee_view(assignee: &Assignee, labels: &Labels, engine: &Engine) -> AssigneeView {
    let name = match assignee {
        Assignee::Unit(code) => engine
            .registry()
            .current(code)
            .map(|unit| unit.name.clone()),
        Assignee::Agency(code) => labels.agencies.get(code).cloned(),
    };
    AssigneeView {
        kind: assignee.kind(),
        code: assignee.code().to_owned(),
        name: name.unwrap_or_else(|| assignee.code().to_owned()),
    }
}

/// The alert as shown; `read` is the version the caller last read it at, if it read it (`None` for
/// anonymous callers).
fn view(
    alert: &Alert,
    read: Option<Option<i64>>,
    labels: &Labels,
    engine: &Engine,
    now: jiff::Timestamp,
) -> AlertView {
    let indicator = engine
        .catalog()
        .id(&alert.indicator)
        .map(|id| engine.catalog().get(id));
    AlertView {
        id: alert.id,
        rule: alert.rule.clone(),
        rule_name: labels
            .rules
            .get(&alert.rule)
            .map_or_else(|| alert.rule.clone(), |(name, _)| name.clone()),
        rule_name_en: labels
            .rules
            .get(&alert.rule)
            .and_then(|(_, name_en)| name_en.clone()),
        severity: alert.severity,
        indicator: alert.indicator.clone(),
        indicator_name_vi: indicator.map_or_else(|| alert.indicator.clone(), |i| i.name_vi.clone()),
        indicator_name_en: indicator.map_or_else(|| alert.indicator.clone(), |i| i.name_en.clone()),
        measure: indicator.map(|i| i.measure.clone()).unwrap_or_default(),
        domain: alert.domain.clone(),
        unit: alert.unit.clone(),
        unit_name: engine
            .registry()
            .current(&alert.unit)
            .or_else(|| engine.registry().history(&alert.unit).last().copied())
            .map_or_else(|| alert.unit.clone(), |unit| unit.name.clone()),
        period: alert.period.to_string(),
        finding: serde_json::to_value(&alert.finding).unwrap_or_default(),
        state: alert.state,
        holds: alert.holds,
        public: alert.public,
        assignee: alert
            .assignee
            .as_ref()
            .map(|assignee| assignee_view(assignee, labels, engine)),
        opened_at: instant(alert.opened_at),
        updated_at: instant(alert.updated_at),
        due_at: alert.due_at.map(instant),
        reminded_at: alert.reminded_at.map(instant),
        escalated_at: alert.escalated_at.map(instant),
        overdue: alert.state == AlertState::Assigned && alert.due_at.is_some_and(|due| due < now),
        triggers: alert.triggers,
        version: alert.version,
        unread: read.map(|read| read.is_none_or(|version| version < alert.version)),
    }
}

/// The versions at which the signed-in caller last read each of `alerts`; `None` for anonymous callers.
async fn read_versions(
    state: &AppState,
    caller: &Caller,
    alerts: &[&Alert],
) -> Result<Option<HashMap<i64, i64>>, Problem> {
    let Some(user) = caller.user() else {
        return Ok(None);
    };
    let ids: Vec<i64> = alerts.iter().map(|alert| alert.id).collect();
    Ok(Some(
        state
            .store()
            .alert_read_versions(&user.username, &ids)
            .await?,
    ))
}

/// Whether the caller may see the alert: a public warning, or, signed in, an alert whose indicator it may
/// read on the unit.
fn visible(caller: &Caller, alert: &Alert, engine: &Engine) -> bool {
    if caller.user().is_none() {
        return alert.public;
    }
    let Some(id) = engine.catalog().id(&alert.indicator) else {
        return false;
    };
    let unit = engine
        .registry()
        .current(&alert.unit)
        .and_then(|unit| engine.unit_for(&unit.code, vantage_model::period::Period::Year(9999)))
        .or_else(|| engine.unit_for(&alert.unit, alert.period));
    unit.is_some_and(|unit| caller.reads(engine.catalog().get(id), engine, unit))
}

fn parse_list<T>(
    field: &str,
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, Problem> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| parse(part).map_err(|reason| Problem::invalid(field, reason)))
        .collect()
}

/// Alerts the caller may see (anonymous callers: public warnings; others: alerts whose indicator they may
/// read on the unit), filtered.
#[utoipa::path(
    get,
    path = "/alerts",
    tag = "alerts",
    params(AlertQuery),
    responses(
        (status = 200, body = AlertList),
        (status = 400, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AlertQuery>,
) -> Result<Json<AlertList>, Problem> {
    let mut states = parse_list("state", query.state.as_deref(), AlertState::parse)?;
    if states.is_empty() {
        states = AlertState::ALL
            .iter()
            .copied()
            .filter(|state| *state != AlertState::Closed)
            .collect();
    }
    let severity = query
        .severity
        .as_deref()
        .map(Severity::parse)
        .transpose()
        .map_err(|reason| Problem::invalid("severity", reason))?;
    let filter = AlertFilter {
        states,
        severity,
        domain: query.domain,
        unit: query.unit,
        assignee: query.assignee,
        rule: None,
        public: query.public,
    };
    let alerts = state.store().alerts(&filter).await?;
    let labels = labels(&state).await?;
    let mine = query.mine.unwrap_or(false);
    let shown: Vec<&Alert> = {
        let engine = state.analytics.engine();
        alerts
            .iter()
            .filter(|alert| visible(&caller, alert, &engine))
            .filter(|alert| {
                query
                    .escalated
                    .is_none_or(|escalated| escalated_and_awaited(alert) == escalated)
            })
            .filter(|alert| {
                !mine
                    || caller.user().is_some_and(|user| {
                        actor_for(user, alert.assignee.as_ref(), &alert.domain) == Actor::Assignee
                    })
            })
            .collect()
    };
    let reads = read_versions(&state, &caller, &shown).await?;
    let now = jiff::Timestamp::now();
    let engine = state.analytics.engine();
    let mut items: Vec<AlertView> = shown
        .into_iter()
        .map(|alert| {
            let read = reads.as_ref().map(|reads| reads.get(&alert.id).copied());
            view(alert, read, &labels, &engine, now)
        })
        .filter(|item| {
            query
                .unread
                .is_none_or(|unread| item.unread == Some(unread))
        })
        .collect();
    let unread = items
        .iter()
        .filter(|item| item.unread == Some(true))
        .count();
    let truncated = items.len() > MAX_ALERTS;
    items.truncate(MAX_ALERTS);
    Ok(Json(AlertList {
        items,
        truncated,
        unread,
    }))
}

/// Escalated for a missed deadline and still waiting for the explanation.
fn escalated_and_awaited(alert: &Alert) -> bool {
    alert.escalated_at.is_some() && alert.state == AlertState::Assigned
}

async fn detail(state: &AppState, caller: &Caller, id: i64) -> Result<AlertDetail, Problem> {
    let alert = visible_alert(state, caller, id).await?;
    let timeline = state.store().alert_timeline(id).await?;
    let attachments = state.store().attachments(id).await?;
    let labels = labels(state).await?;
    let read = read_versions(state, caller, &[&alert])
        .await?
        .map(|reads| reads.get(&alert.id).copied());
    let engine = state.analytics.engine();
    let allowed = match caller.responder() {
        Ok(user) => {
            let actor = actor_for(user, alert.assignee.as_ref(), &alert.domain);
            AlertAction::ALL
                .iter()
                .filter(|action| {
                    step(alert.state, **action, actor, Some("…"), !alert.holds).is_ok()
                })
                .map(|action| action.as_str())
                .collect()
        }
        Err(_) => Vec::new(),
    };
    let timeline = timeline
        .into_iter()
        .map(|entry: TimelineEntry| TimelineView {
            at: instant(entry.at),
            actor: entry.actor,
            event: entry.event.as_str(),
            note: entry.note,
            state: entry.state.as_str(),
            assignee: entry
                .assignee
                .as_ref()
                .map(|assignee| assignee_view(assignee, &labels, &engine)),
            explanation: entry.explanation,
        })
        .collect();
    Ok(AlertDetail {
        alert: view(&alert, read, &labels, &engine, jiff::Timestamp::now()),
        timeline,
        attachments: attachments.into_iter().map(AttachmentView::from).collect(),
        allowed,
    })
}

/// The alert, if the caller may see it.
async fn visible_alert(state: &AppState, caller: &Caller, id: i64) -> Result<Alert, Problem> {
    let missing = || Problem::not_found(format!("no alert {id}"));
    let alert = state.store().alert(id).await?.ok_or_else(missing)?;
    if !visible(caller, &alert, &state.analytics.engine()) {
        return Err(missing());
    }
    Ok(alert)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AttachQuery {
    /// The file's name, e.g. `bao-cao.pdf`.
    name: String,
}

/// Attaches a file to the explanation (the assigned unit, before it submits): the body is the file, up
/// to 10 MiB, PDF, PNG, JPEG, DOCX or XLSX (told by its content), at most 20 per alert. Kept in the
/// database, durable before the answer.
#[utoipa::path(
    post,
    path = "/alerts/{id}/attachments",
    tag = "alerts",
    params(("id" = i64, Path), AttachQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = AttachmentView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json")
    )
)]
async fn attach_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<AttachQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<AttachmentView>), Problem> {
    let user = caller.responder()?.clone();
    let alert = visible_alert(&state, &caller, id).await?;
    if actor_for(&user, alert.assignee.as_ref(), &alert.domain) != Actor::Assignee
        || alert.state != AlertState::Assigned
    {
        return Err(Problem::new(
            ProblemKind::Forbidden,
            "only the assigned unit attaches files, to an explanation it has not submitted yet",
        ));
    }
    if state.store().attachments(id).await?.len() >= MAX_ATTACHMENTS {
        return Err(Problem::new(
            ProblemKind::Conflict,
            format!("an explanation carries at most {MAX_ATTACHMENTS} files"),
        ));
    }
    let media_type = attachment_type(&query.name, &body).map_err(|reason| {
        if body.len() > MAX_ATTACHMENT_BYTES {
            Problem::new(ProblemKind::TooLarge, reason)
        } else {
            Problem::invalid("file", reason)
        }
    })?;
    let attachment = state
        .store()
        .add_attachment(
            id,
            query.name.trim(),
            media_type,
            &body,
            &user.username,
            jiff::Timestamp::now(),
        )
        .await?;
    let entry =
        json!({ "name": attachment.name, "size": attachment.size, "sha256": attachment.sha256 });
    audit::record(
        &state,
        &user.username,
        "alert.attach",
        &format!("alert:{id}"),
        entry,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(attachment.into())))
}

/// One attached file, as it was uploaded (whoever may see the alert).
#[utoipa::path(
    get,
    path = "/alerts/{id}/attachments/{attachment}",
    tag = "alerts",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses(
        (status = 200, content_type = "application/octet-stream", description = "The file"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn attached_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<impl axum::response::IntoResponse, Problem> {
    visible_alert(&state, &caller, id).await?;
    let (attachment, content) = state
        .store()
        .attachment(id, attachment)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no such file on alert {id}")))?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent_encode(&attachment.name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, attachment.media_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    ))
}

/// A file name as RFC 5987 writes it in a header: unreserved characters as they are, others as `%XX`
/// bytes of UTF-8.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// One alert with its timeline and the steps the caller may take.
#[utoipa::path(
    get,
    path = "/alerts/{id}",
    tag = "alerts",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = AlertDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn one_alert(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<AlertDetail>, Problem> {
    Ok(Json(detail(&state, &caller, id).await?))
}

/// Takes a step: the centre (admins, leaders, operators) acknowledges, assigns, accepts, returns and
/// closes; only the assigned agency or unit explains. Accepting and returning need a note; explaining
/// needs the cause, and may list corrective actions with their deadlines.
#[utoipa::path(
    post,
    path = "/alerts/{id}/steps",
    tag = "alerts",
    params(("id" = i64, Path)),
    request_body = StepBody,
    responses(
        (status = 200, body = AlertDetail),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")
    )
)]
async fn take_step(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<StepBody>,
) -> Result<Json<AlertDetail>, Problem> {
    let user = caller.responder()?.clone();
    let action =
        AlertAction::parse(&body.action).map_err(|reason| Problem::invalid("action", reason))?;
    // Alerts the caller may not see are not found, whatever it asks.
    visible_alert(&state, &caller, id).await?;
    let note = body.note.clone();
    let request = StepRequest {
        action,
        note: body.note,
        assignee: body.assignee,
        explanation: body.explanation,
    };
    let now = jiff::Timestamp::now();
    let changed = state
        .alerting
        .act(id, request, &user, now)
        .await
        .map_err(alert_problem)?;
    // Whoever took the step has seen the alert as the step left it.
    state
        .store()
        .mark_alerts_read(&user.username, &[(id, changed.version)], now)
        .await?;
    let entry = json!({ "action": body.action, "note": note });
    audit::record(
        &state,
        &user.username,
        "alert.step",
        &format!("alert:{id}"),
        entry,
    )
    .await?;
    Ok(Json(detail(&state, &caller, id).await?))
}

/// Marks alerts as read by the caller at the versions it showed them (never past their current version,
/// never moving a marker back): the in-app inbox's unread counts fall as the user reads.
#[utoipa::path(
    post,
    path = "/alerts/read",
    tag = "alerts",
    request_body = ReadBody,
    responses(
        (status = 204),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ReadBody>,
) -> Result<StatusCode, Problem> {
    let user = caller.signed_in()?.clone();
    if body.alerts.len() > MAX_ALERTS {
        return Err(Problem::invalid(
            "alerts",
            format!("at most {MAX_ALERTS} alerts at once"),
        ));
    }
    let mut seen = Vec::with_capacity(body.alerts.len());
    for (index, item) in body.alerts.iter().enumerate() {
        let alert = visible_alert(&state, &caller, item.id)
            .await
            .map_err(|_| Problem::not_found(format!("alerts[{index}]: no alert {}", item.id)))?;
        seen.push((alert.id, item.version.min(alert.version)));
    }
    state
        .store()
        .mark_alerts_read(&user.username, &seen, jiff::Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) fn alert_problem(error: AlertError) -> Problem {
    match error {
        AlertError::NotFound(id) => Problem::not_found(format!("no alert {id}")),
        AlertError::Invalid { field, reason } => Problem::invalid(&field, reason),
        AlertError::Step(error @ StepError::NotYours { .. }) => {
            Problem::new(ProblemKind::Forbidden, error.to_string())
        }
        AlertError::Step(error @ StepError::NoteRequired { .. }) => {
            Problem::invalid("note", error.to_string())
        }
        AlertError::Step(error) => Problem::new(ProblemKind::Conflict, error.to_string()),
        AlertError::Conflict => Problem::new(ProblemKind::Conflict, error.to_string()),
        AlertError::Store(error) => error.into(),
    }
}

/// The alert rules (the operations centre).
#[utoipa::path(
    get,
    path = "/alert-rules",
    tag = "alerts",
    responses(
        (status = 200, body = Vec<RuleView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_rules(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RuleView>>, Problem> {
    caller.curator()?;
    let rules = state.alerting.rules().await.map_err(alert_problem)?;
    Ok(Json(
        rules
            .into_iter()
            .map(|stored| RuleView {
                rule: stored.item,
                updated_by: stored.updated_by,
                updated_at: instant(stored.updated_at),
            })
            .collect(),
    ))
}

/// Creates or replaces a rule (the operations centre), then judges it on every subject's newest period.
/// The body is the rule: `id` (as in the path), `name`, `severity`, optionally `indicator` or `domain`,
/// `unit`, `public`, `auto_assign`, `explain_within` (working days, 5 by default), `enabled`, and the
/// `condition`: `{"kind": "target", "at_risk": bool}`, `{"kind": "threshold", "comparison": "above" |
/// "below", "value": n, "periods": n}`, `{"kind": "year_on_year", "direction": "drop" | "rise" |
/// "either", "percent": n}`, `{"kind": "outlier"}`, `{"kind": "late_data"}` (no value by the reporting
/// deadline of the latest period due) or `{"kind": "overdue_explanation"}` (another alert on the cell
/// waits for its explanation past the deadline).
#[utoipa::path(
    put,
    path = "/alert-rules/{id}",
    tag = "alerts",
    params(("id" = String, Path)),
    request_body(content = Object),
    responses(
        (status = 204),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn save_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode, Problem> {
    let user = caller.curator()?.clone();
    let rule = definition(&body, "a rule", &id, |rule: &AlertRule| &rule.id)?;
    state
        .alerting
        .save_rule(rule, &user.username, jiff::Timestamp::now())
        .await
        .map_err(alert_problem)?;
    let detail = serde_json::from_slice(&body).unwrap_or_default();
    audit::record(
        &state,
        &user.username,
        "alert_rule.save",
        &format!("alert_rule:{id}"),
        detail,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a rule (the operations centre); its alerts stay as they are.
#[utoipa::path(
    delete,
    path = "/alert-rules/{id}",
    tag = "alerts",
    params(("id" = String, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn delete_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let user = caller.curator()?.clone();
    if !state
        .alerting
        .delete_rule(&id)
        .await
        .map_err(alert_problem)?
    {
        return Err(Problem::not_found(format!("no rule {id}")));
    }
    audit::record(
        &state,
        &user.username,
        "alert_rule.delete",
        &format!("alert_rule:{id}"),
        json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
