//! The alerts benchmark, against a running demo: saves `--rules` threshold rules (each on one commune and
//! one commune-level monthly indicator, its threshold far above any demo figure), then writes `--rate`
//! values a second for `--seconds` (batches of `--batch`, posted by `--writers` connections at once), of which
//! `--probes` a second go beyond a rule's threshold (and the next batch brings the cell back). For each
//! probe it measures the time from the acknowledgement of the write carrying it to its alert (`opened`)
//! on the live stream, and, as the baseline measured in the same run, to the value's own `change` event.
//! Prints a table and, last, one JSON line.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};
use vantage_bench_http::{fail, percentile, request};

/// Far above any demo figure: only probes reach it.
const THRESHOLD: f64 = 1e12;
const PERIOD: &str = "202611";

struct Options {
    address: String,
    rules: usize,
    rate: usize,
    seconds: u64,
    probes: usize,
    writers: usize,
    batch: usize,
}

fn options() -> Options {
    let mut options = Options {
        address: "127.0.0.1:18933".into(),
        rules: 1000,
        rate: 10_000,
        seconds: 10,
        probes: 20,
        writers: 4,
        batch: 500,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| fail(&format!("{arg} needs a value")));
        let number = || {
            value
                .parse::<usize>()
                .unwrap_or_else(|_| fail(&format!("{arg}: a number")))
        };
        match arg.as_str() {
            "--url" => {
                options.address = value
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .into()
            }
            "--rules" => options.rules = number(),
            "--rate" => options.rate = number(),
            "--seconds" => options.seconds = number() as u64,
            "--probes" => options.probes = number(),
            "--writers" => options.writers = number().max(1),
            "--batch" => options.batch = number().max(2),
            other => fail(&format!("unknown argument {other}")),
        }
    }
    options
}

/// A cell: indicator and unit (the period is always [`PERIOD`]).
type Cell = (String, String);

/// When the stream brought each cell's alert and each cell's change, first arrival only.
#[derive(Default)]
struct Arrivals {
    alerts: HashMap<Cell, Instant>,
    changes: HashMap<Cell, Instant>,
}

async fn get_json(address: &str, path: &str, cookie: &str) -> Value {
    let (status, _, body) = request(address, "GET", path, cookie, "").await;
    if status != 200 {
        fail(&format!("GET {path}: {status} {body}"));
    }
    // Answers may come chunked: the JSON lies between the first `{` and the last `}`.
    let start = body.find('{').unwrap_or(0);
    let end = body.rfind('}').map_or(body.len(), |end| end + 1);
    serde_json::from_str(&body[start..end]).unwrap_or_else(|e| fail(&format!("GET {path}: {e}")))
}

/// The indicators reported monthly at commune level and not computed, by code.
async fn indicators(address: &str, cookie: &str) -> Vec<String> {
    let mut codes = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = get_json(
            address,
            &format!("/api/v1/indicators?limit=1000{cursor}"),
            cookie,
        )
        .await;
        for item in page["items"].as_array().into_iter().flatten() {
            if item["frequency"] == "month"
                && item["formula"].is_null()
                && item["levels"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("commune")
            {
                codes.push(item["code"].as_str().unwrap_or_default().to_owned());
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return codes,
        }
    }
}

/// Reads the stream and notes when each cell's `opened` alert and value change first arrive.
async fn listen(address: String, cookie: String, arrivals: Arc<Mutex<Arrivals>>) {
    let Ok(mut stream) = TcpStream::connect(&address).await else {
        fail("cannot open the stream");
    };
    let request = format!(
        "GET /api/v1/stream?topics=values,alerts HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        fail("cannot open the stream");
    }
    let mut buffer = String::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
        let mut arrivals = arrivals.lock().await;
        while let Some(start) = buffer.find("data: ") {
            let Some(end) = buffer[start..].find('\n') else {
                break;
            };
            let data = buffer[start + 6..start + end].trim().to_owned();
            buffer.drain(..start + end);
            let Ok(event) = serde_json::from_str::<Value>(&data) else {
                continue;
            };
            if event["period"] != PERIOD {
                continue;
            }
            let cell = (
                event["indicator"].as_str().unwrap_or_default().to_owned(),
                event["unit"].as_str().unwrap_or_default().to_owned(),
            );
            if event["event"] == "opened" {
                arrivals.alerts.entry(cell).or_insert(now);
            } else if event["new_value"].as_f64().is_some_and(|v| v > THRESHOLD) {
                arrivals.changes.entry(cell).or_insert(now);
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let options = options();
    let address = options.address.clone();
    let (status, cookie, body) = request(
        &address,
        "POST",
        "/api/v1/session",
        "",
        &json!({"username": "admin", "password": "demo-admin-2026"}).to_string(),
    )
    .await;
    if status != 200 {
        fail(&format!(
            "cannot sign in as the demo admin: {status} {body}"
        ));
    }
    let communes: Vec<String> = get_json(&address, "/api/v1/units/geojson?level=commune", &cookie)
        .await["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|feature| feature["id"].as_str().map(str::to_owned))
        .collect();
    let indicators = indicators(&address, &cookie).await;
    if communes.is_empty() || indicators.is_empty() {
        fail("the demo has no communes or no commune-level monthly indicators");
    }
    // One rule per (indicator, commune), spread over both.
    let watched: Vec<Cell> = (0..options.rules)
        .map(|rule| {
            (
                indicators[rule % indicators.len()].clone(),
                communes[(rule / indicators.len() + rule * 7) % communes.len()].clone(),
            )
        })
        .collect();
    let watched_cells: HashSet<&Cell> = watched.iter().collect();
    let saving = Instant::now();
    for (index, (indicator, unit)) in watched.iter().enumerate() {
        let rule = json!({
            "id": format!("bench-{index}"),
            "name": format!("Benchmark rule {index}"),
            "severity": "minor",
            "indicator": indicator,
            "unit": unit,
            "level": "commune",
            "condition": {"kind": "threshold", "comparison": "above", "value": THRESHOLD},
        });
        let path = format!("/api/v1/alert-rules/bench-{index}");
        let (status, _, body) = request(&address, "PUT", &path, &cookie, &rule.to_string()).await;
        if status != 204 {
            fail(&format!("rule {index} refused: {status} {body}"));
        }
    }
    let saving = saving.elapsed().as_secs_f64();

    let arrivals = Arc::new(Mutex::new(Arrivals::default()));
    tokio::spawn(listen(address.clone(), cookie.clone(), arrivals.clone()));
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Batches go out on a fixed schedule to a pool of writers; each notes when its probes were acknowledged.
    let batch_size = options.batch;
    let batches_per_second = (options.rate / batch_size).max(1);
    let batches = batches_per_second * options.seconds as usize;
    let probe_every = (batches_per_second * batch_size / options.probes.max(1)).max(1);
    let (send, receive) = mpsc::channel::<(Vec<Value>, Vec<Cell>)>(batches);
    let receive = Arc::new(Mutex::new(receive));
    let acknowledged: Arc<Mutex<HashMap<Cell, Instant>>> = Arc::default();
    let written = Arc::new(Mutex::new(0usize));
    let mut writers = Vec::new();
    for _ in 0..options.writers {
        let (receive, acknowledged, written) =
            (receive.clone(), acknowledged.clone(), written.clone());
        let (address, cookie) = (address.clone(), cookie.clone());
        writers.push(tokio::spawn(async move {
            loop {
                let Some((items, probes)) = receive.lock().await.recv().await else {
                    return;
                };
                let body = Value::Array(items).to_string();
                let (status, _, answer) =
                    request(&address, "POST", "/api/v1/observations", &cookie, &body).await;
                let at = Instant::now();
                if status != 200 {
                    fail(&format!("a batch was refused: {status} {answer}"));
                }
                *written.lock().await += batch_size;
                let mut acknowledged = acknowledged.lock().await;
                for cell in probes {
                    acknowledged.insert(cell, at);
                }
            }
        }));
    }
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / batches_per_second as u32);
    let mut sequence = 0usize;
    let mut last_probe: Option<Cell> = None;
    let mut probes_sent = 0usize;
    for batch in 0..batches {
        ticker.tick().await;
        let mut items = Vec::with_capacity(batch_size);
        let mut cells: Vec<Cell> = Vec::with_capacity(batch_size);
        let mut probes = Vec::new();
        // The previous probe's cell comes back below the threshold: its alert clears and closes.
        if let Some(cell) = last_probe.take() {
            cells.push(cell);
        }
        while cells.len() < batch_size {
            sequence += 1;
            if sequence.is_multiple_of(probe_every) {
                let cell = watched[probes_sent % watched.len()].clone();
                probes_sent += 1;
                if !cells.contains(&cell) {
                    probes.push(cell.clone());
                    last_probe = Some(cell.clone());
                    cells.push(cell);
                }
                continue;
            }
            let cell = (
                indicators[sequence % indicators.len()].clone(),
                communes[(sequence / indicators.len() + batch) % communes.len()].clone(),
            );
            if !cells.contains(&cell) && !watched_cells.contains(&cell) {
                cells.push(cell);
            }
        }
        for cell in &cells {
            let value = if probes.contains(cell) {
                THRESHOLD * 10.0 + batch as f64
            } else {
                (sequence % 1000) as f64
            };
            items.push(
                json!({"indicator": cell.0, "unit": cell.1, "period": PERIOD, "value": value}),
            );
        }
        if send.send((items, probes)).await.is_err() {
            break;
        }
    }
    drop(send);
    for writer in writers {
        let _ = writer.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;

    let acknowledged = acknowledged.lock().await;
    let arrivals = arrivals.lock().await;
    let delays = |seen: &HashMap<Cell, Instant>| {
        let mut delays = Vec::new();
        let mut missing = 0;
        for (cell, at) in acknowledged.iter() {
            match seen.get(cell) {
                Some(arrived) => {
                    delays.push(arrived.saturating_duration_since(*at).as_secs_f64() * 1e3)
                }
                None => missing += 1,
            }
        }
        (delays, missing)
    };
    let (alert_delays, alerts_missing) = delays(&arrivals.alerts);
    let (change_delays, changes_missing) = delays(&arrivals.changes);
    let quantile =
        |samples: &[f64], p: f64| (!samples.is_empty()).then(|| percentile(samples.to_vec(), p));
    let show = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.1}"));
    let written = *written.lock().await;
    let rate = written as f64 / elapsed;
    let alert_p50 = quantile(&alert_delays, 0.5);
    let alert_p99 = quantile(&alert_delays, 0.99);
    let change_p50 = quantile(&change_delays, 0.5);
    let change_p99 = quantile(&change_delays, 0.99);
    println!("Alerts benchmark against the demo at {address}");
    println!(
        "{:<52} {:>12}",
        "rules (threshold, one commune and indicator each)", options.rules
    );
    println!("{:<52} {:>12.1}", "saving them (s)", saving);
    println!(
        "{:<52} {:>12.0}",
        "values written and acknowledged per second", rate
    );
    println!(
        "{:<52} {:>12}",
        "probes (values beyond a rule's threshold)",
        acknowledged.len()
    );
    println!(
        "{:<52} {:>12}",
        "probes whose alert never arrived", alerts_missing
    );
    println!(
        "{:<52} {:>12}",
        "write ack → alert on the stream, p50 (ms)",
        show(alert_p50)
    );
    println!(
        "{:<52} {:>12}",
        "write ack → alert on the stream, p99 (ms)",
        show(alert_p99)
    );
    println!(
        "{:<52} {:>12}",
        "baseline: write ack → its change event, p50 (ms)",
        show(change_p50)
    );
    println!(
        "{:<52} {:>12}",
        "baseline: write ack → its change event, p99 (ms)",
        show(change_p99)
    );
    if let (Some(alert), Some(change)) = (alert_p99, change_p99) {
        println!(
            "{:<52} {:>12.2}",
            "alert p99 / change p99",
            alert / change.max(0.001)
        );
    }
    println!(
        "{}",
        json!({
            "rules": options.rules,
            "rules_saving_s": saving,
            "values_per_s": rate,
            "probes": acknowledged.len(),
            "alerts_missing": alerts_missing,
            "changes_missing": changes_missing,
            "alert_p50_ms": alert_p50,
            "alert_p99_ms": alert_p99,
            "change_p50_ms": change_p50,
            "change_p99_ms": change_p99,
        })
    );
}
