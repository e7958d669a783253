//! Deterministic demo data for the demo province (the new Lâm Đồng): values for every reported indicator from
//! a start date to today, on the units that existed at the time, and annual targets for the new province and
//! its communes.
//!
//! Pure: no I/O, no clock, no global randomness. Every value is a function of the seed and of its cell
//! (indicator code, unit code and validity, period), so the same inputs give the same data whatever order the
//! cells are visited in.

mod geography;
mod link;
mod model;
mod profile;
mod random;
mod targets;
#[cfg(test)]
mod tests;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use vantage_model::calendar::WorkingCalendar;
use vantage_model::indicator::Indicator;
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target};
use vantage_model::unit::{UnitLevel, UnitRegistry};

use crate::model::Model;
use crate::random::{Rng, hash_str, mix};

pub struct DemoOptions {
    /// First day of generated history (the CLI passes 2023-01-01).
    pub start: Date,
    /// First day of daily values at commune level. Daily commune data is by far the largest part of the demo,
    /// so the CLI may start it later than `start` to keep loading fast. Before it, daily indicators get
    /// province values instead; every other frequency starts at `start` on every level.
    pub daily_commune_start: Date,
    /// Today in the deployment's time zone: periods are generated while their start <= today (the current,
    /// unfinished month/quarter/year included; days up to today).
    pub today: Date,
    /// Now: no value is reported later than this.
    pub recorded_at: jiff::Timestamp,
    pub seed: u64,
    /// The working calendar reporting deadlines follow, and the time zone they are in: each value is
    /// reported around its deadline, some parties more often late than others.
    pub calendar: WorkingCalendar,
    pub time_zone: TimeZone,
}

/// The demo's generator. Values are produced one indicator at a time, so that a caller can write them in
/// batches without holding the whole history (tens of millions of values) in memory.
pub struct Generator<'a> {
    model: Model<'a>,
    options: &'a DemoOptions,
}

impl<'a> Generator<'a> {
    pub fn new(
        registry: &'a UnitRegistry,
        indicators: &'a [Indicator],
        options: &'a DemoOptions,
    ) -> Generator<'a> {
        Generator {
            model: Model::new(registry, indicators, options.seed),
            options,
        }
    }

    /// Annual targets for every indicator from 2025, the new province's first year, to today's year.
    pub fn targets(&self) -> Vec<Target> {
        targets::targets(&self.model, self.options)
    }

    /// Values of the indicator at `index` in the catalogue given to [`Generator::new`]; none for a derived
    /// indicator (the engine computes those).
    ///
    /// A period gets values when it starts between `options.start` and today. Values are stored on the finest
    /// level an indicator is reported at, and also on coarser reported levels when the indicator does not
    /// aggregate over units; otherwise the engine adds the communes up. A value is approved once its period
    /// ended more than ten days before today and submitted otherwise; its source is `demo` and its author the
    /// indicator's owner agency. Values come by period, then unit (coarse levels first, then by code).
    pub fn observations(&self, index: usize) -> Vec<Observation> {
        observations(&self.model, index, self.options)
    }
}
/// The first period of `indicator` that starts on or after `day`.
fn first_period(indicator: &Indicator, day: Date) -> Period {
    let period = Period::containing(indicator.frequency, day);
    if period.start() < day {
        period.next()
    } else {
        period
    }
}

/// Calls `visit` with each period of an indicator someone reports, and the levels it gets values at.
fn each_period(
    indicator: &Indicator,
    options: &DemoOptions,
    mut visit: impl FnMut(Period, &[UnitLevel]),
) {
    if !indicator.is_owed() {
        return;
    }
    let recorded: Vec<UnitLevel> = indicator
        .levels
        .iter()
        .copied()
        .filter(|level| indicator.is_owed_at(*level))
        .collect();
    // Before daily commune values start, an indicator still has its daily history: at the coarser levels it
    // is recorded at, or at the province when it is recorded only on communes (so the province total is
    // stored, never alongside commune values of the same day).
    let mut without_communes: Vec<UnitLevel> = recorded
        .iter()
        .copied()
        .filter(|level| *level != UnitLevel::Commune)
        .collect();
    if without_communes.is_empty() {
        without_communes.push(UnitLevel::Province);
    }
    let daily = indicator.frequency == PeriodType::Day;
    let mut period = first_period(indicator, options.start);
    while period.start() <= options.today {
        if daily && period.start() < options.daily_commune_start {
            visit(period, &without_communes);
        } else {
            visit(period, &recorded);
        }
        period = period.next();
    }
}

fn observations(model: &Model, index: usize, options: &DemoOptions) -> Vec<Observation> {
    let geography = &model.geography;
    let indicator = &model.indicators[index];
    // Counted first: growing a vector of many observations would copy it over and over.
    let mut total = 0;
    each_period(indicator, options, |period, levels| {
        total += levels
            .iter()
            .map(|level| geography.units(period.end(), *level).len())
            .sum::<usize>();
    });
    // Reviewers approve a period's figures in the days after it closes.
    let approved_before = options.today.saturating_sub(10.days());
    let mut observations = Vec::with_capacity(total);
    each_period(indicator, options, |period, levels| {
        let end = period.end();
        let status = if end < approved_before {
            ObservationStatus::Approved
        } else {
            ObservationStatus::Submitted
        };
        let steps = model.steps(index, period);
        let deadline = indicator
            .deadline_rule()
            .deadline(period, &options.calendar);
        let due = options
            .time_zone
            .to_ambiguous_timestamp(deadline)
            .compatible()
            .unwrap_or(options.recorded_at);
        for level in levels {
            for &unit in geography.units(end, *level) {
                let code = &model.registry.get(unit).code;
                // Departments report the province's figures, communes their own.
                let party = if *level == UnitLevel::Province {
                    &indicator.owner_agency
                } else {
                    code
                };
                let cell = mix(
                    hash_str(&indicator.code),
                    mix(hash_str(code), period.ordinal() as u64),
                );
                observations.push(Observation {
                    key: ObservationKey {
                        indicator: indicator.code.clone(),
                        unit: code.clone(),
                        period,
                    },
                    value: model.value(&steps, unit),
                    status,
                    source: "demo".to_owned(),
                    author: indicator.owner_agency.clone(),
                    recorded_at: reported_at(due, options, party, cell),
                    comment: None,
                });
            }
        }
    });
    observations
}

/// When a party reported a value due at `due`: most parties mostly on time (up to a week early), some
/// often late (up to two weeks), each cell by its own draw; never after now.
fn reported_at(due: Timestamp, options: &DemoOptions, party: &str, cell: u64) -> Timestamp {
    let party = mix(options.seed, hash_str(party));
    // Three parties in four are late at most one report in ten; the others up to four in ten.
    let mut diligence = Rng::new(party);
    let late_share = if diligence.uniform() < 0.75 {
        diligence.between(0.0, 0.1)
    } else {
        diligence.between(0.1, 0.4)
    };
    let mut draw = Rng::new(mix(party, cell));
    let offset = if draw.uniform() < late_share {
        SignedDuration::from_mins(draw.between(60.0, 14.0 * 24.0 * 60.0) as i64)
    } else {
        -SignedDuration::from_mins(draw.between(10.0, 7.0 * 24.0 * 60.0) as i64)
    };
    (due + offset).min(options.recorded_at)
}

/// The demo province's reference files (data/demo), in import order: each kind refers only to kinds before
/// it. Compiled in, so the demo works from any directory. Each entry is (import kind, file name, contents).
pub const REFERENCE_FILES: [(&str, &str, &[u8]); 7] = [
    (
        "domains",
        "domains.csv",
        include_bytes!("../../../data/demo/domains.csv"),
    ),
    (
        "holidays",
        "holidays.csv",
        include_bytes!("../../../data/demo/holidays.csv"),
    ),
    (
        "units",
        "units.csv",
        include_bytes!("../../../data/demo/units.csv"),
    ),
    (
        "lineage",
        "lineage.csv",
        include_bytes!("../../../data/demo/lineage.csv"),
    ),
    (
        "agencies",
        "agencies.csv",
        include_bytes!("../../../data/demo/agencies.csv"),
    ),
    (
        "catalog",
        "catalog.csv",
        include_bytes!("../../../data/demo/catalog.csv"),
    ),
    // Vantage's own reporting-rate indicators, added to the shared catalogue.
    (
        "catalog",
        "reporting-catalog.csv",
        include_bytes!("../../../data/demo/reporting-catalog.csv"),
    ),
];
