//! Sign-in: a username and password exchanged for a random token in an HttpOnly, same-site cookie. Only a
//! hash of the token is stored; a session ends on sign-out, after twelve idle hours, or seven days after it
//! began. Signing in always starts a new session and ends the one the request carried.

use std::sync::OnceLock;

use axum::Json;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::access::User;

use crate::access::Caller;
use crate::audit;
use crate::auth::{hash_password, random_secret, secret_hash, verify_password};
use crate::limits::PeerAddress;
use crate::{AppState, Problem, ProblemKind};

const COOKIE: &str = "vantage_session";
const IDLE: SignedDuration = SignedDuration::from_hours(12);
const ABSOLUTE: SignedDuration = SignedDuration::from_hours(24 * 7);
/// Last use is recorded at most this often, so that reads do not each cost a durable write.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_mins(5);

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(me))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct SignIn {
    username: String,
    password: String,
}

/// The signed-in user and the grant they hold.
#[derive(Serialize, ToSchema)]
pub(crate) struct Me {
    username: String,
    /// `admin`, `leader`, `operator`, `data_owner` or `viewer`.
    role: &'static str,
    agency: String,
    /// Root of the unit subtree the grant covers; null for the whole province.
    unit: Option<String>,
    /// Domains the grant covers; empty for every domain.
    domains: Vec<String>,
}

impl From<&User> for Me {
    fn from(user: &User) -> Me {
        Me {
            username: user.username.clone(),
            role: user.role.as_str(),
            agency: user.agency.clone(),
            unit: user.unit.clone(),
            domains: user.domains.clone(),
        }
    }
}

fn token_hash(token: &str) -> String {
    secret_hash(token)
}

fn new_token() -> Result<String, Problem> {
    random_secret(32).map_err(|error| {
        tracing::error!(%error, "no randomness for a session token");
        Problem::new(ProblemKind::Internal, "the server cannot start a session")
    })
}

/// The session token the request carries, if any.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| cookie.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .filter(|token| !token.is_empty())
}

fn cookie(token: &str, max_age: SignedDuration) -> HeaderValue {
    let value = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        max_age.as_secs()
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The user of the session the request carries, if it is still open; an expired one is ended.
pub(crate) async fn current(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<User>, Problem> {
    let Some(token) = presented_token(headers) else {
        return Ok(None);
    };
    let hash = token_hash(token);
    let store = state.store();
    let Some(session) = store.session(&hash).await? else {
        return Ok(None);
    };
    let now = Timestamp::now();
    if now.duration_since(session.created_at) > ABSOLUTE
        || now.duration_since(session.last_seen) > IDLE
    {
        store.delete_session(&hash).await?;
        return Ok(None);
    }
    if now.duration_since(session.last_seen) > TOUCH_EVERY {
        store.touch_session(&hash, now).await?;
    }
    Ok(Some(session.user))
}

/// Checked against when the username is unknown, so that the answer takes as long either way.
fn stand_in_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("stand-in password").unwrap_or_default())
}

/// Signs in: sets the session cookie and returns the user.
#[utoipa::path(
    post,
    path = "/session",
    tag = "session",
    request_body = SignIn,
    responses(
        (status = 200, body = Me, description = "Signed in; the `vantage_session` cookie is set"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")
    )
)]
async fn sign_in(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: HeaderMap,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(body) = body?;
    if let Some(wait) = state.sign_in_guard.wait(&body.username, address) {
        let mut response = Problem::new(
            ProblemKind::TooManyAttempts,
            "too many failed sign-ins; try again later",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs() + 1));
        return Ok(response);
    }
    let store = state.store();
    let stored = store.password_hash(&body.username).await?;
    let password = body.password;
    // Argon2 is deliberately slow: keep it off the threads that serve other requests.
    let matches = tokio::task::spawn_blocking(move || match stored {
        Some(stored) => verify_password(&password, &stored),
        None => {
            verify_password(&password, stand_in_hash());
            false
        }
    })
    .await
    .unwrap_or(false);
    if !matches {
        let detail = json!({ "address": address.map(|a| a.to_string()) });
        audit::record(
            &state,
            "-",
            "session.sign_in_failed",
            &body.username,
            detail.clone(),
        )
        .await?;
        if state.sign_in_guard.failed(&body.username, address) {
            audit::record(&state, "-", "session.locked_out", &body.username, detail).await?;
        }
        return Err(Problem::new(
            ProblemKind::Unauthorized,
            "wrong username or password",
        ));
    }
    state.sign_in_guard.succeeded(&body.username);
    if let Some(previous) = presented_token(&headers) {
        store.delete_session(&token_hash(previous)).await?;
    }
    let token = new_token()?;
    store
        .create_session(&token_hash(&token), &body.username, Timestamp::now())
        .await?;
    let session = store
        .session(&token_hash(&token))
        .await?
        .ok_or_else(|| Problem::new(ProblemKind::Internal, "the new session vanished"))?;
    audit::record(
        &state,
        &body.username,
        "session.sign_in",
        &body.username,
        json!({}),
    )
    .await?;
    let mut response = Json(Me::from(&session.user)).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&token, ABSOLUTE));
    Ok(response)
}

/// Signs out: ends the session the request carries and clears the cookie.
#[utoipa::path(
    delete,
    path = "/session",
    tag = "session",
    responses((status = 204, description = "Signed out"))
)]
async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if let Some(token) = presented_token(&headers) {
        state.store().delete_session(&token_hash(token)).await?;
    }
    if let Caller::User(user) = &caller {
        audit::record(
            &state,
            &user.username,
            "session.sign_out",
            &user.username,
            json!({}),
        )
        .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie("", SignedDuration::ZERO));
    Ok(response)
}

/// The signed-in user.
#[utoipa::path(
    get,
    path = "/me",
    tag = "session",
    responses(
        (status = 200, body = Me),
        (status = 401, body = Problem, content_type = "application/problem+json")
    )
)]
async fn me(caller: Caller) -> Result<Json<Me>, Problem> {
    Ok(Json(Me::from(caller.signed_in()?)))
}
