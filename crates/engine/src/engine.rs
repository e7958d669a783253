//! The engine proper: values at any unit and period, kept current by every write.
//!
//! A unit's value for a period of the indicator's frequency is its own reported value, or else the
//! aggregate of its children's values (kept in memory and updated on each write), or, for a period before
//! the unit existed, the values of the units it replaced carried through lineage. Coarser periods
//! aggregate the unit's own series over time. Derived indicators are computed on demand from their
//! operands' values at the same unit and period.

use std::collections::{HashMap, HashSet};

use vantage_model::indicator::{Indicator, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::TargetBound;
use vantage_model::unit::{CarryRule, LineageKind, UnitIndex, UnitRegistry};

use crate::catalog::{Catalog, CatalogError, IndicatorId};
use crate::change::CellChange;
use crate::hierarchy::{Hierarchy, kind_index};
use crate::track::{Acc, Empty, Track};

/// A write the engine has resolved: a reported value, or `None` when the value no longer counts (removed,
/// or a draft).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellWrite {
    indicator: IndicatorId,
    unit: UnitIndex,
    period: Period,
    value: Option<f64>,
}

impl CellWrite {
    pub fn indicator(&self) -> IndicatorId {
        self.indicator
    }

    pub fn unit(&self) -> UnitIndex {
        self.unit
    }

    pub fn period(&self) -> Period {
        self.period
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ResolveError {
    #[error("unknown indicator {0}")]
    Indicator(String),
    #[error(
        "indicator {indicator} is derived from a formula; its values are computed, not written"
    )]
    Derived { indicator: String },
    #[error("indicator {indicator} is reported by {expected}, not by {found}")]
    PeriodType {
        indicator: String,
        expected: PeriodType,
        found: PeriodType,
    },
    #[error("no unit {unit} on {day}, the last day of {period}")]
    Unit {
        unit: String,
        period: Period,
        day: jiff::civil::Date,
    },
    #[error("value {0} is not a finite number")]
    NotFinite(f64),
}

#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) catalog: Catalog,
    pub(crate) units: Hierarchy,
    /// `[indicator][unit]`; empty for derived indicators.
    tracks: Vec<Vec<Track>>,
    pub(crate) targets: HashMap<(IndicatorId, UnitIndex, Period), TargetBound>,
    /// The (indicator, unit) pairs that have (or had) a target: only their cells have a status, so only
    /// theirs are compared beyond the written periods.
    targeted: HashSet<(IndicatorId, UnitIndex)>,
}

impl Engine {
    pub fn new(indicators: Vec<Indicator>, registry: UnitRegistry) -> Result<Engine, CatalogError> {
        let catalog = Catalog::new(indicators)?;
        let units = Hierarchy::new(registry);
        let tracks = catalog
            .ids()
            .map(|id| {
                if catalog.get(id).is_derived() {
                    Vec::new()
                } else {
                    vec![Track::default(); units.len()]
                }
            })
            .collect();
        Ok(Engine {
            catalog,
            units,
            tracks,
            targets: HashMap::new(),
            targeted: HashSet::new(),
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn units(&self) -> &Hierarchy {
        &self.units
    }

    pub fn registry(&self) -> &UnitRegistry {
        self.units.registry()
    }

    /// The unit record a code names for a period: the one valid on the period's last day.
    pub fn unit_for(&self, code: &str, period: Period) -> Option<UnitIndex> {
        self.registry().index_on(code, period.end())
    }

    /// Checks a value's key against the catalogue and the units, and turns it into a write.
    pub fn resolve(
        &self,
        indicator: &str,
        unit: &str,
        period: Period,
        value: Option<f64>,
    ) -> Result<CellWrite, ResolveError> {
        let id = self
            .catalog
            .id(indicator)
            .ok_or_else(|| ResolveError::Indicator(indicator.to_owned()))?;
        let definition = self.catalog.get(id);
        if definition.is_derived() {
            return Err(ResolveError::Derived {
                indicator: indicator.to_owned(),
            });
        }
        if period.period_type() != definition.frequency {
            return Err(ResolveError::PeriodType {
                indicator: indicator.to_owned(),
                expected: definition.frequency,
                found: period.period_type(),
            });
        }
        if let Some(value) = value
            && !value.is_finite()
        {
            return Err(ResolveError::NotFinite(value));
        }
        let unit_index = self
            .unit_for(unit, period)
            .ok_or_else(|| ResolveError::Unit {
                unit: unit.to_owned(),
                period,
                day: period.end(),
            })?;
        Ok(CellWrite {
            indicator: id,
            unit: unit_index,
            period,
            value,
        })
    }

    /// Applies writes without working out what they changed: the start-up load.
    pub fn load(&mut self, writes: &[CellWrite]) {
        self.write_and_aggregate(writes);
    }

    /// Applies writes and returns every cell whose value or status changed (see [`Engine::affected`] for
    /// which cells are compared).
    pub fn apply(&mut self, writes: &[CellWrite]) -> Vec<CellChange> {
        let cells = self.affected(writes);
        let before: Vec<_> = cells.iter().map(|cell| self.state(*cell)).collect();
        self.write_and_aggregate(writes);
        cells
            .into_iter()
            .zip(before)
            .filter_map(|(cell, (old_value, old_status))| {
                let (new_value, new_status) = self.state(cell);
                let same_value = old_value.map(f64::to_bits) == new_value.map(f64::to_bits);
                (!same_value || old_status != new_status).then_some(CellChange {
                    indicator: cell.0,
                    unit: cell.1,
                    period: cell.2,
                    old_value,
                    new_value,
                    old_status,
                    new_status,
                })
            })
            .collect()
    }

    /// Sets or clears targets without working out what they changed: the start-up load.
    pub fn load_targets(
        &mut self,
        targets: &[(IndicatorId, UnitIndex, Period, Option<TargetBound>)],
    ) {
        for (indicator, unit, period, bound) in targets {
            match bound {
                Some(bound) => {
                    self.targeted.insert((*indicator, *unit));
                    self.targets.insert((*indicator, *unit, *period), *bound)
                }
                None => self.targets.remove(&(*indicator, *unit, *period)),
            };
        }
    }

    /// Whether a target was ever set for the indicator on the unit (clearing one does not forget it).
    pub fn has_targets(&self, indicator: IndicatorId, unit: UnitIndex) -> bool {
        self.targeted.contains(&(indicator, unit))
    }

    /// Sets or clears targets, returning the cells whose status changed.
    pub fn apply_targets(
        &mut self,
        targets: &[(IndicatorId, UnitIndex, Period, Option<TargetBound>)],
    ) -> Vec<CellChange> {
        let mut cells = Vec::new();
        let mut seen = HashSet::new();
        for (indicator, unit, period, _) in targets {
            let frequency = self.catalog.compiled(*indicator).frequency();
            for kind in PeriodType::ALL
                .into_iter()
                .filter(|kind| *kind >= frequency)
            {
                for n in period.child_ordinals(kind) {
                    let cell = (*indicator, *unit, Period::from_ordinal(kind, n));
                    if seen.insert(cell) {
                        cells.push(cell);
                    }
                }
            }
        }
        let before: Vec<_> = cells.iter().map(|cell| self.state(*cell).1).collect();
        self.load_targets(targets);
        cells
            .into_iter()
            .zip(before)
            .filter_map(|(cell, old_status)| {
                let (value, new_status) = self.state(cell);
                (old_status != new_status).then_some(CellChange {
                    indicator: cell.0,
                    unit: cell.1,
                    period: cell.2,
                    old_value: value,
                    new_value: value,
                    old_status,
                    new_status,
                })
            })
            .collect()
    }

    /// Stores the reported values, then recomputes the aggregates of every unit above them, deepest
    /// first, each from its children once, stopping where an aggregate does not change.
    fn write_and_aggregate(&mut self, writes: &[CellWrite]) {
        let mut dirty: Vec<(IndicatorId, UnitIndex, i64)> = Vec::new();
        for write in writes {
            let track = &mut self.tracks[write.indicator.0 as usize][write.unit.0 as usize];
            let old = track
                .own
                .set(write.period.ordinal(), write.value.unwrap_or(f64::NAN));
            if old.to_bits() == write.value.unwrap_or(f64::NAN).to_bits() {
                continue;
            }
            if self.catalog.compiled(write.indicator).space() == SpaceAggregation::None {
                continue;
            }
            if let Some(parent) = self.units.parent(write.unit) {
                let cell = (write.indicator, parent, write.period.ordinal());
                // Bulk loads come sorted by period and unit, so siblings follow each other.
                if dirty.last() != Some(&cell) {
                    dirty.push(cell);
                }
            }
        }
        while !dirty.is_empty() {
            let deepest = dirty
                .iter()
                .map(|(_, unit, _)| self.units.depth(*unit))
                .max()
                .unwrap_or(0);
            let (now, later): (Vec<_>, Vec<_>) = dirty
                .into_iter()
                .partition(|(_, unit, _)| self.units.depth(*unit) == deepest);
            dirty = later;
            let mut now = now;
            now.sort_unstable_by_key(|(indicator, unit, n)| (*indicator, *n, *unit));
            now.dedup();
            for (indicator, unit, n) in now {
                let acc = self.children_acc(indicator, unit, n);
                let track = &mut self.tracks[indicator.0 as usize][unit.0 as usize];
                if track.children.set(n, acc) != acc
                    && let Some(parent) = self.units.parent(unit)
                {
                    dirty.push((indicator, parent, n));
                }
            }
        }
    }

    /// The aggregate of the children of `unit` that report the period `n`.
    fn children_acc(&self, indicator: IndicatorId, unit: UnitIndex, n: i64) -> Acc {
        let compiled = self.catalog.compiled(indicator);
        let kind = compiled.frequency();
        let space = compiled.space();
        let mut total = Acc::EMPTY;
        for child in self.units.children(unit) {
            if !self.units.reports(*child, kind, n) {
                continue;
            }
            let acc = self.reported_acc(indicator, *child, n);
            if !acc.is_empty() {
                total = combine(space, total, acc);
            }
        }
        total
    }

    /// A unit's own value or its children's aggregate, for a period it reports.
    fn reported_acc(&self, indicator: IndicatorId, unit: UnitIndex, n: i64) -> Acc {
        let track = &self.tracks[indicator.0 as usize][unit.0 as usize];
        let own = track.own.get(n);
        if !own.is_nan() {
            Acc::one(own)
        } else {
            track.children.get(n)
        }
    }

    /// The value of a non-derived indicator for the period of its frequency with ordinal `n`.
    pub(crate) fn base_acc(&self, indicator: IndicatorId, unit: UnitIndex, n: i64) -> Acc {
        let kind = self.catalog.compiled(indicator).frequency();
        if self.units.reports(unit, kind, n) {
            self.reported_acc(indicator, unit, n)
        } else if self.units.precedes(unit, kind, n) {
            self.carried_acc(indicator, unit, n)
        } else {
            Acc::EMPTY
        }
    }

    /// The value shown on a unit for a period before it existed, from the units it replaced.
    fn carried_acc(&self, indicator: IndicatorId, unit: UnitIndex, n: i64) -> Acc {
        let compiled = self.catalog.compiled(indicator);
        let (kind, space) = (compiled.frequency(), compiled.space());
        let Some(rule) = space.carry_rule() else {
            return Acc::EMPTY;
        };
        let predecessors = self.units.predecessors(unit);
        let mut total = Acc::EMPTY;
        for predecessor in predecessors {
            if !self.units.reports(predecessor.unit, kind, n) {
                continue;
            }
            let acc = self.reported_acc(indicator, predecessor.unit, n);
            if acc.is_empty() {
                continue;
            }
            let carried = match rule {
                CarryRule::Additive => Acc {
                    value: acc.value * predecessor.weight,
                    count: acc.count,
                },
                CarryRule::Extremum if predecessor.split => return Acc::EMPTY,
                CarryRule::Intensive
                    if predecessor.split || predecessor.kind == LineageKind::Merge =>
                {
                    return Acc::EMPTY;
                }
                CarryRule::Extremum | CarryRule::Intensive => acc,
            };
            total = if total.is_empty() {
                carried
            } else {
                combine(space, total, carried)
            };
        }
        total
    }

    /// The value of an indicator on a unit for a period of its frequency or a coarser one.
    pub fn value(&self, indicator: IndicatorId, unit: UnitIndex, period: Period) -> Option<f64> {
        let compiled = self.catalog.compiled(indicator);
        let kind = period.period_type();
        if !compiled.has_values_for(kind) {
            return None;
        }
        if compiled.formula.is_some() {
            return self.derived_value(indicator, &mut |operand| {
                self.operand_value(operand, unit, period)
            });
        }
        let range = period.child_ordinals(compiled.frequency());
        self.base_value(indicator, unit, kind, range)
    }

    /// The value of a non-derived indicator over the periods of its frequency with ordinals `range`,
    /// which make up one period of type `kind`.
    fn base_value(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        kind: PeriodType,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<f64> {
        let track = &self.tracks[indicator.0 as usize][unit.0 as usize];
        self.base_value_on(track, indicator, unit, kind, range)
    }

    /// [`Engine::base_value`] with the unit's track already found.
    fn base_value_on(
        &self,
        track: &Track,
        indicator: IndicatorId,
        unit: UnitIndex,
        kind: PeriodType,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<f64> {
        let compiled = self.catalog.compiled(indicator);
        if !compiled.has_values_for(kind) {
            return None;
        }
        let (frequency, space) = (compiled.frequency(), compiled.space());
        let (first, last) = (*range.start(), *range.end());
        if kind == frequency {
            return finish(space, self.base_acc(indicator, unit, first));
        }
        if self.units.reports(unit, frequency, first) && self.units.reports(unit, frequency, last) {
            // The unit reports the whole period (the usual case): read its run directly.
            let values = range.filter_map(|n| {
                let own = track.own.get(n);
                if own.is_nan() {
                    finish(space, track.children.get(n))
                } else {
                    Some(own)
                }
            });
            return aggregate_time(compiled.time(), values);
        }
        let values = range.filter_map(|n| finish(space, self.base_acc(indicator, unit, n)));
        aggregate_time(compiled.time(), values)
    }

    /// A derived indicator's formula evaluated on the operand values `operand` gives.
    fn derived_value(
        &self,
        indicator: IndicatorId,
        operand: &mut dyn FnMut(IndicatorId) -> Option<f64>,
    ) -> Option<f64> {
        let (formula, operands) = self.catalog.compiled(indicator).formula.as_ref()?;
        formula.evaluate(&mut |code| {
            let (_, id) = operands.iter().find(|(name, _)| name == code)?;
            operand(*id)
        })
    }

    /// Values of several indicators on one unit over several periods, as an overview or a roll-up asks
    /// for them, row by row (`indicators.len()` rows of `periods.len()` values): each operand of a derived
    /// indicator is computed once for the whole table.
    pub fn values_table(
        &self,
        unit: UnitIndex,
        indicators: &[IndicatorId],
        periods: &[Period],
    ) -> Vec<Option<f64>> {
        let mut memo: Vec<Option<Option<f64>>> = vec![None; self.catalog.len() * periods.len()];
        // Each column's periods of every finer type, worked out once for all its rows.
        let ranges: Vec<[std::ops::RangeInclusive<i64>; 6]> = periods
            .iter()
            .map(|period| PeriodType::ALL.map(|kind| period.child_ordinals(kind)))
            .collect();
        let table = Table {
            unit,
            periods,
            ranges: &ranges,
        };
        let mut values = Vec::with_capacity(indicators.len() * periods.len());
        for indicator in indicators {
            for column in 0..periods.len() {
                values.push(self.table_value(&table, &mut memo, *indicator, column));
            }
        }
        values
    }

    fn table_value(
        &self,
        table: &Table<'_>,
        memo: &mut [Option<Option<f64>>],
        indicator: IndicatorId,
        column: usize,
    ) -> Option<f64> {
        let slot = indicator.0 as usize * table.periods.len() + column;
        if let Some(value) = memo[slot] {
            return value;
        }
        let compiled = self.catalog.compiled(indicator);
        if compiled.formula.is_none() {
            // A plain indicator fills its whole row at once: its track is found once for all columns.
            let row = indicator.0 as usize * table.periods.len();
            let track = &self.tracks[indicator.0 as usize][table.unit.0 as usize];
            let frequency = kind_index(compiled.frequency());
            for (offset, period) in table.periods.iter().enumerate() {
                let range = table.ranges[offset][frequency].clone();
                let kind = period.period_type();
                memo[row + offset] =
                    Some(self.base_value_on(track, indicator, table.unit, kind, range));
            }
            return memo[slot].flatten();
        }
        let period = table.periods[column];
        let kind = period.period_type();
        let value = if compiled.has_values_for(kind) {
            self.derived_value(indicator, &mut |operand| {
                if kind < self.catalog.compiled(operand).frequency() {
                    self.operand_value(operand, table.unit, period)
                } else {
                    self.table_value(table, memo, operand, column)
                }
            })
        } else {
            None
        };
        memo[slot] = Some(value);
        value
    }

    /// An operand's value for a formula: a level reported less often than the formula (a population, a
    /// year's plan) holds through the finer periods of its own.
    fn operand_value(&self, operand: IndicatorId, unit: UnitIndex, period: Period) -> Option<f64> {
        let compiled = self.catalog.compiled(operand);
        if period.period_type() < compiled.frequency() {
            if !compiled.holds_through() {
                return None;
            }
            return self.value(operand, unit, period.parent(compiled.frequency())?);
        }
        self.value(operand, unit, period)
    }

    /// Every cell a batch of writes may change, whose value and status are compared before and after:
    /// for each written indicator and each derived indicator that reads it, the written period and the
    /// periods containing it, on the written unit, its ancestors, the units that show it through lineage
    /// and their ancestors; and where such a unit has a target for a cumulative indicator, every later
    /// period of the year (their figures to date include the write) and every period of the next year
    /// (their forecasts read this year's profile).
    pub fn affected(&self, writes: &[CellWrite]) -> Vec<(IndicatorId, UnitIndex, Period)> {
        let mut seen: HashSet<(IndicatorId, UnitIndex, Period)> = HashSet::new();
        let mut cells = Vec::new();
        let mut units: Vec<UnitIndex> = Vec::new();
        for write in writes {
            units.clear();
            for unit in self.units.lineage_up(write.unit) {
                units.push(unit);
                for heir in self.units.heirs(unit) {
                    units.extend(self.units.lineage_up(*heir));
                }
            }
            let compiled = self.catalog.compiled(write.indicator);
            let indicators =
                std::iter::once(write.indicator).chain(compiled.readers.iter().copied());
            for indicator in indicators {
                let frequency = self.catalog.compiled(indicator).frequency();
                for kind in PeriodType::ALL
                    .into_iter()
                    .filter(|kind| *kind >= frequency)
                {
                    let periods: Vec<Period> = if kind >= write.period.period_type() {
                        write.period.parent(kind).into_iter().collect()
                    } else {
                        // A reader finer than the written level: every period the level holds through.
                        write.period.children(kind)
                    };
                    for period in periods {
                        for unit in &units {
                            let cell = (indicator, *unit, period);
                            if seen.insert(cell) {
                                cells.push(cell);
                            }
                        }
                    }
                }
                if !self.catalog.get(indicator).cumulative {
                    continue;
                }
                let year = write.period.year();
                for unit in units
                    .iter()
                    .filter(|u| self.targeted.contains(&(indicator, **u)))
                {
                    for kind in PeriodType::ALL
                        .into_iter()
                        .filter(|kind| *kind >= frequency)
                    {
                        let later = Period::Year(year)
                            .children(kind)
                            .into_iter()
                            .filter(|period| period.end() >= write.period.start())
                            .chain(Period::Year(year + 1).children(kind));
                        for period in later {
                            let cell = (indicator, *unit, period);
                            if seen.insert(cell) {
                                cells.push(cell);
                            }
                        }
                    }
                }
            }
        }
        cells
    }

    /// Approximate heap bytes held for values and aggregates.
    pub fn bytes(&self) -> usize {
        let tracks: usize = self
            .tracks
            .iter()
            .map(|units| {
                units.capacity() * std::mem::size_of::<Track>()
                    + units
                        .iter()
                        .map(|track| track.own.bytes() + track.children.bytes())
                        .sum::<usize>()
            })
            .sum();
        tracks
            + self.targets.capacity()
                * std::mem::size_of::<((IndicatorId, UnitIndex, Period), TargetBound)>()
    }

    /// The latest period of the indicator's frequency with a value on the unit.
    pub fn latest_period(&self, indicator: IndicatorId, unit: UnitIndex) -> Option<Period> {
        let compiled = self.catalog.compiled(indicator);
        let frequency = compiled.frequency();
        let newest = if let Some((_, operands)) = &compiled.formula {
            operands
                .iter()
                .filter(|(_, operand)| !self.catalog.compiled(*operand).holds_through())
                .filter_map(|(_, operand)| {
                    let period = self.latest_period(*operand, unit)?;
                    period.parent(frequency)
                })
                .max()
                .or_else(|| {
                    operands
                        .iter()
                        .filter_map(|(_, operand)| self.latest_period(*operand, unit))
                        .filter_map(|period| period.parent(frequency))
                        .max()
                })?
        } else {
            let newest = self.newest_ordinal(indicator, unit)?;
            Period::from_ordinal(frequency, newest)
        };
        // A derived value needs all its operands; step back to the newest period that has it.
        (0..36)
            .map(|back| newest.offset(-back))
            .find(|period| self.value(indicator, unit, *period).is_some())
    }

    fn newest_ordinal(&self, indicator: IndicatorId, unit: UnitIndex) -> Option<i64> {
        let track = &self.tracks[indicator.0 as usize][unit.0 as usize];
        let own = track.own.last();
        let children = track.children.last();
        let carried = self
            .units
            .predecessors(unit)
            .iter()
            .filter_map(|p| self.newest_ordinal(indicator, p.unit))
            .max();
        own.max(children).max(carried)
    }
}

/// Adds one more value to an aggregate over units.
fn combine(space: SpaceAggregation, total: Acc, next: Acc) -> Acc {
    if total.is_empty() {
        return next;
    }
    let value = match space {
        SpaceAggregation::Max => total.value.max(next.value),
        SpaceAggregation::Min => total.value.min(next.value),
        _ => total.value + next.value,
    };
    Acc {
        value,
        count: total.count + next.count,
    }
}

/// The value an aggregate stands for: means divide by how many values they hold.
pub(crate) fn finish(space: SpaceAggregation, acc: Acc) -> Option<f64> {
    if acc.is_empty() {
        None
    } else if space == SpaceAggregation::Mean {
        Some(acc.value / f64::from(acc.count))
    } else {
        Some(acc.value)
    }
}

/// Combines the values of consecutive finer periods, oldest first.
pub(crate) fn aggregate_time(
    time: TimeAggregation,
    values: impl Iterator<Item = f64>,
) -> Option<f64> {
    let mut count = 0u32;
    let mut total: Option<f64> = None;
    for value in values {
        count += 1;
        total = Some(match (time, total) {
            (_, None) => value,
            (TimeAggregation::Sum | TimeAggregation::Mean, Some(t)) => t + value,
            (TimeAggregation::Max, Some(t)) => t.max(value),
            (TimeAggregation::Min, Some(t)) => t.min(value),
            (TimeAggregation::Last, Some(_)) => value,
            (TimeAggregation::None, Some(_)) => return None,
        });
    }
    match time {
        TimeAggregation::Mean => total.map(|t| t / f64::from(count)),
        _ => total,
    }
}

/// What every cell of a [`Engine::values_table`] shares.
struct Table<'a> {
    unit: UnitIndex,
    periods: &'a [Period],
    ranges: &'a [[std::ops::RangeInclusive<i64>; 6]],
}
