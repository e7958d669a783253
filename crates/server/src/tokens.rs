//! API tokens for machines: `Authorization: Bearer vt_…`, issued by an admin (here or with `vantage token
//! create`) to a user, acting with that user's grant, read-only or allowed to write, with an expiry, and
//! revocable. Only a hash of each token is stored; its use is audited once an hour.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_store::ApiToken;

use crate::access::Caller;
use crate::auth::{mint_api_token, secret_hash};
use crate::{AppState, Problem, ProblemKind, audit};

/// How often a token's use is written down.
const USE_RECORDED_EVERY: SignedDuration = SignedDuration::from_hours(1);

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
}

/// The token of an `Authorization: Bearer` header, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller a bearer token stands for; an unknown, revoked or expired token is refused.
pub(crate) async fn caller(token: &str, state: &AppState) -> Result<Caller, Problem> {
    let refused = |why: &str| Problem::new(ProblemKind::Unauthorized, format!("the token {why}"));
    let store = state.store();
    let Some((stored, user)) = store.api_token(&secret_hash(token)).await? else {
        return Err(refused("is not known"));
    };
    let now = Timestamp::now();
    if stored.revoked_at.is_some() {
        return Err(refused("was revoked"));
    }
    if stored.expires_at <= now {
        return Err(refused("has expired"));
    }
    if stored
        .last_used
        .is_none_or(|last| now.duration_since(last) >= USE_RECORDED_EVERY)
    {
        store.touch_api_token(&stored.id, now).await?;
        audit::record(
            state,
            &user.username,
            "token.use",
            &stored.id,
            json!({"name": stored.name}),
        )
        .await?;
    }
    Ok(Caller::Token {
        writes: stored.scope == "write",
        user,
    })
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct NewToken {
    /// The user whose grant the token acts with.
    username: String,
    /// What it is for, e.g. the system that will use it.
    name: String,
    /// `read` (default) or `write`.
    scope: Option<String>,
    /// Days until it expires, 1 to 366; 90 by default.
    days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TokenView {
    id: String,
    username: String,
    name: String,
    scope: String,
    created_at: String,
    expires_at: String,
    revoked_at: Option<String>,
    last_used: Option<String>,
}

impl From<&ApiToken> for TokenView {
    fn from(token: &ApiToken) -> TokenView {
        TokenView {
            id: token.id.clone(),
            username: token.username.clone(),
            name: token.name.clone(),
            scope: token.scope.clone(),
            created_at: token.created_at.to_string(),
            expires_at: token.expires_at.to_string(),
            revoked_at: token.revoked_at.map(|at| at.to_string()),
            last_used: token.last_used.map(|at| at.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct IssuedToken {
    /// The token itself, shown this once: send it as `Authorization: Bearer <token>`.
    token: String,
    #[serde(flatten)]
    details: TokenView,
}

/// Issues a token (admins).
#[utoipa::path(
    post,
    path = "/tokens",
    tag = "tokens",
    request_body = NewToken,
    responses(
        (status = 201, body = IssuedToken),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewToken>, JsonRejection>,
) -> Result<(StatusCode, Json<IssuedToken>), Problem> {
    let admin = caller.admin()?.username.clone();
    let Json(request) = body?;
    let scope = request.scope.unwrap_or_else(|| "read".to_owned());
    if !matches!(scope.as_str(), "read" | "write") {
        return Err(Problem::invalid(
            "scope",
            format!("`{scope}` is not read or write"),
        ));
    }
    let days = request.days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(Problem::invalid(
            "days",
            format!("{days} is not between 1 and 366"),
        ));
    }
    let store = state.store();
    if !store
        .users()
        .await?
        .iter()
        .any(|user| user.username == request.username)
    {
        return Err(Problem::invalid(
            "username",
            format!("no user `{}`", request.username),
        ));
    }
    let (id, token, hash) = mint_api_token().map_err(|error| {
        tracing::error!(%error, "cannot mint a token");
        Problem::new(ProblemKind::Internal, "the server cannot issue a token")
    })?;
    let now = Timestamp::now();
    let stored = ApiToken {
        id,
        username: request.username,
        name: request.name,
        scope,
        created_at: now,
        expires_at: now + SignedDuration::from_hours(24 * days),
        revoked_at: None,
        last_used: None,
    };
    store.create_api_token(&stored, &hash).await?;
    let detail = json!({"for": stored.username, "name": stored.name, "scope": stored.scope});
    audit::record(&state, &admin, "token.create", &stored.id, detail).await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            token,
            details: TokenView::from(&stored),
        }),
    ))
}

/// Every token, newest first, without their secrets (admins).
#[utoipa::path(
    get,
    path = "/tokens",
    tag = "tokens",
    responses(
        (status = 200, body = Vec<TokenView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TokenView>>, Problem> {
    caller.admin()?;
    let tokens = state.store().api_tokens().await?;
    Ok(Json(tokens.iter().map(TokenView::from).collect()))
}

/// Revokes a token at once (admins).
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    tag = "tokens",
    params(("id" = String, Path, description = "The token's public id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let admin = caller.admin()?.username.clone();
    if !state
        .store()
        .revoke_api_token(&id, Timestamp::now())
        .await?
    {
        return Err(Problem::not_found(format!("no active token {id}")));
    }
    audit::record(&state, &admin, "token.revoke", &id, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
