//! What every response carries and every request is held to: a strict Content-Security-Policy and the
//! usual protective headers, a time limit, and (set on the router) a body size limit.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::{Problem, ProblemKind};

/// The largest request body accepted.
pub(crate) const BODY_LIMIT: usize = 4 * 1024 * 1024;
/// How long a request may take before it is answered with 503.
const TIME_LIMIT: Duration = Duration::from_secs(30);

/// Only this origin's scripts, styles, images and connections; the start page's inline blocks are allowed
/// by their hashes, nothing else inline.
fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let page = include_str!("../assets/index.html");
        let hashes = |tag: &str| -> String {
            let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
            page.split(&open)
                .skip(1)
                .filter_map(|rest| rest.split_once(&close).map(|(inline, _)| inline))
                .map(|inline| {
                    let digest = Sha256::digest(inline.as_bytes());
                    format!(
                        " 'sha256-{}'",
                        base64::engine::general_purpose::STANDARD.encode(digest)
                    )
                })
                .collect()
        };
        format!(
            "default-src 'none'; script-src 'self'{}; style-src 'self'{}; img-src 'self' data: blob:; \
             font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            hashes("script"),
            hashes("style")
        )
    })
}

const FIXED: [(HeaderName, &str); 6] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
    (
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    ),
];

/// Applies the time limit and adds the headers.
pub(crate) async fn protect(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = match tokio::time::timeout(TIME_LIMIT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Problem::new(
            ProblemKind::Timeout,
            "the request took too long; try again later",
        )
        .into_response(),
    };
    let headers = response.headers_mut();
    for (name, value) in FIXED {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(policy) = HeaderValue::from_str(content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        // Answers depend on who asks: no shared cache may keep them.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Refuses a write whose credential is a browser cookie and which does not come from this site.
pub(crate) fn check_same_site(
    caller: &crate::access::Caller,
    headers: &axum::http::HeaderMap,
) -> Result<(), Problem> {
    if caller.uses_cookie() && !same_origin(headers) {
        return Err(Problem::new(
            ProblemKind::Forbidden,
            "a write from another site is refused",
        ));
    }
    Ok(())
}

/// Whether a cookie-authenticated write comes from this site: the browser's `Origin` must name the host
/// the request was sent to, and `Sec-Fetch-Site`, when sent, must not say another site. Same-site cookies
/// already keep other sites' requests anonymous; this refuses them outright.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let value = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let origin_matches = match (value("origin"), value("host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
    };
    let site_matches =
        value("sec-fetch-site").is_none_or(|site| matches!(site, "same-origin" | "none"));
    origin_matches && site_matches
}
