//! The unit tree as the engine walks it: dense indices, each record's parent record, children, and the
//! records it carries values from across reorganisations, with validity turned into ranges of period
//! ordinals so that "does this unit report this period" is two comparisons.

use jiff::civil::Date;
use vantage_model::period::{Period, PeriodType};
use vantage_model::unit::{LineageKind, UnitIndex, UnitRegistry};

/// A record whose values a later record shows for the periods before it existed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Predecessor {
    pub unit: UnitIndex,
    /// Product of the lineage weights along the path (the share of the old unit the new one received).
    pub weight: f64,
    pub kind: LineageKind,
    /// The old unit went to more than one successor, so its maxima and means cannot follow it.
    pub split: bool,
}

#[derive(Clone, Debug)]
pub struct Hierarchy {
    registry: UnitRegistry,
    parent: Vec<Option<UnitIndex>>,
    children: Vec<Vec<UnitIndex>>,
    depth: Vec<u8>,
    /// Per unit and period type: the ordinals of the periods whose last day the unit is valid on.
    reports: Vec<[(i64, i64); 6]>,
    predecessors: Vec<Vec<Predecessor>>,
    /// The inverse of `predecessors`: records that show this one's values.
    heirs: Vec<Vec<UnitIndex>>,
}

impl Hierarchy {
    pub fn new(registry: UnitRegistry) -> Hierarchy {
        let count = registry.units().len();
        let index = |i: usize| UnitIndex(u32::try_from(i).expect("fewer than 2^32 units"));
        let mut parent = vec![None; count];
        let mut children = vec![Vec::new(); count];
        for (i, unit) in registry.units().iter().enumerate() {
            // A record's parent is the record of its parent code on the record's last day: the registry
            // checks that one parent record covers each child's validity.
            let last_day = unit
                .valid_to
                .and_then(|to| to.yesterday().ok())
                .unwrap_or(Date::MAX);
            if let Some(code) = &unit.parent
                && let Some(found) = registry.index_on(code, last_day)
            {
                parent[i] = Some(found);
                children[found.0 as usize].push(index(i));
            }
        }
        let depth = (0..count)
            .map(|i| {
                let mut depth = 0u8;
                let mut at = parent[i];
                while let Some(up) = at {
                    depth += 1;
                    at = parent[up.0 as usize];
                }
                depth
            })
            .collect();
        let reports = registry
            .units()
            .iter()
            .map(|unit| {
                PeriodType::ALL.map(|kind| reporting_ordinals(kind, unit.valid_from, unit.valid_to))
            })
            .collect();
        let (predecessors, heirs) = lineage_paths(&registry);
        Hierarchy {
            registry,
            parent,
            children,
            depth,
            reports,
            predecessors,
            heirs,
        }
    }

    pub fn registry(&self) -> &UnitRegistry {
        &self.registry
    }

    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    pub fn parent(&self, unit: UnitIndex) -> Option<UnitIndex> {
        self.parent[unit.0 as usize]
    }

    /// Every child record, whatever its validity.
    pub fn children(&self, unit: UnitIndex) -> &[UnitIndex] {
        &self.children[unit.0 as usize]
    }

    pub fn depth(&self, unit: UnitIndex) -> u8 {
        self.depth[unit.0 as usize]
    }

    pub fn predecessors(&self, unit: UnitIndex) -> &[Predecessor] {
        &self.predecessors[unit.0 as usize]
    }

    pub fn heirs(&self, unit: UnitIndex) -> &[UnitIndex] {
        &self.heirs[unit.0 as usize]
    }

    /// Whether the unit exists on the last day of the period with this ordinal, and so reports it.
    pub fn reports(&self, unit: UnitIndex, kind: PeriodType, ordinal: i64) -> bool {
        let (first, last) = self.reports[unit.0 as usize][kind_index(kind)];
        (first..=last).contains(&ordinal)
    }

    /// Whether the period comes before the unit existed, so that its value is carried from predecessors.
    pub fn precedes(&self, unit: UnitIndex, kind: PeriodType, ordinal: i64) -> bool {
        ordinal < self.reports[unit.0 as usize][kind_index(kind)].0
    }

    /// The children that report the period, or for a period before the unit existed, the children it had
    /// when it began: the units a breakdown on today's map shows.
    pub fn children_for(&self, unit: UnitIndex, period: Period) -> Vec<UnitIndex> {
        let kind = period.period_type();
        let ordinal = if self.precedes(unit, kind, period.ordinal()) {
            self.reports[unit.0 as usize][kind_index(kind)].0
        } else {
            period.ordinal()
        };
        self.children(unit)
            .iter()
            .copied()
            .filter(|child| self.reports(*child, kind, ordinal))
            .collect()
    }

    /// The unit and its ancestors, the unit first.
    pub fn lineage_up(&self, unit: UnitIndex) -> impl Iterator<Item = UnitIndex> + '_ {
        std::iter::successors(Some(unit), |at| self.parent(*at))
    }
}

pub(crate) fn kind_index(kind: PeriodType) -> usize {
    kind as usize
}

/// First and last ordinal of the periods of `kind` whose last day lies in `[from, to)`; empty (first >
/// last) when there is none.
fn reporting_ordinals(kind: PeriodType, from: Option<Date>, to: Option<Date>) -> (i64, i64) {
    let first = from.map_or(i64::MIN, |from| Period::containing(kind, from).ordinal());
    let last = to.map_or(i64::MAX, |to| {
        let Ok(last_day) = to.yesterday() else {
            return i64::MIN;
        };
        let period = Period::containing(kind, last_day);
        if period.end() == last_day {
            period.ordinal()
        } else {
            period.ordinal() - 1
        }
    });
    (first, last)
}

/// For each record, the earlier records whose values it shows, found by following lineage forward from
/// every retired record to the records valid on each reorganisation date.
fn lineage_paths(registry: &UnitRegistry) -> (Vec<Vec<Predecessor>>, Vec<Vec<UnitIndex>>) {
    let count = registry.units().len();
    let mut predecessors: Vec<Vec<Predecessor>> = vec![Vec::new(); count];
    let mut heirs: Vec<Vec<UnitIndex>> = vec![Vec::new(); count];
    let mut dates: Vec<Date> = registry.lineage().iter().map(|edge| edge.date).collect();
    dates.sort();
    dates.dedup();
    for (i, unit) in registry.units().iter().enumerate() {
        let old = UnitIndex(i as u32);
        let Some(retired) = unit.valid_to else {
            continue;
        };
        for &date in dates.iter().filter(|date| **date >= retired) {
            let found = registry.successors(old, date);
            let split = found.len() > 1;
            for (new, weight, kind) in found {
                let valid = registry.get(new).is_valid_on(date);
                let list = &mut predecessors[new.0 as usize];
                if valid && new != old && !list.iter().any(|p| p.unit == old) {
                    list.push(Predecessor {
                        unit: old,
                        weight,
                        kind,
                        split: split || kind == LineageKind::Split,
                    });
                    heirs[i].push(new);
                }
            }
        }
    }
    (predecessors, heirs)
}
