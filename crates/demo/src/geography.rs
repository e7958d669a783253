//! Which units exist on each day, how they nest, and how big each one is.

use std::cmp::Reverse;

use jiff::civil::{Date, date};
use vantage_model::unit::{UnitIndex, UnitLevel, UnitRegistry};

use crate::random::{Rng, hash_str, mix};

const LEVELS: usize = 3;

fn level_slot(level: UnitLevel) -> usize {
    match level {
        UnitLevel::Province => 0,
        UnitLevel::District => 1,
        UnitLevel::Commune => 2,
    }
}

/// A day inside the unit's validity, on which its parent is looked up.
fn probe_day(from: Option<Date>, to: Option<Date>) -> Date {
    to.and_then(|to| to.yesterday().ok())
        .or(from)
        .unwrap_or(date(2000, 1, 1))
}

fn day_key(day: Option<Date>) -> u64 {
    day.map_or(0, |day| {
        (i64::from(day.year()) * 10_000 + i64::from(day.month()) * 100 + i64::from(day.day()))
            as u64
    })
}

pub(crate) struct Geography {
    /// Stable key of every unit record: its code and first day, since codes are reused (the old and the new 68).
    keys: Vec<u64>,
    levels: Vec<UnitLevel>,
    /// The parent record, resolved inside the unit's validity.
    parents: Vec<Option<UnitIndex>>,
    /// Relative size of every unit record: one number standing for population, economy and caseload.
    sizes: Vec<f64>,
    /// Days on which some unit starts or ends, ascending: the units valid on a day depend only on how many of
    /// these have passed.
    boundaries: Vec<Date>,
    /// Units valid from one boundary to the next, by level, each sorted by code.
    epochs: Vec<[Vec<UnitIndex>; LEVELS]>,
    /// Size of a typical current province, for which the typical values of the profiles are meant.
    reference_size: f64,
}

impl Geography {
    pub(crate) fn new(registry: &UnitRegistry, seed: u64) -> Geography {
        let units = registry.units();
        let keys: Vec<u64> = units
            .iter()
            .map(|unit| mix(hash_str(&unit.code), day_key(unit.valid_from)))
            .collect();
        let parents = units
            .iter()
            .map(|unit| {
                let parent = unit.parent.as_deref()?;
                registry.index_on(parent, probe_day(unit.valid_from, unit.valid_to))
            })
            .collect();
        let mut boundaries: Vec<Date> = units
            .iter()
            .flat_map(|unit| [unit.valid_from, unit.valid_to])
            .flatten()
            .collect();
        boundaries.sort();
        boundaries.dedup();
        let epochs = (0..=boundaries.len())
            .map(|epoch| {
                let day = match epoch {
                    0 => boundaries.first().map_or(date(2000, 1, 1), |first| {
                        first.yesterday().unwrap_or(*first)
                    }),
                    _ => boundaries[epoch - 1],
                };
                let mut valid: Vec<usize> = (0..units.len())
                    .filter(|&index| units[index].is_valid_on(day))
                    .collect();
                valid.sort_by(|&a, &b| units[a].code.cmp(&units[b].code));
                let mut by_level: [Vec<UnitIndex>; LEVELS] = Default::default();
                for index in valid {
                    by_level[level_slot(units[index].level)].push(UnitIndex(index as u32));
                }
                by_level
            })
            .collect();
        let mut geography = Geography {
            levels: units.iter().map(|unit| unit.level).collect(),
            keys,
            parents,
            sizes: Vec::new(),
            boundaries,
            epochs,
            reference_size: 1.0,
        };
        geography.sizes = geography.unit_sizes(registry, seed);
        let latest = &geography.epochs[geography.epochs.len() - 1][0];
        let total: f64 = latest.iter().map(|&unit| geography.size(unit)).sum();
        if total > 0.0 {
            geography.reference_size = total / latest.len() as f64;
        }
        geography
    }

    /// Communes still in place today draw their size; a retired commune's size is its share of what its
    /// successors hold, so that totals carry across a reorganisation. Coarser units hold their communes.
    fn unit_sizes(&self, registry: &UnitRegistry, seed: u64) -> Vec<f64> {
        let units = registry.units();
        let commune = |index: usize| units[index].level == UnitLevel::Commune;
        let mut successors: Vec<Vec<(usize, f64)>> = vec![Vec::new(); units.len()];
        let mut predecessors: Vec<Vec<(usize, f64)>> = vec![Vec::new(); units.len()];
        for edge in registry.lineage() {
            let Ok(before) = edge.date.yesterday() else {
                continue;
            };
            let old = registry.index_on(&edge.old_code, before);
            let new = registry.index_on(&edge.new_code, edge.date);
            if let (Some(old), Some(new)) = (old, new)
                && commune(old.0 as usize)
                && commune(new.0 as usize)
            {
                successors[old.0 as usize].push((new.0 as usize, edge.weight));
                predecessors[new.0 as usize].push((old.0 as usize, edge.weight));
            }
        }
        let draw = |index: usize, salt: &str, spread: f64| {
            (Rng::new(mix(mix(seed, hash_str(salt)), self.keys[index])).normal() * spread).exp()
        };
        let mut sizes = vec![0.0; units.len()];
        let mut communes: Vec<usize> = (0..units.len()).filter(|&index| commune(index)).collect();
        // A successor ends later than its predecessors, so latest end first sizes it before them.
        communes.sort_by_key(|&index| (Reverse(units[index].valid_to.unwrap_or(Date::MAX)), index));
        for &index in &communes {
            sizes[index] = if successors[index].is_empty() {
                // Wards are denser than rural communes; the special zone is a small island.
                let kind = match units[index].kind.as_str() {
                    "phường" => 1.8,
                    "đặc khu" => 0.4,
                    _ => 1.0,
                };
                kind * draw(index, "size", 0.45)
            } else {
                // How much of each merged commune came from this predecessor.
                let weight = |old: usize, share: f64| share * draw(old, "share", 0.5);
                successors[index]
                    .iter()
                    .map(|&(new, share)| {
                        let all: f64 = predecessors[new]
                            .iter()
                            .map(|&(old, share)| weight(old, share))
                            .sum();
                        sizes[new] * weight(index, share) / all
                    })
                    .sum()
            };
        }
        for &index in &communes {
            let mut ancestor = self.parents[index];
            while let Some(parent) = ancestor {
                sizes[parent.0 as usize] += sizes[index];
                ancestor = self.parents[parent.0 as usize];
            }
        }
        // A coarse unit without communes on record stands for an average one of its level.
        for level in [UnitLevel::Province, UnitLevel::District] {
            let known: Vec<f64> = (0..units.len())
                .filter(|&index| units[index].level == level && sizes[index] > 0.0)
                .map(|index| sizes[index])
                .collect();
            let typical = if known.is_empty() {
                1.0
            } else {
                known.iter().sum::<f64>() / known.len() as f64
            };
            for (index, size) in sizes.iter_mut().enumerate() {
                if units[index].level == level && *size == 0.0 {
                    *size = typical;
                }
            }
        }
        sizes
    }

    pub(crate) fn key(&self, unit: UnitIndex) -> u64 {
        self.keys[unit.0 as usize]
    }

    pub(crate) fn level(&self, unit: UnitIndex) -> UnitLevel {
        self.levels[unit.0 as usize]
    }

    /// Size relative to a typical current province.
    pub(crate) fn relative_size(&self, unit: UnitIndex) -> f64 {
        self.size(unit) / self.reference_size
    }

    fn size(&self, unit: UnitIndex) -> f64 {
        self.sizes[unit.0 as usize]
    }

    /// The units of `level` valid on `day`, sorted by code.
    pub(crate) fn units(&self, day: Date, level: UnitLevel) -> &[UnitIndex] {
        let epoch = self.boundaries.partition_point(|boundary| *boundary <= day);
        &self.epochs[epoch][level_slot(level)]
    }

    /// The units of `level` valid on `day` that lie inside `unit`.
    pub(crate) fn members(&self, unit: UnitIndex, level: UnitLevel, day: Date) -> Vec<UnitIndex> {
        self.units(day, level)
            .iter()
            .copied()
            .filter(|&member| {
                let mut ancestor = self.parents[member.0 as usize];
                while let Some(parent) = ancestor {
                    if parent == unit {
                        return true;
                    }
                    ancestor = self.parents[parent.0 as usize];
                }
                false
            })
            .collect()
    }
}
