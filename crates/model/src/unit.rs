//! Administrative units with validity dates, and the lineage that links retired units to their successors.
//!
//! Codes are reused across reorganisations (the new Lâm Đồng keeps code 68, the old Lâm Đồng's), so a unit's
//! identity is its code plus its validity, and a code means something only together with a date.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

vocabulary!(
    /// A level of the administrative hierarchy, coarse to fine.
    UnitLevel, "a unit level" {
        Province => "province", District => "district", Commune => "commune",
    }
);

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// One administrative unit during one span of validity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    /// The parent's code, resolved on the same date as this unit.
    pub parent: Option<String>,
    /// The Vietnamese unit type: tỉnh, phường, xã, đặc khu, ...
    pub kind: String,
    /// First day of validity; `None` means "since before our records".
    pub valid_from: Option<Date>,
    /// First day on which the unit no longer exists (exclusive); `None` means "still valid".
    pub valid_to: Option<Date>,
    pub point: Option<Point>,
}

impl Unit {
    pub fn is_valid_on(&self, day: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_to.is_none_or(|to| day < to)
    }

    fn overlaps(&self, other: &Unit) -> bool {
        let starts_before_other_ends = match (self.valid_from, other.valid_to) {
            (Some(from), Some(to)) => from < to,
            _ => true,
        };
        let other_starts_before_end = match (other.valid_from, self.valid_to) {
            (Some(from), Some(to)) => from < to,
            _ => true,
        };
        starts_before_other_ends && other_starts_before_end
    }
}

vocabulary!(
    /// How an old unit passed into a new one. A merge: several old units became one, which carries all of
    /// each. A split: one old unit was divided and each new unit carries a weighted share. A rename: one unit
    /// continued under a new identity (name, code or validity).
    LineageKind, "a lineage kind" {
        Merge => "merge", Split => "split", Rename => "rename",
    }
);

/// One edge of the lineage: the unit `old_code` (valid the day before `date`) passed `weight` of itself to
/// the unit `new_code` (valid on `date`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    pub old_code: String,
    pub new_code: String,
    pub date: Date,
    pub kind: LineageKind,
    pub weight: f64,
}

/// A crosswalk row before its kind and weight are known.
#[derive(Clone, Debug, PartialEq)]
pub struct CrosswalkRow {
    pub old_code: String,
    pub new_code: String,
    pub date: Date,
}

/// Turns a bare crosswalk into lineage: an old unit listed with several successors is a split, evenly
/// weighted (the crosswalk gives no shares); a new unit with several predecessors is a merge; anything else
/// is a rename.
pub fn classify_crosswalk(rows: &[CrosswalkRow]) -> Vec<Lineage> {
    let mut successors: HashMap<(&str, Date), usize> = HashMap::new();
    let mut predecessors: HashMap<(&str, Date), usize> = HashMap::new();
    for row in rows {
        *successors.entry((&row.old_code, row.date)).or_default() += 1;
        *predecessors.entry((&row.new_code, row.date)).or_default() += 1;
    }
    rows.iter()
        .map(|row| {
            let out = successors[&(row.old_code.as_str(), row.date)];
            let into = predecessors[&(row.new_code.as_str(), row.date)];
            let (kind, weight) = if out > 1 {
                (LineageKind::Split, 1.0 / out as f64)
            } else if into > 1 {
                (LineageKind::Merge, 1.0)
            } else {
                (LineageKind::Rename, 1.0)
            };
            Lineage {
                old_code: row.old_code.clone(),
                new_code: row.new_code.clone(),
                date: row.date,
                kind,
                weight,
            }
        })
        .collect()
}

/// How a value of an indicator may be carried from a retired unit onto its successors, which follows from
/// how the indicator aggregates over units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CarryRule {
    /// Counts and amounts: each successor gets the value times its weight.
    Additive,
    /// Maxima and minima: a merged unit's extreme is the extreme of its parts, so merges and renames carry
    /// the value unchanged; a split cannot say which part held it.
    Extremum,
    /// Means and rates: only a one-to-one rename keeps the population the value describes.
    Intensive,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("unit {code}: validity from {from} is not before validity to {to}")]
    EmptyValidity { code: String, from: Date, to: Date },
    #[error("unit {code}: two records overlap in time")]
    OverlappingValidity { code: String },
    #[error("unit {code}: parent {parent} does not exist on {on}")]
    MissingParent {
        code: String,
        parent: String,
        on: String,
    },
    #[error("unit {code}: parent {parent} is a {parent_level}, not coarser than {level}")]
    ParentLevel {
        code: String,
        parent: String,
        parent_level: UnitLevel,
        level: UnitLevel,
    },
    #[error("lineage {old} -> {new} on {date}: no unit {old} ends on that date")]
    LineageOldMissing {
        old: String,
        new: String,
        date: Date,
    },
    #[error("lineage {old} -> {new} on {date}: no unit {new} is valid on that date")]
    LineageNewMissing {
        old: String,
        new: String,
        date: Date,
    },
    #[error("lineage of {old} on {date}: the weights of its split add up to {total}, not 1")]
    SplitWeights {
        old: String,
        date: Date,
        total: String,
    },
    #[error("lineage {old} -> {new} on {date}: weight {weight} is not in (0, 1]")]
    LineageWeight {
        old: String,
        new: String,
        date: Date,
        weight: String,
    },
}

impl UnitError {
    /// The code of the unit the error is about (the old unit, for lineage).
    pub fn subject(&self) -> &str {
        match self {
            UnitError::EmptyValidity { code, .. }
            | UnitError::OverlappingValidity { code }
            | UnitError::MissingParent { code, .. }
            | UnitError::ParentLevel { code, .. } => code,
            UnitError::LineageOldMissing { old, .. }
            | UnitError::LineageNewMissing { old, .. }
            | UnitError::LineageWeight { old, .. }
            | UnitError::SplitWeights { old, .. } => old,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CarryError {
    #[error("unit {code} has no successor on {as_of}")]
    NoSuccessor { code: String, as_of: Date },
    #[error(
        "a value of unit {code} cannot be carried onto {as_of}'s units: it is not additive and the unit was {kind}"
    )]
    NotCarried {
        code: String,
        as_of: Date,
        kind: &'static str,
    },
}

/// Index of a unit record inside a [`UnitRegistry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitIndex(pub u32);

/// All unit records and their lineage, checked for consistency, answering questions by date.
#[derive(Clone, Debug, Default)]
pub struct UnitRegistry {
    units: Vec<Unit>,
    by_code: HashMap<String, Vec<UnitIndex>>,
    /// Lineage edges keyed by the index of the old unit.
    successors: BTreeMap<UnitIndex, Vec<(UnitIndex, LineageKind, f64)>>,
    lineage: Vec<Lineage>,
}

impl UnitRegistry {
    /// Builds the registry, reporting every inconsistency rather than the first.
    pub fn new(units: Vec<Unit>, lineage: Vec<Lineage>) -> Result<UnitRegistry, Vec<UnitError>> {
        let mut errors = Vec::new();
        let mut registry = UnitRegistry::default();
        for unit in units {
            if let (Some(from), Some(to)) = (unit.valid_from, unit.valid_to)
                && from >= to
            {
                errors.push(UnitError::EmptyValidity {
                    code: unit.code.clone(),
                    from,
                    to,
                });
            }
            let index = UnitIndex(registry.units.len() as u32);
            let same_code = registry.by_code.entry(unit.code.clone()).or_default();
            if same_code
                .iter()
                .any(|other| registry.units[other.0 as usize].overlaps(&unit))
            {
                errors.push(UnitError::OverlappingValidity {
                    code: unit.code.clone(),
                });
            }
            same_code.push(index);
            registry.units.push(unit);
        }
        for unit in &registry.units {
            let Some(parent_code) = &unit.parent else {
                continue;
            };
            // The parent must exist when the child starts; a child that has always existed is checked on its
            // last day, or today's units would be checked against nothing.
            let on = unit
                .valid_from
                .or(unit.valid_to.map(|to| to.yesterday().unwrap_or(to)));
            let parent = match on {
                Some(day) => registry.resolve(parent_code, day),
                None => registry.current(parent_code),
            };
            match parent {
                None => errors.push(UnitError::MissingParent {
                    code: unit.code.clone(),
                    parent: parent_code.clone(),
                    on: on.map_or_else(|| "any date".to_owned(), |day| day.to_string()),
                }),
                Some(parent) if parent.level >= unit.level => errors.push(UnitError::ParentLevel {
                    code: unit.code.clone(),
                    parent: parent_code.clone(),
                    parent_level: parent.level,
                    level: unit.level,
                }),
                Some(_) => {}
            }
        }
        for edge in &lineage {
            let old = registry.by_code.get(&edge.old_code).and_then(|indexes| {
                indexes
                    .iter()
                    .copied()
                    .find(|index| registry.units[index.0 as usize].valid_to == Some(edge.date))
            });
            let new = registry.index_on(&edge.new_code, edge.date);
            if !(edge.weight > 0.0 && edge.weight <= 1.0) {
                errors.push(UnitError::LineageWeight {
                    old: edge.old_code.clone(),
                    new: edge.new_code.clone(),
                    date: edge.date,
                    weight: edge.weight.to_string(),
                });
            }
            match (old, new) {
                (None, _) => errors.push(UnitError::LineageOldMissing {
                    old: edge.old_code.clone(),
                    new: edge.new_code.clone(),
                    date: edge.date,
                }),
                (_, None) => errors.push(UnitError::LineageNewMissing {
                    old: edge.old_code.clone(),
                    new: edge.new_code.clone(),
                    date: edge.date,
                }),
                (Some(old), Some(new)) => {
                    registry
                        .successors
                        .entry(old)
                        .or_default()
                        .push((new, edge.kind, edge.weight))
                }
            }
        }
        // A split passes the whole of the old unit on, no more and no less, or carried sums would grow or shrink.
        for (old, edges) in &registry.successors {
            let total: f64 = edges
                .iter()
                .filter(|(_, kind, _)| *kind == LineageKind::Split)
                .map(|(_, _, weight)| weight)
                .sum();
            let splits = edges.iter().any(|(_, kind, _)| *kind == LineageKind::Split);
            if splits && (total - 1.0).abs() > 1e-6 {
                let unit = registry.get(*old);
                errors.push(UnitError::SplitWeights {
                    old: unit.code.clone(),
                    date: unit.valid_to.unwrap_or(Date::MAX),
                    total: format!("{total:.4}"),
                });
            }
        }
        registry.lineage = lineage;
        if errors.is_empty() {
            Ok(registry)
        } else {
            Err(errors)
        }
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn lineage(&self) -> &[Lineage] {
        &self.lineage
    }

    pub fn get(&self, index: UnitIndex) -> &Unit {
        &self.units[index.0 as usize]
    }

    /// The record of `code` valid on `day`.
    pub fn index_on(&self, code: &str, day: Date) -> Option<UnitIndex> {
        self.by_code
            .get(code)?
            .iter()
            .copied()
            .find(|index| self.get(*index).is_valid_on(day))
    }

    pub fn resolve(&self, code: &str, day: Date) -> Option<&Unit> {
        self.index_on(code, day).map(|index| self.get(index))
    }

    /// The record of `code` that has no end date.
    pub fn current(&self, code: &str) -> Option<&Unit> {
        self.by_code
            .get(code)?
            .iter()
            .map(|index| self.get(*index))
            .find(|unit| unit.valid_to.is_none())
    }

    /// Every record ever held by `code`, oldest first.
    pub fn history(&self, code: &str) -> Vec<&Unit> {
        let mut records: Vec<&Unit> = self
            .by_code
            .get(code)
            .map(|indexes| indexes.iter().map(|index| self.get(*index)).collect())
            .unwrap_or_default();
        records.sort_by_key(|unit| unit.valid_from);
        records
    }

    /// The tree as it stood on `day`: every unit valid then, coarse levels first, then by code.
    pub fn as_of(&self, day: Date) -> Vec<&Unit> {
        let mut valid: Vec<&Unit> = self
            .units
            .iter()
            .filter(|unit| unit.is_valid_on(day))
            .collect();
        valid.sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
        valid
    }

    pub fn children(&self, code: &str, day: Date) -> Vec<&Unit> {
        self.as_of(day)
            .into_iter()
            .filter(|unit| unit.parent.as_deref() == Some(code))
            .collect()
    }

    /// The ancestor of `code` at `level` on `day` (the unit itself when it is at that level).
    pub fn ancestor_at(&self, code: &str, level: UnitLevel, day: Date) -> Option<&Unit> {
        let mut unit = self.resolve(code, day)?;
        while unit.level != level {
            unit = self.resolve(unit.parent.as_deref()?, day)?;
        }
        Some(unit)
    }

    /// Where the unit `index` lives on `as_of`: itself when still valid, otherwise its successors found by
    /// following lineage forward, each with the product of the weights along its path.
    pub fn successors(&self, index: UnitIndex, as_of: Date) -> Vec<(UnitIndex, f64, LineageKind)> {
        let mut found: BTreeMap<UnitIndex, (f64, LineageKind)> = BTreeMap::new();
        self.walk_successors(index, as_of, 1.0, None, &mut found);
        found
            .into_iter()
            .map(|(index, (weight, kind))| (index, weight, kind))
            .collect()
    }

    fn walk_successors(
        &self,
        index: UnitIndex,
        as_of: Date,
        weight: f64,
        kind: Option<LineageKind>,
        found: &mut BTreeMap<UnitIndex, (f64, LineageKind)>,
    ) {
        if self.get(index).is_valid_on(as_of)
            || self.get(index).valid_from.is_some_and(|from| from > as_of)
        {
            let entry = found
                .entry(index)
                .or_insert((0.0, kind.unwrap_or(LineageKind::Rename)));
            entry.0 += weight;
            return;
        }
        for (next, edge_kind, edge_weight) in self.successors.get(&index).into_iter().flatten() {
            // A chain is as lossy as its worst link: a split anywhere makes the whole path a split.
            let path_kind = match (kind, *edge_kind) {
                (Some(LineageKind::Split), _) | (_, LineageKind::Split) => LineageKind::Split,
                (Some(LineageKind::Merge), _) | (_, LineageKind::Merge) => LineageKind::Merge,
                _ => LineageKind::Rename,
            };
            self.walk_successors(*next, as_of, weight * edge_weight, Some(path_kind), found);
        }
    }

    /// Carries `value`, recorded on the unit `index`, onto the units valid on `as_of`.
    pub fn carry(
        &self,
        index: UnitIndex,
        value: f64,
        rule: CarryRule,
        as_of: Date,
    ) -> Result<Vec<(UnitIndex, f64)>, CarryError> {
        let code = &self.get(index).code;
        let successors = self.successors(index, as_of);
        if successors.is_empty() {
            return Err(CarryError::NoSuccessor {
                code: code.clone(),
                as_of,
            });
        }
        let split = successors.len() > 1
            || successors
                .iter()
                .any(|(_, _, kind)| *kind == LineageKind::Split);
        let merged = successors
            .iter()
            .any(|(_, _, kind)| *kind == LineageKind::Merge);
        match rule {
            CarryRule::Additive => Ok(successors
                .into_iter()
                .map(|(to, weight, _)| (to, value * weight))
                .collect()),
            CarryRule::Extremum if split => Err(CarryError::NotCarried {
                code: code.clone(),
                as_of,
                kind: "split",
            }),
            CarryRule::Intensive if split || merged => Err(CarryError::NotCarried {
                code: code.clone(),
                as_of,
                kind: if split { "split" } else { "merged" },
            }),
            CarryRule::Extremum | CarryRule::Intensive => Ok(successors
                .into_iter()
                .map(|(to, _, _)| (to, value))
                .collect()),
        }
    }

    /// Lineage one level up, derived from lineage at a finer level: an old ancestor passes into each new
    /// ancestor that received any of its descendants. The crosswalk is published per commune, but views at
    /// province level need to know that old provinces 68, 67 and 60 became the new 68.
    pub fn derive_lineage(&self, level: UnitLevel) -> Vec<Lineage> {
        let mut rows: Vec<CrosswalkRow> = Vec::new();
        for edge in &self.lineage {
            let Some(day_before) = edge.date.yesterday().ok() else {
                continue;
            };
            let old = self.ancestor_at(&edge.old_code, level, day_before);
            let new = self.ancestor_at(&edge.new_code, level, edge.date);
            if let (Some(old), Some(new)) = (old, new) {
                let row = CrosswalkRow {
                    old_code: old.code.clone(),
                    new_code: new.code.clone(),
                    date: edge.date,
                };
                if old.valid_to == Some(edge.date) && !rows.contains(&row) {
                    rows.push(row);
                }
            }
        }
        classify_crosswalk(&rows)
    }
}
