//! The engine benchmark. Generates 500 indicators × 1,000 communes × 20 months (10 million values; 100
//! communes with `--size small`) under 50 districts and one province, with a mix of aggregation rules and
//! 50 derived rates; loads them durably into Vantage (SQLite store + engine) and, through baseline.py, into
//! PostgreSQL and DuckDB; asks all three the same questions; checks that the answers agree; and prints a
//! table and, as its last line, one JSON object of figures.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{Value, json};
use vantage_engine::{Engine, IndicatorId};
use vantage_live::Analytics;
use vantage_model::agency::{Agency, AgencyKind};
use vantage_model::fixtures;
use vantage_model::indicator::{Domain, Indicator, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target, TargetBound};
use vantage_model::unit::{Unit, UnitIndex, UnitLevel};
use vantage_store::Store;

const MONTHS: i64 = 20;
const FIRST_MONTH: Period = Period::Month {
    year: 2025,
    month: 1,
};
const LATEST: Period = Period::Month {
    year: 2026,
    month: 8,
};
const BATCH: usize = 100_000;

struct Options {
    communes: usize,
    districts: usize,
    postgres: String,
    python: Option<PathBuf>,
    baseline: Option<PathBuf>,
}

fn options() -> Options {
    let mut options = Options {
        communes: 1000,
        districts: 50,
        postgres: "postgres://postgres@127.0.0.1:5432/test".into(),
        python: None,
        baseline: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--size" => match value().as_str() {
                "full" => (options.communes, options.districts) = (1000, 50),
                "small" => (options.communes, options.districts) = (100, 10),
                other => fail(&format!("unknown size {other} (full or small)")),
            },
            "--postgres" => options.postgres = value(),
            "--python" => options.python = Some(value().into()),
            "--baseline" => options.baseline = Some(value().into()),
            other => fail(&format!("unknown argument {other}")),
        }
    }
    options
}

fn fail(message: &str) -> ! {
    eprintln!("bench/engine: {message}");
    std::process::exit(2)
}

/// The generated province: codes, tree and catalogue, shared by Vantage and the baselines' CSV files.
struct Dataset {
    districts: Vec<String>,
    communes: Vec<String>,
    indicators: Vec<Indicator>,
    /// For derived indicators: (numerator, denominator) positions in `indicators`.
    ratios: BTreeMap<usize, (usize, usize)>,
}

impl Dataset {
    fn new(districts: usize, communes: usize) -> Dataset {
        let district_codes: Vec<String> = (0..districts).map(|d| format!("D{d:02}")).collect();
        let commune_codes: Vec<String> = (0..communes).map(|c| format!("C{c:04}")).collect();
        let mut indicators = Vec::new();
        let mut ratios = BTreeMap::new();
        let mut sums: Vec<usize> = Vec::new();
        for k in 0..550usize {
            let code = format!("X{k:03}");
            let domain = format!("D{:02}", k / 30);
            if k % 11 == 10 {
                // A rate of two earlier sums, as most derived indicators in the real catalogue are.
                let (a, b) = (sums[sums.len() - 1], sums[sums.len() - 2]);
                ratios.insert(k, (a, b));
                let formula = format!("100 * {} / {}", indicators_code(a), indicators_code(b));
                indicators.push(indicator(
                    &code,
                    &domain,
                    TimeAggregation::Sum,
                    SpaceAggregation::Formula,
                    false,
                    Some(formula),
                ));
                continue;
            }
            let (time, space, cumulative) = match k % 10 {
                0..=2 => (TimeAggregation::Sum, SpaceAggregation::Sum, true),
                3..=5 => (TimeAggregation::Sum, SpaceAggregation::Sum, false),
                6 => (TimeAggregation::Mean, SpaceAggregation::Mean, false),
                7 => (TimeAggregation::Last, SpaceAggregation::Sum, false),
                8 => (TimeAggregation::Max, SpaceAggregation::Max, false),
                _ => (TimeAggregation::Min, SpaceAggregation::Min, false),
            };
            if space == SpaceAggregation::Sum {
                sums.push(k);
            }
            indicators.push(indicator(&code, &domain, time, space, cumulative, None));
        }
        Dataset {
            districts: district_codes,
            communes: commune_codes,
            indicators,
            ratios,
        }
    }

    fn district_of(&self, commune: usize) -> usize {
        commune * self.districts.len() / self.communes.len()
    }

    fn base(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.indicators.len()).filter(|k| !self.ratios.contains_key(k))
    }

    fn len(&self) -> usize {
        self.base().count() * self.communes.len() * MONTHS as usize
    }

    fn value(indicator: usize, commune: usize, month: i64) -> f64 {
        let mut x = (indicator as u64) << 40 ^ (commune as u64) << 16 ^ month as u64;
        x = x.wrapping_mul(0x9e3779b97f4a7c15);
        x ^= x >> 29;
        10.0 + (x % 100_000) as f64 / 100.0
    }

    fn units(&self) -> Vec<Unit> {
        let unit = |code: &str, level, parent| fixtures::unit(code, level, parent, None, None);
        let mut units = vec![unit("P", UnitLevel::Province, None)];
        units.extend(
            self.districts
                .iter()
                .map(|d| unit(d, UnitLevel::District, Some("P"))),
        );
        units.extend(self.communes.iter().enumerate().map(|(c, code)| {
            unit(
                code,
                UnitLevel::Commune,
                Some(&self.districts[self.district_of(c)]),
            )
        }));
        units
    }

    /// Annual targets for the province and the districts: statuses are part of every answer.
    fn targets(&self) -> Vec<Target> {
        let mut targets = Vec::new();
        for (k, indicator) in self.indicators.iter().enumerate() {
            for unit in std::iter::once("P").chain(self.districts.iter().map(String::as_str)) {
                targets.push(Target {
                    key: ObservationKey {
                        indicator: indicator.code.clone(),
                        unit: unit.into(),
                        period: Period::Year(2026),
                    },
                    bound: TargetBound::AtLeast {
                        value: 1000.0 + k as f64,
                    },
                    source_document: "bench".into(),
                });
            }
        }
        targets
    }

    /// Observations in the order bulk files come: indicator, then period, then unit.
    fn observations(&self, recorded_at: Timestamp) -> impl Iterator<Item = Observation> + '_ {
        self.base().flat_map(move |k| {
            (0..MONTHS).flat_map(move |m| {
                (0..self.communes.len()).map(move |c| Observation {
                    key: ObservationKey {
                        indicator: self.indicators[k].code.clone(),
                        unit: self.communes[c].clone(),
                        period: FIRST_MONTH.offset(m as i32),
                    },
                    value: Dataset::value(k, c, m),
                    status: ObservationStatus::Approved,
                    source: "bench".into(),
                    author: "bench".into(),
                    recorded_at,
                    comment: None,
                })
            })
        })
    }

    /// The CSV files and questions baseline.py reads.
    fn write_files(&self, dir: &Path) -> std::io::Result<()> {
        let mut units = String::from("id,code,parent_id,level\n0,P,,province\n");
        for (d, code) in self.districts.iter().enumerate() {
            writeln!(units, "{},{code},0,district", 1 + d).unwrap();
        }
        for (c, code) in self.communes.iter().enumerate() {
            let parent = 1 + self.district_of(c);
            writeln!(
                units,
                "{},{code},{parent},commune",
                1 + self.districts.len() + c
            )
            .unwrap();
        }
        std::fs::write(dir.join("units.csv"), units)?;
        let mut indicators = String::from(
            "id,code,domain,space_aggregation,time_aggregation,cumulative,numerator_id,denominator_id,scale\n",
        );
        for (k, i) in self.indicators.iter().enumerate() {
            match self.ratios.get(&k) {
                Some((a, b)) => writeln!(
                    indicators,
                    "{k},{},{},formula,,false,{a},{b},100",
                    i.code, i.domain
                ),
                None => writeln!(
                    indicators,
                    "{k},{},{},{},{},{},,,",
                    i.code, i.domain, i.space_aggregation, i.time_aggregation, i.cumulative
                ),
            }
            .unwrap();
        }
        std::fs::write(dir.join("indicators.csv"), indicators)?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("observations.csv"))?);
        use std::io::Write as _;
        writeln!(out, "indicator_id,unit_id,period,value")?;
        let first_commune = 1 + self.districts.len();
        for k in self.base() {
            for m in 0..MONTHS {
                let Period::Month { year, month } = FIRST_MONTH.offset(m as i32) else {
                    unreachable!()
                };
                for c in 0..self.communes.len() {
                    writeln!(
                        out,
                        "{k},{},{}{:02},{}",
                        first_commune + c,
                        year,
                        month,
                        Dataset::value(k, c, m)
                    )?;
                }
            }
        }
        out.flush()?;
        let queries = json!({
            "year": 2026,
            "panel": {"indicator_id": 0, "period": 202608},
            "lookup": {"indicator_id": 7, "unit_id": first_commune + 123 % self.communes.len(), "period": 202608},
            "scorecard": {"domain": "D00", "unit_id": 5, "period": 202608},
            "repeat": 50,
        });
        std::fs::write(dir.join("queries.json"), queries.to_string())
    }
}

fn indicators_code(k: usize) -> String {
    format!("X{k:03}")
}

fn indicator(
    code: &str,
    domain: &str,
    time: TimeAggregation,
    space: SpaceAggregation,
    cumulative: bool,
    formula: Option<String>,
) -> Indicator {
    Indicator {
        domain: domain.into(),
        cumulative,
        formula,
        ..fixtures::indicator(code, PeriodType::Month, time, space)
    }
}

/// Median and 99th percentile (nearest rank) of timings.
fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let rank =
        |p: f64| samples[((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
    (rank(0.5), rank(0.99))
}

fn time<T>(runs: usize, mut question: impl FnMut() -> T) -> (Duration, Duration) {
    std::hint::black_box(question());
    let samples = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(question());
            started.elapsed()
        })
        .collect();
    percentiles(samples)
}

fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

async fn seed(store: &Store, dataset: &Dataset) {
    store
        .write_domains(
            &(0..19)
                .map(|d| Domain {
                    code: format!("D{d:02}"),
                    name_vi: String::new(),
                    name_en: String::new(),
                })
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    store
        .write_agencies(&[Agency {
            code: "AG".into(),
            name_vi: "AG".into(),
            name_en: "AG".into(),
            kind: AgencyKind::Department,
            jurisdiction: "P".into(),
        }])
        .await
        .unwrap();
    store.write_units(&dataset.units()).await.unwrap();
    store.write_indicators(&dataset.indicators).await.unwrap();
    store.write_targets(&dataset.targets()).await.unwrap();
}

/// A scorecard row: indicator code, value, same period last year, year to date.
type ScorecardRow = (String, Option<f64>, Option<f64>, Option<f64>);

struct Answers {
    rollup: Vec<(String, String, Option<f64>)>,
    panel: Vec<(String, Option<f64>, Option<f64>)>,
    lookup: Option<f64>,
    scorecard: Vec<ScorecardRow>,
}

/// Every indicator on the province for each quarter of 2026, row by row.
fn rollup(
    engine: &Engine,
    province: UnitIndex,
    ids: &[IndicatorId],
    quarters: &[Period],
) -> Vec<Option<f64>> {
    engine.values_table(province, ids, quarters)
}

fn quarters() -> Vec<Period> {
    (1..=4)
        .map(|quarter| Period::Quarter {
            year: 2026,
            quarter,
        })
        .collect()
}

fn answers(engine: &Engine, dataset: &Dataset) -> Answers {
    let registry = engine.registry();
    let province = engine.unit_for("P", LATEST).unwrap();
    let code = |id: IndicatorId| engine.catalog().get(id).code.clone();
    let ids: Vec<IndicatorId> = engine.catalog().ids().collect();
    let quarters = quarters();
    let table = rollup(engine, province, &ids, &quarters);
    let rollup = ids
        .iter()
        .flat_map(|id| quarters.iter().map(move |q| (*id, *q)))
        .zip(table)
        .map(|((id, q), v)| (code(id), q.to_string(), v))
        .collect();
    let panel_indicator = engine.catalog().id(&indicators_code(0)).unwrap();
    let panel = engine
        .breakdown(panel_indicator, province, LATEST)
        .into_iter()
        .map(|f| (registry.get(f.unit).code.clone(), f.value, f.last_year))
        .collect();
    let lookup_unit = engine
        .unit_for(&dataset.communes[123 % dataset.communes.len()], LATEST)
        .unwrap();
    let lookup = engine.value(
        engine.catalog().id(&indicators_code(7)).unwrap(),
        lookup_unit,
        LATEST,
    );
    let district = engine.unit_for(&dataset.districts[4], LATEST).unwrap();
    let scorecard = engine
        .scorecard("D00", district, LATEST)
        .into_iter()
        .map(|f| (code(f.indicator), f.value, f.last_year, f.year_to_date))
        .collect();
    Answers {
        rollup,
        panel,
        lookup,
        scorecard,
    }
}

/// Counts the numbers on which a baseline's answers differ from Vantage's.
fn disagreements(ours: &Answers, theirs: &Value) -> usize {
    let close = |a: Option<f64>, b: &Value| match (a, b.as_f64()) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0),
        _ => false,
    };
    let rows = |key: &str| theirs[key].as_array().cloned().unwrap_or_default();
    let mut wrong = 0;
    let rollup = rows("rollup");
    wrong += ours.rollup.len().abs_diff(rollup.len());
    for ((code, quarter, value), row) in ours.rollup.iter().zip(&rollup) {
        wrong += usize::from(
            row[0] != code.as_str() || row[1] != quarter.as_str() || !close(*value, &row[2]),
        );
    }
    let panel = rows("panel");
    wrong += ours.panel.len().abs_diff(panel.len());
    for ((code, value, last), row) in ours.panel.iter().zip(&panel) {
        wrong += usize::from(
            row[0] != code.as_str() || !close(*value, &row[1]) || !close(*last, &row[2]),
        );
    }
    wrong += usize::from(!close(ours.lookup, &theirs["lookup"]));
    let scorecard = rows("scorecard");
    wrong += ours.scorecard.len().abs_diff(scorecard.len());
    for ((code, value, last, ytd), row) in ours.scorecard.iter().zip(&scorecard) {
        wrong += usize::from(
            row[0] != code.as_str()
                || !close(*value, &row[1])
                || !close(*last, &row[2])
                || !close(*ytd, &row[3]),
        );
    }
    wrong
}

#[tokio::main]
async fn main() {
    let options = options();
    let dataset = Dataset::new(options.districts, options.communes);
    let total = dataset.len();
    let dir = tempfile::tempdir().unwrap();
    eprintln!(
        "dataset: {total} values, {} indicators, {} communes, in {}",
        dataset.indicators.len(),
        dataset.communes.len(),
        dir.path().display()
    );
    let mut figures = serde_json::Map::new();
    let mut put = |key: &str, value: f64| {
        figures.insert(key.into(), json!((value * 1000.0).round() / 1000.0));
    };

    // 1. Durable bulk load: every batch committed to SQLite (synchronous=FULL) and applied to the engine.
    let url = format!("sqlite:{}", dir.path().join("vantage.db").display());
    let store = Arc::new(Store::open(&url).await.unwrap());
    seed(&store, &dataset).await;
    let analytics = Analytics::open(store.clone()).await.unwrap();
    let recorded_at = Timestamp::now();
    let started = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    for observation in dataset.observations(recorded_at) {
        batch.push(observation);
        if batch.len() == BATCH {
            analytics.write_observations(&batch).await.unwrap();
            batch.clear();
        }
    }
    analytics.write_observations(&batch).await.unwrap();
    let load_s = started.elapsed().as_secs_f64();
    put("load_obs_per_s", total as f64 / load_s);
    put("load_s", load_s);
    drop(analytics);

    // 4. Start-up: the engine rebuilt from the store; memory held per value.
    let before = resident_bytes();
    let started = Instant::now();
    let analytics = Analytics::open(store.clone()).await.unwrap();
    put("startup_s", started.elapsed().as_secs_f64());
    let engine_bytes = analytics.engine().bytes();
    put("bytes_per_obs", engine_bytes as f64 / total as f64);
    put(
        "rss_bytes_per_obs",
        resident_bytes().saturating_sub(before) as f64 / total as f64,
    );

    // 2. The questions.
    let ours = {
        let engine = analytics.engine();
        let province = engine.unit_for("P", LATEST).unwrap();
        let (ids, quarters): (Vec<IndicatorId>, _) = (engine.catalog().ids().collect(), quarters());
        let (p50, p99) = time(200, || rollup(&engine, province, &ids, &quarters));
        put("rollup_ms", p50.as_secs_f64() * 1e3);
        put("rollup_p99_ms", p99.as_secs_f64() * 1e3);
        let panel_indicator = engine.catalog().id(&indicators_code(0)).unwrap();
        let (p50, p99) = time(2000, || engine.breakdown(panel_indicator, province, LATEST));
        put("panel_us", p50.as_secs_f64() * 1e6);
        put("panel_p99_us", p99.as_secs_f64() * 1e6);
        let lookup_indicator = engine.catalog().id(&indicators_code(7)).unwrap();
        let commune = engine
            .unit_for(&dataset.communes[123 % dataset.communes.len()], LATEST)
            .unwrap();
        let (p50, p99) = time(100_000, || engine.value(lookup_indicator, commune, LATEST));
        put("lookup_us", p50.as_secs_f64() * 1e6);
        put("lookup_p99_us", p99.as_secs_f64() * 1e6);
        let district = engine.unit_for(&dataset.districts[4], LATEST).unwrap();
        let (p50, p99) = time(2000, || engine.scorecard("D00", district, LATEST));
        put("scorecard_us", p50.as_secs_f64() * 1e6);
        put("scorecard_p99_us", p99.as_secs_f64() * 1e6);
        put(
            "scorecard_indicators",
            engine.catalog().domain("D00").len() as f64,
        );
        answers(&engine, &dataset)
    };

    // 3. Incremental writes with a subscriber listening: batches of 1,000 corrections, each durable, applied
    // and published; the delay from each acknowledgement to its change event reaching the subscriber.
    let mut changes = analytics.subscribe();
    let (received_tx, mut received_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(batch) = changes.recv().await {
            let _ = received_tx.send((batch.sequence, Instant::now()));
        }
    });
    let rounds = 100;
    let per_batch = 1000;
    let mut acknowledged = Vec::new();
    let started = Instant::now();
    let mut corrections = dataset
        .observations(recorded_at)
        .step_by(total / (rounds * per_batch))
        .take(rounds * per_batch);
    for _ in 0..rounds {
        let mut batch: Vec<Observation> = corrections.by_ref().take(per_batch).collect();
        for observation in &mut batch {
            observation.value += 1.0;
        }
        analytics.write_observations(&batch).await.unwrap();
        acknowledged.push(Instant::now());
    }
    let writes_s = started.elapsed().as_secs_f64();
    put("writes_per_s", (rounds * per_batch) as f64 / writes_s);
    let mut delays = Vec::new();
    for acknowledged in acknowledged {
        let (_, received) = received_rx.recv().await.unwrap();
        delays.push(received.saturating_duration_since(acknowledged));
    }
    let (p50, p99) = percentiles(delays);
    put("change_event_ms", p50.as_secs_f64() * 1e3);
    put("change_event_p99_ms", p99.as_secs_f64() * 1e3);

    // The engine's own share of loading and of incremental writes, without the store.
    drop(analytics);
    let registry = vantage_model::unit::UnitRegistry::new(dataset.units(), Vec::new()).unwrap();
    let mut engine = Engine::new(dataset.indicators.clone(), registry).unwrap();
    let targets: Vec<_> = dataset
        .targets()
        .iter()
        .map(|t| {
            let indicator = engine.catalog().id(&t.key.indicator).unwrap();
            let unit = engine.unit_for(&t.key.unit, t.key.period).unwrap();
            (indicator, unit, t.key.period, Some(t.bound))
        })
        .collect();
    engine.load_targets(&targets);
    let started = Instant::now();
    let mut writes = Vec::with_capacity(1 << 20);
    for k in dataset.base() {
        for m in 0..MONTHS {
            let period = FIRST_MONTH.offset(m as i32);
            for (c, commune) in dataset.communes.iter().enumerate() {
                let value = Some(Dataset::value(k, c, m));
                writes.push(
                    engine
                        .resolve(&dataset.indicators[k].code, commune, period, value)
                        .unwrap(),
                );
            }
        }
        if writes.len() >= 1 << 20 {
            engine.load(&writes);
            writes.clear();
        }
    }
    engine.load(&writes);
    put(
        "engine_load_obs_per_s",
        total as f64 / started.elapsed().as_secs_f64(),
    );
    let corrections: Vec<_> = dataset
        .observations(recorded_at)
        .step_by(total / (rounds * per_batch))
        .take(rounds * per_batch)
        .map(|o| {
            engine
                .resolve(
                    &o.key.indicator,
                    &o.key.unit,
                    o.key.period,
                    Some(o.value + 2.0),
                )
                .unwrap()
        })
        .collect();
    let started = Instant::now();
    let mut changed = 0;
    for batch in corrections.chunks(per_batch) {
        changed += engine.apply(batch).len();
    }
    put(
        "engine_writes_per_s",
        corrections.len() as f64 / started.elapsed().as_secs_f64(),
    );
    put(
        "engine_changes_per_write",
        changed as f64 / corrections.len() as f64,
    );
    drop(engine);

    // The baselines, on the same data and questions.
    let mut agreement = String::from("not checked (no baselines run)");
    if let (Some(python), Some(script)) = (&options.python, &options.baseline) {
        dataset.write_files(dir.path()).unwrap();
        let output = std::process::Command::new(python)
            .arg(script)
            .arg("--data")
            .arg(dir.path())
            .arg("--postgres")
            .arg(&options.postgres)
            .stderr(std::process::Stdio::inherit())
            .output()
            .unwrap();
        if !output.status.success() {
            fail("baseline.py failed");
        }
        let line = String::from_utf8_lossy(&output.stdout);
        let theirs: serde_json::Map<String, Value> =
            serde_json::from_str(line.trim().lines().last().unwrap_or("{}")).unwrap();
        figures.extend(theirs);
        let mut notes = Vec::new();
        for engine in ["postgres", "duckdb"] {
            let answers: Value = serde_json::from_slice(
                &std::fs::read(dir.path().join(format!("answers-{engine}.json"))).unwrap(),
            )
            .unwrap();
            notes.push(format!(
                "{engine}: {} differences",
                disagreements(&ours, &answers)
            ));
        }
        agreement = notes.join(", ");
    }
    print_table(&figures, total, &agreement);
    println!("{}", Value::Object(figures));
}

fn print_table(figures: &serde_json::Map<String, Value>, total: usize, agreement: &str) {
    let get = |key: &str| figures.get(key).and_then(Value::as_f64);
    let show = |value: Option<f64>| value.map_or("–".to_owned(), |v| format!("{v:.3}"));
    let ratio = |theirs: Option<f64>, ours: Option<f64>| match (theirs, ours) {
        (Some(t), Some(o)) if o > 0.0 => format!("{:.0}×", t / o),
        _ => "–".to_owned(),
    };
    println!("Engine benchmark: {total} values; answers against Vantage's: {agreement}");
    println!(
        "{:<28} {:>14} {:>14} {:>14} {:>10} {:>10}",
        "measure", "Vantage", "PostgreSQL", "DuckDB", "vs PG", "vs DuckDB"
    );
    let rows: [(&str, &str, &str, &str, f64); 5] = [
        (
            "bulk load (values/s)",
            "load_obs_per_s",
            "pg_load_obs_per_s",
            "duckdb_load_obs_per_s",
            1.0,
        ),
        (
            "province roll-up p50 (ms)",
            "rollup_ms",
            "pg_rollup_ms",
            "duckdb_rollup_ms",
            1.0,
        ),
        (
            "panel p50 (ms)",
            "panel_us",
            "pg_panel_ms",
            "duckdb_panel_ms",
            1e-3,
        ),
        (
            "point lookup p50 (ms)",
            "lookup_us",
            "pg_lookup_ms",
            "duckdb_lookup_ms",
            1e-3,
        ),
        (
            "scorecard p50 (ms)",
            "scorecard_us",
            "pg_scorecard_ms",
            "duckdb_scorecard_ms",
            1e-3,
        ),
    ];
    for (name, ours, pg, duck, scale) in rows {
        let ours = get(ours).map(|v| v * scale);
        let (pg, duck) = (get(pg), get(duck));
        let (vs_pg, vs_duck) = if name.starts_with("bulk") {
            (ratio(ours, pg), ratio(ours, duck))
        } else {
            (ratio(pg, ours), ratio(duck, ours))
        };
        println!(
            "{name:<28} {:>14} {:>14} {:>14} {:>10} {:>10}",
            show(ours),
            show(pg),
            show(duck),
            vs_pg,
            vs_duck
        );
    }
    for (name, key) in [
        ("roll-up p99 (ms)", "rollup_p99_ms"),
        ("panel p99 (µs)", "panel_p99_us"),
        ("lookup p99 (µs)", "lookup_p99_us"),
        ("scorecard p99 (µs)", "scorecard_p99_us"),
        ("incremental writes/s", "writes_per_s"),
        ("  engine alone: load/s", "engine_load_obs_per_s"),
        ("  engine alone: writes/s", "engine_writes_per_s"),
        ("  cells changed per write", "engine_changes_per_write"),
        ("change event p99 (ms)", "change_event_p99_ms"),
        ("start-up (s)", "startup_s"),
        ("engine bytes/value", "bytes_per_obs"),
        ("resident bytes/value", "rss_bytes_per_obs"),
    ] {
        println!("{name:<28} {:>14}", show(get(key)));
    }
}
