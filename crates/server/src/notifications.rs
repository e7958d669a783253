//! Notification policies and the outbox over HTTP, for admins: who is told of which alerts and how, and
//! what was sent, is waiting, or was given up.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::notify::{Channel, NotificationPolicy};
use vantage_store::{OutboxItem, OutboxStatus};

use crate::access::Caller;
use crate::alerts::alert_problem;
use crate::{AppState, Problem, audit, definition};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_policies))
        .routes(routes!(save_policy, delete_policy))
        .routes(routes!(list_outbox))
}

/// What a listed webhook secret shows instead of itself.
pub(crate) const HIDDEN: &str = "********";

#[derive(Serialize, ToSchema)]
pub(crate) struct PolicyView {
    /// The policy as saved, a webhook's secret hidden.
    #[schema(value_type = Object)]
    policy: NotificationPolicy,
    updated_by: String,
    updated_at: String,
}

/// The notification policies (admins), webhook secrets hidden.
#[utoipa::path(
    get,
    path = "/notification-policies",
    tag = "alerts",
    responses(
        (status = 200, body = Vec<PolicyView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_policies(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PolicyView>>, Problem> {
    caller.admin()?;
    let policies = state.alerting.policies().await.map_err(alert_problem)?;
    Ok(Json(
        policies
            .into_iter()
            .map(|mut stored| {
                if let Channel::Webhook { secret, .. } = &mut stored.item.channel {
                    *secret = HIDDEN.to_owned();
                }
                PolicyView {
                    policy: stored.item,
                    updated_by: stored.updated_by,
                    updated_at: stored.updated_at.to_string(),
                }
            })
            .collect(),
    ))
}

/// Creates or replaces a policy (admins); it applies to notices from now on. The body is the policy: `id`
/// (as in the path), `name`; whom it is about: `severities`, `domains`, `units` (subtrees), `rules` (each
/// empty for all); `events` (`opened`, `escalated`, `submit_explanation` by default; any timeline event);
/// `channel`: `{"kind": "email", "to": [...]}` or `{"kind": "webhook", "url": "http://...", "secret": ...}`
/// (at least 16 characters; requests carry `X-Vantage-Timestamp` and `X-Vantage-Signature: sha256=` the
/// HMAC-SHA256 of `{timestamp}.{body}`); `mute`: `[{"days": ["saturday"], "from": "22:00", "to": "06:00"}]`
/// (local time; what falls in a window goes out when it ends); `digest_minutes` (notices within that many
/// minutes go as one message; 0 sends each alone); `enabled`.
#[utoipa::path(
    put,
    path = "/notification-policies/{id}",
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
async fn save_policy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode, Problem> {
    let admin = caller.admin()?.clone();
    let policy = definition(&body, "a policy", &id, |p: &NotificationPolicy| &p.id)?;
    if matches!(&policy.channel, Channel::Webhook { secret, .. } if secret == HIDDEN) {
        return Err(Problem::invalid("channel.secret", "send the secret itself"));
    }
    let detail = json!({ "name": policy.name, "channel": match &policy.channel {
        Channel::Email { to } => json!({ "kind": "email", "to": to }),
        Channel::Webhook { url, .. } => json!({ "kind": "webhook", "url": url }),
    }});
    state
        .alerting
        .save_policy(policy, &admin.username, jiff::Timestamp::now())
        .await
        .map_err(alert_problem)?;
    audit::record(
        &state,
        &admin.username,
        "notification_policy.save",
        &id,
        detail,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a policy (admins); what it put in the outbox and is still waiting is given up.
#[utoipa::path(
    delete,
    path = "/notification-policies/{id}",
    tag = "alerts",
    params(("id" = String, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn delete_policy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let admin = caller.admin()?.clone();
    if !state
        .alerting
        .delete_policy(&id)
        .await
        .map_err(alert_problem)?
    {
        return Err(Problem::not_found(format!("no policy {id}")));
    }
    audit::record(
        &state,
        &admin.username,
        "notification_policy.delete",
        &id,
        json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OutboxQuery {
    /// `pending` (the default), `delivered` or `failed` (given up after 10 attempts, or its policy deleted).
    status: Option<String>,
    /// At most this many, newest first (100 by default).
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct OutboxView {
    id: i64,
    policy: String,
    alert: i64,
    /// The timeline event told.
    event: &'static str,
    created_at: String,
    /// When it goes out or is tried again.
    due_at: String,
    attempts: u32,
    delivered_at: Option<String>,
    failed_at: Option<String>,
    last_error: Option<String>,
}

impl From<OutboxItem> for OutboxView {
    fn from(item: OutboxItem) -> OutboxView {
        OutboxView {
            id: item.id,
            policy: item.policy,
            alert: item.alert.id,
            event: item.entry.event.as_str(),
            created_at: item.created_at.to_string(),
            due_at: item.due_at.to_string(),
            attempts: item.attempts,
            delivered_at: item.delivered_at.map(|at| at.to_string()),
            failed_at: item.failed_at.map(|at| at.to_string()),
            last_error: item.last_error,
        }
    }
}

/// Notifications waiting, sent or given up (admins), newest first.
#[utoipa::path(
    get,
    path = "/notifications",
    tag = "alerts",
    params(OutboxQuery),
    responses(
        (status = 200, body = Vec<OutboxView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_outbox(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<OutboxQuery>,
) -> Result<Json<Vec<OutboxView>>, Problem> {
    caller.admin()?;
    let status = match query.status.as_deref().unwrap_or("pending") {
        "pending" => OutboxStatus::Pending,
        "delivered" => OutboxStatus::Delivered,
        "failed" => OutboxStatus::Failed,
        other => {
            return Err(Problem::invalid(
                "status",
                format!("`{other}` is not pending, delivered or failed"),
            ));
        }
    };
    let items = state
        .store()
        .outbox(status, query.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    Ok(Json(items.into_iter().map(OutboxView::from).collect()))
}
