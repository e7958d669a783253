//! Errors at the API boundary: RFC 9457 problem documents, each kind with a stable `type`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use vantage_store::StoreError;

/// The kinds of problem the API reports, with their stable type and status: one table for the whole API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    NotFound,
    InvalidParameter,
    Unauthorized,
    Forbidden,
    InvalidItems,
    Conflict,
    TooManyAttempts,
    TooLarge,
    StorageUnavailable,
    Timeout,
    Internal,
}

impl ProblemKind {
    fn describe(self) -> (&'static str, &'static str, StatusCode) {
        match self {
            ProblemKind::NotFound => ("not-found", "Not found", StatusCode::NOT_FOUND),
            ProblemKind::InvalidParameter => (
                "invalid-parameter",
                "Invalid parameter",
                StatusCode::BAD_REQUEST,
            ),
            ProblemKind::Unauthorized => ("unauthorized", "Unauthorized", StatusCode::UNAUTHORIZED),
            ProblemKind::StorageUnavailable => (
                "storage-unavailable",
                "Storage unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            ProblemKind::Forbidden => ("forbidden", "Forbidden", StatusCode::FORBIDDEN),
            ProblemKind::InvalidItems => (
                "invalid-items",
                "Invalid items",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ProblemKind::Conflict => ("conflict", "Conflict", StatusCode::CONFLICT),
            ProblemKind::TooManyAttempts => (
                "too-many-attempts",
                "Too many attempts",
                StatusCode::TOO_MANY_REQUESTS,
            ),
            ProblemKind::TooLarge => (
                "too-large",
                "Request too large",
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            ProblemKind::Timeout => (
                "timeout",
                "Request timed out",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            ProblemKind::Internal => (
                "internal",
                "Internal error",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        }
    }
}

/// A problem document (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `urn:vantage:problem:not-found`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For refused batches and files: every bad item, with where and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ItemError>,
}

/// One bad item of a batch: its position (from 0), the field at fault, and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ItemError {
    pub index: usize,
    pub field: String,
    pub reason: String,
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Problem {
        let (slug, title, status) = kind.describe();
        Problem {
            kind: format!("urn:vantage:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemKind::NotFound, detail)
    }

    pub fn invalid(parameter: &str, reason: impl std::fmt::Display) -> Problem {
        Problem::new(
            ProblemKind::InvalidParameter,
            format!("{parameter}: {reason}"),
        )
    }
}

impl From<axum::extract::rejection::JsonRejection> for Problem {
    /// A body that is too large, not JSON, or not of the expected shape, said in problem form.
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Problem {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(ProblemKind::TooLarge, "the request body is too large")
        } else {
            Problem::invalid("body", rejection.body_text())
        }
    }
}

impl From<vantage_live::LiveError> for Problem {
    /// Writes reach the live path only after their checks passed, so a failure there is the server's: the
    /// storage's own kind when storage failed, otherwise internal, with the details in the log.
    fn from(error: vantage_live::LiveError) -> Problem {
        match error {
            vantage_live::LiveError::Store(error) => error.into(),
            other => {
                tracing::error!(error = %other, "checked data could not be written");
                Problem::new(
                    ProblemKind::Internal,
                    "the data could not be written; see the log",
                )
            }
        }
    }
}

impl From<StoreError> for Problem {
    /// The details stay in the log: callers learn what kind of failure it was, not the database's words.
    fn from(error: StoreError) -> Problem {
        tracing::error!(%error, "storage error");
        match error {
            StoreError::Unavailable(_) => Problem::new(
                ProblemKind::StorageUnavailable,
                "the database cannot be reached; try again later",
            ),
            _ => Problem::new(
                ProblemKind::Internal,
                "the server failed to read or write its data; see its log",
            ),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}
