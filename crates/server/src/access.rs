//! Who is calling and what they may read: every read of analytics asks here, so that the rule lives in one
//! place. A caller is anonymous, or a signed-in user with a role and a grant (one domain or all, one unit
//! subtree or the whole province).
//!
//! - anonymous: public indicators;
//! - admin, leader, operator: everything;
//! - data owner: public indicators, and its own domain's within its subtree;
//! - viewer: its domain's indicators (all when the grant names none) within its subtree.
//!
//! Writes: admins anywhere; data owners for their domain within their subtree; nobody else.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use vantage_engine::Engine;
use vantage_model::access::{Role, User};
use vantage_model::indicator::Indicator;
use vantage_model::unit::UnitIndex;

use crate::session;
use crate::{AppState, Problem, ProblemKind};

/// The party behind a request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Caller {
    Anonymous,
    User(User),
}

impl Caller {
    /// Whether the caller may read this indicator on some unit. Indicators it may not are reported as
    /// unknown, so that their existence does not leak either.
    pub(crate) fn may_read(&self, indicator: &Indicator) -> bool {
        match self {
            Caller::Anonymous => indicator.public,
            Caller::User(user) => match user.role {
                Role::Admin | Role::Leader | Role::Operator => true,
                Role::DataOwner => indicator.public || owns_domain(user, indicator),
                Role::Viewer => owns_domain(user, indicator),
            },
        }
    }

    /// Whether the caller may read this indicator's values on this unit.
    pub(crate) fn reads(&self, indicator: &Indicator, engine: &Engine, unit: UnitIndex) -> bool {
        match self {
            Caller::Anonymous => indicator.public,
            Caller::User(user) => match user.role {
                Role::Admin | Role::Leader | Role::Operator => true,
                Role::DataOwner => {
                    indicator.public
                        || (owns_domain(user, indicator) && within_grant(user, engine, unit))
                }
                Role::Viewer => owns_domain(user, indicator) && within_grant(user, engine, unit),
            },
        }
    }
}

impl Caller {
    /// The signed-in admin, or why the caller is not one.
    pub(crate) fn admin(&self) -> Result<&User, Problem> {
        match self {
            Caller::Anonymous => Err(Problem::new(
                ProblemKind::Unauthorized,
                "sign in as an admin",
            )),
            Caller::User(user) if user.role == Role::Admin => Ok(user),
            Caller::User(_) => Err(Problem::new(ProblemKind::Forbidden, "for admins only")),
        }
    }

    /// The signed-in user who may write values at all (admins and data owners), or why not.
    pub(crate) fn writer(&self) -> Result<&User, Problem> {
        match self {
            Caller::Anonymous => Err(Problem::new(
                ProblemKind::Unauthorized,
                "sign in to write values",
            )),
            Caller::User(user) if matches!(user.role, Role::Admin | Role::DataOwner) => Ok(user),
            Caller::User(user) => Err(Problem::new(
                ProblemKind::Forbidden,
                format!("a {} does not write values", user.role),
            )),
        }
    }

    /// Why the caller may not write this indicator's values on this unit, as the field at fault
    /// (`indicator` outside its domain, `unit` outside its subtree); `None` when it may. Admins write
    /// anywhere, data owners their domain within their subtree.
    pub(crate) fn write_refusal(
        &self,
        indicator: &Indicator,
        engine: &Engine,
        unit: UnitIndex,
    ) -> Option<&'static str> {
        match self {
            Caller::User(user) if user.role == Role::Admin => None,
            Caller::User(user) if user.role == Role::DataOwner => {
                if !owns_domain(user, indicator) {
                    Some("indicator")
                } else if !within_grant(user, engine, unit) {
                    Some("unit")
                } else {
                    None
                }
            }
            _ => Some("indicator"),
        }
    }
}

fn owns_domain(user: &User, indicator: &Indicator) -> bool {
    user.domain
        .as_ref()
        .is_none_or(|domain| *domain == indicator.domain)
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

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, Problem> {
        Ok(match session::current(&parts.headers, state).await? {
            Some(user) => Caller::User(user),
            None => Caller::Anonymous,
        })
    }
}
