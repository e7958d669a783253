//! The web app: the files Vite builds, embedded into the binary at compile time (see `build.rs`) or, while
//! the app is being developed, read from a folder. Paths that name no file are the app's own routes and get
//! its `index.html`, so that a bookmarked `/i/ECO.GRDP_CURRENT` opens on that page.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{Html, IntoResponse, Response};

use crate::{AppState, Problem, ProblemKind};

/// The files of `web/dist` at build time, by path relative to it, with a gzipped copy of the text ones.
static EMBEDDED: &[EmbeddedFile] = include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// An embedded file: its path, its bytes, and its gzipped bytes when it is text worth compressing.
type EmbeddedFile = (&'static str, &'static [u8], Option<&'static [u8]>);

/// A file's content, possibly gzipped.
struct Content {
    bytes: Cow<'static, [u8]>,
    gzipped: bool,
}

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
    /// The file at `path`, gzipped when the client takes gzip and a compressed copy exists.
    async fn read(&self, path: &str, takes_gzip: bool) -> Option<Content> {
        match self {
            WebFiles::Embedded => embedded(EMBEDDED, path, takes_gzip),
            WebFiles::Folder(root) => {
                let relative = Path::new(path);
                // Only plain names below the folder: no `..`, no absolute paths.
                if !relative
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)))
                {
                    return None;
                }
                let bytes = tokio::fs::read(root.join(relative)).await.ok()?;
                Some(Content {
                    bytes: Cow::Owned(bytes),
                    gzipped: false,
                })
            }
        }
    }
}

/// A file of an embedded build, gzipped when the client takes gzip and a compressed copy exists.
fn embedded(files: &[EmbeddedFile], path: &str, takes_gzip: bool) -> Option<Content> {
    let (_, plain, gzipped) = files.iter().find(|(name, ..)| *name == path)?;
    Some(match gzipped {
        Some(gzipped) if takes_gzip => Content {
            bytes: Cow::Borrowed(*gzipped),
            gzipped: true,
        },
        _ => Content {
            bytes: Cow::Borrowed(*plain),
            gzipped: false,
        },
    })
}

/// Whether the request's `Accept-Encoding` lists gzip (with any quality but zero).
fn takes_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let refused = |part: &str| {
                part.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            };
            parts.next() == Some("gzip") && !parts.any(refused)
        })
}

/// Answers every GET that no API route took.
pub(crate) async fn serve(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let takes_gzip = takes_gzip(&headers);
    let path = uri.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return Problem::new(ProblemKind::NotFound, "no such API path").into_response();
    }
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(content) = state.web.read(path, takes_gzip).await {
        return file_response(path, content);
    }
    // A missing file of a kind the app is built of is missing; anything else is one of the app's routes
    // (whose last part may hold a dot, as indicator codes do).
    if path.starts_with("assets/") || content_type(path) != OTHER {
        return Problem::new(ProblemKind::NotFound, format!("no file /{path}")).into_response();
    }
    match state.web.read("index.html", takes_gzip).await {
        Some(page) => file_response("index.html", page),
        None => Html(include_str!("../assets/index.html")).into_response(),
    }
}

fn file_response(path: &str, content: Content) -> Response {
    // Vite names the files under assets/ by their content's hash: they never change under that name.
    let caching = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = content.bytes.into_owned().into_response();
    let headers = response.headers_mut();
    if content.gzipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    // Caches must keep the plain and the gzipped answer apart.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_goes_to_clients_that_take_it_for_files_that_have_it() {
        let files: &[EmbeddedFile] = &[
            ("assets/app.js", b"plain", Some(b"packed")),
            ("icon.png", b"image", None),
        ];
        let served =
            |path, gzip| embedded(files, path, gzip).map(|c| (c.bytes.into_owned(), c.gzipped));
        assert_eq!(
            served("assets/app.js", true),
            Some((b"packed".to_vec(), true))
        );
        assert_eq!(
            served("assets/app.js", false),
            Some((b"plain".to_vec(), false))
        );
        assert_eq!(served("icon.png", true), Some((b"image".to_vec(), false)));
        assert!(served("missing.js", true).is_none());
    }

    #[test]
    fn accept_encoding_is_read_with_its_qualities() {
        let takes = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            takes_gzip(&headers)
        };
        assert!(takes("gzip, deflate, br, zstd"));
        assert!(takes("br;q=1.0, gzip;q=0.8"));
        assert!(!takes("gzip;q=0"));
        assert!(!takes("identity"));
        assert!(!takes_gzip(&HeaderMap::new()));
    }
}
