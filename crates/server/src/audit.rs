//! The audit log: every sign-in (and failed attempt), sign-out and write is appended as it happens; admins
//! read it here, filtered by user, object and time. The chain of hashes is checked by `vantage audit verify`.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_store::AuditFilter;

use crate::access::Caller;
use crate::units::page_size;
use crate::{AppState, Problem};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// Appends an entry; `actor` is a username, or `-` for an anonymous party.
pub(crate) async fn record(
    state: &AppState,
    actor: &str,
    action: &str,
    object: &str,
    detail: serde_json::Value,
) -> Result<(), Problem> {
    state
        .store()
        .append_audit(
            jiff::Timestamp::now(),
            actor,
            action,
            object,
            &detail.to_string(),
        )
        .await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AuditEntryView {
    seq: i64,
    /// RFC 3339.
    at: String,
    actor: String,
    /// `session.sign_in`, `session.sign_in_failed`, `session.sign_out`, `observations.write`, ...
    action: String,
    object: String,
    #[schema(value_type = Object)]
    detail: serde_json::Value,
    /// SHA-256 over the previous entry's hash and this entry's fields.
    hash: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AuditPage {
    items: Vec<AuditEntryView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// Only entries by this username.
    user: Option<String>,
    /// Only entries about this object (a username, `observations`, ...).
    object: Option<String>,
    /// Only entries at or after this instant (RFC 3339).
    from: Option<String>,
    /// Only entries before this instant (RFC 3339).
    to: Option<String>,
    /// Where the previous page ended.
    cursor: Option<String>,
    /// Page size, 1 to 1000; 500 by default.
    limit: Option<usize>,
}

/// The audit log, oldest first (admins only).
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, Problem> {
    caller.admin()?;
    let limit = page_size(query.limit)?;
    let instant = |name: &str, text: &Option<String>| -> Result<Option<jiff::Timestamp>, Problem> {
        text.as_deref()
            .map(|text| text.parse().map_err(|error| Problem::invalid(name, error)))
            .transpose()
    };
    let after = match &query.cursor {
        Some(cursor) => cursor
            .parse()
            .map_err(|_| Problem::invalid("cursor", "not a cursor from this endpoint"))?,
        None => 0,
    };
    let filter = AuditFilter {
        after,
        actor: query.user.clone(),
        object: query.object.clone(),
        from: instant("from", &query.from)?,
        to: instant("to", &query.to)?,
    };
    let entries = state.store().audit(&filter, limit + 1).await?;
    let next_cursor = (entries.len() > limit).then(|| entries[limit - 1].seq.to_string());
    let items = entries
        .into_iter()
        .take(limit)
        .map(|entry| AuditEntryView {
            seq: entry.seq,
            at: entry.at.to_string(),
            actor: entry.actor,
            action: entry.action,
            object: entry.object,
            detail: serde_json::from_str(&entry.detail).unwrap_or(serde_json::Value::Null),
            hash: entry.hash,
        })
        .collect();
    Ok(Json(AuditPage { items, next_cursor }))
}
