//! Who is calling and what they may see: every read of analytics asks here, so that the rule lives in one
//! place. Sign-in and roles arrive with sessions; until then every caller is anonymous and sees the public
//! indicators only.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use vantage_model::indicator::Indicator;

/// The party behind a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    Anonymous,
}

impl Caller {
    /// Whether the caller may see values of this indicator. Indicators it may not see are reported as
    /// unknown, so that their existence does not leak either.
    pub(crate) fn reads(&self, indicator: &Indicator) -> bool {
        match self {
            Caller::Anonymous => indicator.public,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Caller, Self::Rejection> {
        Ok(Caller::Anonymous)
    }
}
