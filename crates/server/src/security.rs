//! What every response carries and every request is held to: a strict Content-Security-Policy and the
//! usual protective headers, a time limit, and (set on the router) a body size limit.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{Problem, ProblemKind};

/// The largest request body accepted.
pub(crate) const BODY_LIMIT: usize = 4 * 1024 * 1024;
/// How long a request may take before it is answered with 503.
const TIME_LIMIT: Duration = Duration::from_secs(30);

/// Only this origin's scripts (nothing inline, no eval), images, fonts and connections. Inline styles are
/// allowed because the chart and map libraries position their elements with them; workers may start from
/// `blob:` URLs, as MapLibre's do. A configured basemap adds its origin for tiles, glyphs and sprites.
pub(crate) fn content_security_policy(basemap_style: Option<&str>) -> HeaderValue {
    let basemap = basemap_style
        .and_then(origin_of)
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{basemap}; font-src 'self'; connect-src 'self'{basemap}; \
         manifest-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// `scheme://authority` of an absolute http(s) URL.
fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let safe = !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    safe.then(|| &url[..scheme.len() + 3 + authority_end])
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
pub(crate) async fn protect(
    State(state): State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
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
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        state.content_security_policy.as_ref().clone(),
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_basemap_adds_only_its_origin() {
        assert_eq!(
            origin_of("https://tiles.example.org:8443/styles/a.json?key=1"),
            Some("https://tiles.example.org:8443")
        );
        assert_eq!(
            origin_of("http://10.0.0.5/style.json"),
            Some("http://10.0.0.5")
        );
        for refused in [
            "/local/style.json",
            "ftp://x.org/a",
            "https://",
            "https://a b/",
            "https://x.org;script-src *",
        ] {
            assert_eq!(origin_of(refused), None, "{refused}");
        }
        let policy = content_security_policy(Some("https://tiles.example.org/style.json"));
        let policy = policy.to_str().unwrap();
        assert!(policy.contains("img-src 'self' data: blob: https://tiles.example.org;"));
        assert!(policy.contains("script-src 'self';"));
        let without = content_security_policy(None);
        assert!(without.to_str().unwrap().contains("connect-src 'self';"));
    }
}
