//! Checks the generator on the real demo catalogue and units (data/demo).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use jiff::civil::{Date, date};
use vantage_model::indicator::{
    Indicator, Polarity, SpaceAggregation, TimeAggregation, parse_levels,
};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{Observation, ObservationStatus, Target, TargetBound};
use vantage_model::unit::{
    CrosswalkRow, Point, Unit, UnitIndex, UnitLevel, UnitRegistry, classify_crosswalk,
};

use crate::model::Model;
use crate::{DemoOptions, Generator};

/// Everything the generator produces for one set of options, in catalogue order.
#[derive(Debug, PartialEq)]
struct DemoData {
    observations: Vec<Observation>,
    targets: Vec<Target>,
}

fn generate(registry: &UnitRegistry, indicators: &[Indicator], options: &DemoOptions) -> DemoData {
    let generator = Generator::new(registry, indicators, options);
    let observations = (0..indicators.len())
        .flat_map(|index| generator.observations(index))
        .collect();
    DemoData {
        observations,
        targets: generator.targets(),
    }
}

const REFORM: Date = date(2025, 7, 1);

/// Splits one CSV line, honouring double quotes (the catalogue quotes names that hold commas).
fn fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let header = fields(lines.next().unwrap());
    lines
        .map(|line| header.iter().cloned().zip(fields(line)).collect())
        .collect()
}

fn optional_date(text: &str) -> Option<Date> {
    (!text.is_empty()).then(|| text.parse().unwrap())
}

fn registry() -> UnitRegistry {
    let units: Vec<Unit> = rows(include_str!("../../../data/demo/units.csv"))
        .into_iter()
        .map(|row| Unit {
            code: row["code"].clone(),
            name: row["name"].clone(),
            level: UnitLevel::parse(&row["level"]).unwrap(),
            parent: Some(row["parent_code"].clone()).filter(|code| !code.is_empty()),
            kind: row["kind"].clone(),
            valid_from: optional_date(&row["valid_from"]),
            valid_to: optional_date(&row["valid_to"]),
            point: match (row["lat"].parse(), row["lon"].parse()) {
                (Ok(lat), Ok(lon)) => Some(Point { lat, lon }),
                _ => None,
            },
        })
        .collect();
    let crosswalk: Vec<CrosswalkRow> = rows(include_str!("../../../data/demo/lineage.csv"))
        .into_iter()
        .map(|row| CrosswalkRow {
            old_code: row["old_code"].clone(),
            new_code: row["new_code"].clone(),
            date: row["effective_date"].parse().unwrap(),
        })
        .collect();
    let mut lineage = classify_crosswalk(&crosswalk);
    let communes_only = UnitRegistry::new(units.clone(), lineage.clone()).unwrap();
    lineage.extend(communes_only.derive_lineage(UnitLevel::District));
    lineage.extend(communes_only.derive_lineage(UnitLevel::Province));
    UnitRegistry::new(units, lineage).unwrap()
}

fn catalogue() -> Vec<Indicator> {
    rows(include_str!("../../../data/demo/catalog.csv"))
        .into_iter()
        .map(|row| Indicator {
            code: row["code"].clone(),
            name_vi: row["name_vi"].clone(),
            name_en: row["name_en"].clone(),
            domain: row["domain"].clone(),
            measure: row["unit"].clone(),
            frequency: PeriodType::parse(&row["frequency"]).unwrap(),
            time_aggregation: TimeAggregation::parse(&row["time_aggregation"]).unwrap(),
            space_aggregation: SpaceAggregation::parse(&row["space_aggregation"]).unwrap(),
            polarity: Polarity::parse(&row["polarity"]).unwrap(),
            cumulative: row["cumulative"] == "yes",
            levels: parse_levels(&row["levels"]).unwrap(),
            owner_agency: row["owner_agency"].clone(),
            formula: Some(row["formula"].clone()).filter(|formula| !formula.is_empty()),
            public: row["public"] == "yes",
            source: row["source"].clone(),
            confidence: row["confidence"].clone(),
            deadline: None,
            computed: None,
        })
        .collect()
}

fn options() -> DemoOptions {
    DemoOptions {
        start: date(2023, 1, 1),
        daily_commune_start: date(2026, 9, 1),
        today: date(2026, 11, 23),
        recorded_at: "2026-11-23T08:00:00Z".parse().unwrap(),
        seed: 20_250_701,
        calendar: vantage_model::calendar::WorkingCalendar::new(
            vantage_model::calendar::USUAL_DAYS_OFF.to_vec(),
            [date(2026, 9, 1), date(2026, 9, 2)],
        ),
        time_zone: jiff::tz::TimeZone::fixed(jiff::tz::offset(7)),
    }
}

struct Fixture {
    registry: UnitRegistry,
    indicators: Vec<Indicator>,
    data: DemoData,
}

/// Generated once and shared: generation dominates the running time of these tests.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let registry = registry();
        let indicators = catalogue();
        let data = generate(&registry, &indicators, &options());
        Fixture {
            registry,
            indicators,
            data,
        }
    })
}

fn by_code(indicators: &[Indicator]) -> BTreeMap<&str, &Indicator> {
    indicators
        .iter()
        .map(|indicator| (indicator.code.as_str(), indicator))
        .collect()
}

/// Measures that plainly name something counted in whole units.
const COUNTED: &[&str] = &[
    "người",
    "vụ",
    "phản ánh",
    "lượt",
    "trường hợp",
    "doanh nghiệp",
    "hồ sơ",
    "nhiệm vụ",
    "dự án",
    "ca",
    "hộ",
    "trẻ",
    "văn bản",
    "học sinh",
    "ổ dịch",
    "tàu",
    "căn",
    "thủ tục",
    "trạm",
    "cấp",
    "chỉ tiêu",
    "kiến nghị",
    "xã",
    "KCN",
    "cơ sở",
    "đêm phòng",
    "báo cáo",
    "thôn/tổ dân phố",
    "tài khoản",
    "giao dịch",
    "hệ thống",
    "cuộc gọi",
    "việc",
    "trường",
    "thí sinh",
    "con",
    "sản phẩm",
    "giấy phép",
    "công trình",
    "cửa hàng",
    "ngày khách",
    "buồng",
    "sự cố",
    "cảnh báo",
    "phương tiện",
    "cuộc",
    "giấy chứng nhận",
    "đồ án",
    "đơn",
    "huy chương",
    "giải",
    "sự kiện",
    "di tích",
    "khu vực",
    "đợt",
    "thứ hạng",
];

#[test]
fn the_same_inputs_give_the_same_data() {
    let fixture = fixture();
    let again = generate(&fixture.registry, &fixture.indicators, &options());
    assert_eq!(again.observations.len(), fixture.data.observations.len());
    assert_eq!(again.targets.len(), fixture.data.targets.len());
    for (a, b) in again.observations.iter().zip(&fixture.data.observations) {
        assert!(
            a.key == b.key && a.value.to_bits() == b.value.to_bits() && a == b,
            "{}",
            a.key
        );
    }
    assert_eq!(again.targets, fixture.data.targets);
    // The seed matters: a short history under another seed differs in most cells.
    let mut short = options();
    short.today = date(2023, 3, 1);
    let before = generate(&fixture.registry, &fixture.indicators, &short);
    short.seed += 1;
    let after = generate(&fixture.registry, &fixture.indicators, &short);
    assert_eq!(before.observations.len(), after.observations.len());
    let changed = before
        .observations
        .iter()
        .zip(&after.observations)
        .filter(|(a, b)| {
            assert_eq!(a.key, b.key);
            a.value != b.value
        })
        .count();
    assert!(
        changed * 2 > after.observations.len(),
        "the seed must matter"
    );
}

#[test]
fn only_indicators_without_a_formula_get_values() {
    let fixture = fixture();
    let indicators = by_code(&fixture.indicators);
    let with_values: BTreeSet<&str> = fixture
        .data
        .observations
        .iter()
        .map(|observation| observation.key.indicator.as_str())
        .collect();
    for indicator in &fixture.indicators {
        assert_eq!(
            with_values.contains(indicator.code.as_str()),
            !indicator.is_derived(),
            "{}",
            indicator.code
        );
    }
    assert!(with_values.iter().all(|code| indicators.contains_key(code)));
}

/// The observations of one indicator and period: the generator emits them together.
fn runs(observations: &[Observation]) -> impl Iterator<Item = &[Observation]> {
    observations.chunk_by(|a, b| a.key.indicator == b.key.indicator && a.key.period == b.key.period)
}

#[test]
fn every_indicator_has_values_from_start_to_today() {
    let fixture = fixture();
    let options = options();
    let mut periods: BTreeMap<&str, Vec<Period>> = BTreeMap::new();
    for run in runs(&fixture.data.observations) {
        periods
            .entry(&run[0].key.indicator)
            .or_default()
            .push(run[0].key.period);
    }
    // Daily indicators reported only on communes keep their history from the start too, at the province.
    for indicator in fixture.indicators.iter().filter(|i| !i.is_derived()) {
        let from = options.start;
        let mut first = Period::containing(indicator.frequency, from);
        if first.start() < from {
            first = first.next();
        }
        let last = Period::containing(indicator.frequency, options.today);
        let held = &periods[indicator.code.as_str()];
        assert_eq!(held, &Period::range(first, last), "{}", indicator.code);
    }
}

#[test]
fn values_sit_on_the_units_of_their_time() {
    let fixture = fixture();
    let options = options();
    let indicators = by_code(&fixture.indicators);
    let mut valid: BTreeMap<Date, Vec<&Unit>> = BTreeMap::new();
    let mut province_values: BTreeSet<&str> = BTreeSet::new();
    for run in runs(&fixture.data.observations) {
        let key = &run[0].key;
        let indicator = indicators[key.indicator.as_str()];
        let end = key.period.end();
        let units = valid
            .entry(end)
            .or_insert_with(|| fixture.registry.as_of(end));
        // Rule 2: the finest level, and the province too when communes cannot be added up.
        let finest = *indicator.levels.last().unwrap();
        let mut levels = vec![finest];
        if indicator.space_aggregation == SpaceAggregation::None
            && indicator.is_reported_at(UnitLevel::Province)
        {
            levels.push(UnitLevel::Province);
        }
        if indicator.frequency == PeriodType::Day
            && key.period.start() < options.daily_commune_start
        {
            levels.retain(|level| *level != UnitLevel::Commune);
            if levels.is_empty() {
                levels.push(UnitLevel::Province);
            }
        }
        let mut expected: Vec<&str> = units
            .iter()
            .filter(|unit| levels.contains(&unit.level))
            .map(|unit| unit.code.as_str())
            .collect();
        expected.sort();
        let mut held: Vec<&str> = run.iter().map(|o| o.key.unit.as_str()).collect();
        held.sort();
        assert_eq!(held, expected, "{} {}", key.indicator, key.period);
        if levels.contains(&UnitLevel::Province) {
            province_values.insert(&key.indicator);
        }
    }
    // Before the reform the three old provinces and their 329 communes, after it the new 68 and its 124.
    for (end, units) in &valid {
        let count = |level| units.iter().filter(|unit| unit.level == level).count();
        let counts = (count(UnitLevel::Province), count(UnitLevel::Commune));
        for unit in units {
            let resolved = fixture.registry.resolve(&unit.code, *end).unwrap();
            if *end < REFORM {
                assert_eq!(resolved.valid_to, Some(REFORM), "{} {end}", unit.code);
                assert_eq!(counts, (3, 329));
            } else {
                assert_eq!(resolved.valid_from, Some(REFORM), "{} {end}", unit.code);
                assert_eq!(counts, (1, 124));
            }
        }
    }
    // Additive commune figures are left for the engine to add up.
    assert!(!province_values.contains("BUD.REVENUE_TOTAL"));
    assert!(province_values.contains("BUD.TAX_ARREARS"));
}

#[test]
fn values_are_plausible_numbers() {
    let fixture = fixture();
    let indicators = by_code(&fixture.indicators);
    for run in runs(&fixture.data.observations) {
        let measure = indicators[run[0].key.indicator.as_str()].measure.as_str();
        let counted = COUNTED.contains(&measure);
        for Observation { key, value, .. } in run {
            assert!(value.is_finite() && *value >= 0.0, "{key}: {value}");
            if measure.starts_with('%') {
                assert!(*value <= 100.0, "{key}: {value}");
            }
            if measure == "‰" {
                assert!(*value <= 1000.0, "{key}: {value}");
            }
            if counted {
                assert_eq!(value.fract(), 0.0, "{key}: {value}");
            } else {
                assert_eq!((value * 100.0).round() / 100.0, *value, "{key}: {value}");
            }
        }
    }
}

/// Values are reported around their deadlines: most on time, some late, some parties later than others.
#[test]
fn values_are_reported_around_their_deadlines() {
    let fixture = fixture();
    let options = options();
    let indicators = by_code(&fixture.indicators);
    let mut late_by_party: std::collections::HashMap<String, (usize, usize)> = Default::default();
    for observation in &fixture.data.observations {
        let key = &observation.key;
        let indicator = &indicators[key.indicator.as_str()];
        let deadline = indicator
            .deadline_rule()
            .deadline(key.period, &options.calendar);
        let due = options
            .time_zone
            .to_ambiguous_timestamp(deadline)
            .compatible()
            .unwrap();
        if due >= options.recorded_at {
            continue;
        }
        let tally = late_by_party.entry(key.unit.clone()).or_default();
        tally.0 += usize::from(observation.recorded_at > due);
        tally.1 += 1;
        assert!(
            observation.recorded_at > due - jiff::SignedDuration::from_hours(7 * 24 + 1)
                && observation.recorded_at < due + jiff::SignedDuration::from_hours(14 * 24 + 1),
            "{key}: reported {} for {due}",
            observation.recorded_at
        );
    }
    let shares: Vec<f64> = late_by_party
        .values()
        .filter(|(_, all)| *all >= 50)
        .map(|(late, all)| *late as f64 / *all as f64)
        .collect();
    let overall = shares.iter().sum::<f64>() / shares.len() as f64;
    assert!((0.03..0.2).contains(&overall), "late share {overall}");
    assert!(shares.iter().any(|share| *share > 0.12), "{shares:?}");
    assert!(shares.iter().any(|share| *share < 0.08), "{shares:?}");
}

#[test]
fn observations_are_attributed_and_reviewed() {
    let fixture = fixture();
    let options = options();
    let indicators = by_code(&fixture.indicators);
    let mut submitted = 0;
    for run in runs(&fixture.data.observations) {
        let key = &run[0].key;
        let owner = &indicators[key.indicator.as_str()].owner_agency;
        // Ten days after a period closes its figures are approved.
        let approved = (options.today - key.period.end()).get_days() > 10;
        for observation in run {
            assert_eq!(observation.source, "demo");
            assert_eq!(&observation.author, owner);
            assert!(observation.recorded_at <= options.recorded_at);
            assert_eq!(observation.comment, None);
            let expected = if approved {
                ObservationStatus::Approved
            } else {
                ObservationStatus::Submitted
            };
            assert_eq!(observation.status, expected, "{key}");
        }
        if !approved {
            submitted += run.len();
        }
    }
    assert!(submitted > 0 && submitted * 10 < fixture.data.observations.len());
}

#[test]
fn tied_operands_stay_consistent_in_every_cell() {
    let fixture = fixture();
    let pairs = [
        ("PAR.DOSSIER_ONTIME", "PAR.DOSSIER_RESOLVED"),
        ("CIT.REPORT_RESOLVED_ONTIME", "CIT.REPORT_RESOLVED"),
        ("DOC.TASKS_COMPLETED_ONTIME", "DOC.TASKS_COMPLETED"),
        ("EDU.HS_GRADUATES", "EDU.HS_CANDIDATES"),
    ];
    let values: BTreeMap<(&str, &str, Period), f64> = fixture
        .data
        .observations
        .iter()
        .filter(|o| {
            pairs
                .iter()
                .any(|(a, b)| o.key.indicator == *a || o.key.indicator == *b)
        })
        .map(|o| {
            (
                (o.key.indicator.as_str(), o.key.unit.as_str(), o.key.period),
                o.value,
            )
        })
        .collect();
    for (part, whole) in pairs {
        let mut compared = 0;
        for ((indicator, unit, period), value) in &values {
            if *indicator == part {
                let whole = values[&(whole, *unit, *period)];
                assert!(*value <= whole, "{part} {unit} {period}: {value} > {whole}");
                compared += 1;
            }
        }
        assert!(compared > 100, "{part}");
    }
}

#[test]
fn communes_add_up_across_the_reform() {
    let fixture = fixture();
    let before = Period::Month {
        year: 2024,
        month: 9,
    };
    let after = Period::Month {
        year: 2025,
        month: 9,
    };
    let mut totals: BTreeMap<(&str, Period), f64> = BTreeMap::new();
    for observation in &fixture.data.observations {
        if observation.key.period == before || observation.key.period == after {
            *totals
                .entry((&observation.key.indicator, observation.key.period))
                .or_default() += observation.value;
        }
    }
    let mut checked = 0;
    for indicator in &fixture.indicators {
        if indicator.is_derived()
            || indicator.space_aggregation != SpaceAggregation::Sum
            || indicator.frequency != PeriodType::Month
            || !indicator.is_reported_at(UnitLevel::Commune)
        {
            continue;
        }
        let old = totals[&(indicator.code.as_str(), before)];
        let new = totals[&(indicator.code.as_str(), after)];
        // Rare events (a few deaths a month) are too noisy to compare.
        if old < 200.0 {
            continue;
        }
        assert!(
            (0.7..=1.4).contains(&(new / old)),
            "{}: {old} -> {new}",
            indicator.code
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} indicators compared");
}

#[test]
fn every_indicator_has_province_targets_for_2025_and_2026() {
    let fixture = fixture();
    let with_targets: BTreeSet<(&str, Period)> = fixture
        .data
        .targets
        .iter()
        .filter(|target| target.key.unit == "68")
        .map(|target| (target.key.indicator.as_str(), target.key.period))
        .collect();
    for indicator in &fixture.indicators {
        for year in [2025, 2026] {
            assert!(
                with_targets.contains(&(indicator.code.as_str(), Period::Year(year))),
                "{} {year}",
                indicator.code
            );
        }
    }
    let years: BTreeSet<Period> = fixture.data.targets.iter().map(|t| t.key.period).collect();
    assert_eq!(
        years,
        BTreeSet::from([Period::Year(2025), Period::Year(2026)])
    );
    // Communes get targets for what they report: every commune, every year.
    let communes = fixture
        .registry
        .as_of(date(2026, 12, 31))
        .into_iter()
        .filter(|u| u.level == UnitLevel::Commune)
        .count();
    let commune_level = fixture
        .indicators
        .iter()
        .filter(|i| i.is_reported_at(UnitLevel::Commune))
        .count();
    let commune_targets = fixture
        .data
        .targets
        .iter()
        .filter(|t| t.key.unit != "68")
        .count();
    assert_eq!(commune_targets, 2 * communes * commune_level);
}

#[test]
fn targets_point_the_right_way_and_some_are_missed() {
    let fixture = fixture();
    let model = Model::new(&fixture.registry, &fixture.indicators, options().seed);
    let mut cells: BTreeMap<(usize, i16), Vec<&Target>> = BTreeMap::new();
    for target in &fixture.data.targets {
        let index = fixture
            .indicators
            .iter()
            .position(|i| i.code == target.key.indicator)
            .unwrap();
        cells
            .entry((index, target.key.period.year()))
            .or_default()
            .push(target);
    }
    let mut missed = 0;
    for ((index, year), targets) in cells {
        let units: Vec<UnitIndex> = targets
            .iter()
            .map(|t| {
                fixture
                    .registry
                    .index_on(&t.key.unit, t.key.period.end())
                    .unwrap()
            })
            .collect();
        let expected = model.expected(index, &units, year);
        for (target, expected) in targets.into_iter().zip(expected) {
            let key = &target.key;
            let indicator = &fixture.indicators[index];
            let kind = match indicator.polarity {
                Polarity::HigherBetter => "at_least",
                Polarity::LowerBetter => "at_most",
                Polarity::TargetRange => "range",
            };
            assert_eq!(target.bound.kind(), kind, "{key}");
            if !target.bound.is_met_by(expected.unwrap()) {
                missed += 1;
            }
            if indicator.measure.starts_with('%') {
                let (low, high) = match target.bound {
                    TargetBound::AtLeast { value } | TargetBound::AtMost { value } => {
                        (value, value)
                    }
                    TargetBound::Range { min, max } => (min, max),
                };
                assert!(0.0 <= low && high <= 100.0, "{key}: {:?}", target.bound);
            }
            assert!(target.source_document.contains(&year.to_string()), "{key}");
        }
    }
    let share = missed as f64 / fixture.data.targets.len() as f64;
    assert!((0.08..=0.25).contains(&share), "{share}");
}
