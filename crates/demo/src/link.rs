//! Ties the operands of derived indicators together, so that formulas give believable results: an on-time
//! rate between 60 and 98 %, about twelve doctors per 10,000 people, a count of late dossiers that is never
//! negative. Independently drawn operands would give rates of 300 % and negative differences.
//!
//! For each derived indicator, in code order, a desired value is drawn from its own profile, and one operand
//! that no earlier formula has tied is rescaled so that the formula gives that value at typical levels. The
//! rescaled operand is then tied to another operand of the formula: any later rescaling moves the two
//! together, so earlier formulas keep their results. When both are counts or amounts and every cell of the
//! tied operand has a cell of the other to read (at the same unit, in the same or a longer period), the tie
//! also holds cell by cell: the tied operand's value is drawn from the other one's (the dossiers resolved on
//! time among those resolved), so rates stay within 0–100 % and differences stay non-negative in every
//! cell, not only on average.

use std::collections::BTreeMap;

use vantage_model::formula::Formula;
use vantage_model::indicator::{Indicator, Polarity};
use vantage_model::period::PeriodType;

use crate::model::Spec;
use crate::profile::{self, Shape};
use crate::random::{Rng, hash_str, mix};

const SALT_TIE: u64 = 0x5eed;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relation {
    /// At most the base: `100 * X / base` is a share, `base - X` is not negative.
    Part,
    /// At least the base: `100 * base / X` is a share, `X - base` is not negative.
    Whole,
    /// In proportion to the base, with no bound: yields per hectare, students per teacher.
    Proportional,
}

/// A value computed cell by cell from the value of another indicator on the same unit.
pub(crate) struct CellLink {
    pub(crate) base: usize,
    pub(crate) relation: Relation,
    /// Yearly change of the ratio to the base (log or logit): derived rates improve over time.
    pub(crate) trend: f64,
}

/// Whether two results of a formula are the same number, allowing for rounding.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

/// The `s` for which `g(s)` is `target`, when `g` is affine in `s` (a sum, or the numerator of a ratio) or in
/// `1 / s` (the denominator of a ratio); `None` when it is neither or no positive `s` works.
fn solve(g: impl Fn(f64) -> Option<f64>, target: f64) -> Option<f64> {
    let (half, one, two) = (g(0.5)?, g(1.0)?, g(2.0)?);
    let scale = if same(two - one, 2.0 * (one - half)) && !same(two, one) {
        1.0 + (target - one) / (two - one)
    } else if same(half - one, 2.0 * (one - two)) && !same(half, one) {
        let slope = half - one;
        slope / (target - (one - slope))
    } else {
        return None;
    };
    (scale.is_finite() && scale > 0.0).then_some(scale)
}

fn root(parents: &[Option<usize>], mut indicator: usize) -> usize {
    while let Some(parent) = parents[indicator] {
        indicator = parent;
    }
    indicator
}

pub(crate) fn tie(
    indicators: &[Indicator],
    specs: &mut [Spec],
    formulas: &[Option<Formula>],
    by_code: &BTreeMap<&str, usize>,
    anchored: &[bool],
    seed: u64,
) {
    let mut parents: Vec<Option<usize>> = vec![None; indicators.len()];
    for (code, &derived) in by_code {
        let Some(formula) = &formulas[derived] else {
            continue;
        };
        let operands: Option<Vec<usize>> = formula
            .references()
            .into_iter()
            .map(|reference| by_code.get(reference).copied())
            .collect();
        // Derived operands follow from their own operands and cannot be rescaled.
        let Some(operands) = operands.filter(|operands| {
            operands
                .iter()
                .all(|&operand| !indicators[operand].is_derived())
        }) else {
            continue;
        };
        let definition = &indicators[derived];
        let span = if definition.cumulative {
            PeriodType::Year
        } else {
            definition.frequency
        };
        let values: Vec<f64> = operands
            .iter()
            .map(|&operand| specs[operand].span_value(span))
            .collect();
        let evaluate = |values: &[f64]| {
            formula.evaluate(&mut |reference| {
                let position = operands
                    .iter()
                    .position(|&operand| indicators[operand].code == reference)?;
                Some(values[position])
            })
        };
        // An identity must hold at two unrelated points to be the formula's shape, not a coincidence.
        let holds = |identity: &dyn Fn(&[f64]) -> f64| {
            let other: Vec<f64> = values
                .iter()
                .enumerate()
                .map(|(position, value)| value * if position == 0 { 1.37 } else { 0.61 })
                .collect();
            [values.as_slice(), &other]
                .iter()
                .all(|point| evaluate(point).is_some_and(|result| same(result, identity(point))))
        };
        let two = operands.len() == 2;
        let difference = two && (holds(&|x| x[0] - x[1]) || holds(&|x| x[1] - x[0]));
        // Keyed apart from the indicator's own spec, whose draws start from the same code.
        let mut rng = Rng::new(mix(mix(seed, hash_str(code)), SALT_TIE));
        let desired_profile = profile::profile(definition);
        let (low, high) = desired_profile.typical;
        let desired = match desired_profile.shape {
            Shape::Share { .. } => Some(rng.between(low, high)),
            Shape::Level => Some(rng.log_between(low, high)),
            Shape::Extensive => None,
        };
        // For a difference such as resolved − resolved on time: how much of the larger the smaller is.
        let part_of_whole = match definition.polarity {
            Polarity::LowerBetter => rng.between(0.85, 0.97),
            Polarity::HigherBetter => rng.between(0.3, 0.7),
            Polarity::TargetRange => rng.between(0.4, 0.8),
        };
        let doubled: Vec<f64> = values.iter().map(|value| value * 2.0).collect();
        let sum = match (evaluate(&values), evaluate(&doubled)) {
            (Some(once), Some(twice)) => same(twice, 2.0 * once),
            _ => false,
        };
        if !difference && (sum || desired.is_none()) {
            // Sums are believable whatever their parts are, and a derived count or amount has no typical
            // value of its own to aim for.
            continue;
        }
        let effect = |position: usize| {
            let mut more = values.clone();
            more[position] *= 2.0;
            evaluate(&more)
                .zip(evaluate(&values))
                .map(|(more, now)| more - now)
        };
        let free = |position: usize| {
            let operand = operands[position];
            parents[operand].is_none() && !anchored[operand]
        };
        // Raise a numerator before lowering a denominator.
        let mut candidates: Vec<usize> = (0..operands.len()).filter(|&p| free(p)).collect();
        candidates.sort_by_key(|&position| !effect(position).is_some_and(|change| change > 0.0));
        for position in candidates {
            let tied = operands[position];
            let target = match desired {
                _ if difference => {
                    let other = 1 - position;
                    if holds(&|x| x[other] - x[position]) {
                        values[other] * (1.0 - part_of_whole)
                    } else {
                        values[other] * (1.0 / part_of_whole - 1.0)
                    }
                }
                Some(desired) => desired,
                None => continue,
            };
            // Operands already tied to this one move with it.
            let moves = |p: usize| root(&parents, operands[p]) == tied;
            let Some(scale) = solve(
                |scale| {
                    let moved: Vec<f64> = values
                        .iter()
                        .enumerate()
                        .map(|(p, value)| if moves(p) { value * scale } else { *value })
                        .collect();
                    evaluate(&moved)
                },
                target,
            ) else {
                continue;
            };
            let members: Vec<usize> = (0..indicators.len())
                .filter(|&indicator| root(&parents, indicator) == tied)
                .collect();
            let Some(levels) = members
                .iter()
                .map(|&member| specs[member].scaled_level(scale))
                .collect::<Option<Vec<f64>>>()
            else {
                continue;
            };
            for (&member, level) in members.iter().zip(levels) {
                specs[member].level = level;
            }
            let Some(base_position) = (0..operands.len()).find(|&p| p != position) else {
                break;
            };
            let base = operands[base_position];
            parents[tied] = Some(base);
            if two {
                // +1 when more of the tied operand is good news for the derived indicator.
                let good = match definition.polarity {
                    Polarity::HigherBetter => 1.0,
                    Polarity::LowerBetter => -1.0,
                    Polarity::TargetRange => 0.0,
                };
                let direction = effect(position).map_or(0.0, f64::signum) * good;
                let other = 1 - position;
                let relation = if holds(&|x| 100.0 * x[position] / x[other])
                    || holds(&|x| x[other] - x[position])
                {
                    Relation::Part
                } else if holds(&|x| 100.0 * x[other] / x[position])
                    || holds(&|x| x[position] - x[other])
                {
                    Relation::Whole
                } else {
                    Relation::Proportional
                };
                link_cells(
                    indicators,
                    specs,
                    [tied, base],
                    relation,
                    direction,
                    &mut rng,
                );
            }
            break;
        }
    }
}

/// Makes `tied` follow `base` cell by cell where their frequencies and levels allow it. `direction` says
/// whether the ratio of tied to base should rise (+1) or fall (-1) over the years for the formula to improve.
fn link_cells(
    indicators: &[Indicator],
    specs: &mut [Spec],
    [tied, base]: [usize; 2],
    relation: Relation,
    direction: f64,
    rng: &mut Rng,
) {
    let (tied_definition, base_definition) = (&indicators[tied], &indicators[base]);
    let compatible = specs[tied].profile.shape == Shape::Extensive
        && specs[base].profile.shape == Shape::Extensive
        && !base_definition
            .frequency
            .is_finer_than(tied_definition.frequency)
        && tied_definition
            .levels
            .iter()
            .all(|level| base_definition.is_reported_at(*level));
    if !compatible {
        return;
    }
    // Shares move on the logit scale, where a step means much less near 0 or 100 %.
    let pace = match relation {
        Relation::Part | Relation::Whole => rng.between(0.05, 0.2),
        Relation::Proportional => rng.between(0.01, 0.04),
    };
    // The tie carries the trend of the ratio, so the tied operand's own trend, season and week are the base's.
    specs[tied].growth = specs[base].growth;
    if tied_definition.frequency == base_definition.frequency {
        specs[tied].season = specs[base].season;
        specs[tied].weekday = specs[base].weekday;
    }
    specs[tied].link = Some(CellLink {
        base,
        relation,
        trend: direction * pace,
    });
}
