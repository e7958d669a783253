//! The web app: the files Vite builds, embedded into the binary at compile time (see `build.rs`) or, while
//! the app is being developed, read from a folder. Paths that name no file are the app's own routes and get
//! its `index.html`, so that a bookmarked `/i/ECO.GRDP_CURRENT` opens on that page.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use axum::extract::State;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{Html, IntoResponse, Response};

use crate::{AppState, Problem, ProblemKind};

/// The files of `web/dist` at build time, by path relative to it.
static EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// Where the web app's files come from.
#[derive(Clone, Debug, Default)]
pub enum WebFiles {
    /// The copy built into the binary.
    #[default]
    Embedded,
    /// A folder holding a build (`web/dist`), read at every request so that a rebuild shows on reload.
    Folder(PathBuf),
}

impl WebFiles {
    async fn read(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        match self {
            WebFiles::Embedded => EMBEDDED
                .iter()
                .find(|(name, _)| *name == path)
                .map(|(_, bytes)| Cow::Borrowed(*bytes)),
            WebFiles::Folder(root) => {
                let relative = Path::new(path);
                // Only plain names below the folder: no `..`, no absolute paths.
                if !relative
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)))
                {
                    return None;
                }
                tokio::fs::read(root.join(relative))
                    .await
                    .ok()
                    .map(Cow::Owned)
            }
        }
    }
}

/// Answers every GET that no API route took.
pub(crate) async fn serve(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return Problem::new(ProblemKind::NotFound, "no such API path").into_response();
    }
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(bytes) = state.web.read(path).await {
        return file_response(path, bytes);
    }
    // A missing file of a kind the app is built of is missing; anything else is one of the app's routes
    // (whose last part may hold a dot, as indicator codes do).
    if path.starts_with("assets/") || content_type(path) != OTHER {
        return Problem::new(ProblemKind::NotFound, format!("no file /{path}")).into_response();
    }
    match state.web.read("index.html").await {
        Some(page) => file_response("index.html", page),
        None => Html(include_str!("../assets/index.html")).into_response(),
    }
}

fn file_response(path: &str, bytes: Cow<'static, [u8]>) -> Response {
    // Vite names the files under assets/ by their content's hash: they never change under that name.
    let caching = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = bytes.into_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(caching));
    response
}

const OTHER: &str = "application/octet-stream";

fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => OTHER,
    }
}
