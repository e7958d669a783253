//! Users and their grants (admins), and the checks a grant must pass wherever it is given (here or with
//! `vantage user add`): a known role, agency, unit and domain, and a long enough password.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_model::access::{Role, User};
use vantage_store::{Store, StoreError};

use crate::access::Caller;
use crate::auth::hash_password;
use crate::{AppState, Problem, ProblemKind, audit};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A grant that cannot be given, with the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: String) -> GrantError {
    GrantError::Invalid { field, reason }
}

/// Checks that the agency, unit and domain a grant names exist.
pub async fn check_grant(store: &Store, user: &User) -> Result<(), GrantError> {
    if !store
        .agencies()
        .await?
        .iter()
        .any(|known| known.code == user.agency)
    {
        return Err(invalid(
            "agency",
            format!("unknown agency `{}` (import agencies first)", user.agency),
        ));
    }
    if let Some(unit) = &user.unit
        && !store.units().await?.iter().any(|known| &known.code == unit)
    {
        return Err(invalid("unit", format!("unknown unit `{unit}`")));
    }
    if !user.domains.is_empty() {
        let known = store.domains().await?;
        if let Some(domain) = user
            .domains
            .iter()
            .find(|domain| !known.iter().any(|known| &known.code == *domain))
        {
            return Err(invalid("domains", format!("unknown domain `{domain}`")));
        }
    }
    Ok(())
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), GrantError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(
            "password",
            format!("the password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

impl From<GrantError> for Problem {
    fn from(error: GrantError) -> Problem {
        match error {
            GrantError::Invalid { field, reason } => Problem::invalid(field, reason),
            GrantError::Store(error) => error.into(),
        }
    }
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(set_grant))
        .routes(routes!(delete_user))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UserView {
    username: String,
    /// `admin`, `leader`, `operator`, `data_owner` or `viewer`.
    role: &'static str,
    agency: String,
    /// Root of the unit subtree the grant covers; null for the whole province.
    unit: Option<String>,
    /// Domains the grant covers; empty for every domain.
    domains: Vec<String>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> UserView {
        UserView {
            username: user.username.clone(),
            role: user.role.as_str(),
            agency: user.agency.clone(),
            unit: user.unit.clone(),
            domains: user.domains.clone(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct Grant {
    /// `admin`, `leader`, `operator`, `data_owner` or `viewer`.
    role: String,
    agency: String,
    /// Root of the unit subtree; the whole province when absent.
    unit: Option<String>,
    /// Domain codes; every domain when absent, null or empty.
    domains: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct NewUser {
    username: String,
    password: String,
    #[serde(flatten)]
    grant: Grant,
}

fn user_of(username: String, grant: Grant) -> Result<User, Problem> {
    Ok(User {
        username,
        role: Role::parse(&grant.role).map_err(|reason| Problem::invalid("role", reason))?,
        agency: grant.agency,
        unit: grant.unit,
        domains: grant.domains.unwrap_or_default(),
    })
}

fn grant_detail(user: &User) -> serde_json::Value {
    json!({
        "role": user.role.as_str(),
        "agency": user.agency,
        "unit": user.unit,
        "domains": user.domains,
    })
}

/// Every user with their grant (admins).
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    responses(
        (status = 200, body = Vec<UserView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<UserView>>, Problem> {
    caller.admin()?;
    let mut users = state.store().users().await?;
    users.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(Json(users.iter().map(UserView::from).collect()))
}

/// Adds a user with a password and a grant (admins).
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    request_body = NewUser,
    responses(
        (status = 201, body = UserView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")
    )
)]
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewUser>, JsonRejection>,
) -> Result<(StatusCode, Json<UserView>), Problem> {
    let admin = caller.admin()?.username.clone();
    let Json(request) = body?;
    let user = user_of(request.username, request.grant)?;
    check_grant(state.store(), &user).await?;
    check_password(&request.password)?;
    let password = request.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| Problem::new(ProblemKind::Internal, "the password could not be hashed"))?;
    match state
        .store()
        .add_user(&user, &hash, jiff::Timestamp::now())
        .await
    {
        Err(StoreError::AlreadyExists(_)) => {
            return Err(Problem::new(
                ProblemKind::Conflict,
                format!("user `{}` exists", user.username),
            ));
        }
        other => other?,
    }
    audit::record(
        &state,
        &admin,
        "user.create",
        &user.username,
        grant_detail(&user),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// Changes a user's role and grant; it applies to their sessions and tokens at once (admins).
#[utoipa::path(
    put,
    path = "/users/{username}/grant",
    tag = "users",
    params(("username" = String, Path)),
    request_body = Grant,
    responses(
        (status = 200, body = UserView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn set_grant(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    body: Result<Json<Grant>, JsonRejection>,
) -> Result<Json<UserView>, Problem> {
    let admin = caller.admin()?.username.clone();
    let Json(grant) = body?;
    let user = user_of(username, grant)?;
    check_grant(state.store(), &user).await?;
    if !state.store().update_user_grant(&user).await? {
        return Err(Problem::not_found(format!("no user {}", user.username)));
    }
    audit::record(
        &state,
        &admin,
        "user.grant",
        &user.username,
        grant_detail(&user),
    )
    .await?;
    Ok(Json(UserView::from(&user)))
}

/// Removes a user, their sessions and their tokens (admins; not oneself).
#[utoipa::path(
    delete,
    path = "/users/{username}",
    tag = "users",
    params(("username" = String, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<StatusCode, Problem> {
    let admin = caller.admin()?.username.clone();
    if admin == username {
        return Err(Problem::invalid(
            "username",
            "admins do not remove themselves",
        ));
    }
    if !state.store().delete_user(&username).await? {
        return Err(Problem::not_found(format!("no user {username}")));
    }
    audit::record(&state, &admin, "user.delete", &username, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
