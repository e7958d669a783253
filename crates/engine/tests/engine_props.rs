//! Every engine answer against a naive recomputation from the raw values, over random hierarchies with a
//! reorganisation (merges, splits, renames and a later rename chain), random aggregation rules, values at
//! every level, and batches of updates and deletions — including the change events each batch reports.

use std::collections::HashMap;

use jiff::civil::{Date, date};
use proptest::prelude::*;
use vantage_engine::{CellWrite, Engine, IndicatorId};
use vantage_model::fixtures::{self, unit};
use vantage_model::formula::Formula;
use vantage_model::indicator::{Indicator, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{ObservationKey, TargetBound};
use vantage_model::unit::{
    CarryError, CarryRule, CrosswalkRow, UnitIndex, UnitLevel, UnitRegistry, classify_crosswalk,
};

const REFORM: Date = date(2025, 7, 1);
const RENAME: Date = date(2026, 1, 1);

/// A small deterministic generator, so that one proptest seed is one world.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let x = self.0;
        (x ^ (x >> 33)).wrapping_mul(0xff51afd7ed558ccd) ^ (x >> 29)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn value(&mut self) -> f64 {
        // Whole hundredths, zero included, so sums are exact enough and divisions meet zero.
        (self.below(2001) as f64 - 200.0) / 10.0
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn registry(rng: &mut Rng) -> UnitRegistry {
    let mut units = vec![unit("P", UnitLevel::Province, None, None, None)];
    let mut olds = Vec::new();
    for d in 0..1 + rng.below(3) {
        let district = format!("D{d}");
        units.push(unit(
            &district,
            UnitLevel::District,
            Some("P"),
            None,
            Some(REFORM),
        ));
        for c in 0..1 + rng.below(3) {
            let code = format!("C{d}{c}");
            units.push(unit(
                &code,
                UnitLevel::Commune,
                Some(&district),
                None,
                Some(REFORM),
            ));
            olds.push(code);
        }
    }
    let news: Vec<String> = (0..1 + rng.below(olds.len() + 1))
        .map(|n| format!("N{n}"))
        .collect();
    let mut crosswalk = Vec::new();
    for (i, old) in olds.iter().enumerate() {
        // Every new commune gets at least one old one; some old ones split in two.
        let first = &news[i % news.len()];
        crosswalk.push((old.clone(), first.clone()));
        if news.len() > 1 && rng.chance(30) {
            let second = &news[(i + 1) % news.len()];
            crosswalk.push((old.clone(), second.clone()));
        }
    }
    for (n, new) in news.iter().enumerate() {
        let renamed = n == 0 && rng.chance(50);
        let to = renamed.then_some(RENAME);
        units.push(unit(new, UnitLevel::Commune, Some("P"), Some(REFORM), to));
        if renamed {
            units.push(unit(
                "R0",
                UnitLevel::Commune,
                Some("P"),
                Some(RENAME),
                None,
            ));
        }
    }
    let mut rows: Vec<CrosswalkRow> = crosswalk
        .into_iter()
        .map(|(old_code, new_code)| CrosswalkRow {
            old_code,
            new_code,
            date: REFORM,
        })
        .collect();
    if units.iter().any(|u| u.code == "R0") {
        rows.push(CrosswalkRow {
            old_code: "N0".into(),
            new_code: "R0".into(),
            date: RENAME,
        });
    }
    UnitRegistry::new(units, classify_crosswalk(&rows)).expect("generated units are consistent")
}

/// An indicator of the generated catalogue.
fn indicator(
    code: &str,
    frequency: PeriodType,
    time: TimeAggregation,
    space: SpaceAggregation,
    formula: Option<&str>,
    cumulative: bool,
) -> Indicator {
    Indicator {
        formula: formula.map(Into::into),
        cumulative,
        ..fixtures::indicator(code, frequency, time, space)
    }
}

fn catalogue(rng: &mut Rng) -> Vec<Indicator> {
    use SpaceAggregation as S;
    use TimeAggregation as T;
    let times = [T::Sum, T::Mean, T::Last, T::Max, T::Min];
    let spaces = [S::Sum, S::Mean, S::Max, S::Min];
    vec![
        indicator("A", PeriodType::Month, T::Sum, S::Sum, None, true),
        indicator(
            "B",
            PeriodType::Month,
            rng.pick(&times),
            rng.pick(&spaces),
            None,
            false,
        ),
        indicator("C", PeriodType::Month, T::Mean, S::Mean, None, false),
        indicator(
            "D",
            PeriodType::Quarter,
            T::Last,
            rng.pick(&[S::Max, S::Min]),
            None,
            false,
        ),
        indicator(
            "E",
            PeriodType::Month,
            rng.pick(&times),
            S::None,
            None,
            false,
        ),
        indicator("L", PeriodType::Year, T::Last, S::Sum, None, false),
        indicator(
            "Y",
            PeriodType::Day,
            rng.pick(&times),
            rng.pick(&spaces),
            None,
            false,
        ),
        indicator(
            "R",
            PeriodType::Month,
            T::Sum,
            S::Formula,
            Some("100 * A / B"),
            false,
        ),
        indicator(
            "S",
            PeriodType::Month,
            T::Sum,
            S::Formula,
            Some("A / L"),
            false,
        ),
        indicator(
            "T",
            PeriodType::Year,
            T::Sum,
            S::Formula,
            Some("R + D"),
            false,
        ),
        indicator(
            "U",
            PeriodType::Month,
            T::None,
            S::Formula,
            Some("A - C"),
            false,
        ),
    ]
}

fn periods_of(kind: PeriodType) -> Vec<Period> {
    match kind {
        PeriodType::Day => Period::range(
            Period::containing(PeriodType::Day, date(2025, 6, 27)),
            Period::containing(PeriodType::Day, date(2025, 7, 3)),
        ),
        PeriodType::Week => Period::range(
            Period::containing(PeriodType::Week, date(2025, 6, 27)),
            Period::containing(PeriodType::Week, date(2025, 7, 3)),
        ),
        _ => Period::range(
            Period::containing(kind, date(2024, 4, 1)),
            Period::containing(kind, date(2026, 3, 31)),
        ),
    }
}

/// Values as the store holds them: the current value of each key.
type Raw = HashMap<(String, UnitIndex, Period), f64>;

/// The definition of every figure, computed the slow way from the raw values.
struct Reference<'a> {
    registry: &'a UnitRegistry,
    indicators: HashMap<&'a str, &'a Indicator>,
    raw: &'a Raw,
}

impl Reference<'_> {
    /// All reported values under `unit` for a base period it reports, a unit's own value standing for
    /// its whole subtree.
    fn gather(&self, code: &str, unit: UnitIndex, period: Period) -> Vec<f64> {
        if let Some(value) = self.raw.get(&(code.to_owned(), unit, period)) {
            return vec![*value];
        }
        if self.indicators[code].space_aggregation == SpaceAggregation::None {
            return Vec::new();
        }
        let day = period.end();
        self.registry
            .children(&self.registry.get(unit).code, day)
            .into_iter()
            .flat_map(|child| {
                let index = self.registry.index_on(&child.code, day).unwrap();
                self.gather(code, index, period)
            })
            .collect()
    }

    fn combine(space: SpaceAggregation, values: &[f64]) -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        Some(match space {
            SpaceAggregation::Mean => values.iter().sum::<f64>() / values.len() as f64,
            SpaceAggregation::Max => values.iter().copied().fold(f64::MIN, f64::max),
            SpaceAggregation::Min => values.iter().copied().fold(f64::MAX, f64::min),
            _ => values.iter().sum(),
        })
    }

    fn base(&self, code: &str, unit: UnitIndex, period: Period) -> Option<f64> {
        let space = self.indicators[code].space_aggregation;
        let record = self.registry.get(unit);
        if record.is_valid_on(period.end()) {
            return Self::combine(space, &self.gather(code, unit, period));
        }
        let from = record.valid_from.filter(|from| period.end() < *from)?;
        let rule = space.carry_rule().unwrap();
        let mut shares = Vec::new();
        for (i, old) in self.registry.units().iter().enumerate() {
            let old_index = UnitIndex(i as u32);
            if !old.is_valid_on(period.end())
                || !self
                    .registry
                    .successors(old_index, from)
                    .iter()
                    .any(|(to, _, _)| *to == unit)
            {
                continue;
            }
            let Some(value) = Self::combine(space, &self.gather(code, old_index, period)) else {
                continue;
            };
            match self.registry.carry(old_index, value, rule, from) {
                Ok(carried) => shares.extend(
                    carried
                        .into_iter()
                        .filter(|(to, _)| *to == unit)
                        .map(|(_, v)| v),
                ),
                Err(CarryError::NotCarried { .. }) => return None,
                Err(error) => panic!("{error}"),
            }
        }
        match rule {
            CarryRule::Additive => Self::combine(SpaceAggregation::Sum, &shares),
            _ => Self::combine(space, &shares),
        }
    }

    fn value(&self, code: &str, unit: UnitIndex, period: Period) -> Option<f64> {
        let indicator = self.indicators[code];
        let frequency = indicator.frequency;
        let kind = period.period_type();
        if kind < frequency
            || (kind > frequency && indicator.time_aggregation == TimeAggregation::None)
        {
            return None;
        }
        if let Some(formula) = &indicator.formula {
            let formula = Formula::parse(formula).unwrap();
            return formula.evaluate(&mut |operand| {
                let op = self.indicators[operand];
                if kind < op.frequency {
                    assert!(matches!(op.time_aggregation, TimeAggregation::Last));
                    self.value(operand, unit, period.parent(op.frequency)?)
                } else {
                    self.value(operand, unit, period)
                }
            });
        }
        let values: Vec<f64> = period
            .children(frequency)
            .into_iter()
            .filter_map(|child| self.base(code, unit, child))
            .collect();
        if values.is_empty() {
            return None;
        }
        Some(match indicator.time_aggregation {
            TimeAggregation::Sum => values.iter().sum(),
            TimeAggregation::Mean => values.iter().sum::<f64>() / values.len() as f64,
            TimeAggregation::Last => *values.last().unwrap(),
            TimeAggregation::Max => values.iter().copied().fold(f64::MIN, f64::max),
            TimeAggregation::Min => values.iter().copied().fold(f64::MAX, f64::min),
            TimeAggregation::None => values[0],
        })
    }

    fn year_to_date(&self, code: &str, unit: UnitIndex, period: Period) -> Option<f64> {
        let indicator = self.indicators[code];
        if !indicator.cumulative {
            return None;
        }
        let values: Vec<f64> = Period::Year(period.year())
            .children(indicator.frequency)
            .into_iter()
            .filter(|child| child.end() <= period.end())
            .filter_map(|child| self.base(code, unit, child))
            .collect();
        (!values.is_empty()).then(|| values.iter().sum())
    }
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        _ => false,
    }
}

/// Random values for random keys: mostly communes, some at districts and the province.
fn random_values(
    rng: &mut Rng,
    registry: &UnitRegistry,
    indicators: &[Indicator],
    share: usize,
) -> Vec<(ObservationKey, f64)> {
    let mut out = Vec::new();
    for indicator in indicators.iter().filter(|i| !i.is_derived()) {
        for period in periods_of(indicator.frequency) {
            for unit in registry.as_of(period.end()) {
                let leaf = unit.level == UnitLevel::Commune;
                if rng.chance(if leaf { share } else { share / 6 }) {
                    let key = ObservationKey {
                        indicator: indicator.code.clone(),
                        unit: unit.code.clone(),
                        period,
                    };
                    out.push((key, rng.value()));
                }
            }
        }
    }
    out
}

struct World {
    registry: UnitRegistry,
    indicators: Vec<Indicator>,
    raw: Raw,
}

impl World {
    fn reference(&self) -> Reference<'_> {
        Reference {
            registry: &self.registry,
            indicators: self
                .indicators
                .iter()
                .map(|i| (i.code.as_str(), i))
                .collect(),
            raw: &self.raw,
        }
    }

    /// Every cell the checks look at.
    fn cells(&self, engine: &Engine) -> Vec<(String, IndicatorId, UnitIndex, Period)> {
        let mut cells = Vec::new();
        for indicator in &self.indicators {
            let id = engine.catalog().id(&indicator.code).unwrap();
            for kind in PeriodType::ALL
                .into_iter()
                .filter(|k| *k >= indicator.frequency)
            {
                for period in periods_of(kind) {
                    for unit in 0..self.registry.units().len() {
                        cells.push((indicator.code.clone(), id, UnitIndex(unit as u32), period));
                    }
                }
            }
        }
        cells
    }

    fn writes(
        &mut self,
        engine: &Engine,
        batch: &[(ObservationKey, Option<f64>)],
    ) -> Vec<CellWrite> {
        batch
            .iter()
            .map(|(key, value)| {
                let write = engine
                    .resolve(&key.indicator, &key.unit, key.period, *value)
                    .unwrap();
                let cell = (key.indicator.clone(), write.unit(), key.period);
                match value {
                    Some(v) => self.raw.insert(cell, *v),
                    None => self.raw.remove(&cell),
                };
                write
            })
            .collect()
    }
}

fn check_all(world: &World, engine: &Engine) -> Result<(), TestCaseError> {
    let reference = world.reference();
    // The table an overview asks for agrees cell by cell with single values (checked below).
    let ids: Vec<IndicatorId> = engine.catalog().ids().collect();
    let periods: Vec<Period> = [PeriodType::Month, PeriodType::Quarter, PeriodType::Year]
        .into_iter()
        .flat_map(periods_of)
        .collect();
    for unit in (0..world.registry.units().len()).map(|u| UnitIndex(u as u32)) {
        let table = engine.values_table(unit, &ids, &periods);
        for (id, row) in ids.iter().zip(table.chunks(periods.len())) {
            let code = &engine.catalog().get(*id).code;
            for (period, found) in periods.iter().zip(row) {
                let single = engine.value(*id, unit, *period);
                prop_assert!(
                    found.map(f64::to_bits) == single.map(f64::to_bits),
                    "table: {code} {period}"
                );
            }
        }
    }
    for (code, id, unit, period) in world.cells(engine) {
        let expected = reference.value(&code, unit, period);
        let found = engine.value(id, unit, period);
        prop_assert!(
            close(found, expected),
            "{code} on {} for {period}: engine {found:?}, reference {expected:?}",
            world.registry.get(unit).code
        );
        let figures = engine.figures(id, unit, period);
        prop_assert!(
            close(
                figures.year_to_date,
                reference.year_to_date(&code, unit, period)
            ),
            "year to date of {code} {period}"
        );
        prop_assert!(close(
            figures.last_year,
            reference.value(&code, unit, period.same_period_last_year())
        ));
        if let Some(explanation) = &figures.explanation {
            let compared = if world
                .indicators
                .iter()
                .any(|i| i.code == code && i.cumulative)
            {
                figures.year_to_date
            } else {
                figures.value
            };
            prop_assert_eq!(explanation.compared, compared);
            prop_assert_eq!(
                figures.status,
                Some(vantage_engine::figures::status_of(explanation))
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn engine_matches_naive_recomputation(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let registry = registry(&mut rng);
        let indicators = catalogue(&mut rng);
        let mut engine = Engine::new(indicators.clone(), registry.clone()).unwrap();
        let mut world = World { registry, indicators, raw: Raw::new() };

        let initial: Vec<(ObservationKey, Option<f64>)> = random_values(&mut rng, &world.registry, &world.indicators, 60)
            .into_iter()
            .map(|(key, value)| (key, Some(value)))
            .collect();
        let writes = world.writes(&engine, &initial);
        engine.load(&writes);
        let province = engine.unit_for("P", Period::Year(2026)).unwrap();
        let a = engine.catalog().id("A").unwrap();
        let c = engine.catalog().id("C").unwrap();
        let targets = [
            (a, province, Period::Year(2025), Some(TargetBound::AtLeast { value: 50.0 * (1 + rng.below(20)) as f64 })),
            (a, province, Period::Year(2026), Some(TargetBound::AtMost { value: 10.0 * (1 + rng.below(20)) as f64 })),
            (c, province, Period::Year(2025), Some(TargetBound::Range { min: 0.0, max: rng.value().abs() })),
        ];
        engine.apply_targets(&targets);
        check_all(&world, &engine)?;

        for _ in 0..3 {
            // Change, remove and add values, then compare what the engine says changed with the truth.
            let mut batch: Vec<(ObservationKey, Option<f64>)> = Vec::new();
            let mut existing: Vec<_> = world.raw.keys().cloned().collect();
            existing.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
            for (code, unit, period) in existing {
                if rng.chance(8) {
                    let key = ObservationKey { indicator: code, unit: world.registry.get(unit).code.clone(), period };
                    batch.push((key, if rng.chance(50) { None } else { Some(rng.value()) }));
                }
            }
            batch.extend(random_values(&mut rng, &world.registry, &world.indicators, 4).into_iter().map(|(k, v)| (k, Some(v))));
            let reference_before: HashMap<_, _> = {
                let reference = world.reference();
                world.cells(&engine).into_iter().map(|(code, id, unit, period)| ((id, unit, period), reference.value(&code, unit, period))).collect()
            };
            let writes = world.writes(&engine, &batch);
            let before = engine.clone();
            let changes = engine.apply(&writes);
            let reference = world.reference();
            let mut reported = HashMap::new();
            for change in &changes {
                let code = &engine.catalog().get(change.indicator).code;
                prop_assert!(close(change.new_value, reference.value(code, change.unit, change.period)));
                if let Some(before) = reference_before.get(&(change.indicator, change.unit, change.period)) {
                    prop_assert!(close(change.old_value, *before));
                }
                prop_assert!(reported.insert((change.indicator, change.unit, change.period), ()).is_none(), "a cell reported twice");
            }
            for (id, unit, period) in reference_before.keys() {
                // Every status that moved is announced, with its old and new value.
                let old_status = before.figures(*id, *unit, *period).status;
                let new_status = engine.figures(*id, *unit, *period).status;
                if old_status != new_status {
                    let change = changes.iter().find(|c| (c.indicator, c.unit, c.period) == (*id, *unit, *period));
                    prop_assert!(change.is_some(), "{} on {} for {period}: status {old_status:?} → {new_status:?} without a change event",
                        engine.catalog().get(*id).code, world.registry.get(*unit).code);
                    let change = change.unwrap();
                    prop_assert_eq!((change.old_status, change.new_status), (old_status, new_status));
                }
            }
            for ((id, unit, period), before) in &reference_before {
                let code = &engine.catalog().get(*id).code;
                let after = reference.value(code, *unit, *period);
                if !close(*before, after) {
                    prop_assert!(reported.contains_key(&(*id, *unit, *period)),
                        "{code} on {} for {period} went from {before:?} to {after:?} without a change event", world.registry.get(*unit).code);
                }
            }
            check_all(&world, &engine)?;
        }
    }
}
