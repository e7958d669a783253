//! Annual targets, as a People's Council resolution would set them: most a little below what the year will
//! bring (or above, for what should fall), about one in seven out of reach, so the demo has misses to explain.

use jiff::civil::date;
use vantage_model::indicator::Polarity;
use vantage_model::period::Period;
use vantage_model::record::{ObservationKey, Target, TargetBound};
use vantage_model::unit::{UnitIndex, UnitLevel};

use crate::DemoOptions;
use crate::model::{Model, ceil_cents, floor_cents, logistic, logit};
use crate::profile::{Numeric, Shape};

/// The new province's first year: earlier years belonged to the three old provinces.
const FIRST_YEAR: i16 = 2025;

/// Share of cells whose target the expected value misses.
const MISS_SHARE: f64 = 0.15;

pub(crate) fn targets(model: &Model, options: &DemoOptions) -> Vec<Target> {
    let mut targets = Vec::new();
    for (index, indicator) in model.indicators.iter().enumerate() {
        if model.is_counted(index) {
            continue;
        }
        for year in FIRST_YEAR..=options.today.year() {
            let year_end = date(year, 12, 31);
            let units: Vec<UnitIndex> = indicator
                .levels
                .iter()
                .flat_map(|level| model.geography.units(year_end, *level))
                .copied()
                .collect();
            let expected = model.expected(index, &units, year);
            for (&unit, expected) in units.iter().zip(expected) {
                let Some(bound) =
                    expected.and_then(|expected| bound(model, index, unit, year, expected))
                else {
                    continue;
                };
                let record = model.registry.get(unit);
                let council = match record.level {
                    UnitLevel::Province => "tỉnh".to_owned(),
                    _ => lowercase_first(&record.name),
                };
                targets.push(Target {
                    key: ObservationKey {
                        indicator: indicator.code.clone(),
                        unit: record.code.clone(),
                        period: Period::Year(year),
                    },
                    bound,
                    source_document: format!(
                        "Nghị quyết HĐND {council} về kế hoạch phát triển kinh tế - xã hội năm {year}"
                    ),
                });
            }
        }
    }
    targets
}

/// `Xã Xuân Trường` as written inside a sentence: `xã Xuân Trường`.
fn lowercase_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// The target of a cell whose expected value is `expected`, rounded to what its measure is written in and
/// the way that keeps a reachable target reachable and a missed one missed.
fn bound(
    model: &Model,
    index: usize,
    unit: UnitIndex,
    year: i16,
    expected: f64,
) -> Option<TargetBound> {
    let indicator = &model.indicators[index];
    let profile = &model.specs[index].profile;
    let round = |value: f64, up: bool| match (profile.numeric, up) {
        (Numeric::Count, true) => value.ceil(),
        (Numeric::Count, false) => value.floor(),
        (Numeric::Amount, true) => ceil_cents(value),
        (Numeric::Amount, false) => floor_cents(value),
    };
    let smallest = match profile.numeric {
        Numeric::Count => 1.0,
        Numeric::Amount => 0.01,
    };
    // `expected` moved by `change` (relative, positive is up). Shares move on the logit scale, so that a
    // target never asks for more than the whole: 90 % moves to about 92 %, not 100 %.
    let moved = |change: f64| match profile.shape {
        Shape::Share { bound } => bound * logistic(logit(expected / bound) + 2.5 * change),
        _ => expected + expected.abs() * change,
    };
    // A target the year misses must miss by at least the smallest written step.
    let beyond = |change: f64| {
        let target = moved(change);
        if change > 0.0 {
            target.max(expected + smallest)
        } else {
            target.min(expected - smallest)
        }
    };
    let (low, high) = match profile.shape {
        Shape::Share { bound } => (0.0, bound),
        // Values that cannot go below zero cannot be asked to.
        _ if expected >= 0.0 => (0.0, f64::INFINITY),
        _ => (f64::NEG_INFINITY, f64::INFINITY),
    };
    let written = |value: f64, up: bool| round(value, up).clamp(low, high);
    let mut rng = model.target_rng(index, unit, year);
    let miss = rng.uniform() < MISS_SHARE;
    let bound = match indicator.polarity {
        Polarity::HigherBetter if miss => TargetBound::AtLeast {
            value: written(beyond(rng.between(0.06, 0.20)), true),
        },
        Polarity::HigherBetter => TargetBound::AtLeast {
            value: written(moved(-rng.between(0.03, 0.15)), false),
        },
        Polarity::LowerBetter if miss => TargetBound::AtMost {
            value: written(beyond(-rng.between(0.06, 0.20)), false),
        },
        Polarity::LowerBetter => TargetBound::AtMost {
            value: written(moved(rng.between(0.03, 0.15)), true),
        },
        Polarity::TargetRange => {
            let half_width = rng.between(0.05, 0.12);
            if miss {
                // A band set for another year than the one that came: all of it above or below.
                // The far edge is never nearer than the near one, which the smallest step may have pushed.
                let shift = rng.between(0.12, 0.25);
                if rng.uniform() < 0.5 {
                    let near = beyond(shift);
                    TargetBound::Range {
                        min: written(near, true),
                        max: written(moved(shift + 2.0 * half_width).max(near), true),
                    }
                } else {
                    let near = beyond(-shift);
                    TargetBound::Range {
                        min: written(moved(-shift - 2.0 * half_width).min(near), false),
                        max: written(near, false),
                    }
                }
            } else {
                TargetBound::Range {
                    min: written(moved(-half_width), false),
                    max: written(moved(half_width), true),
                }
            }
        }
    };
    let finite = match bound {
        TargetBound::AtLeast { value } | TargetBound::AtMost { value } => value.is_finite(),
        TargetBound::Range { min, max } => min.is_finite() && max.is_finite() && min <= max,
    };
    finite.then_some(bound)
}
