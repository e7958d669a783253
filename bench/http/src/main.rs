//! The stream half of the HTTP benchmark, against a running demo: opens `--clients` anonymous Server-Sent
//! Events connections, signs in as the demo admin, writes a new value every 10 ms (`--writes` times), and
//! measures, for each write, the time from its acknowledgement until every client has received its event.
//! Prints a table with oha's scorecard figures (`--oha FILE`) and, last, one JSON line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use vantage_bench_http::{fail, percentile, request};

struct Options {
    address: String,
    oha: String,
    clients: usize,
    writes: usize,
}

fn options() -> Options {
    let mut options = Options {
        address: "127.0.0.1:18931".into(),
        oha: String::new(),
        clients: 1000,
        writes: 300,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| fail(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--url" => {
                options.address = value
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .into()
            }
            "--oha" => options.oha = value,
            "--clients" => {
                options.clients = value
                    .parse()
                    .unwrap_or_else(|_| fail("--clients: a number"))
            }
            "--writes" => {
                options.writes = value.parse().unwrap_or_else(|_| fail("--writes: a number"))
            }
            other => fail(&format!("unknown argument {other}")),
        }
    }
    options
}

/// When each client received each written value: `received[write][client]`.
type Receipts = Arc<Mutex<Vec<Vec<Option<Instant>>>>>;

/// Reads one client's stream and notes when the event of each written value arrives.
async fn client(address: String, index: usize, receipts: Receipts, base: f64) {
    let Ok(mut stream) = TcpStream::connect(&address).await else {
        return;
    };
    let request = format!(
        "GET /api/v1/stream?topics=values HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    let mut buffer = String::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
        while let Some(start) = buffer.find("data: ") {
            let Some(end) = buffer[start..].find('\n') else {
                break;
            };
            let data = buffer[start + 6..start + end].trim().to_owned();
            buffer.drain(..start + end);
            let Ok(event) = serde_json::from_str::<Value>(&data) else {
                continue;
            };
            if event["unit"] == "22918"
                && event["period"] == "202610"
                && let Some(value) = event["new_value"].as_f64()
            {
                let write = (value - base).round() as usize;
                let mut receipts = receipts.lock().await;
                if let Some(row) = receipts.get_mut(write) {
                    row[index].get_or_insert(now);
                }
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let options = options();
    let oha: Value = std::fs::read_to_string(&options.oha)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    let scorecard_rps = oha["summary"]["requestsPerSec"].as_f64();
    let scorecard_p99_ms = oha["latencyPercentiles"]["p99"].as_f64().map(|s| s * 1e3);

    let (status, cookie, body) = request(
        &options.address,
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
    // Values far from any demo figure, one per write, so that each event names its write.
    let base = 9_000_000.0;
    let receipts: Receipts = Arc::new(Mutex::new(vec![
        vec![None; options.clients];
        options.writes
    ]));
    for index in 0..options.clients {
        tokio::spawn(client(
            options.address.clone(),
            index,
            receipts.clone(),
            base,
        ));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut acknowledged = Vec::with_capacity(options.writes);
    let mut ticker = tokio::time::interval(Duration::from_millis(10));
    for write in 0..options.writes {
        ticker.tick().await;
        let item = json!([{"indicator": "BUD.REVENUE_TOTAL", "unit": "22918", "period": "202610", "value": base + write as f64}]);
        let (status, _, body) = request(
            &options.address,
            "POST",
            "/api/v1/observations",
            &cookie,
            &item.to_string(),
        )
        .await;
        if status != 200 {
            fail(&format!("write {write} refused: {status} {body}"));
        }
        acknowledged.push(Instant::now());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let receipts = receipts.lock().await;
    let mut delays = Vec::new();
    let mut missing = 0;
    for (write, row) in receipts.iter().enumerate() {
        let latest = row
            .iter()
            .map(|at| at.ok_or(()))
            .collect::<Result<Vec<_>, _>>();
        match latest {
            Ok(times) => {
                let last = times.into_iter().max().unwrap_or(acknowledged[write]);
                delays.push(
                    last.saturating_duration_since(acknowledged[write])
                        .as_secs_f64()
                        * 1e3,
                );
            }
            Err(()) => missing += 1,
        }
    }
    let stream_p99_ms = (!delays.is_empty()).then(|| percentile(delays.clone(), 0.99));
    let stream_p50_ms = (!delays.is_empty()).then(|| percentile(delays, 0.5));
    let show = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.2}"));
    println!("HTTP benchmark against the demo at {}", options.address);
    println!(
        "{:<44} {:>12}",
        "scorecard requests/s (64 connections)",
        show(scorecard_rps)
    );
    println!(
        "{:<44} {:>12}",
        "scorecard p99 (ms)",
        show(scorecard_p99_ms)
    );
    println!("{:<44} {:>12}", "stream clients", options.clients);
    println!("{:<44} {:>12}", "writes (one every 10 ms)", options.writes);
    println!(
        "{:<44} {:>12}",
        "writes some client never received", missing
    );
    println!(
        "{:<44} {:>12}",
        "write ack → all clients, p50 (ms)",
        show(stream_p50_ms)
    );
    println!(
        "{:<44} {:>12}",
        "write ack → all clients, p99 (ms)",
        show(stream_p99_ms)
    );
    println!(
        "{}",
        json!({
            "scorecard_rps": scorecard_rps,
            "scorecard_p99_ms": scorecard_p99_ms,
            "stream_clients": options.clients,
            "stream_writes": options.writes,
            "stream_missing": missing,
            "stream_p50_ms": stream_p50_ms,
            "stream_p99_ms": stream_p99_ms,
        })
    );
}
