//! The API through real HTTP: a server on a free port over a store holding the demo province's reference
//! data, on every available backend.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vantage_ingest::{ImportKind, ImportOptions, import_csv};
use vantage_live::Analytics;
use vantage_model::access::{Role, User};
use vantage_model::period::Period;
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target, TargetBound};
use vantage_server::{AppState, Site, WebFiles};
use vantage_store::testing::TestDatabase;

struct Response {
    status: u16,
    content_type: String,
    /// The session cookie the response sets (`vantage_session=...`), if any.
    set_cookie: Option<String>,
    /// Every header, names in lower case.
    headers: Vec<(String, String)>,
    body: Value,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A minimal HTTP/1.1 GET, enough to test the API without a client library.
async fn get(address: std::net::SocketAddr, path: &str) -> Response {
    request(address, "GET", path, None, None).await
}

/// Any request, with an optional cookie and JSON body.
async fn request(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&Value>,
) -> Response {
    request_with(address, method, path, cookie, body, &[]).await
}

/// A request with a body that is not JSON.
async fn request_text(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    cookie: &str,
    content_type: &str,
    body: &str,
) -> Response {
    let (status, body) =
        request_bytes(address, method, path, cookie, content_type, body.as_bytes()).await;
    let body = String::from_utf8(body).unwrap();
    Response {
        status,
        content_type: String::new(),
        set_cookie: None,
        headers: Vec::new(),
        body: serde_json::from_str(&body).unwrap_or(Value::String(body)),
    }
}

/// A request with any body; the status and the body of the answer.
async fn request_bytes(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    cookie: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk_bytes(&body);
    }
    (status, body)
}

/// The body of a chunked answer, as far as it came.
fn dechunk_bytes(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end])
            .ok()
            .and_then(|size| usize::from_str_radix(size.trim(), 16).ok())
            .unwrap_or(0);
        let rest = &body[line_end + 2..];
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        body = rest.get(size + 2..).unwrap_or_default();
    }
    out
}

/// [`request`] with more headers.
async fn request_with(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Response {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let payload = body.map(Value::to_string).unwrap_or_default();
    if body.is_some() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            payload.len()
        ));
    }
    let request = format!("{head}\r\n{payload}");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(": ")?;
            key.eq_ignore_ascii_case(name).then(|| value.to_owned())
        })
    };
    let content_type = header("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let set_cookie = header("set-cookie");
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(": "))
        .map(|(key, value)| (key.to_ascii_lowercase(), value.to_owned()))
        .collect();
    let body = if header("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    Response {
        status,
        content_type,
        set_cookie,
        headers,
        body,
    }
}

fn dechunk(body: &str) -> String {
    String::from_utf8(dechunk_bytes(body.as_bytes())).unwrap()
}

/// A server over the demo's reference data, leaving reporting-rate counts to their own test (they write
/// values of their own as reports arrive).
async fn start(database: &TestDatabase) -> (std::net::SocketAddr, Arc<Analytics>) {
    start_with(database, AppState::without_report_counts).await
}

async fn start_with(
    database: &TestDatabase,
    configure: fn(AppState) -> AppState,
) -> (std::net::SocketAddr, Arc<Analytics>) {
    let store = vantage_store::Store::open(&database.url).await.unwrap();
    let now = jiff::Timestamp::now();

    for (kind, _, bytes) in vantage_demo::REFERENCE_FILES {
        let kind = ImportKind::parse(kind).unwrap();
        let options = ImportOptions {
            accept_valid: false,
            skip_empty_values: false,
            author: "test".into(),
            source: "test".into(),
            now,
        };
        import_csv(&store, kind, bytes, &options).await.unwrap();
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let analytics = Arc::new(Analytics::open(Arc::new(store)).await.unwrap());
    let time_zone = jiff::tz::TimeZone::fixed(jiff::tz::offset(7));
    let alerting = vantage_alerts::Alerting::start(
        analytics.clone(),
        vantage_alerts::Settings {
            time_zone: time_zone.clone(),
            days_off: vantage_model::calendar::USUAL_DAYS_OFF.to_vec(),
            outbound: vantage_alerts::Outbound::default(),
            http: vantage_outbound::HttpClient::new(
                None,
                vantage_outbound::DEFAULT_TIMEOUT,
                vantage_outbound::DEFAULT_MAX_ANSWER,
            )
            .unwrap(),
        },
    )
    .await
    .unwrap();
    let state = AppState::new(alerting, time_zone)
        .with_site(Site {
            basemap_style: Some(BASEMAP.into()),
        })
        .with_web_files(WebFiles::Folder(web_build()));
    tokio::spawn(vantage_server::serve(listener, configure(state)));
    (address, analytics)
}

const BASEMAP: &str = "https://tiles.example.org/styles/liberty.json";
const WEB_PAGE: &str =
    "<!doctype html><title>app</title><script type=module src=/assets/app-1a2b.js></script>";

/// A folder laid out like the web app's build.
fn web_build() -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!(
        "vantage-web-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(folder.join("assets")).unwrap();
    std::fs::write(folder.join("index.html"), WEB_PAGE).unwrap();
    std::fs::write(folder.join("assets/app-1a2b.js"), "console.log(1)").unwrap();
    std::fs::write(folder.join("sw.js"), "self.skipWaiting()").unwrap();
    folder
}

fn codes(body: &Value) -> Vec<String> {
    codes_of(body, "code")
}

#[tokio::test]
async fn the_api_answers_over_http() {
    for database in TestDatabase::all().await {
        let (server, analytics) = start(&database).await;
        check_system(server, database.backend_name).await;
        check_units(server).await;
        check_indicators(server).await;
        check_analytics(server, &analytics).await;
        check_sessions_and_roles(server, &analytics).await;
        check_openapi(server).await;
        database.drop_database().await;
    }
}

async fn check_system(server: std::net::SocketAddr, backend: &str) {
    let health = get(server, "/api/v1/health").await;
    assert_eq!(
        (health.status, health.body.clone()),
        (200, serde_json::json!({"status": "ok"}))
    );
    let ready = get(server, "/api/v1/ready").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["storage"], backend);
    // Reference data only: the engine is loaded and holds no values yet.
    assert_eq!(ready.body["values_loaded"], 0);
    let site = get(server, "/api/v1/site").await;
    assert_eq!(site.body["basemap_style"], BASEMAP);
    assert_eq!(
        site.body["time_zone"],
        Value::Null,
        "a fixed offset has no IANA name"
    );
    let page = get(server, "/").await;
    assert_eq!(page.status, 200);
    check_security_headers(server, &page).await;
    check_web_app(server).await;
}

/// The app's page at `/` and at each of its own routes, its hashed files cached for good, and nothing else.
async fn check_web_app(server: std::net::SocketAddr) {
    for route in [
        "/",
        "/index.html",
        "/i/ECO.GRDP_CURRENT",
        "/u/22918",
        "/wall",
    ] {
        let page = get(server, route).await;
        assert_eq!(
            (page.status, page.body.as_str()),
            (200, Some(WEB_PAGE)),
            "{route}"
        );
        assert!(page.content_type.starts_with("text/html"), "{route}");
        assert_eq!(page.header("cache-control"), Some("no-cache"), "{route}");
    }
    let script = get(server, "/assets/app-1a2b.js").await;
    assert_eq!(script.status, 200);
    assert!(script.content_type.starts_with("text/javascript"));
    assert_eq!(
        script.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let worker = get(server, "/sw.js").await;
    assert_eq!(
        (worker.status, worker.header("cache-control")),
        (200, Some("no-cache"))
    );
    for missing in [
        "/assets/gone-9z.js",
        "/favicon.ico",
        "/assets/../../Cargo.toml",
        "/../../README.txt",
    ] {
        assert_eq!(get(server, missing).await.status, 404, "{missing}");
    }
    let encoded = get(server, "/%2e%2e/%2e%2e/Cargo.toml").await;
    assert_eq!(
        encoded.body.as_str(),
        Some(WEB_PAGE),
        "never a file outside the build"
    );
    let unknown_api = get(server, "/api/v1/no-such-thing").await;
    assert_eq!(unknown_api.status, 404);
    assert_eq!(unknown_api.content_type, "application/problem+json");
}

/// A strict policy (no inline or evaluated script; the basemap's origin for tiles), the usual headers, no
/// caching of API answers, and a body size limit.
async fn check_security_headers(server: std::net::SocketAddr, page: &Response) {
    let policy = page.header("content-security-policy").expect("a CSP");
    assert!(policy.starts_with("default-src 'none'") && policy.contains("frame-ancestors 'none'"));
    let script_source = policy
        .split(';')
        .find(|directive| directive.trim().starts_with("script-src"))
        .unwrap();
    assert_eq!(script_source.trim(), "script-src 'self'");
    assert!(
        policy.contains("connect-src 'self' https://tiles.example.org;"),
        "{policy}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    let api = get(server, "/api/v1/health").await;
    assert_eq!(api.header("cache-control"), Some("no-store"));
    assert_eq!(api.header("referrer-policy"), Some("no-referrer"));
    let huge = json!({"username": "x".repeat(5 * 1024 * 1024), "password": "y"});
    let refused = request(server, "POST", "/api/v1/session", None, Some(&huge)).await;
    assert_eq!(refused.status, 413);
}

fn value(indicator: &str, unit: &str, period: &str, value: f64) -> Observation {
    Observation {
        key: ObservationKey {
            indicator: indicator.into(),
            unit: unit.into(),
            period: Period::parse(period).unwrap(),
        },
        value,
        status: ObservationStatus::Submitted,
        source: "test".into(),
        author: "test".into(),
        recorded_at: jiff::Timestamp::now(),
        comment: None,
    }
}

/// Reads from the engine, after writes through the live path: figures, defaults, series, breakdowns,
/// rankings, scorecards, and indicators hidden from anonymous callers.
async fn check_analytics(server: std::net::SocketAddr, analytics: &Analytics) {
    let revenue = "BUD.REVENUE_TOTAL";
    analytics
        .write_observations(&[
            value(revenue, "22918", "202607", 30.0),
            value(revenue, "22924", "202607", 10.0),
            value(revenue, "22918", "202608", 60.0),
            value(revenue, "22924", "202608", 40.0),
            value(revenue, "22918", "202508", 50.0),
            // Not public: anonymous callers must not see it.
            value("SEC.CRIME_CASES", "22918", "202608", 3.0),
        ])
        .await
        .unwrap();
    analytics
        .write_targets(&[Target {
            key: ObservationKey {
                indicator: revenue.into(),
                unit: "68".into(),
                period: Period::Year(2026),
            },
            bound: TargetBound::AtLeast { value: 1000.0 },
            source_document: "NQ/HĐND".into(),
        }])
        .await
        .unwrap();

    // Defaults: the province and the latest period with data.
    let tile = get(server, &format!("/api/v1/values?indicator={revenue}")).await;
    assert_eq!(tile.status, 200, "{}", tile.body);
    assert_eq!(tile.body["unit"]["code"], "68");
    assert_eq!(tile.body["period"], "202608");
    assert_eq!(tile.body["value"], 100.0);
    assert_eq!(tile.body["year_to_date"], 140.0);
    assert_eq!(tile.body["last_year"], 50.0);
    assert_eq!(tile.body["change_percent"], 100.0);
    assert_eq!(tile.body["target_percent"], 14.0);
    assert_eq!(tile.body["status"], "at_risk");
    assert_eq!(tile.body["explanation"]["rule"], "forecast");
    assert_eq!(tile.body["explanation"]["target"]["kind"], "at_least");
    // 140 so far against 50 by August last year, which ended the year at 50: a seasonal forecast of 140.
    assert_eq!(tile.body["explanation"]["forecast"]["method"], "seasonal");
    assert_eq!(tile.body["explanation"]["forecast"]["value"], 140.0);
    let quarter = get(
        server,
        &format!("/api/v1/values?indicator={revenue}&unit=22918&period=2026Q3"),
    )
    .await;
    assert_eq!(
        (
            quarter.body["value"].clone(),
            quarter.body["status"].clone()
        ),
        (json!(90.0), Value::Null)
    );

    let series = get(
        server,
        &format!("/api/v1/series?indicator={revenue}&type=month&from=202606&to=202609"),
    )
    .await;
    assert_eq!(series.status, 200, "{}", series.body);
    let values: Vec<Value> = series.body["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].clone())
        .collect();
    assert_eq!(
        values,
        [Value::Null, json!(40.0), json!(100.0), Value::Null]
    );
    let default_series = get(
        server,
        &format!("/api/v1/series?indicator={revenue}&type=quarter"),
    )
    .await;
    let points = default_series.body["points"].as_array().unwrap();
    assert_eq!(
        (points.len(), points[11]["period"].clone()),
        (12, json!("2026Q3"))
    );

    let breakdown = get(
        server,
        &format!("/api/v1/breakdown?indicator={revenue}&period=202608"),
    )
    .await;
    let items = breakdown.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 124, "every commune of today's province");
    let found = |code: &str| {
        items
            .iter()
            .find(|item| item["unit"]["code"] == code)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(
        (found("22918"), found("22924"), found("22933")),
        (json!(60.0), json!(40.0), Value::Null)
    );

    let best = get(
        server,
        &format!("/api/v1/rankings?indicator={revenue}&order=best&limit=1"),
    )
    .await;
    assert_eq!(best.body["items"][0]["unit"]["code"], "22918");
    let worst = get(server, &format!("/api/v1/rankings?indicator={revenue}")).await;
    assert_eq!(
        worst.body["items"].as_array().unwrap().len(),
        2,
        "only children with a value are ranked"
    );
    assert_eq!(worst.body["items"][0]["unit"]["code"], "22924");

    let scorecard = get(server, "/api/v1/scorecard?domain=BUD").await;
    assert_eq!(scorecard.status, 200, "{}", scorecard.body);
    assert_eq!(scorecard.body["period"], "202608");
    let items = scorecard.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|item| item["indicator"] == revenue && item["value"] == 100.0)
    );

    // A retired unit without a period: its last record, at its latest period with data.
    analytics
        .write_observations(&[value(revenue, "22915", "202505", 7.0)])
        .await
        .unwrap();
    let retired = get(
        server,
        &format!("/api/v1/values?indicator={revenue}&unit=22915"),
    )
    .await;
    assert_eq!(
        (
            retired.status,
            retired.body["period"].clone(),
            retired.body["value"].clone()
        ),
        (200, json!("202505"), json!(7.0)),
        "{}",
        retired.body
    );
    let series = get(
        server,
        &format!("/api/v1/series?indicator={revenue}&unit=22915&type=month"),
    )
    .await;
    assert_eq!(
        series.body["points"].as_array().unwrap().last().unwrap()["value"],
        7.0
    );

    // Nothing reported yet: empty answers, not errors.
    let quiet = get(server, "/api/v1/scorecard?domain=EDU&unit=22918").await;
    assert_eq!(
        (
            quiet.status,
            quiet.body["period"].clone(),
            quiet.body["items"].clone()
        ),
        (200, Value::Null, json!([]))
    );
    let flat = get(server, "/api/v1/series?indicator=EDU.SCHOOLS&unit=22918").await;
    assert_eq!(
        (flat.status, flat.body["points"].clone()),
        (200, json!([])),
        "{}",
        flat.body
    );

    // Hidden from anonymous callers, as if it did not exist.
    let hidden = get(server, "/api/v1/values?indicator=SEC.CRIME_CASES").await;
    assert_eq!(hidden.status, 404);
    assert_eq!(hidden.content_type, "application/problem+json");
    let security = get(server, "/api/v1/scorecard?domain=SEC&period=202608").await;
    let shown: Vec<&str> = security.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["indicator"].as_str().unwrap())
        .collect();
    assert!(
        !shown.is_empty() && !shown.contains(&"SEC.CRIME_CASES"),
        "{shown:?}"
    );

    // Bad parameters name themselves.
    for (query, parameter) in [
        (
            format!("/api/v1/values?indicator={revenue}&period=2026W05"),
            "period",
        ),
        (
            format!("/api/v1/values?indicator={revenue}&period=20xx"),
            "period",
        ),
        (
            format!("/api/v1/rankings?indicator={revenue}&order=middle"),
            "order",
        ),
        (
            format!("/api/v1/series?indicator={revenue}&type=month&from=202609&to=202601"),
            "from",
        ),
        (
            format!("/api/v1/series?indicator={revenue}&type=month&from=190001&to=202601"),
            "from",
        ),
    ] {
        let answer = get(server, &query).await;
        assert_eq!(answer.status, 400, "{query}");
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap()
                .starts_with(parameter),
            "{}",
            answer.body
        );
    }
    assert_eq!(
        get(
            server,
            &format!("/api/v1/values?indicator={revenue}&unit=99999")
        )
        .await
        .status,
        404
    );
}

async fn sign_in(
    server: std::net::SocketAddr,
    username: &str,
    password: &str,
    cookie: Option<&str>,
) -> Response {
    let body = json!({"username": username, "password": password});
    request(server, "POST", "/api/v1/session", cookie, Some(&body)).await
}

/// The `name=value` part of a Set-Cookie header.
fn session_cookie(response: &Response) -> String {
    let header = response.set_cookie.as_deref().expect("a session cookie");
    header.split(';').next().unwrap().to_owned()
}

/// Sign-in, sign-out, rotation, and what each role may read, in and out of its grant. Runs after
/// `check_analytics`, whose values it reads.
async fn check_sessions_and_roles(server: std::net::SocketAddr, analytics: &Analytics) {
    let store = analytics.store();
    let user = |username: &str, role: Role, unit: Option<&str>, domain: Option<&str>| User {
        username: username.into(),
        role,
        agency: "TK".into(),
        unit: unit.map(Into::into),
        domains: domain.into_iter().map(Into::into).collect(),
    };
    let hash = vantage_server::auth::hash_password("mật khẩu dài").unwrap();
    let now = jiff::Timestamp::now();
    for account in [
        user("admin1", Role::Admin, None, None),
        user("viewer1", Role::Viewer, Some("22918"), None),
        user("owner1", Role::DataOwner, None, Some("SEC")),
        user("locked1", Role::Viewer, None, None),
    ] {
        store.add_user(&account, &hash, now).await.unwrap();
    }

    // Wrong password and unknown user get the same answer, and no cookie.
    let wrong = sign_in(server, "admin1", "sai mật khẩu", None).await;
    let unknown = sign_in(server, "nobody", "mật khẩu dài", None).await;
    assert_eq!((wrong.status, unknown.status), (401, 401));
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    assert!(wrong.set_cookie.is_none());
    let malformed = request(
        server,
        "POST",
        "/api/v1/session",
        None,
        Some(&json!({"user": 1})),
    )
    .await;
    assert_eq!(
        (malformed.status, malformed.content_type.as_str()),
        (400, "application/problem+json")
    );

    // Five failures lock the account, even against the right password, for a while.
    for _ in 0..5 {
        assert_eq!(
            sign_in(server, "locked1", "đoán mò", None).await.status,
            401
        );
    }
    let locked = sign_in(server, "locked1", "mật khẩu dài", None).await;
    assert_eq!(
        (locked.status, locked.body["type"].clone()),
        (429, json!("urn:vantage:problem:too-many-attempts"))
    );
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((800..=901).contains(&retry), "{retry}");

    let admin = sign_in(server, "admin1", "mật khẩu dài", None).await;
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert_eq!(admin.body["role"], "admin");
    let header = admin.set_cookie.clone().unwrap();
    assert!(
        header.contains("HttpOnly") && header.contains("SameSite=Strict"),
        "{header}"
    );
    let admin_cookie = session_cookie(&admin);
    let me = request(server, "GET", "/api/v1/me", Some(&admin_cookie), None).await;
    assert_eq!(
        (me.status, me.body["username"].clone()),
        (200, json!("admin1"))
    );
    assert_eq!(get(server, "/api/v1/me").await.status, 401);

    let read = |cookie: String, path: String| async move {
        request(server, "GET", &path, Some(&cookie), None).await
    };
    let crime = "/api/v1/values?indicator=SEC.CRIME_CASES&period=202608";
    // Admin reads an internal indicator anonymous callers cannot see.
    let seen = read(admin_cookie.clone(), crime.to_owned()).await;
    assert_eq!((seen.status, seen.body["value"].clone()), (200, json!(3.0)));

    // A viewer of one commune reads it and nothing else.
    let viewer = session_cookie(&sign_in(server, "viewer1", "mật khẩu dài", None).await);
    let revenue = "/api/v1/values?indicator=BUD.REVENUE_TOTAL&period=202608";
    assert_eq!(
        read(viewer.clone(), revenue.to_owned()).await.status,
        404,
        "the province is outside the grant"
    );
    let own = read(viewer.clone(), format!("{revenue}&unit=22918")).await;
    assert_eq!((own.status, own.body["value"].clone()), (200, json!(60.0)));
    assert_eq!(
        read(viewer.clone(), format!("{crime}&unit=22918"))
            .await
            .status,
        200
    );
    assert_eq!(
        read(viewer.clone(), format!("{revenue}&unit=22924"))
            .await
            .status,
        404
    );
    let breakdown = read(
        viewer.clone(),
        "/api/v1/breakdown?indicator=BUD.REVENUE_TOTAL&unit=68&period=202608".to_owned(),
    )
    .await;
    let units: Vec<Value> = breakdown.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["unit"]["code"].clone())
        .collect();
    assert_eq!(
        units,
        [json!("22918")],
        "a breakdown shows only the units in the grant"
    );

    // A data owner of SEC reads its own internal indicators and the public ones, not other internal ones.
    let owner = session_cookie(&sign_in(server, "owner1", "mật khẩu dài", None).await);
    assert_eq!(read(owner.clone(), crime.to_owned()).await.status, 200);
    assert_eq!(read(owner.clone(), revenue.to_owned()).await.status, 200);
    assert_eq!(
        read(
            owner.clone(),
            "/api/v1/values?indicator=DOC.REPORTS_DUE&period=202608".to_owned()
        )
        .await
        .status,
        404
    );

    check_writes(server, &viewer, &owner, &admin_cookie).await;
    check_status_changes(server, analytics, &owner, &admin_cookie).await;
    check_stream(server, analytics, &viewer, &admin_cookie).await;
    check_tokens(server, &viewer, &admin_cookie).await;
    check_users(server, &viewer, &admin_cookie).await;
    check_role_matrix(server, analytics).await;
    check_dhis2(server, &owner, &admin_cookie).await;
    check_dashboards(server, &owner, &admin_cookie).await;
    check_history(server, analytics, &viewer, &admin_cookie).await;
    check_tasks(server, analytics, &viewer).await;
    check_entry(server, analytics, &owner, &admin_cookie).await;
    check_uploads(server, &owner, &viewer).await;
    check_audit(server, &viewer, &admin_cookie).await;
    check_alerts(server, analytics, &viewer, &owner, &admin_cookie).await;
    check_connectors(server, &viewer, &owner, &admin_cookie).await;
    check_reporting_rates(server, analytics, &viewer, &admin_cookie).await;

    // Signing in again replaces the session the request carried; signing out ends it.
    let again = sign_in(server, "admin1", "mật khẩu dài", Some(&admin_cookie)).await;
    let rotated = session_cookie(&again);
    assert_ne!(rotated, admin_cookie);
    assert_eq!(
        request(server, "GET", "/api/v1/me", Some(&admin_cookie), None)
            .await
            .status,
        401
    );
    assert_eq!(
        request(server, "GET", "/api/v1/me", Some(&rotated), None)
            .await
            .status,
        200
    );
    let out = request(server, "DELETE", "/api/v1/session", Some(&rotated), None).await;
    assert_eq!(out.status, 204);
    assert!(out.set_cookie.unwrap().contains("Max-Age=0"));
    assert_eq!(
        request(server, "GET", "/api/v1/me", Some(&rotated), None)
            .await
            .status,
        401
    );
    assert_eq!(
        read(rotated, crime.to_owned()).await.status,
        404,
        "signed out: anonymous again"
    );
}

/// Writes over the API: who may, item-by-item refusal, accepting the valid items, idempotency keys, and
/// writes from another site; each accepted write is visible in the next read.
async fn check_writes(server: std::net::SocketAddr, viewer: &str, owner: &str, admin: &str) {
    let post =
        |cookie: Option<&str>, path: &str, items: Value, headers: Vec<(&'static str, String)>| {
            let (cookie, path) = (cookie.map(str::to_owned), path.to_owned());
            async move {
                let headers: Vec<(&str, &str)> =
                    headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                request_with(
                    server,
                    "POST",
                    &path,
                    cookie.as_deref(),
                    Some(&items),
                    &headers,
                )
                .await
            }
        };
    let crime = |unit: &str, period: &str, value: f64| json!({"indicator": "SEC.CRIME_CASES", "unit": unit, "period": period, "value": value});
    let one = json!([crime("22918", "202609", 4.0)]);
    assert_eq!(
        post(None, "/api/v1/observations", one.clone(), vec![])
            .await
            .status,
        401
    );
    assert_eq!(
        post(Some(viewer), "/api/v1/observations", one.clone(), vec![])
            .await
            .status,
        403
    );

    let written = post(Some(owner), "/api/v1/observations", one.clone(), vec![]).await;
    assert_eq!(written.status, 200, "{}", written.body);
    assert_eq!(
        (
            written.body["created"].clone(),
            written.body["unchanged"].clone()
        ),
        (json!(1), json!(0))
    );
    let read = request(
        server,
        "GET",
        "/api/v1/values?indicator=SEC.CRIME_CASES&unit=22918&period=202609",
        Some(owner),
        None,
    )
    .await;
    assert_eq!(
        read.body["value"], 4.0,
        "the write is in the engine at once"
    );

    // A bad item refuses the batch, with every bad item and nothing written.
    let mixed = json!([
        crime("22918", "202610", 5.0),
        crime("22918", "2026W40", 5.0),
        crime("99999", "202610", 5.0),
        "not an item",
        {"indicator": "BUD.REVENUE_TOTAL", "unit": "22918", "period": "202610", "value": 1.0},
        {"indicator": "SEC.CRIME_CASES", "unit": "22918", "period": "202610", "value": "many", "colour": "red"},
    ]);
    let refused = post(Some(owner), "/api/v1/observations", mixed.clone(), vec![]).await;
    assert_eq!(
        (refused.status, refused.content_type.as_str()),
        (422, "application/problem+json"),
        "{}",
        refused.body
    );
    let faults: Vec<(u64, String)> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        faults,
        [
            (1, "period".to_owned()),
            (2, "unit".to_owned()),
            (3, String::new()),
            (4, "indicator".to_owned()),
            (5, "colour".to_owned()),
            (5, "value".to_owned())
        ],
        "{}",
        refused.body
    );
    let october = "/api/v1/values?indicator=SEC.CRIME_CASES&unit=22918&period=202610";
    assert_eq!(
        request(server, "GET", october, Some(owner), None)
            .await
            .body["value"],
        Value::Null
    );

    // Accepting the valid items writes the one good item and lists the rest.
    let key = vec![("Idempotency-Key", "batch-7".to_owned())];
    let accepted = post(
        Some(owner),
        "/api/v1/observations?accept_valid=true",
        mixed.clone(),
        key.clone(),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["created"], 1);
    assert_eq!(accepted.body["rejected"].as_array().unwrap().len(), 6);
    assert_eq!(
        request(server, "GET", october, Some(owner), None)
            .await
            .body["value"],
        5.0
    );
    // The same request again gets the same answer; the key on another request is a conflict.
    let again = post(
        Some(owner),
        "/api/v1/observations?accept_valid=true",
        mixed.clone(),
        key.clone(),
    )
    .await;
    assert_eq!(
        (again.status, again.body.clone()),
        (200, accepted.body.clone())
    );
    let other = post(
        Some(owner),
        "/api/v1/observations?accept_valid=true",
        one.clone(),
        key,
    )
    .await;
    assert_eq!(other.status, 409);

    // Admins write anywhere; a write from another site is refused.
    let revenue = json!([{"indicator": "BUD.REVENUE_TOTAL", "unit": "22918", "period": "202609", "value": 7.0}]);
    assert_eq!(
        post(Some(admin), "/api/v1/observations", revenue.clone(), vec![])
            .await
            .status,
        200
    );
    let forged = post(
        Some(admin),
        "/api/v1/observations",
        revenue,
        vec![("Origin", "http://evil.example".to_owned())],
    )
    .await;
    assert_eq!(forged.status, 403);
}

/// API tokens: issued by admins, acting with their user's grant, read-only unless issued to write, listed
/// without secrets, refused once revoked.
async fn check_tokens(server: std::net::SocketAddr, viewer: &str, admin: &str) {
    let issue = |scope: &str| json!({"username": "owner1", "name": "trạm quan trắc", "scope": scope, "days": 30});
    assert_eq!(
        request(
            server,
            "POST",
            "/api/v1/tokens",
            Some(viewer),
            Some(&issue("write"))
        )
        .await
        .status,
        403
    );
    let issued = request(
        server,
        "POST",
        "/api/v1/tokens",
        Some(admin),
        Some(&issue("write")),
    )
    .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let token = issued.body["token"].as_str().unwrap().to_owned();
    let id = issued.body["id"].as_str().unwrap().to_owned();
    let reader = request(
        server,
        "POST",
        "/api/v1/tokens",
        Some(admin),
        Some(&issue("read")),
    )
    .await;
    let read_only = reader.body["token"].as_str().unwrap().to_owned();
    let bad_scope = request(
        server,
        "POST",
        "/api/v1/tokens",
        Some(admin),
        Some(&issue("everything")),
    )
    .await;
    assert_eq!(bad_scope.status, 400);

    let with = |token: &str, method: &'static str, path: &'static str, body: Option<Value>| {
        let authorization = format!("Bearer {token}");
        async move {
            request_with(
                server,
                method,
                path,
                None,
                body.as_ref(),
                &[("Authorization", authorization.as_str())],
            )
            .await
        }
    };
    let me = with(&token, "GET", "/api/v1/me", None).await;
    assert_eq!(me.body["username"], "owner1");
    let items = json!([{"indicator": "SEC.CRIME_CASES", "unit": "22918", "period": "202612", "value": 2.0}]);
    // A token is no cookie: a write with it needs no same-site proof.
    let written = with(&token, "POST", "/api/v1/observations", Some(items.clone())).await;
    assert_eq!(written.status, 200, "{}", written.body);
    assert_eq!(
        with(
            &read_only,
            "POST",
            "/api/v1/observations",
            Some(items.clone())
        )
        .await
        .status,
        403
    );
    assert_eq!(
        with(&read_only, "GET", "/api/v1/me", None).await.status,
        200
    );
    assert_eq!(
        with("vt_00000000_nonsense", "GET", "/api/v1/me", None)
            .await
            .status,
        401
    );

    let listed = request(server, "GET", "/api/v1/tokens", Some(admin), None).await;
    let tokens = listed.body.as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(
        tokens.iter().all(|t| t.get("token").is_none()),
        "no secrets in the list"
    );
    let path = format!("/api/v1/tokens/{id}");
    assert_eq!(
        request(server, "DELETE", &path, Some(admin), None)
            .await
            .status,
        204
    );
    assert_eq!(with(&token, "GET", "/api/v1/me", None).await.status, 401);
    assert_eq!(
        request(server, "DELETE", &path, Some(admin), None)
            .await
            .status,
        404
    );
}

/// Users and grants, by admins only; a grant change applies to open sessions at once; a removed user's
/// session ends.
async fn check_users(server: std::net::SocketAddr, viewer: &str, admin: &str) {
    assert_eq!(
        request(server, "GET", "/api/v1/users", Some(viewer), None)
            .await
            .status,
        403
    );
    let hanh = |unit: &str| json!({"username": "hanh", "password": "mật khẩu dài", "role": "viewer", "agency": "TK", "unit": unit});
    let created = request(
        server,
        "POST",
        "/api/v1/users",
        Some(admin),
        Some(&hanh("22924")),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        request(
            server,
            "POST",
            "/api/v1/users",
            Some(admin),
            Some(&hanh("22924"))
        )
        .await
        .status,
        409
    );
    let mut bad = hanh("22924");
    bad["username"] = json!("khac");
    bad["domains"] = json!(["BUD", "NOPE"]);
    let refused = request(server, "POST", "/api/v1/users", Some(admin), Some(&bad)).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("domain")
    );
    bad["domains"] = Value::Null;
    bad["password"] = json!("ngắn");
    let short = request(server, "POST", "/api/v1/users", Some(admin), Some(&bad)).await;
    assert!(
        short.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("password"),
        "{}",
        short.body
    );

    let session = session_cookie(&sign_in(server, "hanh", "mật khẩu dài", None).await);
    let revenue =
        |unit: &str| format!("/api/v1/values?indicator=SEC.CRIME_CASES&unit={unit}&period=202609");
    assert_eq!(
        request(server, "GET", &revenue("22918"), Some(&session), None)
            .await
            .status,
        404
    );
    let grant =
        json!({"role": "viewer", "agency": "TK", "unit": "22918", "domains": ["SEC", "BUD"]});
    let changed = request(
        server,
        "PUT",
        "/api/v1/users/hanh/grant",
        Some(admin),
        Some(&grant),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        request(server, "GET", &revenue("22918"), Some(&session), None)
            .await
            .status,
        200,
        "at once"
    );
    // A grant of several domains: both read, others not.
    let reports = "/api/v1/values?indicator=DOC.REPORTS_DUE&unit=22918&period=202608";
    assert_eq!(
        request(server, "GET", reports, Some(&session), None)
            .await
            .status,
        404
    );
    let listed = request(server, "GET", "/api/v1/users", Some(admin), None).await;
    let hanh = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "hanh")
        .unwrap()
        .clone();
    assert_eq!(hanh["domains"], json!(["SEC", "BUD"]));
    assert!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "hanh" && u["unit"] == "22918")
    );
    assert_eq!(
        request(server, "DELETE", "/api/v1/users/hanh", Some(admin), None)
            .await
            .status,
        204
    );
    assert_eq!(
        request(server, "GET", "/api/v1/me", Some(&session), None)
            .await
            .status,
        401
    );
    assert_eq!(
        request(server, "DELETE", "/api/v1/users/admin1", Some(admin), None)
            .await
            .status,
        400
    );
}

/// Every role against every kind of endpoint, in and out of its grant: the status each gets.
async fn check_role_matrix(server: std::net::SocketAddr, analytics: &Analytics) {
    let roles = [
        ("m_admin", Role::Admin, None, None),
        ("m_leader", Role::Leader, None, None),
        ("m_operator", Role::Operator, None, None),
        ("m_owner", Role::DataOwner, None, Some("BUD")),
        ("m_viewer", Role::Viewer, Some("22918"), None),
    ];
    let hash = vantage_server::auth::hash_password("mật khẩu dài").unwrap();
    let mut cookies = vec![None];
    for (name, role, unit, domain) in roles {
        let user = User {
            username: name.into(),
            role,
            agency: "TK".into(),
            unit: unit.map(Into::into),
            domains: domain.into_iter().map(Into::into).collect(),
        };
        analytics
            .store()
            .add_user(&user, &hash, jiff::Timestamp::now())
            .await
            .unwrap();
        cookies.push(Some(session_cookie(
            &sign_in(server, name, "mật khẩu dài", None).await,
        )));
    }
    let value = |indicator: &str, unit: &str, period: &str| {
        format!("/api/v1/values?indicator={indicator}&unit={unit}&period={period}")
    };
    let write = |indicator: &str| json!([{"indicator": indicator, "unit": "22918", "period": "202610", "value": 1.5}]);
    let unreasoned = json!({"action": "return", "items": [{"indicator": "BUD.REVENUE_TOTAL", "unit": "22918", "period": "202610"}]});
    // Columns: anonymous, admin, leader, operator, data owner of BUD, viewer of commune 22918.
    let matrix: Vec<(&str, String, Option<Value>, [u16; 6])> = vec![
        (
            "GET",
            value("BUD.REVENUE_TOTAL", "22918", "202608"),
            None,
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            value("BUD.REVENUE_TOTAL", "22924", "202608"),
            None,
            [200, 200, 200, 200, 200, 404],
        ),
        (
            "GET",
            value("SEC.CRIME_CASES", "22918", "202609"),
            None,
            [404, 200, 200, 200, 404, 200],
        ),
        (
            "GET",
            value("SEC.CRIME_CASES", "22924", "202609"),
            None,
            [404, 200, 200, 200, 404, 404],
        ),
        (
            "GET",
            "/api/v1/series?indicator=SEC.CRIME_CASES&unit=22918&to=202609".into(),
            None,
            [404, 200, 200, 200, 404, 200],
        ),
        (
            "GET",
            "/api/v1/breakdown?indicator=BUD.REVENUE_TOTAL&unit=68&period=202608".into(),
            None,
            [200; 6],
        ),
        (
            "GET",
            "/api/v1/rankings?indicator=SEC.CRIME_CASES&unit=68&period=202609".into(),
            None,
            [404, 200, 200, 200, 404, 200],
        ),
        (
            "GET",
            "/api/v1/scorecard?domain=BUD&period=202608".into(),
            None,
            [200; 6],
        ),
        (
            "POST",
            "/api/v1/observations".into(),
            Some(write("BUD.REVENUE_TOTAL")),
            [401, 200, 403, 403, 200, 403],
        ),
        (
            "POST",
            "/api/v1/observations".into(),
            Some(write("SEC.CRIME_CASES")),
            [401, 200, 403, 403, 422, 403],
        ),
        (
            "POST",
            "/api/v1/observations/status".into(),
            Some(unreasoned),
            [401, 400, 400, 403, 403, 403],
        ),
        (
            "POST",
            "/api/v1/targets".into(),
            Some(json!([])),
            [401, 200, 200, 403, 403, 403],
        ),
        (
            "GET",
            "/api/v1/tokens".into(),
            None,
            [401, 200, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/api/v1/users".into(),
            None,
            [401, 200, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/api/v1/audit".into(),
            None,
            [401, 200, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/api/v1/me".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        ("GET", "/api/v1/dashboards/BUD".into(), None, [200; 6]),
        (
            "PUT",
            "/api/v1/dashboards/BUD".into(),
            Some(json!({"tiles": []})),
            [401, 200, 200, 200, 403, 403],
        ),
        (
            "GET",
            "/api/v1/observations/history?indicator=SEC.CRIME_CASES&unit=22918&period=202609"
                .into(),
            None,
            [404, 200, 200, 200, 404, 200],
        ),
    ];
    let names = [
        "anonymous",
        "admin",
        "leader",
        "operator",
        "data owner",
        "viewer",
    ];
    for (method, path, body, expected) in &matrix {
        for ((cookie, want), who) in cookies.iter().zip(expected).zip(names) {
            let got = request(server, method, path, cookie.as_deref(), body.as_ref()).await;
            assert_eq!(got.status, *want, "{who}: {method} {path}: {}", got.body);
        }
    }
    // A breakdown shows each caller the children it may read.
    let breakdown = "/api/v1/breakdown?indicator=SEC.CRIME_CASES&unit=68&period=202609";
    let counts: Vec<usize> = list_sizes(server, &cookies, breakdown).await;
    assert_eq!(counts[1], 124);
    assert_eq!(counts[5], 1, "the viewer sees its commune only");
}

/// Dashboards: generated from the catalogue until arranged, saved as arranged, checked tile by tile, and
/// seen by each caller through its grant.
async fn check_dashboards(server: std::net::SocketAddr, owner: &str, admin: &str) {
    let tiles = |body: &Value| -> Vec<String> {
        body["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tile| tile["indicator"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = request(server, "GET", "/api/v1/dashboards", Some(admin), None).await;
    let ids = codes_of(&list.body, "id");
    assert_eq!(ids[0], "overview");
    assert!(
        ids.len() >= 21 && ids.contains(&"BUD".to_owned()),
        "{ids:?}"
    );
    let security_count = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["id"] == "SEC")
            .map(|item| item["indicators"].as_u64().unwrap())
    };
    let anonymous = get(server, "/api/v1/dashboards").await;
    let owners = request(server, "GET", "/api/v1/dashboards", Some(owner), None).await;
    let all = security_count(&list.body).unwrap();
    assert_eq!(security_count(&owners.body), Some(all), "the owner of SEC");
    assert!(
        security_count(&anonymous.body).unwrap() < all,
        "public ones only"
    );

    let security = request(server, "GET", "/api/v1/dashboards/SEC", Some(admin), None).await;
    assert_eq!(
        (security.status, security.body["saved"].clone()),
        (200, json!(false))
    );
    let default = tiles(&security.body);
    assert!(default.len() > 3 && default.iter().all(|code| code.starts_with("SEC.")));
    assert_eq!(security.body["tiles"][0]["hidden"], false);
    let overview = request(
        server,
        "GET",
        "/api/v1/dashboards/overview",
        Some(admin),
        None,
    )
    .await;
    let domains: std::collections::BTreeSet<&str> = overview.body["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tile| {
            tile["indicator"]
                .as_str()
                .unwrap()
                .split('.')
                .next()
                .unwrap()
        })
        .collect();
    assert!(
        domains.len() >= 20,
        "every domain on the overview: {domains:?}"
    );
    let public_security = get(server, "/api/v1/dashboards/SEC").await;
    assert!(
        tiles(&public_security.body).len() < default.len(),
        "public tiles only"
    );
    assert_eq!(get(server, "/api/v1/dashboards/NOPE").await.status, 404);

    // Reversed, the first hidden, the second pinned as a number; the rest come back in catalogue order.
    let mut arranged: Vec<Value> = default[..3]
        .iter()
        .rev()
        .map(|code| json!({"indicator": code, "chart": "line"}))
        .collect();
    arranged[0]["hidden"] = json!(true);
    arranged[1]["pinned"] = json!(true);
    arranged[1]["chart"] = json!("number");
    let body = json!({"tiles": arranged});
    let saved = request(
        server,
        "PUT",
        "/api/v1/dashboards/SEC",
        Some(admin),
        Some(&body),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let again = request(server, "GET", "/api/v1/dashboards/SEC", Some(admin), None).await;
    assert_eq!(again.body, saved.body);
    assert_eq!(
        (
            again.body["saved"].clone(),
            again.body["updated_by"].clone()
        ),
        (json!(true), json!("admin1"))
    );
    let order = tiles(&again.body);
    assert_eq!(
        order[..3],
        [default[2].clone(), default[1].clone(), default[0].clone()]
    );
    assert_eq!(
        order.len(),
        default.len(),
        "indicators left out are appended"
    );
    assert_eq!(again.body["tiles"][0]["hidden"], true);
    assert_eq!(again.body["tiles"][1]["chart"], "number");

    // Every fault of every tile: the unknown chart and the repeated indicator of one tile both.
    let bad = json!({"tiles": [
        {"indicator": default[0], "chart": "line"},
        {"indicator": "BUD.REVENUE_TOTAL", "chart": "line"},
        {"indicator": default[0], "chart": "pie"}
    ]});
    let refused = request(
        server,
        "PUT",
        "/api/v1/dashboards/SEC",
        Some(admin),
        Some(&bad),
    )
    .await;
    assert_eq!(refused.status, 422);
    let faults: Vec<(Value, Value)> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| (error["index"].clone(), error["field"].clone()))
        .collect();
    assert_eq!(
        faults,
        [
            (json!(1), json!("indicator")),
            (json!(2), json!("chart")),
            (json!(2), json!("indicator"))
        ]
    );
    let unchanged = request(server, "GET", "/api/v1/dashboards/SEC", Some(admin), None).await;
    assert_eq!(
        unchanged.body, saved.body,
        "a refused layout changes nothing"
    );

    // Reset: generated from the catalogue again.
    let reset = request(
        server,
        "DELETE",
        "/api/v1/dashboards/SEC",
        Some(admin),
        None,
    )
    .await;
    assert_eq!(
        (reset.status, reset.body["saved"].clone()),
        (200, json!(false))
    );
    assert_eq!(tiles(&reset.body), default);
    let owners_reset = request(
        server,
        "DELETE",
        "/api/v1/dashboards/SEC",
        Some(owner),
        None,
    )
    .await;
    assert_eq!(owners_reset.status, 403);
}

/// The history of a value: every revision newest first with who and when; drafts only for those who
/// may write the cell.
async fn check_history(
    server: std::net::SocketAddr,
    analytics: &Analytics,
    viewer: &str,
    admin: &str,
) {
    let mut draft = value("SEC.CRIME_CASES", "22918", "202511", 9.0);
    draft.status = ObservationStatus::Draft;
    for written in [
        value("SEC.CRIME_CASES", "22918", "202511", 4.0),
        value("SEC.CRIME_CASES", "22918", "202511", 5.0),
        draft,
    ] {
        analytics.write_observations(&[written]).await.unwrap();
    }
    let path = "/api/v1/observations/history?indicator=SEC.CRIME_CASES&unit=22918&period=202511";
    let revisions = |body: &Value| -> Vec<(Value, Value, Value)> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                (
                    item["revision"].clone(),
                    item["value"].clone(),
                    item["status"].clone(),
                )
            })
            .collect()
    };
    let full = request(server, "GET", path, Some(admin), None).await;
    assert_eq!(
        revisions(&full.body),
        [
            (json!(3), json!(9.0), json!("draft")),
            (json!(2), json!(5.0), json!("submitted")),
            (json!(1), json!(4.0), json!("submitted"))
        ]
    );
    assert_eq!(full.body["items"][0]["author"], "test");
    let seen = request(server, "GET", path, Some(viewer), None).await;
    assert_eq!(
        revisions(&seen.body)[0],
        (json!(2), json!(5.0), json!("submitted"))
    );
    assert_eq!(revisions(&seen.body).len(), 2);
    let outside = path.replace("22918", "22924");
    assert_eq!(
        request(server, "GET", &outside, Some(viewer), None)
            .await
            .status,
        404
    );
    let bad_period = path.replace("202511", "2025-11");
    assert_eq!(
        request(server, "GET", &bad_period, Some(admin), None)
            .await
            .status,
        400
    );
}

/// Reporting tasks: a department reports its own indicators for the province (not the totals the engine
/// sums from the communes), a commune every indicator it reports at commune level; deadlines by the catalogue's rules, states from what is stored.
async fn check_tasks(server: std::net::SocketAddr, analytics: &Analytics, viewer: &str) {
    let hash = vantage_server::auth::hash_password("mật khẩu dài").unwrap();
    for (name, agency, unit, domain) in [
        ("stc1", "STC", None, Some("INV")),
        ("xa22918", "UBND-22918", Some("22918"), None),
    ] {
        let user = User {
            username: name.into(),
            role: Role::DataOwner,
            agency: agency.into(),
            unit: unit.map(Into::into),
            domains: domain.into_iter().map(Into::into).collect(),
        };
        analytics
            .store()
            .add_user(&user, &hash, jiff::Timestamp::now())
            .await
            .unwrap();
    }
    let mut draft = value("INV.DOMESTIC_NEW_CAPITAL", "68", "202608", 95.0);
    draft.status = ObservationStatus::Draft;
    analytics.write_observations(&[draft]).await.unwrap();
    let window = "/api/v1/tasks?from=2026-09-01&to=2026-09-30";
    let tasks =
        |cookie: String| async move { request(server, "GET", window, Some(&cookie), None).await };
    let stc = session_cookie(&sign_in(server, "stc1", "mật khẩu dài", None).await);
    let department = tasks(stc.clone()).await;
    assert_eq!(
        (department.status, department.body["unit"].clone()),
        (200, json!("68")),
        "{}",
        department.body
    );
    let items = department.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|task| task["indicator"].as_str().unwrap().starts_with("INV."))
    );
    assert!(
        !items
            .iter()
            .any(|task| task["indicator"] == "INV.PUBLIC_DISB_RATE_PM"),
        "computed indicators are not reported"
    );
    assert!(
        !items
            .iter()
            .any(|task| task["indicator"] == "INV.PUBLIC_DISBURSED"),
        "the province total of the communes' disbursements is the engine's sum, not a report"
    );
    let capital = items
        .iter()
        .find(|task| task["indicator"] == "INV.DOMESTIC_NEW_CAPITAL" && task["period"] == "202608")
        .expect("August's new capital is due in September");
    // 20 September 2026 is a Sunday: due Monday, at the end of the day, Vietnam time.
    assert_eq!(capital["deadline"], "2026-09-21T23:59:59+07:00");
    assert_eq!(
        (capital["state"].clone(), capital["value"].clone()),
        (json!("late"), json!(95.0)),
        "a draft past its deadline"
    );
    assert_eq!(capital["status"], "draft");
    let deadlines: Vec<&str> = items
        .iter()
        .map(|task| task["deadline"].as_str().unwrap())
        .collect();
    assert!(
        deadlines.windows(2).all(|pair| pair[0] <= pair[1]),
        "by deadline"
    );
    assert!(
        deadlines.iter().all(|d| d.starts_with("2026-09")),
        "{deadlines:?}"
    );

    // The same tasks as a CSV file to fill in, in the columns an upload reads.
    let template = request(
        server,
        "GET",
        "/api/v1/tasks/template.csv?from=2026-09-01&to=2026-09-30",
        Some(&stc),
        None,
    )
    .await;
    assert_eq!(template.status, 200);
    let text = template.body.as_str().unwrap();
    assert!(text.starts_with("\u{feff}indicator,unit,period,value,comment,ten_chi_tieu,don_vi_tinh,don_vi,han_nop,trang_thai"), "{text}");
    assert_eq!(text.lines().count(), items.len() + 1, "one row per task");
    assert!(
        text.contains("INV.DOMESTIC_NEW_CAPITAL,68,202608,95,,Tổng vốn đăng ký"),
        "{text}"
    );
    assert!(
        text.contains("tỷ đồng,Tỉnh Lâm Đồng,2026-09-21T23:59:59+07:00,late"),
        "{text}"
    );

    let commune = tasks(session_cookie(
        &sign_in(server, "xa22918", "mật khẩu dài", None).await,
    ))
    .await;
    assert_eq!(commune.body["unit"], "22918");
    let items = commune.body["items"].as_array().unwrap();
    let submitted = items
        .iter()
        .find(|task| task["indicator"] == "BUD.REVENUE_TOTAL" && task["period"] == "202608")
        .unwrap();
    assert_eq!(
        (submitted["state"].clone(), submitted["value"].clone()),
        (json!("submitted"), json!(60.0))
    );
    assert!(
        items
            .iter()
            .any(|task| !task["indicator"].as_str().unwrap().starts_with("BUD.")),
        "every domain"
    );

    assert_eq!(get(server, window).await.status, 401);
    assert_eq!(
        request(server, "GET", window, Some(viewer), None)
            .await
            .status,
        403
    );
    let backwards = request(
        server,
        "GET",
        "/api/v1/tasks?from=2026-09-30&to=2026-09-01",
        Some(&stc),
        None,
    )
    .await;
    assert_eq!(backwards.status, 400);
}

/// Entering values: drafts and submissions over the API, checks with outlier warnings before saving,
/// approved values locked until an admin unlocks them, and the review queue.
async fn check_entry(
    server: std::net::SocketAddr,
    analytics: &Analytics,
    owner: &str,
    admin: &str,
) {
    let crimes = "SEC.CRIME_CASES";
    let history: Vec<Observation> = (0..12)
        .map(|month| {
            let period = Period::parse("202507").unwrap().offset(month).to_string();
            value(crimes, "22924", &period, 40.0 + f64::from(month % 5))
        })
        .collect();
    analytics.write_observations(&history).await.unwrap();
    let post = |path: &'static str, cookie: String, body: Value| async move {
        request(server, "POST", path, Some(&cookie), Some(&body)).await
    };
    let item = |period: &str, value: f64, status: &str| json!({"indicator": crimes, "unit": "22924", "period": period, "value": value, "status": status});

    // Checks: a usual value passes, a wild one is a warning, a bad item an error; nothing is written.
    let checked = post(
        "/api/v1/observations/check",
        owner.to_owned(),
        json!([
            item("202607", 44.0, "draft"),
            item("202608", 4400.0, "draft"),
            item("2026-09", 1.0, "draft")
        ]),
    )
    .await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    let warnings = checked.body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{}", checked.body);
    assert_eq!(
        (warnings[0]["index"].clone(), warnings[0]["field"].clone()),
        (json!(1), json!("value"))
    );
    assert!(warnings[0]["high"].as_f64().unwrap() < 100.0 && warnings[0]["median"] == 41.5);
    assert_eq!(checked.body["errors"][0]["index"], 2);
    let unwritten = get(
        server,
        "/api/v1/observations/history?indicator=SEC.CRIME_CASES&unit=22924&period=202608",
    )
    .await;
    assert_eq!(
        unwritten.status, 404,
        "anonymous callers do not see SEC; the owner checks below"
    );
    let nothing = request(
        server,
        "GET",
        "/api/v1/observations/history?indicator=SEC.CRIME_CASES&unit=22924&period=202608",
        Some(owner),
        None,
    )
    .await;
    assert_eq!(nothing.body["items"], json!([]), "a check writes nothing");

    // A draft, then a status the API does not write.
    let draft = post(
        "/api/v1/observations",
        owner.to_owned(),
        json!([item("202608", 47.0, "draft")]),
    )
    .await;
    assert_eq!(draft.status, 200, "{}", draft.body);
    let stored = request(
        server,
        "GET",
        "/api/v1/observations/history?indicator=SEC.CRIME_CASES&unit=22924&period=202608",
        Some(owner),
        None,
    )
    .await;
    assert_eq!(stored.body["items"][0]["status"], "draft");
    let approved_by_writer = post(
        "/api/v1/observations",
        owner.to_owned(),
        json!([item("202608", 47.0, "approved")]),
    )
    .await;
    assert_eq!(
        (
            approved_by_writer.status,
            approved_by_writer.body["errors"][0]["field"].clone()
        ),
        (422, json!("status"))
    );

    // Submitted, reviewed, approved: then locked.
    let hash = vantage_server::auth::hash_password("mật khẩu dài").unwrap();
    let leader_user = User {
        username: "leader1".into(),
        role: Role::Leader,
        agency: "TK".into(),
        unit: None,
        domains: vec![],
    };
    analytics
        .store()
        .add_user(&leader_user, &hash, jiff::Timestamp::now())
        .await
        .unwrap();
    let leader = session_cookie(&sign_in(server, "leader1", "mật khẩu dài", None).await);
    let cell = json!([{"indicator": crimes, "unit": "22924", "period": "202608"}]);
    let submitted = post(
        "/api/v1/observations/status",
        owner.to_owned(),
        json!({"action": "submit", "items": cell}),
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let queue = request(
        server,
        "GET",
        "/api/v1/reviews?from=2026-08-01&to=2026-08-31&indicator=SEC.CRIME_CASES",
        Some(&leader),
        None,
    )
    .await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let waiting: Vec<(Value, Value)> = queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["unit"].clone(), i["value"].clone()))
        .collect();
    assert!(
        waiting.contains(&(json!("22924"), json!(47.0))),
        "{waiting:?}"
    );
    assert_eq!(queue.body["items"][0]["unit_name"], "Phường Phú Thuỷ");
    assert_eq!(
        request(server, "GET", "/api/v1/reviews", Some(owner), None)
            .await
            .status,
        403
    );
    let approved = post(
        "/api/v1/observations/status",
        leader.clone(),
        json!({"action": "approve", "items": cell}),
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let locked = post(
        "/api/v1/observations",
        owner.to_owned(),
        json!([item("202608", 48.0, "submitted")]),
    )
    .await;
    assert_eq!(locked.status, 422);
    assert!(
        locked.body["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("locked"),
        "{}",
        locked.body
    );
    let locked_list = request(
        server,
        "GET",
        "/api/v1/reviews?status=approved&from=2026-08-01&to=2026-08-31&unit=22924",
        Some(admin),
        None,
    )
    .await;
    assert!(
        locked_list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["indicator"] == crimes)
    );

    let set = json!({"dataValues": [{"dataElement": crimes, "period": "202608", "orgUnit": "22924", "value": "49"}]});
    let through_dhis2 = post("/api/v1/dhis2/dataValueSets", owner.to_owned(), set).await;
    assert_eq!(
        through_dhis2.body["importCount"]["ignored"], 1,
        "{}",
        through_dhis2.body
    );
    assert!(
        through_dhis2.body["conflicts"][0]["value"]
            .as_str()
            .unwrap()
            .contains("locked")
    );

    // Only an admin unlocks, with a reason; the owner may then correct it.
    let unlock =
        |reason: Option<&str>| json!({"action": "unlock", "reason": reason, "items": cell});
    assert_eq!(
        post(
            "/api/v1/observations/status",
            leader.clone(),
            unlock(Some("sai số"))
        )
        .await
        .status,
        403
    );
    assert_eq!(
        post(
            "/api/v1/observations/status",
            admin.to_owned(),
            unlock(None)
        )
        .await
        .status,
        400
    );
    let unlocked = post(
        "/api/v1/observations/status",
        admin.to_owned(),
        unlock(Some("sai số liệu tháng 8")),
    )
    .await;
    assert_eq!(
        (unlocked.status, unlocked.body["changed"].clone()),
        (200, json!(1)),
        "{}",
        unlocked.body
    );
    let after = request(
        server,
        "GET",
        "/api/v1/observations/history?indicator=SEC.CRIME_CASES&unit=22924&period=202608",
        Some(owner),
        None,
    )
    .await;
    assert_eq!(
        (
            after.body["items"][0]["status"].clone(),
            after.body["items"][0]["comment"].clone()
        ),
        (json!("returned"), json!("sai số liệu tháng 8"))
    );
    let corrected = post(
        "/api/v1/observations",
        owner.to_owned(),
        json!([item("202608", 48.0, "submitted")]),
    )
    .await;
    assert_eq!(corrected.status, 200, "{}", corrected.body);
}

/// CSV uploads: refused whole with each bad row's number and column, or the valid rows written and the
/// rejected ones returned as a file; the same file again changes nothing.
async fn check_uploads(server: std::net::SocketAddr, owner: &str, viewer: &str) {
    let upload = |path: &'static str, cookie: String, csv: String| async move {
        request_text(server, "POST", path, &cookie, "text/csv", &csv).await
    };
    let good = "indicator,unit,period,value,comment,status\n\
        SEC.CRIME_CASES,22918,202510,3,,\n\
        SEC.CRIME_CASES,22924,202510,4,nháp,draft\n";
    let first = upload(
        "/api/v1/uploads/observations",
        owner.to_owned(),
        good.to_owned(),
    )
    .await;
    let written = first.body["created"].as_u64().unwrap() + first.body["updated"].as_u64().unwrap();
    assert_eq!((first.status, written), (200, 2), "{}", first.body);
    assert_eq!(first.body["rejected_csv"], Value::Null);
    let again = upload(
        "/api/v1/uploads/observations",
        owner.to_owned(),
        good.to_owned(),
    )
    .await;
    assert_eq!(
        (
            again.body["created"].clone(),
            again.body["updated"].clone(),
            again.body["unchanged"].clone()
        ),
        (json!(0), json!(0), json!(2))
    );

    let bad = format!(
        "{}SEC.CRIME_CASES,22918,202511,abc,,\nBUD.REVENUE_TOTAL,22918,202511,5,,\nSEC.CRIME_CASES,22918,202512,6,,approved\nSEC.CRIME_CASES,22918,202601,7,,\n",
        "indicator,unit,period,value,comment,status\n"
    );
    let refused = upload(
        "/api/v1/uploads/observations",
        owner.to_owned(),
        bad.clone(),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let places: Vec<(Value, Value)> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].clone(), e["field"].clone()))
        .collect();
    assert_eq!(
        places,
        [
            (json!(2), json!("value")),
            (json!(3), json!("indicator")),
            (json!(4), json!("status"))
        ],
        "spreadsheet rows and columns: {}",
        refused.body
    );
    let partly = upload(
        "/api/v1/uploads/observations?accept_valid=true",
        owner.to_owned(),
        bad,
    )
    .await;
    assert_eq!(
        (partly.status, partly.body["created"].clone()),
        (200, json!(1)),
        "{}",
        partly.body
    );
    let rejected = partly.body["rejected_csv"].as_str().unwrap();
    assert!(
        rejected.starts_with("_row,_errors,indicator,unit,period,value,comment,status"),
        "{rejected}"
    );
    assert_eq!(
        rejected.lines().count(),
        4,
        "the header and three rejected rows: {rejected}"
    );
    assert!(rejected.contains("outside your grant"), "{rejected}");

    // The task template as an Excel workbook, uploaded back as it is: stored values unchanged, rows left
    // empty passed over.
    let commune = session_cookie(&sign_in(server, "xa22918", "mật khẩu dài", None).await);
    let (status, workbook) = request_bytes(
        server,
        "GET",
        "/api/v1/tasks/template.xlsx?from=2026-09-01&to=2026-09-30",
        &commune,
        "text/plain",
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(workbook.starts_with(b"PK\x03\x04"), "an XLSX (ZIP) file");
    let (status, answer) = request_bytes(
        server,
        "POST",
        "/api/v1/uploads/observations?accept_valid=true",
        &commune,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &workbook,
    )
    .await;
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (answer["created"].clone(), answer["updated"].clone()),
        (json!(0), json!(0)),
        "{answer}"
    );
    assert!(answer["unchanged"].as_u64().unwrap() >= 1, "{answer}");
    assert!(
        answer["skipped"].as_u64().unwrap() >= 1,
        "rows left empty are passed over: {answer}"
    );
    assert_eq!(answer["rejected"], json!([]), "{answer}");
    let (status, _) = request_bytes(
        server,
        "POST",
        "/api/v1/uploads/observations",
        &commune,
        "application/octet-stream",
        b"PK\x03\x04 not really",
    )
    .await;
    assert_eq!(status, 400, "a broken workbook");

    let viewers = upload(
        "/api/v1/uploads/observations",
        viewer.to_owned(),
        good.to_owned(),
    )
    .await;
    assert_eq!(viewers.status, 403);
    let empty = upload(
        "/api/v1/uploads/observations",
        owner.to_owned(),
        String::new(),
    )
    .await;
    assert_eq!(empty.status, 400);
    let columns = upload(
        "/api/v1/uploads/observations",
        owner.to_owned(),
        "indicator,unit\nX,Y\n".to_owned(),
    )
    .await;
    assert!(
        columns.body["detail"]
            .as_str()
            .unwrap()
            .contains("period, value"),
        "{}",
        columns.body
    );
}

fn codes_of(body: &Value, field: &str) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

/// How many items a list endpoint gives each caller (0 when refused).
async fn list_sizes(
    server: std::net::SocketAddr,
    cookies: &[Option<String>],
    path: &str,
) -> Vec<usize> {
    let mut counts = Vec::new();
    for cookie in cookies {
        let answer = request(server, "GET", path, cookie.as_deref(), None).await;
        counts.push(answer.body["items"].as_array().map_or(0, Vec::len));
    }
    counts
}

/// DHIS2 dataValueSets: import with the set's defaults, conflicts for bad values, dry runs, import
/// strategies; export by data set (domain), period and org unit with its children.
async fn check_dhis2(server: std::net::SocketAddr, owner: &str, admin: &str) {
    let set = |value: &str| {
        json!({
            "dataSet": "SEC", "period": "202604", "orgUnit": "22918",
            "dataValues": [
                {"dataElement": "SEC.CRIME_CASES", "value": value},
                {"dataElement": "SEC.CRIME_CASES", "orgUnit": "22924", "value": "2"},
                {"dataElement": "BUD.REVENUE_TOTAL", "value": "1"},
                {"dataElement": "SEC.CRIME_CASES", "orgUnit": "99999", "value": "1"},
            ]
        })
    };
    let post = |query: &str, body: Value| {
        let path = format!("/api/v1/dhis2/dataValueSets{query}");
        let owner = owner.to_owned();
        async move { request(server, "POST", &path, Some(&owner), Some(&body)).await }
    };
    let april = "/api/v1/values?indicator=SEC.CRIME_CASES&unit=22918&period=202604";
    let dry = post("?dryRun=true", set("6")).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(
        (
            dry.body["status"].clone(),
            dry.body["importCount"]["imported"].clone()
        ),
        (json!("WARNING"), json!(2))
    );
    let objects: Vec<&str> = dry.body["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["object"].as_str().unwrap())
        .collect();
    assert_eq!(
        objects,
        ["dataValues[2].dataElement", "dataValues[3].orgUnit"]
    );
    assert_eq!(
        request(server, "GET", april, Some(admin), None).await.body["value"],
        Value::Null,
        "a dry run writes nothing"
    );

    let imported = post("", set("6")).await;
    assert_eq!(
        imported.body["importCount"],
        json!({"imported": 2, "updated": 0, "ignored": 2, "deleted": 0})
    );
    assert_eq!(
        request(server, "GET", april, Some(admin), None).await.body["value"],
        6.0
    );
    let again = post("", set("6")).await;
    assert_eq!(
        again.body["importCount"],
        json!({"imported": 0, "updated": 0, "ignored": 4, "deleted": 0})
    );
    let create_only = post("?importStrategy=CREATE", set("7")).await;
    assert_eq!(create_only.body["importCount"]["ignored"], 4);
    assert_eq!(
        request(server, "GET", april, Some(admin), None).await.body["value"],
        6.0
    );
    let update_only = post("?importStrategy=UPDATE", set("7")).await;
    assert_eq!(update_only.body["importCount"]["updated"], 1);
    assert_eq!(
        request(server, "GET", april, Some(admin), None).await.body["value"],
        7.0
    );
    assert_eq!(
        post("?importStrategy=DELETE_ALL", set("7")).await.status,
        400
    );

    let export = |who: Option<&str>, children: bool| {
        let path = format!(
            "/api/v1/dhis2/dataValueSets?dataSet=SEC&period=202604&orgUnit=68&children={children}"
        );
        let who = who.map(str::to_owned);
        async move { request(server, "GET", &path, who.as_deref(), None).await }
    };
    let all = export(Some(admin), true).await;
    let mut values: Vec<(String, String)> = all.body["dataValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["orgUnit"].as_str().unwrap().to_owned(),
                v["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    values.sort();
    assert_eq!(
        values,
        [
            ("22918".to_owned(), "7".to_owned()),
            ("22924".to_owned(), "2".to_owned())
        ]
    );
    assert!(
        export(Some(admin), false).await.body["dataValues"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the province has none of its own"
    );
    assert!(
        export(None, true).await.body["dataValues"]
            .as_array()
            .unwrap()
            .is_empty(),
        "internal values stay internal"
    );

    // DELETE names cells, with or without values; a deleted value is a revision, and writing the cell
    // again goes on from it.
    let removal = json!({
        "dataSet": "SEC", "period": "202604", "orgUnit": "22924",
        "dataValues": [
            {"dataElement": "SEC.CRIME_CASES"},
            {"dataElement": "SEC.CRIME_CASES", "period": "202602", "value": "1"},
        ]
    });
    let dry_delete = post("?importStrategy=DELETE&dryRun=true", removal.clone()).await;
    assert_eq!(
        dry_delete.body["importCount"],
        json!({"imported": 0, "updated": 0, "ignored": 1, "deleted": 1}),
        "{}",
        dry_delete.body
    );
    let deleted = post("?importStrategy=DELETE", removal.clone()).await;
    assert_eq!(
        (
            deleted.body["status"].clone(),
            deleted.body["importCount"].clone()
        ),
        (
            json!("SUCCESS"),
            json!({"imported": 0, "updated": 0, "ignored": 1, "deleted": 1})
        ),
        "{}",
        deleted.body
    );
    let gone = april.replace("22918", "22924");
    assert_eq!(
        request(server, "GET", &gone, Some(admin), None).await.body["value"],
        Value::Null
    );
    assert_eq!(
        export(Some(admin), true).await.body["dataValues"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "a deleted value is not exported"
    );
    assert_eq!(
        post("?importStrategy=DELETE", removal).await.body["importCount"]["deleted"],
        0,
        "deleted once"
    );
    let rewritten = post("?importStrategy=CREATE", set("6")).await;
    assert_eq!(
        rewritten.body["importCount"]["imported"], 1,
        "{}",
        rewritten.body
    );
    let history = request(
        server,
        "GET",
        "/api/v1/observations/history?indicator=SEC.CRIME_CASES&unit=22924&period=202604",
        Some(admin),
        None,
    )
    .await
    .body;
    let revisions: Vec<(Value, Value, Value)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["revision"].clone(),
                item["value"].clone(),
                item["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        revisions,
        [
            (json!(3), json!(2.0), json!("submitted")),
            (json!(2), json!(2.0), json!("deleted")),
            (json!(1), json!(2.0), json!("submitted"))
        ]
    );

    // The same in DHIS2's CSV, by suffix or by Content-Type and Accept.
    let csv = "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\nSEC.CRIME_CASES,202603,22918,,,9\nSEC.CRIME_CASES,202603,22924,,,x\n";
    let by_suffix = request_text(
        server,
        "POST",
        "/api/v1/dhis2/dataValueSets.csv",
        owner,
        "text/plain",
        csv,
    )
    .await;
    assert_eq!(
        by_suffix.body["importCount"]["imported"], 1,
        "{}",
        by_suffix.body
    );
    assert_eq!(
        by_suffix.body["conflicts"][0]["object"],
        "dataValues[1].value"
    );
    let by_type = request_text(
        server,
        "POST",
        "/api/v1/dhis2/dataValueSets",
        owner,
        "application/csv",
        csv,
    )
    .await;
    assert_eq!(
        by_type.body["importCount"]["ignored"], 2,
        "{}",
        by_type.body
    );
    let march = "/api/v1/values?indicator=SEC.CRIME_CASES&unit=22918&period=202603";
    assert_eq!(
        request(server, "GET", march, Some(admin), None).await.body["value"],
        9.0
    );
    let exported = request(
        server,
        "GET",
        "/api/v1/dhis2/dataValueSets.csv?dataSet=SEC&period=202603&orgUnit=68&children=true",
        Some(admin),
        None,
    )
    .await;
    let text = exported.body.as_str().unwrap();
    assert!(
        text.starts_with(
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,"
        ),
        "{text}"
    );
    assert!(text.contains("SEC.CRIME_CASES,202603,22918,,,9,"), "{text}");
    let accept = request_with(
        server,
        "GET",
        "/api/v1/dhis2/dataValueSets?dataSet=SEC&period=202603&orgUnit=22918",
        Some(admin),
        None,
        &[("Accept", "application/csv")],
    )
    .await;
    assert!(
        accept
            .body
            .as_str()
            .unwrap()
            .contains("SEC.CRIME_CASES,202603,22918")
    );
    // ADX: the export reads back through the import unchanged; a changed value and a bad period do not.
    let adx = request(
        server,
        "GET",
        "/api/v1/dhis2/dataValueSets.xml?dataSet=SEC&period=202603&orgUnit=22918",
        Some(admin),
        None,
    )
    .await;
    let document = adx.body.as_str().unwrap().to_owned();
    assert!(adx.content_type.starts_with("application/adx+xml"));
    assert!(
        document.contains("orgUnit=\"22918\" period=\"2026-03-01/P1M\"")
            && document.contains("dataElement=\"SEC.CRIME_CASES\" value=\"9\""),
        "{document}"
    );
    let again = request_text(
        server,
        "POST",
        "/api/v1/dhis2/dataValueSets",
        owner,
        "application/adx+xml",
        &document,
    )
    .await;
    assert_eq!(again.body["importCount"]["updated"], 0, "{}", again.body);
    assert!(again.body["importCount"]["ignored"].as_u64().unwrap() >= 1);
    let changed = document
        .replace("dataElement=\"SEC.CRIME_CASES\" value=\"9\"", "dataElement=\"SEC.CRIME_CASES\" value=\"10\"")
        .replace("</adx>", "<group orgUnit=\"22918\" period=\"2026-03-02/P1M\"><dataValue dataElement=\"SEC.CRIME_CASES\" value=\"1\"/></group></adx>");
    let imported = request_text(
        server,
        "POST",
        "/api/v1/dhis2/dataValueSets.xml",
        owner,
        "text/plain",
        &changed,
    )
    .await;
    assert_eq!(
        imported.body["importCount"]["updated"], 1,
        "{}",
        imported.body
    );
    let conflicts = imported.body["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{}", imported.body);
    assert!(
        conflicts[0]["object"]
            .as_str()
            .unwrap()
            .ends_with(".period")
    );
    assert_eq!(
        request(server, "GET", march, Some(admin), None).await.body["value"],
        10.0
    );
    let broken = request_text(
        server,
        "POST",
        "/api/v1/dhis2/dataValueSets.xml",
        owner,
        "application/xml",
        "<adx><group",
    )
    .await;
    assert_eq!(broken.status, 400);
    assert_eq!(
        get(
            server,
            "/api/v1/dhis2/somethingElse?dataSet=SEC&period=202603&orgUnit=68"
        )
        .await
        .status,
        404
    );
}

/// What the checks before did is in the audit log, which only admins read, filtered and paged.
async fn check_audit(server: std::net::SocketAddr, viewer: &str, admin: &str) {
    assert_eq!(get(server, "/api/v1/audit").await.status, 401);
    assert_eq!(
        request(server, "GET", "/api/v1/audit", Some(viewer), None)
            .await
            .status,
        403
    );
    let all = request(server, "GET", "/api/v1/audit?limit=1000", Some(admin), None).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let items = all.body["items"].as_array().unwrap();
    let actions: Vec<(&str, &str)> = items
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    assert!(
        actions.contains(&("-", "session.sign_in_failed")),
        "{actions:?}"
    );
    assert!(actions.contains(&("-", "session.locked_out")));
    for action in [
        "token.create",
        "token.revoke",
        "user.create",
        "user.grant",
        "user.delete",
    ] {
        assert!(actions.contains(&("admin1", action)), "{action}");
    }
    assert!(actions.contains(&("owner1", "token.use")));
    assert!(actions.contains(&("admin1", "session.sign_in")));
    assert!(actions.contains(&("owner1", "observations.write")));
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "a gapless sequence"
    );
    let accepted = items
        .iter()
        .find(|e| e["detail"]["idempotency_key"] == "batch-7")
        .expect("the accepted batch");
    assert_eq!(
        (
            accepted["detail"]["created"].clone(),
            accepted["detail"]["rejected"].clone()
        ),
        (json!(1), json!(6))
    );

    let owner = request(
        server,
        "GET",
        "/api/v1/audit?user=owner1",
        Some(admin),
        None,
    )
    .await;
    assert!(
        owner.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "owner1")
    );
    let first = request(server, "GET", "/api/v1/audit?limit=2", Some(admin), None).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = request(
        server,
        "GET",
        &format!("/api/v1/audit?limit=2&cursor={cursor}"),
        Some(admin),
        None,
    )
    .await;
    assert_eq!(second.body["items"][0]["seq"], 3);
}

/// Approval: a draft does not count until its owner submits it; admins and leaders approve or return with a
/// reason; approved values are locked.
async fn check_status_changes(
    server: std::net::SocketAddr,
    analytics: &Analytics,
    owner: &str,
    admin: &str,
) {
    let mut draft = value("SEC.CRIME_CASES", "22918", "202605", 11.0);
    draft.status = ObservationStatus::Draft;
    analytics.write_observations(&[draft]).await.unwrap();
    let may = "/api/v1/values?indicator=SEC.CRIME_CASES&unit=22918&period=202605";
    assert_eq!(
        request(server, "GET", may, Some(admin), None).await.body["value"],
        Value::Null,
        "a draft does not count"
    );
    let change = |action: &str, reason: Option<&str>| json!({"action": action, "reason": reason, "items": [{"indicator": "SEC.CRIME_CASES", "unit": "22918", "period": "202605"}]});
    let post = |cookie: &str, body: Value| {
        let cookie = cookie.to_owned();
        async move {
            request(
                server,
                "POST",
                "/api/v1/observations/status",
                Some(&cookie),
                Some(&body),
            )
            .await
        }
    };
    let submitted = post(owner, change("submit", None)).await;
    assert_eq!(
        (submitted.status, submitted.body["changed"].clone()),
        (200, json!(1)),
        "{}",
        submitted.body
    );
    assert_eq!(
        request(server, "GET", may, Some(admin), None).await.body["value"],
        11.0,
        "submitted: it counts"
    );
    assert_eq!(
        post(owner, change("approve", None)).await.status,
        403,
        "owners do not approve their own"
    );
    assert_eq!(
        post(admin, change("return", None)).await.status,
        400,
        "a return needs a reason"
    );
    let returned = post(
        admin,
        change("return", Some("số liệu chưa khớp báo cáo quý")),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.body);
    assert_eq!(
        post(owner, change("submit", None)).await.status,
        200,
        "resubmitted after correction"
    );
    assert_eq!(post(admin, change("approve", None)).await.status, 200);
    let locked = post(admin, change("approve", None)).await;
    assert_eq!(locked.status, 422);
    assert_eq!(locked.body["errors"][0]["field"], "status");
    let missing = json!({"action": "submit", "items": [{"indicator": "SEC.CRIME_CASES", "unit": "22918", "period": "201001"}]});
    assert_eq!(post(owner, missing).await.status, 422);

    // Targets: admins and leaders set them, checked item by item; the status follows at once.
    let targets = json!([
        {"indicator": "SEC.CRIME_CASES", "unit": "68", "period": "2026", "kind": "at_most", "value": 1.0, "source_document": "NQ 12/2025"},
        {"indicator": "SEC.CRIME_CASES", "unit": "68", "period": "2026", "kind": "around", "value": 1.0},
    ]);
    let send = |cookie: &str, path: &'static str, body: Value| {
        let cookie = cookie.to_owned();
        async move { request(server, "POST", path, Some(&cookie), Some(&body)).await }
    };
    assert_eq!(
        send(owner, "/api/v1/targets", targets.clone()).await.status,
        403
    );
    let refused = send(admin, "/api/v1/targets", targets.clone()).await;
    assert_eq!(
        (refused.status, refused.body["errors"][0]["field"].clone()),
        (422, json!("kind"))
    );
    let set = send(admin, "/api/v1/targets?accept_valid=true", targets).await;
    assert_eq!(
        (set.status, set.body["created"].clone()),
        (200, json!(1)),
        "{}",
        set.body
    );
    let year = request(
        server,
        "GET",
        "/api/v1/values?indicator=SEC.CRIME_CASES&unit=68&period=2026",
        Some(admin),
        None,
    )
    .await;
    assert_eq!(year.body["status"], "missed", "{}", year.body);
}

/// Alerts over the API: rules kept by the centre, an alert raised by a write and assigned to the commune,
/// explained by the commune only, decided by the centre only, each step on the stream and in the
/// timeline.
async fn check_alerts(
    server: std::net::SocketAddr,
    analytics: &Analytics,
    viewer: &str,
    owner: &str,
    admin: &str,
) {
    let commune = User {
        username: "xa1".into(),
        role: Role::DataOwner,
        agency: "UBND-22918".into(),
        unit: Some("22918".into()),
        domains: Vec::new(),
    };
    let hash = vantage_server::auth::hash_password("mật khẩu dài").unwrap();
    analytics
        .store()
        .add_user(&commune, &hash, jiff::Timestamp::now())
        .await
        .unwrap();
    let commune = session_cookie(&sign_in(server, "xa1", "mật khẩu dài", None).await);
    let rule = json!({
        "id": "thu-xa-thap",
        "name": "Thu ngân sách xã dưới 5 tỷ",
        "severity": "major",
        "indicator": "BUD.REVENUE_TOTAL",
        "unit": "22918",
        "condition": {"kind": "threshold", "comparison": "below", "value": 5, "periods": 1},
        "auto_assign": true
    });
    let put = |cookie: String, path: &'static str, body: Value| async move {
        request(server, "PUT", path, Some(&cookie), Some(&body)).await
    };
    let path = "/api/v1/alert-rules/thu-xa-thap";
    for cookie in [viewer, owner] {
        assert_eq!(put(cookie.to_owned(), path, rule.clone()).await.status, 403);
    }
    let mut bad = rule.clone();
    bad["condition"]["periods"] = json!(0);
    let refused = put(admin.to_owned(), path, bad).await;
    assert_eq!(
        (
            refused.status,
            refused.body["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with("condition.periods")
        ),
        (400, true),
        "{}",
        refused.body
    );
    let elsewhere = put(admin.to_owned(), "/api/v1/alert-rules/other", rule.clone()).await;
    assert_eq!(elsewhere.status, 400);
    assert_eq!(put(admin.to_owned(), path, rule.clone()).await.status, 204);
    let rules = request(server, "GET", "/api/v1/alert-rules", Some(admin), None).await;
    assert_eq!(rules.body[0]["rule"]["id"], "thu-xa-thap", "{}", rules.body);

    analytics
        .write_observations(&[value("BUD.REVENUE_TOTAL", "22918", "202612", 2.0)])
        .await
        .unwrap();
    let mut listed = Value::Null;
    for _ in 0..50 {
        listed = request(
            server,
            "GET",
            "/api/v1/alerts?unit=22918",
            Some(admin),
            None,
        )
        .await
        .body;
        if listed["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let alert = &listed["items"][0];
    assert_eq!(
        (
            alert["state"].clone(),
            alert["assignee"]["kind"].clone(),
            alert["assignee"]["code"].clone()
        ),
        (json!("assigned"), json!("unit"), json!("22918")),
        "{listed}"
    );
    assert_eq!(
        alert["finding"],
        json!({"kind": "threshold", "comparison": "below", "threshold": 5.0, "values": [2.0]})
    );
    assert_eq!(
        (alert["period"].clone(), alert["overdue"].clone()),
        (json!("202612"), json!(false))
    );
    assert!(alert["due_at"].is_string());
    let id = alert["id"].as_i64().unwrap();
    let one = format!("/api/v1/alerts/{id}");
    let steps = format!("/api/v1/alerts/{id}/steps");
    let allowed = |cookie: String| {
        let one = one.clone();
        async move { request(server, "GET", &one, Some(&cookie), None).await.body["allowed"].clone() }
    };
    assert_eq!(
        allowed(commune.clone()).await,
        json!(["submit_explanation"])
    );
    assert_eq!(allowed(admin.to_owned()).await, json!(["assign"]));
    assert_eq!(allowed(owner.to_owned()).await, json!([]));
    assert_eq!(
        request(
            server,
            "GET",
            "/api/v1/alerts?state=later",
            Some(admin),
            None
        )
        .await
        .status,
        400
    );
    let mine = request(
        server,
        "GET",
        "/api/v1/alerts?mine=true",
        Some(&commune),
        None,
    )
    .await;
    assert_eq!(
        mine.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        mine.body
    );
    assert_eq!(
        (
            mine.body["unread"].clone(),
            mine.body["items"][0]["unread"].clone()
        ),
        (json!(1), json!(true)),
        "a new alert is unread"
    );
    let not_mine = request(server, "GET", "/api/v1/alerts?mine=true", Some(owner), None).await;
    assert_eq!(not_mine.body["items"], json!([]));

    let mut watcher = StreamClient::connect(server, admin, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let step = |cookie: Option<String>, body: Value| {
        let steps = steps.clone();
        async move { request(server, "POST", &steps, cookie.as_deref(), Some(&body)).await }
    };
    let explanation = json!({
        "action": "submit_explanation",
        "explanation": {
            "cause": "Doanh nghiệp chậm nộp thuế",
            "actions": [{"action": "Đôn đốc 12 doanh nghiệp", "due": "2027-01-15"}]
        }
    });
    assert_eq!(step(None, explanation.clone()).await.status, 401);
    assert_eq!(
        step(Some(admin.to_owned()), explanation.clone())
            .await
            .status,
        403
    );
    assert_eq!(
        step(Some(viewer.to_owned()), explanation.clone())
            .await
            .status,
        403
    );
    let empty = json!({"action": "submit_explanation", "explanation": {"cause": ""}});
    let refused = step(Some(commune.clone()), empty).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    // The commune attaches its report before explaining; others may not, and not any kind of file.
    let attach = |cookie: &str, name: &str, content: &'static [u8]| {
        let path = format!("/api/v1/alerts/{id}/attachments?name={name}");
        let cookie = cookie.to_owned();
        async move {
            request_bytes(
                server,
                "POST",
                &path,
                &cookie,
                "application/octet-stream",
                content,
            )
            .await
        }
    };
    let report: &[u8] = b"%PDF-1.4 bao cao nguyen nhan";
    let (status, body) = attach(&commune, "bao-cao.pdf", report).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let attached: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (attached["media_type"].clone(), attached["size"].clone()),
        (json!("application/pdf"), json!(report.len()))
    );
    assert_eq!(attach(admin, "bao-cao.pdf", report).await.0, 403);
    assert_eq!(attach(&commune, "chay-toi.exe", b"MZ\x90\x00").await.0, 400);
    let download = format!("/api/v1/alerts/{id}/attachments/{}", attached["id"]);
    let (status, content) = request_bytes(server, "GET", &download, admin, "text/plain", b"").await;
    assert_eq!((status, content.as_slice()), (200, report));
    let explained = step(Some(commune.clone()), explanation).await;
    assert_eq!(explained.status, 200, "{}", explained.body);
    assert_eq!(explained.body["alert"]["state"], "explanation_submitted");
    assert_eq!(
        explained.body["alert"]["unread"], false,
        "whoever takes a step has seen the alert as it left it"
    );
    let unread_ids = |cookie: String| async move {
        let listed = request(
            server,
            "GET",
            "/api/v1/alerts?unread=true",
            Some(&cookie),
            None,
        )
        .await
        .body;
        let ids: Vec<i64> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_i64().unwrap())
            .collect();
        (ids, listed["unread"].clone())
    };
    assert_eq!(unread_ids(commune.clone()).await, (vec![], json!(0)));
    assert!(unread_ids(admin.to_owned()).await.0.contains(&id));
    let version = explained.body["alert"]["version"].as_i64().unwrap();
    let read = |cookie: Option<&str>, body: Value| {
        let cookie = cookie.map(str::to_owned);
        async move {
            request(
                server,
                "POST",
                "/api/v1/alerts/read",
                cookie.as_deref(),
                Some(&body),
            )
            .await
            .status
        }
    };
    assert_eq!(
        read(None, json!({"alerts": [{"id": id, "version": version}]})).await,
        401
    );
    assert_eq!(
        read(
            Some(admin),
            json!({"alerts": [{"id": id + 1000, "version": 1}]})
        )
        .await,
        404
    );
    // A marker past the alert's version stops at it: the next change is unread again.
    assert_eq!(
        read(
            Some(admin),
            json!({"alerts": [{"id": id, "version": version + 100}]})
        )
        .await,
        204
    );
    assert!(!unread_ids(admin.to_owned()).await.0.contains(&id));
    assert_eq!(
        request(server, "GET", &one, Some(admin), None).await.body["alert"]["unread"],
        false
    );
    assert_eq!(explained.body["attachments"][0]["name"], "bao-cao.pdf");
    assert_eq!(
        attach(&commune, "them.pdf", report).await.0,
        403,
        "nothing is attached once the explanation is submitted"
    );
    assert_eq!(explained.body["allowed"], json!([]));
    let accept = json!({"action": "accept", "note": "Đồng ý"});
    assert_eq!(
        step(Some(commune.clone()), accept.clone()).await.status,
        403
    );
    assert_eq!(
        step(Some(admin.to_owned()), json!({"action": "return"}))
            .await
            .status,
        400,
        "returning needs a reason"
    );
    assert_eq!(
        step(Some(admin.to_owned()), json!({"action": "fly"}))
            .await
            .status,
        400
    );
    let accepted = step(Some(admin.to_owned()), accept.clone()).await;
    assert_eq!(
        accepted.body["alert"]["state"], "accepted",
        "{}",
        accepted.body
    );
    assert_eq!(
        request(server, "GET", &one, Some(&commune), None)
            .await
            .body["alert"]["unread"],
        true,
        "the commune has not seen the decision"
    );
    assert_eq!(
        step(Some(admin.to_owned()), accept).await.status,
        409,
        "accepted once"
    );
    let events: Vec<&str> = accepted.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["opened", "assign", "submit_explanation", "accept"]);
    let timeline = &accepted.body["timeline"];
    assert_eq!(timeline[2]["actor"], "xa1");
    assert_eq!(
        timeline[2]["explanation"]["actions"][0]["due"],
        "2027-01-15"
    );
    assert_eq!(timeline[3]["note"], "Đồng ý");
    let mut seen = Vec::new();
    while let Some((_, event)) = watcher.next().await {
        if event["id"] == id {
            seen.push(event["event"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        seen,
        ["submit_explanation", "accept"],
        "steps reach the stream"
    );
    let accepted = request(
        server,
        "GET",
        "/api/v1/alerts?state=accepted",
        Some(admin),
        None,
    )
    .await;
    assert_eq!(accepted.body["items"][0]["id"], id);

    check_cap(server, analytics, admin, id).await;
    check_notification_policies(server, viewer, admin).await;
    assert_eq!(
        request(server, "DELETE", path, Some(admin), None)
            .await
            .status,
        204
    );
    assert_eq!(
        request(server, "DELETE", path, Some(admin), None)
            .await
            .status,
        404
    );
}

/// Public warnings: a public rule's alert in the Atom feed and as a CAP document (valid against the OASIS
/// CAP 1.2 schema when `VANTAGE_CAP_SCHEMA` names it, as `./scripts/test` does), then as a cancellation once
/// it clears; alerts of other rules are not published.
async fn check_cap(server: std::net::SocketAddr, analytics: &Analytics, admin: &str, private: i64) {
    let rule = json!({
        "id": "thu-xa-cong-khai",
        "name": "Thu ngân sách xã (công khai)",
        "severity": "critical",
        "indicator": "BUD.REVENUE_TOTAL",
        "unit": "22918",
        "condition": {"kind": "threshold", "comparison": "above", "value": 0},
        "public": true
    });
    let path = "/api/v1/alert-rules/thu-xa-cong-khai";
    let saved = request(server, "PUT", path, Some(admin), Some(&rule)).await;
    assert_eq!(saved.status, 204, "{}", saved.body);
    let feed = get(server, "/cap/feed.atom").await;
    assert_eq!(
        (feed.status, feed.content_type.as_str()),
        (200, "application/atom+xml; charset=utf-8")
    );
    let atom = feed.body.as_str().unwrap().to_owned();
    let start = atom.find("/cap/alerts/").expect("an entry") + "/cap/alerts/".len();
    let id: i64 = atom[start..atom[start..].find(".xml").unwrap() + start]
        .parse()
        .unwrap();
    assert_ne!(id, private);
    assert!(
        atom.contains("<title>Thu ngân sách xã (công khai) — Phường Mũi Né</title>"),
        "{atom}"
    );
    let cap = |id: i64| async move { get(server, &format!("/cap/alerts/{id}.xml")).await };
    assert_eq!(
        cap(private).await.status,
        404,
        "only public alerts are published"
    );
    assert_eq!(
        cap(id).await.content_type,
        "application/cap+xml; charset=utf-8"
    );
    let opened = cap(id).await.body.as_str().unwrap().to_owned();
    for part in [
        "<msgType>Alert</msgType>",
        "<severity>Extreme</severity>",
        "<urgency>Immediate</urgency>",
        "<areaDesc>Phường Mũi Né</areaDesc>",
        "<valueName>MA_DVHC</valueName>",
        "<value>22918</value>",
        "<polygon>",
    ] {
        assert!(opened.contains(part), "{part} in {opened}");
    }
    valid_cap(&opened);
    // Cleared: the alert closes itself, and the feed says the warning is over.
    analytics
        .write_observations(&[value("BUD.REVENUE_TOTAL", "22918", "202612", 0.0)])
        .await
        .unwrap();
    let mut cancelled = String::new();
    for _ in 0..50 {
        cancelled = cap(id).await.body.as_str().unwrap_or_default().to_owned();
        if cancelled.contains("<msgType>Cancel</msgType>") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for part in [
        "<msgType>Cancel</msgType>",
        "<references>vantage@",
        "<urgency>Past</urgency>",
    ] {
        assert!(cancelled.contains(part), "{part} in {cancelled}");
    }
    valid_cap(&cancelled);
    let deleted = request(server, "DELETE", path, Some(admin), None).await;
    assert_eq!(deleted.status, 204);
}

/// Notification policies are for admins; webhook secrets never come back out.
async fn check_notification_policies(server: std::net::SocketAddr, viewer: &str, admin: &str) {
    let path = "/api/v1/notification-policies/so-tai-chinh";
    let policy = json!({
        "id": "so-tai-chinh",
        "name": "Sở Tài chính",
        "domains": ["BUD"],
        "channel": {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "một-bí-mật-đủ-dài-2026"},
        "mute": [{"days": ["saturday", "sunday"], "from": "00:00", "to": "23:59"}],
        "digest_minutes": 15
    });
    let put = |cookie: &str, body: &Value| {
        let cookie = cookie.to_owned();
        let body = body.clone();
        async move { request(server, "PUT", path, Some(&cookie), Some(&body)).await }
    };
    assert_eq!(put(viewer, &policy).await.status, 403);
    assert_eq!(put(admin, &policy).await.status, 204);
    let listed = request(
        server,
        "GET",
        "/api/v1/notification-policies",
        Some(admin),
        None,
    )
    .await;
    assert_eq!(
        listed.body[0]["policy"]["channel"]["secret"], "********",
        "{}",
        listed.body
    );
    assert_eq!(
        listed.body[0]["policy"]["events"],
        json!(["opened", "submit_explanation", "escalated"])
    );
    let mut hidden = policy.clone();
    hidden["channel"]["secret"] = json!("********");
    assert_eq!(put(admin, &hidden).await.status, 400);
    let mut mail = policy.clone();
    mail["channel"] = json!({"kind": "email", "to": ["không phải địa chỉ"]});
    let refused = put(admin, &mail).await;
    assert!(
        refused.status == 400
            && refused.body["detail"]
                .as_str()
                .unwrap()
                .starts_with("channel.to"),
        "{}",
        refused.body
    );
    assert_eq!(
        request(
            server,
            "GET",
            "/api/v1/notification-policies",
            Some(viewer),
            None
        )
        .await
        .status,
        403
    );
    let pending = request(server, "GET", "/api/v1/notifications", Some(admin), None).await;
    assert!(
        pending.status == 200 && pending.body.is_array(),
        "{}",
        pending.body
    );
    assert_eq!(
        request(
            server,
            "GET",
            "/api/v1/notifications?status=lost",
            Some(admin),
            None
        )
        .await
        .status,
        400
    );
    assert_eq!(
        request(server, "DELETE", path, Some(admin), None)
            .await
            .status,
        204
    );
    assert_eq!(
        request(server, "DELETE", path, Some(admin), None)
            .await
            .status,
        404
    );
}

/// Validates a CAP document against the OASIS CAP 1.2 schema with xmllint, when the schema is at hand.
fn valid_cap(document: &str) {
    let Some(schema) = std::env::var_os("VANTAGE_CAP_SCHEMA") else {
        eprintln!("VANTAGE_CAP_SCHEMA is not set: CAP documents not validated against the schema");
        return;
    };
    let file = std::env::temp_dir().join(format!("vantage-cap-{}.xml", std::process::id()));
    std::fs::write(&file, document).unwrap();
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("xmllint (Debian's libxml2-utils) validates CAP documents");
    std::fs::remove_file(&file).ok();
    assert!(
        output.status.success(),
        "not valid CAP 1.2: {}\n{document}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A client of the live stream, reading events off a raw connection.
struct StreamClient {
    stream: TcpStream,
    buffer: String,
}

impl StreamClient {
    async fn connect(
        server: std::net::SocketAddr,
        cookie: &str,
        last_event_id: Option<u64>,
    ) -> StreamClient {
        let mut stream = TcpStream::connect(server).await.unwrap();
        let resume = last_event_id.map_or(String::new(), |id| format!("Last-Event-ID: {id}\r\n"));
        let request = format!(
            "GET /api/v1/stream HTTP/1.1\r\nHost: {server}\r\nCookie: {cookie}\r\n{resume}Accept: text/event-stream\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        StreamClient {
            stream,
            buffer: String::new(),
        }
    }

    /// The next `change` event (its id and data), or `None` when none comes within half a second.
    async fn next(&mut self) -> Option<(u64, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|line| line.strip_prefix(name).map(str::trim).map(str::to_owned))
                };
                if let (Some(id), Some(data)) = (field("id:"), field("data:")) {
                    return Some((id.parse().unwrap(), serde_json::from_str(&data).unwrap()));
                }
                continue;
            }
            let mut chunk = [0u8; 4096];
            let read = tokio::time::timeout(
                std::time::Duration::from_millis(500),
                self.stream.read(&mut chunk),
            );
            match read.await {
                Ok(Ok(n)) if n > 0 => {
                    // Chunk-size lines of the transfer encoding sit between events; they hold no blank line.
                    self.buffer
                        .push_str(&String::from_utf8_lossy(&chunk[..n]).replace("\r\n", "\n"));
                }
                _ => return None,
            }
        }
    }
}

/// The live stream end to end: a write reaches a subscribed client, a client whose grant does not cover the
/// cell does not see it, and a reconnecting client catches up from its last event.
async fn check_stream(
    server: std::net::SocketAddr,
    analytics: &Analytics,
    viewer: &str,
    admin: &str,
) {
    assert_eq!(
        get(server, "/api/v1/stream?topics=gossip").await.status,
        400
    );
    let mut watcher = StreamClient::connect(server, admin, None).await;
    let mut commune = StreamClient::connect(server, viewer, None).await;
    // Let both subscriptions start before writing.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    analytics
        .write_observations(&[value("BUD.REVENUE_TOTAL", "22924", "202611", 9.0)])
        .await
        .unwrap();
    let (first_id, first) = watcher.next().await.expect("the write reaches the admin");
    assert_eq!(first["indicator"], "BUD.REVENUE_TOTAL");
    assert!(
        ["22924", "68"].contains(&first["unit"].as_str().unwrap()),
        "{first}"
    );
    let mut seen = vec![first];
    while let Some((_, event)) = watcher.next().await {
        seen.push(event);
    }
    let phu_thuy = seen
        .iter()
        .find(|e| e["unit"] == "22924" && e["period"] == "202611")
        .expect("the written cell");
    assert_eq!(
        (phu_thuy["old_value"].clone(), phu_thuy["new_value"].clone()),
        (Value::Null, json!(9.0))
    );
    assert!(
        seen.iter()
            .any(|e| e["unit"] == "68" && e["period"] == "2026"),
        "the province's year moved too"
    );

    analytics
        .write_observations(&[value("BUD.REVENUE_TOTAL", "22918", "202611", 8.0)])
        .await
        .unwrap();
    let (_, own) = commune
        .next()
        .await
        .expect("the viewer sees its own commune");
    assert_eq!(
        own["unit"], "22918",
        "nothing outside the grant came first: {own}"
    );
    while let Some((_, event)) = commune.next().await {
        assert_eq!(event["unit"], "22918", "{event}");
    }

    // Reconnecting after the first event replays the rest, in order.
    let mut again = StreamClient::connect(server, admin, Some(first_id)).await;
    let (next_id, _) = again.next().await.expect("missed events are replayed");
    assert_eq!(next_id, first_id + 1);
}

async fn check_units(server: std::net::SocketAddr) {
    let map = get(server, "/api/v1/units/geojson?level=commune").await;
    assert_eq!(
        (map.status, map.content_type.as_str()),
        (200, "application/geo+json")
    );
    assert_eq!(map.body["type"], "FeatureCollection");
    let features = map.body["features"].as_array().unwrap();
    assert_eq!(features.len(), 124);
    // Each commune with a point gets an approximate area around it: a closed ring holding the point, and
    // no other commune's point.
    let mui_ne = features.iter().find(|f| f["id"] == "22918").unwrap();
    assert_eq!(mui_ne["geometry"]["type"], "Polygon");
    assert_eq!(mui_ne["properties"]["approximate"], true);
    let ring: Vec<[f64; 2]> =
        serde_json::from_value(mui_ne["geometry"]["coordinates"][0].clone()).unwrap();
    assert_eq!(ring.first(), ring.last());
    let point = &mui_ne["properties"]["point"];
    // Longitude first: Mũi Né lies at about 108.26 E, 10.97 N.
    let own = [
        point["lon"].as_f64().unwrap(),
        point["lat"].as_f64().unwrap(),
    ];
    assert!((own[0] - 108.2599).abs() < 1e-3, "{own:?}");
    assert!(vantage_model::geometry::ring_contains(&ring, own));
    let placed: Vec<[f64; 2]> = features
        .iter()
        .filter(|f| f["id"] != "22918" && !f["properties"]["point"].is_null())
        .map(|f| {
            [
                f["properties"]["point"]["lon"].as_f64().unwrap(),
                f["properties"]["point"]["lat"].as_f64().unwrap(),
            ]
        })
        .collect();
    assert!(placed.len() > 100);
    assert!(
        placed
            .iter()
            .all(|other| !vantage_model::geometry::ring_contains(&ring, *other))
    );
    assert_eq!(mui_ne["properties"]["name"], "Phường Mũi Né");
    let old = get(
        server,
        "/api/v1/units/geojson?level=district&as_of=2025-06-30",
    )
    .await;
    let districts = old.body["features"].as_array().unwrap();
    assert_eq!(districts.len(), 28);
    assert!(districts.iter().all(|d| d["geometry"]["type"] == "Polygon"));
    let province = get(server, "/api/v1/units/geojson?level=province").await;
    let whole: Vec<[f64; 2]> =
        serde_json::from_value(province.body["features"][0]["geometry"]["coordinates"][0].clone())
            .unwrap();
    assert!(
        vantage_model::geometry::ring_contains(&whole, [108.2599, 10.97]),
        "the province's area reaches its communes"
    );

    let communes = get(server, "/api/v1/units?level=commune&limit=1000").await;
    assert_eq!(communes.status, 200);
    assert_eq!(codes(&communes.body).len(), 124);
    assert!(
        communes.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|unit| unit["parent"] == "68")
    );

    let before = get(server, "/api/v1/units?level=province&as_of=2025-06-30").await;
    assert_eq!(codes(&before.body), vec!["60", "67", "68"]);
    let old_communes = get(
        server,
        "/api/v1/units?level=commune&as_of=2025-06-30&limit=1000",
    )
    .await;
    assert_eq!(codes(&old_communes.body).len(), 329);

    // Paging through the children of the province visits each exactly once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/units?parent=68&limit=50&cursor={cursor}"),
            None => "/api/v1/units?parent=68&limit=50".to_owned(),
        };
        let page = get(server, &path).await;
        seen.extend(codes(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.replace(':', "%3A")),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (124, 124));

    let province = get(server, "/api/v1/units/68").await;
    assert_eq!(province.status, 200);
    assert_eq!(province.body["record"]["valid_from"], "2025-07-01");
    assert_eq!(province.body["history"].as_array().unwrap().len(), 2);
    assert_eq!(province.body["children"], 124);
    let mut predecessors: Vec<&str> = province.body["predecessors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["old_code"].as_str().unwrap())
        .collect();
    predecessors.sort();
    assert_eq!(predecessors, vec!["60", "67", "68"]);

    let retired = get(server, "/api/v1/units/67").await;
    assert_eq!(retired.body["record"]["valid_to"], "2025-07-01");
    assert_eq!(retired.body["successors"][0]["new_code"], "68");
    let old_68 = get(server, "/api/v1/units/68?as_of=2024-01-01").await;
    assert_eq!(old_68.body["record"]["valid_to"], "2025-07-01");
    assert_eq!(old_68.body["children"], 10);

    let missing = get(server, "/api/v1/units/99999").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type, "application/problem+json");
    assert_eq!(missing.body["type"], "urn:vantage:problem:not-found");
    let bad = get(server, "/api/v1/units?level=village").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["type"], "urn:vantage:problem:invalid-parameter");
    assert!(bad.body["detail"].as_str().unwrap().starts_with("level:"));
    assert_eq!(
        get(server, "/api/v1/units?as_of=2025-13-01").await.status,
        400
    );
}

async fn check_indicators(server: std::net::SocketAddr) {
    let all = get(server, "/api/v1/indicators?limit=1000").await;
    let items = all.body["items"].as_array().unwrap();
    assert!(items.len() >= 283);
    assert!(
        items.iter().all(|i| i["public"] == true),
        "anonymous callers see public indicators only"
    );
    let domains: std::collections::BTreeSet<&str> = items
        .iter()
        .map(|i| i["domain"].as_str().unwrap())
        .collect();
    assert!(domains.len() >= 20);

    let found = get(server, "/api/v1/indicators?q=ngan%20sach&limit=1000").await;
    let names: Vec<&str> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name_vi"].as_str().unwrap())
        .collect();
    assert!(!names.is_empty());
    assert!(
        names
            .iter()
            .all(|name| name.to_lowercase().contains("ngân sách")),
        "{names:?}"
    );
    let accented = get(
        server,
        "/api/v1/indicators?q=ng%C3%A2n%20s%C3%A1ch&limit=1000",
    )
    .await;
    assert_eq!(codes(&accented.body), codes(&found.body));

    let budget = get(server, "/api/v1/indicators?domain=BUD&limit=1000").await;
    assert!(
        budget.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["domain"] == "BUD")
    );
    let page = get(server, "/api/v1/indicators?limit=10").await;
    assert_eq!(codes(&page.body).len(), 10);
    let next = page.body["next_cursor"].as_str().unwrap();
    let second = get(
        server,
        &format!("/api/v1/indicators?limit=10&cursor={next}"),
    )
    .await;
    assert!(codes(&second.body)[0].as_str() > next);

    let one = get(server, "/api/v1/indicators/BUD.REVENUE_ESTIMATE_RATE").await;
    assert_eq!(one.status, 200);
    assert_eq!(
        one.body["formula"],
        "100 * BUD.REVENUE_TOTAL / BUD.REVENUE_ESTIMATE"
    );
    assert_eq!(one.body["owner_agency"], "STC");
    assert_eq!(get(server, "/api/v1/indicators/NOPE").await.status, 404);
    assert_eq!(get(server, "/api/v1/indicators?limit=0").await.status, 400);
}

async fn check_openapi(server: std::net::SocketAddr) {
    let document = get(server, "/api/v1/openapi.json").await;
    assert_eq!(document.status, 200);
    assert!(
        document.body["openapi"]
            .as_str()
            .unwrap()
            .starts_with("3.1")
    );
    let paths: Vec<&String> = document.body["paths"].as_object().unwrap().keys().collect();
    for path in [
        "/api/v1/health",
        "/api/v1/ready",
        "/api/v1/units",
        "/api/v1/units/{code}",
        "/api/v1/indicators",
        "/api/v1/indicators/{code}",
    ] {
        assert!(
            paths.iter().any(|p| *p == path),
            "{path} is missing from {paths:?}"
        );
    }
}

/// The committed docs/openapi.json must match the code. Regenerate it with
/// `VANTAGE_UPDATE_OPENAPI=1 cargo test -p vantage-server --test api`.
#[test]
fn the_committed_openapi_document_is_current() {
    let (_, document) = vantage_server::api();
    let generated = serde_json::to_string_pretty(&document).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    if std::env::var_os("VANTAGE_UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run VANTAGE_UPDATE_OPENAPI=1 cargo test -p vantage-server --test api"
    );
}

/// A JSON source for connectors: answers 500 to its first request, then the document to requests
/// carrying `Authorization: Bearer tok-123` (401 without); counts the requests.
async fn json_source(document: Value) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let count = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let (status, body) = if count == 0 {
                ("500 Internal Server Error", String::new())
            } else if !head.contains("authorization: bearer tok-123\r\n") {
                ("401 Unauthorized", String::new())
            } else {
                ("200 OK", document.to_string())
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (format!("http://{address}/api/quan-trac?ky=thang"), served)
}

/// Pull connectors: kept by writers, checked; a failed fetch logged with its retry; records read by the
/// mapping (dates to periods), checked as uploads are, the bad ones logged; the same document again
/// changes nothing; the credential never shown; the scheduler runs an enabled connector by itself.
async fn check_connectors(server: std::net::SocketAddr, viewer: &str, owner: &str, admin: &str) {
    let document = json!({"data": [
        {"ma": "SEC.CRIME_CASES", "xa": "22918", "ngay": "2025-03-10", "so": 4},
        {"ma": "SEC.CRIME_CASES", "xa": 22924, "ngay": "202503", "so": "6"},
        {"ma": "SEC.CRIME_CASES", "xa": "99999", "ngay": "2025-03-10", "so": 1},
        {"ma": "BUD.REVENUE_TOTAL", "xa": "22918", "ngay": "2025-03-10", "so": 1}
    ]});
    let (url, _) = json_source(document).await;
    let connector = |id: &str, enabled: bool, token: &str| {
        json!({
            "id": id, "name": "Số vụ phạm tội", "url": url, "every_minutes": 60, "enabled": enabled,
            "credential": {"kind": "bearer", "token": token},
            "mapping": {"records": "/data", "indicator": {"pointer": "/ma"}, "unit": {"pointer": "/xa"},
                        "period": {"pointer": "/ngay"}, "value": {"pointer": "/so"},
                        "comment": {"value": "từ cổng dữ liệu"}}
        })
    };
    let put = |cookie: &str, id: &str, body: Value| {
        let path = format!("/api/v1/connectors/{id}");
        let cookie = cookie.to_owned();
        async move { request(server, "PUT", &path, Some(&cookie), Some(&body)).await }
    };
    assert_eq!(
        put(viewer, "ca", connector("ca", false, "tok-123"))
            .await
            .status,
        403
    );
    let mut bad = connector("ca", false, "tok-123");
    bad["every_minutes"] = json!(1);
    let refused = put(admin, "ca", bad).await;
    assert_eq!(
        (
            refused.status,
            refused.body["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with("every_minutes")
        ),
        (400, true),
        "{}",
        refused.body
    );
    assert_eq!(
        put(admin, "ca", connector("ca", false, "tok-123"))
            .await
            .status,
        204
    );

    let run = || async move {
        request(
            server,
            "POST",
            "/api/v1/connectors/ca/runs",
            Some(admin),
            None,
        )
        .await
    };
    let failed = run().await;
    assert_eq!(
        (
            failed.status,
            failed.body["outcome"].clone(),
            failed.body["attempt"].clone()
        ),
        (200, json!("failed"), json!(1)),
        "{}",
        failed.body
    );
    assert!(
        failed.body["error"].as_str().unwrap().contains("500"),
        "{}",
        failed.body
    );
    assert!(
        failed.body["retry_at"].is_null(),
        "a disabled connector run by hand is not tried again by itself"
    );
    let tried = request(
        server,
        "POST",
        "/api/v1/connectors/ca/runs?dry_run=true",
        Some(admin),
        None,
    )
    .await
    .body;
    assert_eq!(
        (
            tried["id"].clone(),
            tried["outcome"].clone(),
            tried["created"].clone()
        ),
        (json!(0), json!("partial"), json!(3)),
        "{tried}"
    );
    let partial = run().await;
    assert_eq!(
        (
            partial.body["outcome"].clone(),
            partial.body["records"].clone(),
            partial.body["created"].clone(),
            partial.body["rejected"].clone()
        ),
        (json!("partial"), json!(4), json!(3), json!(1)),
        "{}",
        partial.body
    );
    assert_eq!(
        (
            partial.body["problems"][0]["index"].clone(),
            partial.body["problems"][0]["field"].clone()
        ),
        (json!(2), json!("unit"))
    );
    let march = "/api/v1/observations/history?indicator=SEC.CRIME_CASES&unit=22918&period=202503";
    let written = request(server, "GET", march, Some(admin), None).await.body;
    let newest = &written["items"][0];
    assert_eq!(
        (
            newest["value"].clone(),
            newest["comment"].clone(),
            newest["author"].clone()
        ),
        (json!(4.0), json!("từ cổng dữ liệu"), json!("admin1")),
        "{written}"
    );
    let again = run().await;
    assert_eq!(
        (
            again.body["created"].clone(),
            again.body["unchanged"].clone()
        ),
        (json!(0), json!(3)),
        "the same document changes nothing"
    );

    // The credential is never shown; sending the placeholder back keeps it.
    let listed = request(server, "GET", "/api/v1/connectors", Some(admin), None).await;
    assert!(
        !listed.body.to_string().contains("tok-123"),
        "{}",
        listed.body
    );
    assert_eq!(
        listed.body[0]["connector"]["credential"]["token"],
        "********"
    );
    assert_eq!(listed.body[0]["last_run"]["outcome"], "partial");
    assert!(
        listed.body[0]["next_run_at"].is_null(),
        "a disabled connector does not run by itself"
    );
    assert_eq!(
        put(admin, "ca", connector("ca", false, "********"))
            .await
            .status,
        204
    );
    assert_eq!(
        run().await.body["outcome"],
        "partial",
        "the kept token still opens the source"
    );
    let runs = request(
        server,
        "GET",
        "/api/v1/connectors/ca/runs?limit=10",
        Some(admin),
        None,
    )
    .await;
    let outcomes: Vec<&str> = runs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["partial", "partial", "partial", "failed"]);
    assert_eq!(
        put(admin, "moi", connector("moi", false, "********"))
            .await
            .status,
        400,
        "no stored secret to keep"
    );

    // A data owner keeps its own connectors, which write within its grant.
    assert_eq!(
        request(server, "GET", "/api/v1/connectors", Some(owner), None)
            .await
            .body,
        json!([])
    );
    assert_eq!(
        put(owner, "ca", connector("ca", false, "tok-123"))
            .await
            .status,
        403
    );
    assert_eq!(
        put(owner, "an-ninh", connector("an-ninh", false, "tok-123"))
            .await
            .status,
        204
    );
    let owned = request(
        server,
        "POST",
        "/api/v1/connectors/an-ninh/runs",
        Some(owner),
        None,
    )
    .await;
    let fields: Vec<(Value, Value)> = owned.body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["index"].clone(), p["field"].clone()))
        .collect();
    assert_eq!(
        fields,
        [(json!(2), json!("unit")), (json!(3), json!("indicator"))],
        "{}",
        owned.body
    );

    // Enabled and never run: the scheduler runs it at once; its source fails, so it is tried again
    // after a minute, which is when it runs next.
    let (failing, failing_served) = json_source(json!({"data": []})).await;
    let mut scheduled_connector = connector("tu-dong", true, "tok-123");
    scheduled_connector["url"] = json!(failing);
    assert_eq!(put(admin, "tu-dong", scheduled_connector).await.status, 204);
    let mut scheduled = Value::Null;
    for _ in 0..50 {
        scheduled = request(
            server,
            "GET",
            "/api/v1/connectors/tu-dong/runs",
            Some(admin),
            None,
        )
        .await
        .body;
        if scheduled.as_array().is_some_and(|runs| !runs.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        (
            scheduled[0]["trigger"].clone(),
            scheduled[0]["outcome"].clone(),
            scheduled[0]["attempt"].clone()
        ),
        (json!("schedule"), json!("failed"), json!(1)),
        "{scheduled}"
    );
    assert_eq!(failing_served.load(std::sync::atomic::Ordering::SeqCst), 1);
    let retry_at: jiff::Timestamp = scheduled[0]["retry_at"].as_str().unwrap().parse().unwrap();
    let finished_at: jiff::Timestamp = scheduled[0]["finished_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        retry_at.duration_since(finished_at).as_secs(),
        60,
        "the first retry after a minute"
    );
    let listed = request(server, "GET", "/api/v1/connectors", Some(admin), None).await;
    let next = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["connector"]["id"] == "tu-dong")
        .unwrap()["next_run_at"]
        .clone();
    assert_eq!(next, scheduled[0]["retry_at"]);
    for id in ["ca", "tu-dong"] {
        let path = format!("/api/v1/connectors/{id}");
        assert_eq!(
            request(server, "DELETE", &path, Some(admin), None)
                .await
                .status,
            204
        );
    }
    assert_eq!(
        request(server, "DELETE", "/api/v1/connectors/ca", Some(admin), None)
            .await
            .status,
        404
    );
}

/// Reporting rates: the reports owed in a window of deadlines, judged by when each cell first held a
/// value that counts; a commune on time, one late, the rest missing; drafts are not reports.
async fn check_reporting_rates(
    server: std::net::SocketAddr,
    analytics: &Analytics,
    viewer: &str,
    admin: &str,
) {
    // The deadline of August 2025's crime figures, as the calendar sets it.
    let window = "from=2025-09-01&to=2025-09-30";
    let reports = |query: String| async move {
        request(
            server,
            "GET",
            &format!("/api/v1/reporting-rates/reports?{window}&{query}"),
            Some(admin),
            None,
        )
        .await
        .body
    };
    let owed = reports("indicator=SEC.CRIME_CASES&unit=22918".to_owned()).await;
    assert_eq!(owed["items"].as_array().unwrap().len(), 1, "{owed}");
    assert_eq!(
        (
            owed["items"][0]["period"].clone(),
            owed["items"][0]["punctuality"].clone()
        ),
        (json!("202508"), json!("missing"))
    );
    let deadline: jiff::Timestamp = owed["items"][0]["deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let at = |hours: i64| deadline + jiff::SignedDuration::from_hours(hours);
    let reported = |unit: &str, status: ObservationStatus, hours: i64| Observation {
        status,
        recorded_at: at(hours),
        ..value("SEC.CRIME_CASES", unit, "202508", 3.0)
    };
    for batch in [
        vec![
            reported("22918", ObservationStatus::Submitted, -30),
            reported("22924", ObservationStatus::Draft, -30),
        ],
        // Approved later: still reported on time. The draft submitted after the deadline: late.
        vec![
            reported("22918", ObservationStatus::Approved, 100),
            reported("22924", ObservationStatus::Submitted, 2),
        ],
    ] {
        analytics.write_observations(&batch).await.unwrap();
    }
    let judged = |unit: &str| {
        let unit = unit.to_owned();
        async move {
            reports(format!("indicator=SEC.CRIME_CASES&unit={unit}")).await["items"][0]["punctuality"]
                .clone()
        }
    };
    assert_eq!(judged("22918").await, "on_time");
    assert_eq!(judged("22924").await, "late");
    let late = reports("indicator=SEC.CRIME_CASES&punctuality=late".to_owned()).await;
    let units: Vec<&str> = late["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["22924"]);
    assert!(late["items"][0]["first_reported_at"].is_string());

    let rates = request(
        server,
        "GET",
        &format!("/api/v1/reporting-rates?{window}"),
        Some(admin),
        None,
    )
    .await
    .body;
    let crime = rates["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["code"] == "SEC.CRIME_CASES")
        .unwrap();
    let communes = rates["communes"].as_array().unwrap();
    assert_eq!(
        (crime["name"].clone(), crime["name_en"].clone()),
        (
            json!("Số vụ phạm tội về trật tự xã hội"),
            json!("Public-order crimes recorded")
        )
    );
    assert_eq!(
        (crime["on_time"].clone(), crime["late"].clone()),
        (json!(1), json!(1)),
        "{crime}"
    );
    assert_eq!(
        crime["missing"].as_u64().unwrap() + 2,
        crime["expected"].as_u64().unwrap()
    );
    let position = |code: &str| communes.iter().position(|row| row["code"] == code).unwrap();
    assert!(
        position("22918") < position("22924"),
        "on time ranks above late"
    );
    let police = rates["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "Công an tỉnh")
        .unwrap();
    assert!(police["expected"].as_u64().unwrap() >= 1, "{police}");
    assert_eq!(
        request(server, "GET", "/api/v1/reporting-rates", Some(viewer), None)
            .await
            .status,
        403
    );
    assert_eq!(
        request(
            server,
            "GET",
            "/api/v1/reporting-rates?from=2025-10-01&to=2025-09-01",
            Some(admin),
            None
        )
        .await
        .status,
        400
    );
}

/// Reporting rates as indicators of their own: the server counts each commune's and the departments'
/// reports by the month of their deadline, the engine sums the communes' into the province's, the counts
/// agree with the reporting-rates answer, and a report written later is counted within moments.
#[tokio::test]
async fn reports_are_counted_as_indicators() {
    for database in TestDatabase::all().await {
        let (server, analytics) = start_with(&database, |state| state).await;
        let hash = vantage_server::auth::hash_password("mật khẩu dài").unwrap();
        let admin = User {
            username: "admin1".into(),
            role: Role::Admin,
            agency: "VPUBND".into(),
            unit: None,
            domains: Vec::new(),
        };
        analytics
            .store()
            .add_user(&admin, &hash, jiff::Timestamp::now())
            .await
            .unwrap();
        let admin = session_cookie(&sign_in(server, "admin1", "mật khẩu dài", None).await);

        // Crime figures of the month before last, due on the 20th of last month (or the working day
        // after): counted in last month.
        let today = jiff::tz::TimeZone::fixed(jiff::tz::offset(7))
            .to_datetime(jiff::Timestamp::now())
            .date();
        let counted =
            Period::containing(vantage_model::period::PeriodType::Month, today).previous();
        let reported = counted.previous().to_string();
        let month = counted.to_string();
        let early: jiff::Timestamp = format!("{}T08:00:00+07:00", counted.start())
            .parse()
            .unwrap();
        let late: jiff::Timestamp = format!("{}T08:00:00+07:00", counted.end()).parse().unwrap();
        let report = |indicator: &str, unit: &str, at: jiff::Timestamp| Observation {
            recorded_at: at,
            status: ObservationStatus::Submitted,
            ..value(indicator, unit, &reported, 3.0)
        };
        analytics
            .write_observations(&[
                report("SEC.CRIME_CASES", "22918", early),
                report("SEC.CRIME_CASES", "22924", late),
            ])
            .await
            .unwrap();

        let read = |indicator: &'static str, unit: &'static str| {
            let path = format!("/api/v1/values?indicator={indicator}&unit={unit}&period={month}");
            let admin = admin.clone();
            async move {
                let answer = request(server, "GET", &path, Some(&admin), None).await;
                answer.body["value"].as_f64()
            }
        };
        // Counted within moments of the write.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while read("RPT.COMMUNE_RECEIVED", "68").await != Some(2.0) {
            assert!(
                std::time::Instant::now() < deadline,
                "the counts never came: {:?}",
                read("RPT.COMMUNE_RECEIVED", "68").await
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(read("RPT.COMMUNE_ON_TIME", "22918").await, Some(1.0));
        assert_eq!(read("RPT.COMMUNE_ON_TIME", "22924").await, Some(0.0));
        assert_eq!(
            read("RPT.COMMUNE_LATE", "22924").await,
            Some(1.0),
            "a formula over the counts"
        );
        let expected = read("RPT.COMMUNE_EXPECTED", "22918").await.unwrap();
        assert!(
            expected > 1.0,
            "every report due from the commune: {expected}"
        );
        let rate = read("RPT.COMMUNE_ON_TIME_RATE", "22918").await.unwrap();
        assert!(
            (rate - 100.0 / expected).abs() < 1e-9,
            "{rate} of {expected}"
        );
        assert_eq!(read("RPT.AGENCY_RECEIVED", "68").await, Some(0.0));

        // The same reports as the reporting-rates answer tallies them for that month.
        let window = format!("from={}&to={}", counted.start(), counted.end());
        let rates = request(
            server,
            "GET",
            &format!("/api/v1/reporting-rates?{window}"),
            Some(&admin),
            None,
        )
        .await
        .body;
        let total = |party: &str| -> f64 {
            rates[party]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["expected"].as_f64().unwrap())
                .sum()
        };
        assert_eq!(
            read("RPT.COMMUNE_EXPECTED", "68").await,
            Some(total("communes"))
        );
        assert_eq!(
            read("RPT.AGENCY_EXPECTED", "68").await,
            Some(total("agencies"))
        );

        // A report arriving later is counted too.
        analytics
            .write_observations(&[report("SEC.FIRES", "22918", early)])
            .await
            .unwrap();
        while read("RPT.COMMUNE_ON_TIME", "22918").await != Some(2.0) {
            assert!(
                std::time::Instant::now() < deadline,
                "the later report was never counted"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(read("RPT.COMMUNE_ON_TIME", "68").await, Some(2.0));
    }
}
