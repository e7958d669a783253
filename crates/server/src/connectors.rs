//! Pull connectors over HTTP: kept by those who write values (admins any; a data owner those it saved
//! itself), each acting with the grant of whoever saved it last; their run log; a run on demand.
//! Credentials are accepted, never shown: lists carry a placeholder, and sending the placeholder back
//! keeps the stored secret.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::access::{Role, User};
use vantage_model::connector::{Connector, RunProblem};
use vantage_store::{ConnectorRun, StoredConnector};

use crate::access::Caller;
use crate::notifications::HIDDEN;
use crate::{AppState, Problem, ProblemKind, audit, definition, pulling};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_connectors))
        .routes(routes!(save_connector, delete_connector))
        .routes(routes!(list_runs, run_connector))
}

/// The most runs one answer lists.
const MAX_RUNS: usize = 200;

#[derive(Serialize, ToSchema)]
pub(crate) struct RunView {
    id: i64,
    /// `schedule`, `retry` or `manual`.
    trigger: &'static str,
    attempt: u32,
    started_at: String,
    finished_at: String,
    /// `succeeded`, `partial` (some records refused, the others written) or `failed` (nothing fetched).
    outcome: &'static str,
    records: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    /// Why nothing was fetched.
    error: Option<String>,
    /// The first problems of refused records: `index` in the document's list, the value's `field`.
    #[schema(value_type = Vec<Object>)]
    problems: Vec<RunProblem>,
    /// When a failed fetch is tried again.
    retry_at: Option<String>,
}

impl From<ConnectorRun> for RunView {
    fn from(run: ConnectorRun) -> RunView {
        RunView {
            id: run.id,
            trigger: run.trigger.as_str(),
            attempt: run.attempt,
            started_at: run.started_at.to_string(),
            finished_at: run.finished_at.to_string(),
            outcome: run.outcome.as_str(),
            records: run.records,
            created: run.created,
            updated: run.updated,
            unchanged: run.unchanged,
            rejected: run.rejected,
            error: run.error,
            problems: run.problems,
            retry_at: run.retry_at.map(|at| at.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ConnectorView {
    /// The connector as saved, its credential's secret shown as `********`.
    #[schema(value_type = Object)]
    connector: Connector,
    /// Whose grant it writes with.
    updated_by: String,
    updated_at: String,
    last_run: Option<RunView>,
    /// When it runs next (absent when disabled).
    next_run_at: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RunQuery {
    /// Only try: fetch, read and check, and count what would change, writing and logging nothing.
    dry_run: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RunsQuery {
    /// At most 200; 50 by default.
    limit: Option<usize>,
}

/// Who may keep connectors: admins and data owners, not through a read-only token.
fn keeper(caller: &Caller) -> Result<&User, Problem> {
    caller.writer()
}

/// Whether `user` may see and change a connector last saved by `owner`.
fn keeps(user: &User, owner: &str) -> bool {
    user.role == Role::Admin || user.username == owner
}

/// The connector, if there is one the caller keeps.
async fn kept(state: &AppState, user: &User, id: &str) -> Result<StoredConnector, Problem> {
    state
        .store()
        .connectors()
        .await?
        .into_iter()
        .find(|stored| stored.item.id == id && keeps(user, &stored.updated_by))
        .ok_or_else(|| Problem::not_found(format!("no connector {id}")))
}

async fn view(state: &AppState, stored: StoredConnector) -> Result<ConnectorView, Problem> {
    let last_run = state
        .store()
        .connector_runs(&stored.item.id, 1)
        .await?
        .into_iter()
        .next();
    let next_run_at = pulling::next_run_at(&stored.item, last_run.as_ref());
    Ok(ConnectorView {
        connector: pulling::without_secrets(stored.item, HIDDEN),
        updated_by: stored.updated_by,
        updated_at: stored.updated_at.to_string(),
        last_run: last_run.map(RunView::from),
        next_run_at: next_run_at.map(|at| at.max(jiff::Timestamp::now()).to_string()),
    })
}

/// The connectors the caller keeps (admins: all), each with its last run and when it runs next.
#[utoipa::path(
    get,
    path = "/connectors",
    tag = "connectors",
    responses(
        (status = 200, body = Vec<ConnectorView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_connectors(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ConnectorView>>, Problem> {
    let user = keeper(&caller)?;
    let mut views = Vec::new();
    for stored in state.store().connectors().await? {
        if keeps(user, &stored.updated_by) {
            views.push(view(&state, stored).await?);
        }
    }
    Ok(Json(views))
}

/// Creates or replaces a connector; it writes with the grant of the caller from now on. The body:
/// `id` (as in the path), `name`, `url` (`http://` or `https://`, without credentials), `credential`
/// (`{"kind": "bearer", "token"}`, `{"kind": "basic", "username", "password"}` or `{"kind": "header",
/// "name", "value"}`; a secret sent as `********` keeps the stored one), `every_minutes` (5 to 10080),
/// `enabled`, and the `mapping`: `records` (a JSON Pointer to the list of records, empty when the
/// document is the list), then `indicator`, `unit`, `period`, `value` and optionally `comment`, each
/// `{"pointer": "/in/the/record"}` or `{"value": "a constant"}`. A period may be a period id, a date or
/// an instant (read as the period of the indicator's frequency that holds it).
#[utoipa::path(
    put,
    path = "/connectors/{id}",
    tag = "connectors",
    params(("id" = String, Path)),
    request_body(content = Object),
    responses(
        (status = 204),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn save_connector(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode, Problem> {
    let user = keeper(&caller)?.clone();
    let mut connector = definition(&body, "a connector", &id, |c: &Connector| &c.id)?;
    if let Some((field, reason)) = connector.check().into_iter().next() {
        return Err(Problem::invalid(field, reason));
    }
    let stored = state
        .store()
        .connectors()
        .await?
        .into_iter()
        .find(|stored| stored.item.id == id);
    if let Some(stored) = &stored
        && !keeps(&user, &stored.updated_by)
    {
        return Err(Problem::new(
            ProblemKind::Forbidden,
            format!("the connector {id} is kept by {}", stored.updated_by),
        ));
    }
    pulling::keep_secrets(&mut connector, stored.as_ref().map(|s| &s.item), HIDDEN);
    if connector
        .credential
        .as_mut()
        .is_some_and(|credential| credential.secrets_mut().iter().any(|s| *s == HIDDEN))
    {
        return Err(Problem::invalid(
            "credential",
            "send the secret itself: there is none stored to keep",
        ));
    }
    let detail = serde_json::to_value(pulling::without_secrets(connector.clone(), HIDDEN))
        .unwrap_or_default();
    state
        .store()
        .save_connector(&StoredConnector {
            item: connector,
            updated_by: user.username.clone(),
            updated_at: jiff::Timestamp::now(),
        })
        .await?;
    audit::record(
        &state,
        &user.username,
        "connector.save",
        &format!("connector:{id}"),
        detail,
    )
    .await?;
    state.puller.wake();
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a connector; what it wrote stays, and so does the log of its runs.
#[utoipa::path(
    delete,
    path = "/connectors/{id}",
    tag = "connectors",
    params(("id" = String, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn delete_connector(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let user = keeper(&caller)?.clone();
    kept(&state, &user, &id).await?;
    state.store().delete_connector(&id).await?;
    audit::record(
        &state,
        &user.username,
        "connector.delete",
        &format!("connector:{id}"),
        serde_json::json!({}),
    )
    .await?;
    state.puller.wake();
    Ok(StatusCode::NO_CONTENT)
}

/// A connector's latest runs, newest first.
#[utoipa::path(
    get,
    path = "/connectors/{id}/runs",
    tag = "connectors",
    params(("id" = String, Path), RunsQuery),
    responses(
        (status = 200, body = Vec<RunView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_runs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<RunsQuery>,
) -> Result<Json<Vec<RunView>>, Problem> {
    let user = keeper(&caller)?;
    kept(&state, user, &id).await?;
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_RUNS);
    let runs = state.store().connector_runs(&id, limit).await?;
    Ok(Json(runs.into_iter().map(RunView::from).collect()))
}

/// Runs a connector now (enabled or not) and answers with the run, as logged; with `dry_run=true` only
/// tries it (the run's id is then 0).
#[utoipa::path(
    post,
    path = "/connectors/{id}/runs",
    tag = "connectors",
    params(("id" = String, Path), RunQuery),
    responses(
        (status = 200, body = RunView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn run_connector(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<RunQuery>,
) -> Result<Json<RunView>, Problem> {
    let user = keeper(&caller)?;
    let stored = kept(&state, user, &id).await?;
    let mode = if query.dry_run.unwrap_or(false) {
        pulling::Mode::Try
    } else {
        pulling::Mode::Write
    };
    Ok(Json(pulling::run_now(&state, &stored, mode).await?.into()))
}
