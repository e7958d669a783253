//! Who is calling and what they may do: every read and write asks here, so that the rules live in one
//! place. A caller is anonymous, a user signed in with a session cookie, or a user's API token (which acts
//! with its user's grant, and writes only if it was issued to). A grant is a role, a set of domains (none
//! means all) and a unit subtree (none means the whole province).
//!
//! Reads:
//! - anonymous: public indicators;
//! - admin, leader, operator: everything;
//! - data owner: public indicators, and its own domain's within its subtree;
//! - viewer: its domain's indicators (all when the grant names none) within its subtree.
//!
//! Writes and submissions: admins anywhere; data owners for their domain within their subtree; nobody else.
//! Approving and returning values: admins and leaders.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use vantage_engine::Engine;
use vantage_model::access::{Role, User};
use vantage_model::indicator::Indicator;
use vantage_model::unit::UnitIndex;

use crate::{AppState, Problem, ProblemKind, session, tokens};

/// The party behind a request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Caller {
    Anonymous,
    /// Signed in with a session cookie.
    User(User),
    /// An API token of this user.
    Token {
        user: User,
        writes: bool,
    },
}

impl Caller {
    /// The user the caller acts as, if any.
    pub(crate) fn user(&self) -> Option<&User> {
        match self {
            Caller::Anonymous => None,
            Caller::User(user) | Caller::Token { user, .. } => Some(user),
        }
    }

    /// Whether the caller's credential is a browser cookie, which other sites could make it send.
    pub(crate) fn uses_cookie(&self) -> bool {
        matches!(self, Caller::User(_))
    }

    /// Whether the caller may read this indicator on some unit. Indicators it may not are reported as
    /// unknown, so that their existence does not leak either.
    pub(crate) fn may_read(&self, indicator: &Indicator) -> bool {
        match self.user() {
            None => indicator.public,
            Some(user) => match user.role {
                Role::Admin | Role::Leader | Role::Operator => true,
                Role::DataOwner => indicator.public || owns_domain(user, indicator),
                Role::Viewer => owns_domain(user, indicator),
            },
        }
    }

    /// Whether the caller may read this indicator's values on this unit.
    pub(crate) fn reads(&self, indicator: &Indicator, engine: &Engine, unit: UnitIndex) -> bool {
        match self.user() {
            None => indicator.public,
            Some(user) => match user.role {
                Role::Admin | Role::Leader | Role::Operator => true,
                Role::DataOwner => {
                    indicator.public
                        || (owns_domain(user, indicator) && within_grant(user, engine, unit))
                }
                Role::Viewer => owns_domain(user, indicator) && within_grant(user, engine, unit),
            },
        }
    }

    /// The signed-in user (in person or through a token), or why there is none.
    pub(crate) fn signed_in(&self) -> Result<&User, Problem> {
        self.user()
            .ok_or_else(|| Problem::new(ProblemKind::Unauthorized, "not signed in"))
    }

    /// The signed-in admin (not through a token), or why the caller is not one.
    pub(crate) fn admin(&self) -> Result<&User, Problem> {
        match self {
            Caller::Anonymous => Err(Problem::new(
                ProblemKind::Unauthorized,
                "sign in as an admin",
            )),
            Caller::User(user) if user.role == Role::Admin => Ok(user),
            _ => Err(Problem::new(
                ProblemKind::Forbidden,
                "for signed-in admins only",
            )),
        }
    }

    /// The user who may write values at all (admins and data owners, not through a read-only token), or
    /// why not.
    pub(crate) fn writer(&self) -> Result<&User, Problem> {
        self.acting(&[Role::Admin, Role::DataOwner], "write values")
    }

    /// The user who may approve values or return them for correction (admins and leaders, not through a
    /// read-only token), or why not.
    pub(crate) fn reviewer(&self) -> Result<&User, Problem> {
        self.acting(&[Role::Admin, Role::Leader], "review values")
    }

    /// The user who may arrange dashboards (admins, leaders and operators, not through a read-only
    /// token), or why not.
    pub(crate) fn curator(&self) -> Result<&User, Problem> {
        self.acting(
            &[Role::Admin, Role::Leader, Role::Operator],
            "arrange dashboards",
        )
    }

    /// The user who may follow how departments and communes report (the operations centre: admins,
    /// leaders and operators), or why not.
    pub(crate) fn monitor(&self) -> Result<&User, Problem> {
        let user = self.signed_in()?;
        match user.role {
            Role::Admin | Role::Leader | Role::Operator => Ok(user),
            role => Err(Problem::new(
                ProblemKind::Forbidden,
                format!("a {role} does not follow the reporting rates"),
            )),
        }
    }

    /// The user who may take steps on alerts (the centre and data owners, not through a read-only
    /// token), or why not; which steps depends on the alert.
    pub(crate) fn responder(&self) -> Result<&User, Problem> {
        self.acting(
            &[Role::Admin, Role::Leader, Role::Operator, Role::DataOwner],
            "act on alerts",
        )
    }

    /// The user, if one of `roles` and not acting through a read-only token, may `action`.
    fn acting(&self, roles: &[Role], action: &str) -> Result<&User, Problem> {
        match self {
            Caller::Anonymous => Err(Problem::new(
                ProblemKind::Unauthorized,
                format!("sign in to {action}"),
            )),
            Caller::Token { writes: false, .. } => Err(Problem::new(
                ProblemKind::Forbidden,
                "this token only reads",
            )),
            Caller::User(user) | Caller::Token { user, .. } if roles.contains(&user.role) => {
                Ok(user)
            }
            Caller::User(user) | Caller::Token { user, .. } => Err(Problem::new(
                ProblemKind::Forbidden,
                format!("a {} does not {action}", user.role),
            )),
        }
    }

    /// Why the caller may not write this indicator's values on this unit, as the field at fault
    /// (`indicator` outside its domain, `unit` outside its subtree); `None` when it may.
    pub(crate) fn write_refusal(
        &self,
        indicator: &Indicator,
        engine: &Engine,
        unit: UnitIndex,
    ) -> Option<&'static str> {
        let user = self.writer().ok()?;
        match user.role {
            Role::Admin => None,
            _ if !owns_domain(user, indicator) => Some("indicator"),
            _ if !within_grant(user, engine, unit) => Some("unit"),
            _ => None,
        }
    }
}

fn owns_domain(user: &User, indicator: &Indicator) -> bool {
    user.domains.is_empty() || user.domains.contains(&indicator.domain)
}

/// Whether the unit is the grant's unit or lies below it.
fn within_grant(user: &User, engine: &Engine, unit: UnitIndex) -> bool {
    let Some(root) = &user.unit else {
        return true;
    };
    let registry = engine.registry();
    engine
        .units()
        .lineage_up(unit)
        .any(|at| registry.get(at).code == *root)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    /// A bearer token when one is sent (an invalid one is refused, not read as anonymous), otherwise the
    /// session cookie, otherwise anonymous.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, Problem> {
        if let Some(token) = tokens::bearer(&parts.headers) {
            return tokens::caller(token, state).await;
        }
        Ok(match session::current(&parts.headers, state).await? {
            Some(user) => Caller::User(user),
            None => Caller::Anonymous,
        })
    }
}
