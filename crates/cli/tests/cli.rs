//! The `vantage` binary as a user runs it: imports with their error reports, export, users, settings
//! precedence, serve and demo.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const VANTAGE: &str = env!("CARGO_BIN_EXE_vantage");

fn demo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/demo")
        .join(name)
}

/// A `vantage` command with a clean environment: no settings leak in from the caller's shell.
fn vantage(args: &[&str]) -> Command {
    let mut command = Command::new(VANTAGE);
    command.args(args);
    for variable in [
        "VANTAGE_DATABASE_URL",
        "VANTAGE_LISTEN",
        "VANTAGE_CONFIG",
        "VANTAGE_TIME_ZONE",
    ] {
        command.env_remove(variable);
    }
    command
}

fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Database {
    _directory: tempfile::TempDir,
    url: String,
}

fn database() -> Database {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", directory.path().join("vantage.db").display());
    Database {
        _directory: directory,
        url,
    }
}

fn import(db: &Database, kind: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "import",
        kind,
        file.to_str().unwrap(),
        "--database-url",
        &db.url,
    ];
    args.extend_from_slice(extra);
    run(&mut vantage(&args))
}

fn load_reference(db: &Database) {
    load_reference_into(&db.url);
}

fn load_reference_into(url: &str) {
    for (kind, file) in [
        ("domains", "domains.csv"),
        ("units", "units.csv"),
        ("lineage", "lineage.csv"),
        ("agencies", "agencies.csv"),
        ("catalog", "catalog.csv"),
    ] {
        let path = demo_file(file);
        let output = run(&mut vantage(&[
            "import",
            kind,
            path.to_str().unwrap(),
            "--database-url",
            url,
        ]));
        assert!(output.status.success(), "{kind}: {}", text(&output.stderr));
    }
}

#[test]
fn imports_report_bad_rows_and_reimports_change_nothing() {
    let db = database();
    load_reference(&db);
    let again = import(&db, "units", &demo_file("units.csv"), &[]);
    assert!(
        text(&again.stdout).contains("0 created, 0 updated, 485 unchanged"),
        "{}",
        text(&again.stdout)
    );

    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("values.csv");
    std::fs::write(
        &file,
        "indicator,unit,period,value\nBUD.REVENUE_TOTAL,68,202510,1200\nBUD.REVENUE_TOTAL,68,202511,12,5\nBUD.REVENUE_TOTAL,77,202511,3\n",
    )
    .unwrap();
    let refused = import(&db, "observations", &file, &[]);
    assert_eq!(refused.status.code(), Some(1));
    let errors = text(&refused.stderr);
    assert!(
        errors.contains(
            "row 3, column value: has 5 values but the header has 4 columns (a decimal comma?"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("row 4, column unit: no unit `77`"),
        "{errors}"
    );
    assert!(errors.contains("nothing was imported"), "{errors}");
    let export = run(&mut vantage(&[
        "export",
        "observations",
        "--database-url",
        &db.url,
    ]));
    assert_eq!(
        text(&export.stdout).lines().count(),
        1,
        "only the header: the refused file wrote nothing"
    );

    let rejected = directory.path().join("rejected.csv");
    let accepted = import(
        &db,
        "observations",
        &file,
        &["--accept-valid", "--rejected", rejected.to_str().unwrap()],
    );
    assert!(accepted.status.success(), "{}", text(&accepted.stderr));
    assert!(text(&accepted.stdout).contains("1 created"));
    let rejected_rows = std::fs::read_to_string(&rejected).unwrap();
    assert!(
        rejected_rows.starts_with("_row,_errors,indicator,unit,period,value"),
        "{rejected_rows}"
    );
    assert_eq!(rejected_rows.lines().count(), 3);

    // An export imports back unchanged.
    let exported = directory.path().join("export.csv");
    let export = run(&mut vantage(&[
        "export",
        "observations",
        "--database-url",
        &db.url,
        "-o",
        exported.to_str().unwrap(),
    ]));
    assert!(export.status.success());
    assert!(
        std::fs::read_to_string(&exported)
            .unwrap()
            .contains("BUD.REVENUE_TOTAL,68,202510,1200,submitted")
    );
    let reimport = import(&db, "observations", &exported, &[]);
    assert!(
        text(&reimport.stdout).contains("0 created, 0 updated, 1 unchanged"),
        "{}",
        text(&reimport.stdout)
    );
}

fn add_user(db: &Database, args: &[&str], password: &str) -> Output {
    let mut all = vec!["user", "add"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--database-url", &db.url]);
    let mut child = vantage(&all)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before reading the password: the pipe may be closed.
    let _ = child.stdin.take().unwrap().write_all(password.as_bytes());
    child.wait_with_output().unwrap()
}

#[test]
fn dhis2_data_value_sets_import() {
    let db = database();
    load_reference(&db);
    let directory = tempfile::tempdir().unwrap();
    let json = directory.path().join("set.json");
    std::fs::write(
        &json,
        r#"{"dataSet": "BUD", "period": "202609", "orgUnit": "22918", "dataValues": [
            {"dataElement": "BUD.REVENUE_TOTAL", "value": "12.5"},
            {"dataElement": "BUD.REVENUE_TOTAL", "orgUnit": "99999", "value": "1"}
        ]}"#,
    )
    .unwrap();
    let refused = import(&db, "dhis2", &json, &[]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("99999"),
        "{}",
        text(&refused.stderr)
    );
    let accepted = import(&db, "dhis2", &json, &["--accept-valid"]);
    assert!(
        text(&accepted.stdout).contains("1 created"),
        "{}",
        text(&accepted.stderr)
    );
    let csv = directory.path().join("set.csv");
    std::fs::write(&csv, "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\nBUD.REVENUE_TOTAL,202609,22918,,,13\n").unwrap();
    let updated = import(&db, "dhis2", &csv, &[]);
    assert!(
        text(&updated.stdout).contains("0 created, 1 updated"),
        "{}",
        text(&updated.stderr)
    );
}

#[test]
fn tokens_are_issued_and_audited() {
    let db = database();
    load_reference(&db);
    let verify = || {
        run(&mut vantage(&[
            "audit",
            "verify",
            "--database-url",
            &db.url,
        ]))
    };
    let checked = verify();
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    assert_eq!(
        text(&checked.stdout).trim(),
        "The audit log is intact: 0 entries."
    );

    let issue = |user: &str| {
        run(&mut vantage(&[
            "token",
            "create",
            "--user",
            user,
            "--name",
            "trạm",
            "--scope",
            "write",
            "--days",
            "30",
            "--database-url",
            &db.url,
        ]))
    };
    let nobody = issue("tram");
    assert!(!nobody.status.success());
    assert!(
        text(&nobody.stderr).contains("no user `tram`"),
        "{}",
        text(&nobody.stderr)
    );
    let added = add_user(
        &db,
        &[
            "tram",
            "--role",
            "data_owner",
            "--agency",
            "STC",
            "--domain",
            "BUD",
        ],
        "mật khẩu dài",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let issued = issue("tram");
    assert!(issued.status.success(), "{}", text(&issued.stderr));
    let token = text(&issued.stdout).trim().to_owned();
    assert!(token.starts_with("vt_") && token.len() == 76, "{token}");
    assert_eq!(
        text(&verify().stdout).trim(),
        "The audit log is intact: 1 entries."
    );
}

#[test]
fn users_are_added_with_checked_grants() {
    let db = database();
    load_reference(&db);
    let added = add_user(
        &db,
        &[
            "lan",
            "--role",
            "data_owner",
            "--agency",
            "STC",
            "--domain",
            "BUD",
        ],
        "mật-khẩu-dài\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("user lan added with role data_owner"));
    let again = add_user(
        &db,
        &["lan", "--role", "viewer", "--agency", "STC"],
        "another-password\n",
    );
    assert!(
        text(&again.stderr).contains("user `lan` already exists"),
        "{}",
        text(&again.stderr)
    );
    let cases = [
        (
            vec!["an", "--role", "mayor", "--agency", "STC"],
            "not a role",
        ),
        (
            vec!["an", "--role", "viewer", "--agency", "NOPE"],
            "unknown agency",
        ),
        (
            vec![
                "an", "--role", "viewer", "--agency", "STC", "--unit", "99999",
            ],
            "unknown unit",
        ),
        (
            vec![
                "an", "--role", "viewer", "--agency", "STC", "--domain", "XYZ",
            ],
            "unknown domain",
        ),
    ];
    for (args, message) in cases {
        let output = add_user(&db, &args, "long-enough-password\n");
        assert!(!output.status.success());
        assert!(
            text(&output.stderr).contains(message),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    let short = add_user(
        &db,
        &["an", "--role", "viewer", "--agency", "STC"],
        "short\n",
    );
    assert!(text(&short.stderr).contains("at least 8 characters"));
}

/// A running `vantage` that is killed when dropped.
struct Running {
    child: Child,
    address: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` and waits for the line that says where it serves.
fn start(command: &mut Command) -> Running {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let Some(Ok(line)) = lines.next() else {
            let mut errors = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut errors)
                .unwrap();
            panic!("vantage stopped before serving: {errors}");
        };
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    Running { child, address }
}

fn get(address: &str, path: &str) -> (u16, serde_json::Value) {
    send(address, "GET", path, "")
}

/// Signs in through the API and returns its answer.
fn sign_in_as(address: &str, username: &str, password: &str) -> (u16, serde_json::Value) {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    send(address, "POST", "/api/v1/session", &body)
}

fn send(address: &str, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    let content = if body.is_empty() {
        String::new()
    } else {
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        )
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n{content}\r\n{body}"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

#[test]
fn serve_takes_flags_over_environment_over_the_config_file() {
    let db = database();
    load_reference(&db);
    let directory = tempfile::tempdir().unwrap();
    let config = directory.path().join("vantage.toml");
    std::fs::write(
        &config,
        "database_url = \"sqlite:/nonexistent/vantage.db\"\nlisten = \"not an address\"\n",
    )
    .unwrap();

    // The file alone is wrong on both counts.
    let output = run(&mut vantage(&[
        "serve",
        "--config",
        config.to_str().unwrap(),
    ]));
    assert!(
        text(&output.stderr).contains("not ADDRESS:PORT"),
        "{}",
        text(&output.stderr)
    );
    // The environment fixes the address, the file's database is still missing.
    let output = run(vantage(&["serve", "--config", config.to_str().unwrap()])
        .env("VANTAGE_LISTEN", "127.0.0.1:0"));
    assert!(
        text(&output.stderr).contains("no database at /nonexistent/vantage.db"),
        "{}",
        text(&output.stderr)
    );
    // The environment's database wins over the file's, a flag's address over the environment's.
    let server = start(
        vantage(&[
            "serve",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("VANTAGE_LISTEN", "also not an address")
        .env("VANTAGE_DATABASE_URL", &db.url),
    );
    assert_eq!(
        get(&server.address, "/api/v1/health"),
        (200, serde_json::json!({"status": "ok"}))
    );
    let (status, body) = get(&server.address, "/api/v1/units?level=commune&limit=1000");
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().unwrap().len(), 124);
}

#[test]
fn demo_loads_the_province_and_reuses_it() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("demo");
    // A short history keeps this debug-build test quick; the full history is the same code over more periods.
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let since = zone
        .to_datetime(jiff::Timestamp::now())
        .date()
        .checked_sub(jiff::Span::new().days(20))
        .unwrap()
        .to_string();
    let args = [
        "demo",
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--since",
        &since,
    ];
    {
        let demo = start(&mut vantage(&args));
        let (_, communes) = get(
            &demo.address,
            "/api/v1/units?level=commune&parent=68&limit=1000",
        );
        assert_eq!(communes["items"].as_array().unwrap().len(), 124);
        let (status, me) = sign_in_as(&demo.address, "finance", "demo-finance-2026");
        assert_eq!(
            (status, me["role"].as_str()),
            (200, Some("data_owner")),
            "{me}"
        );
        let (_, indicators) = get(&demo.address, "/api/v1/indicators?limit=1000");
        let items = indicators["items"].as_array().unwrap();
        assert!(items.len() >= 283);
        let domains: std::collections::BTreeSet<&str> = items
            .iter()
            .map(|i| i["domain"].as_str().unwrap())
            .collect();
        assert!(domains.len() >= 20);
    }
    let mut again = vantage(&args);
    let reused = start(&mut again);
    let (status, ready) = get(&reused.address, "/api/v1/ready");
    assert_eq!(status, 200);
    assert!(
        ready["values_loaded"].as_u64().unwrap() > 10_000,
        "the analytics engine holds the demo's values: {ready}"
    );
    drop(reused);
    let export = run(&mut vantage(&[
        "export",
        "observations",
        "--database-url",
        &format!("sqlite:{}", data.join("vantage.db").display()),
        "--unit",
        "68",
    ]));
    assert!(
        text(&export.stdout).lines().count() > 100,
        "the demo holds province values"
    );
}

/// The same commands on PostgreSQL, when VANTAGE_TEST_POSTGRES names a server.
#[tokio::test(flavor = "multi_thread")]
async fn imports_and_serves_on_postgres() {
    let Some(database) = vantage_store::testing::TestDatabase::postgres().await else {
        return;
    };
    let url = database.url.clone();
    tokio::task::spawn_blocking(move || {
        load_reference_into(&url);
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("values.csv");
        std::fs::write(
            &file,
            "indicator,unit,period,value\nBUD.REVENUE_TOTAL,68,202510,1200\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let imported = run(&mut vantage(&[
            "import",
            "observations",
            path,
            "--database-url",
            &url,
        ]));
        assert!(
            text(&imported.stdout).contains("1 created"),
            "{}",
            text(&imported.stderr)
        );
        let again = run(&mut vantage(&[
            "import",
            "observations",
            path,
            "--database-url",
            &url,
        ]));
        assert!(text(&again.stdout).contains("0 created, 0 updated, 1 unchanged"));
        let export = run(&mut vantage(&[
            "export",
            "observations",
            "--database-url",
            &url,
        ]));
        assert!(text(&export.stdout).contains("BUD.REVENUE_TOTAL,68,202510,1200,submitted"));
        let server = start(&mut vantage(&[
            "serve",
            "--database-url",
            &url,
            "--listen",
            "127.0.0.1:0",
        ]));
        let (status, ready) = get(&server.address, "/api/v1/ready");
        assert_eq!((status, ready["storage"].as_str()), (200, Some("postgres")));
        assert_eq!(
            ready["values_loaded"], 1,
            "the imported value is in the engine"
        );
        let (_, communes) = get(&server.address, "/api/v1/units?level=commune&limit=1000");
        assert_eq!(communes["items"].as_array().unwrap().len(), 124);
    })
    .await
    .unwrap();
    database.drop_database().await;
}

#[test]
fn boundaries_are_imported_checked_and_served_with_the_web_app_folder() {
    let db = database();
    load_reference(&db);
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("ranh-gioi.geojson");
    let square = |lon: f64| serde_json::json!({"type": "Polygon", "coordinates": [[[lon, 10.9], [lon + 0.1, 10.9], [lon + 0.1, 11.0], [lon, 11.0], [lon, 10.9]]]});
    let features = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "22918"}, "geometry": square(108.2)},
        {"type": "Feature", "properties": {"code": "00000"}, "geometry": square(108.0)},
        {"type": "Feature", "properties": {"code": "22924"}, "geometry": {"type": "LineString", "coordinates": [[108.1, 10.9], [108.2, 10.9]]}}
    ]});
    std::fs::write(&file, features.to_string()).unwrap();
    let refused = import(&db, "boundaries", &file, &[]);
    let errors = text(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        errors.contains("feature 2, properties.code: no unit 00000")
            && errors.contains("feature 3, geometry: a LineString has no area")
            && errors.contains("nothing was imported"),
        "{errors}"
    );
    let accepted = import(&db, "boundaries", &file, &["--accept-valid"]);
    assert!(
        text(&accepted.stdout).contains("1 boundaries imported"),
        "{}",
        text(&accepted.stderr)
    );

    let web = directory.path().join("dist");
    std::fs::create_dir(&web).unwrap();
    let empty = run(&mut vantage(&[
        "serve",
        "--database-url",
        &db.url,
        "--web-dir",
        web.to_str().unwrap(),
    ]));
    assert!(
        text(&empty.stderr).contains("holds no index.html"),
        "{}",
        text(&empty.stderr)
    );
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>Vantage</title>",
    )
    .unwrap();
    let server = start(&mut vantage(&[
        "serve",
        "--database-url",
        &db.url,
        "--listen",
        "127.0.0.1:0",
        "--web-dir",
        web.to_str().unwrap(),
    ]));
    let (status, map) = get(&server.address, "/api/v1/units/geojson?level=commune");
    assert_eq!(status, 200);
    let feature = |code: &str| {
        map["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == code)
            .unwrap()
            .clone()
    };
    let surveyed = feature("22918");
    assert_eq!(surveyed["geometry"]["type"], "MultiPolygon");
    assert_eq!(
        surveyed["geometry"]["coordinates"][0],
        square(108.2)["coordinates"]
    );
    assert_eq!(surveyed["properties"]["approximate"], false);
    assert_eq!(
        feature("22924")["geometry"]["type"],
        "Point",
        "no derived cells beside imported boundaries"
    );
    let mut page = String::new();
    let mut stream = TcpStream::connect(&server.address).unwrap();
    write!(
        stream,
        "GET /map HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    stream.read_to_string(&mut page).unwrap();
    assert!(page.ends_with("<title>Vantage</title>"), "{page}");
}
