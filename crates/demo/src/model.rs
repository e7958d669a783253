//! The value model. A cell's value is its indicator's typical level, scaled to the unit (by size for counts and
//! amounts, by a lasting deviation for rates and levels), moved by a yearly trend, the season and the weekday,
//! and shaken by noise that depends only on the cell. Operands of formulas are tied together (see `link`), so
//! that an operand can also be a part of, the whole of, or proportional to another operand, cell by cell.

use std::collections::BTreeMap;

use jiff::civil::date;
use vantage_model::formula::Formula;
use vantage_model::indicator::{Indicator, Polarity, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::unit::{UnitIndex, UnitLevel, UnitRegistry};

use crate::geography::Geography;
use crate::link::{self, CellLink, Relation};
use crate::profile::{self, Numeric, Profile, Shape};
use crate::random::{Rng, hash_str, mix};

/// Headline figures of the new Lâm Đồng that every viewer knows, for its whole territory: a year's total for
/// flows, the standing level for stocks. Everything else is drawn from the typical values of its measure and
/// tied to these through the formulas.
const ANCHORS: &[(&str, f64)] = &[
    ("POP.POPULATION", 3_870_000.0),
    ("POP.HOUSEHOLDS", 1_050_000.0),
    ("LAN.TOTAL_AREA", 2_423_300.0),
    ("ECO.GRDP_CURRENT", 280_000.0),
    ("ECO.GRDP_CONSTANT", 175_000.0),
    ("BUD.REVENUE_TOTAL", 30_000.0),
    ("LAB.LABOUR_FORCE", 2_250_000.0),
    ("LAB.EMPLOYED", 2_200_000.0),
];

// Salts that keep the draws for different purposes of one cell apart.
const SALT_LASTING: u64 = 1;
const SALT_TIE: u64 = 2;
const SALT_TARGET: u64 = 3;

pub(crate) struct Spec {
    pub(crate) profile: Profile,
    /// Summed over time: the value of a period grows with its length.
    flow: bool,
    /// Rounded rather than drawn: standing stocks (schools, beds) and levels change slowly, while events and
    /// backlogs come in random whole numbers.
    steady: bool,
    /// Value at the reform date for a unit of reference size, in the modelling space: per day for flows, the
    /// logit of the fraction of the bound for shares, the value itself otherwise.
    pub(crate) level: f64,
    /// Change per year in the modelling space: log-growth, or logit drift for shares.
    pub(crate) growth: f64,
    pub(crate) season: [f64; 12],
    pub(crate) weekday: [f64; 7],
    /// Spread of the noise of one period, in the modelling space.
    noise: f64,
    key: u64,
    pub(crate) link: Option<CellLink>,
}

pub(crate) struct Model<'a> {
    pub(crate) indicators: &'a [Indicator],
    pub(crate) registry: &'a UnitRegistry,
    pub(crate) geography: Geography,
    pub(crate) specs: Vec<Spec>,
    formulas: Vec<Option<Formula>>,
    by_code: BTreeMap<&'a str, usize>,
    /// By indicator, then by unit record.
    terms: Vec<Vec<Terms>>,
}

pub(crate) fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub(crate) fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

/// Mean length in days of a period of `kind`.
fn average_days(kind: PeriodType) -> f64 {
    match kind {
        PeriodType::Day => 1.0,
        PeriodType::Week => 7.0,
        PeriodType::Month => 365.25 / 12.0,
        PeriodType::Quarter => 365.25 / 4.0,
        PeriodType::HalfYear => 365.25 / 2.0,
        PeriodType::Year => 365.25,
    }
}

/// Years from the reform (1 July 2025) to the middle of `period`.
fn years_from_reform(period: Period) -> f64 {
    let start = period.start();
    f64::from(start.year() - 2025)
        + (f64::from(start.day_of_year() - 1) + f64::from(period.days()) / 2.0) / 365.25
        - 0.5
}

/// The finest level at which the indicator is reported.
fn finest_level(indicator: &Indicator) -> Option<UnitLevel> {
    indicator.levels.iter().copied().max()
}

/// Rounded down to cents: dividing by 100 rather than multiplying by 0.01 gives the double that prints as
/// the intended decimal.
pub(crate) fn floor_cents(value: f64) -> f64 {
    (value * 100.0).floor() / 100.0
}

pub(crate) fn ceil_cents(value: f64) -> f64 {
    (value * 100.0).ceil() / 100.0
}

impl Spec {
    fn new(indicator: &Indicator, seed: u64) -> Spec {
        let profile = profile::profile(indicator);
        let key = mix(seed, hash_str(&indicator.code));
        let mut rng = Rng::new(key);
        let share = matches!(profile.shape, Shape::Share { .. });
        let flow = indicator.time_aggregation == TimeAggregation::Sum && !share;
        let anchor = ANCHORS
            .iter()
            .find(|(code, _)| *code == indicator.code)
            .map(|(_, value)| *value);
        let (low, high) = profile.typical;
        let typical = anchor.unwrap_or_else(|| match profile.shape {
            Shape::Share { .. } => rng.between(low, high),
            _ => rng.log_between(low, high),
        });
        let level = match profile.shape {
            Shape::Share { bound } => logit(typical / bound),
            Shape::Extensive if flow => typical / 365.25,
            Shape::Level if flow => typical / average_days(indicator.frequency),
            _ => typical,
        };
        let stock = !flow && profile.shape == Shape::Extensive;
        let growth = match (profile.shape, indicator.polarity) {
            (Shape::Share { .. }, Polarity::HigherBetter) => rng.between(0.05, 0.25),
            (Shape::Share { .. }, Polarity::LowerBetter) => -rng.between(0.05, 0.25),
            (Shape::Share { .. }, Polarity::TargetRange) => rng.between(-0.03, 0.03),
            (_, Polarity::HigherBetter) if stock => rng.between(0.005, 0.03),
            (_, Polarity::LowerBetter) if stock => -rng.between(0.01, 0.04),
            (_, Polarity::TargetRange) if stock => rng.between(0.0, 0.015),
            (Shape::Extensive, Polarity::HigherBetter) => rng.between(0.02, 0.10),
            (Shape::Extensive, Polarity::LowerBetter) => -rng.between(0.02, 0.08),
            (Shape::Extensive, Polarity::TargetRange) => rng.between(0.0, 0.04),
            (_, Polarity::HigherBetter) => rng.between(0.005, 0.03),
            (_, Polarity::LowerBetter) => -rng.between(0.01, 0.05),
            (_, Polarity::TargetRange) => rng.between(-0.01, 0.01),
        };
        let season = profile::seasonality(indicator, &profile, rng.between(1.0, 13.0));
        let weekday = profile::weekly_rhythm(indicator, &profile);
        let steady =
            profile.shape == Shape::Level || (stock && indicator.polarity != Polarity::LowerBetter);
        let volatile = matches!(indicator.domain.as_str(), "DIS" | "EPI" | "ENV");
        let noise = match (profile.shape, indicator.frequency) {
            (Shape::Extensive, _) if steady => 0.004,
            (Shape::Share { .. }, PeriodType::Day) => 0.2,
            (Shape::Share { .. }, PeriodType::Week) => 0.12,
            (Shape::Share { .. }, PeriodType::Month) => 0.08,
            (Shape::Share { .. }, _) => 0.05,
            // Levels (scores, prices, life expectancy) hardly move from one month or year to the next.
            (Shape::Level, PeriodType::Day) => 0.12,
            (Shape::Level, PeriodType::Week) => 0.05,
            (Shape::Level, PeriodType::Month) => 0.03,
            (Shape::Level, _) => 0.015,
            (_, PeriodType::Day) => 0.22,
            (_, PeriodType::Week) => 0.12,
            (_, PeriodType::Month) => 0.08,
            (_, PeriodType::Quarter) => 0.06,
            (_, _) => 0.04,
        } * if volatile { 2.0 } else { 1.0 };
        Spec {
            profile,
            flow,
            steady,
            level,
            growth,
            season,
            weekday,
            noise,
            key,
            link: None,
        }
    }

    fn season_of(&self, period: Period) -> f64 {
        let months = |first: i8, count: i8| {
            let first = (first - 1) as usize;
            self.season[first..first + count as usize]
                .iter()
                .sum::<f64>()
                / f64::from(count)
        };
        match period {
            Period::Day(day) => months(day.month(), 1),
            Period::Week { .. } => match period.parent(PeriodType::Month) {
                Some(Period::Month { month, .. }) => months(month, 1),
                _ => 1.0,
            },
            Period::Month { month, .. } => months(month, 1),
            Period::Quarter { quarter, .. } => months(3 * quarter - 2, 3),
            Period::HalfYear { half, .. } => months(6 * half - 5, 6),
            Period::Year(_) => months(1, 12),
        }
    }

    fn weekday_of(&self, period: Period) -> f64 {
        match period {
            Period::Day(day) => self.weekday[day.weekday().to_monday_zero_offset() as usize],
            _ => 1.0,
        }
    }

    /// The typical value over a span of `span` for the reference unit at the reform date, with no season:
    /// the basis on which formulas are tied together.
    pub(crate) fn span_value(&self, span: PeriodType) -> f64 {
        match self.profile.shape {
            Shape::Share { bound } => bound * logistic(self.level),
            _ if self.flow => self.level * average_days(span),
            _ => self.level,
        }
    }

    /// Scales the typical value by `factor`; `None` when a share would leave its bounds.
    pub(crate) fn scaled_level(&self, factor: f64) -> Option<f64> {
        match self.profile.shape {
            Shape::Share { bound } => {
                let value = bound * logistic(self.level) * factor;
                (value > 0.0 && value < bound).then(|| logit(value / bound))
            }
            _ => Some(self.level * factor),
        }
    }
}

/// What one period contributes to every cell of one indicator, computed once and shared by its units.
pub(crate) struct Step {
    indicator: usize,
    /// Key of the period's draws.
    key: u64,
    years: f64,
    /// `Model::reference` of the indicator in the period.
    reference: f64,
}

/// What one unit contributes to every cell of one indicator, computed once.
struct Terms {
    /// Key of the cell's draws, before the period.
    key: u64,
    /// The unit's lasting difference from the reference unit: a multiplier (size and local deviation) for
    /// counts and amounts, a shift in the modelling space for shares and levels.
    lasting: f64,
    /// The unit's lasting difference in the ratio of a tied operand to its base.
    tie: f64,
}

impl Terms {
    fn new(spec: &Spec, geography: &Geography, unit: UnitIndex) -> Terms {
        let key = mix(spec.key, geography.key(unit));
        let deviation = |salt: u64| Rng::new(mix(key, salt)).normal();
        // Communes stray from the typical value far more than provinces do.
        let spread = |commune: f64| match geography.level(unit) {
            UnitLevel::Commune => commune,
            _ => commune / 3.0,
        };
        let lasting = match spec.profile.shape {
            Shape::Share { .. } => deviation(SALT_LASTING) * spread(0.35),
            Shape::Level => deviation(SALT_LASTING) * spread(0.06),
            Shape::Extensive => {
                // Averaging 1, so that the communes' total stays the province's. Provinces keep close to
                // their size: their figures are the headline ones.
                let spread = match geography.level(unit) {
                    UnitLevel::Commune => 0.25,
                    _ => 0.03,
                };
                geography.relative_size(unit)
                    * (deviation(SALT_LASTING) * spread - spread * spread / 2.0).exp()
            }
        };
        Terms {
            key,
            lasting,
            tie: deviation(SALT_TIE) * spread(0.3),
        }
    }
}

impl<'a> Model<'a> {
    pub(crate) fn new(
        registry: &'a UnitRegistry,
        indicators: &'a [Indicator],
        seed: u64,
    ) -> Model<'a> {
        let mut specs: Vec<Spec> = indicators
            .iter()
            .map(|indicator| Spec::new(indicator, seed))
            .collect();
        let formulas: Vec<Option<Formula>> = indicators
            .iter()
            .map(|indicator| indicator.formula.as_deref()?.parse().ok())
            .collect();
        let by_code: BTreeMap<&str, usize> = indicators
            .iter()
            .enumerate()
            .map(|(index, indicator)| (indicator.code.as_str(), index))
            .collect();
        let anchored: Vec<bool> = indicators
            .iter()
            .map(|indicator| ANCHORS.iter().any(|(code, _)| *code == indicator.code))
            .collect();
        link::tie(indicators, &mut specs, &formulas, &by_code, &anchored, seed);
        let geography = Geography::new(registry, seed);
        let units = registry.units().len();
        let terms = specs
            .iter()
            .map(|spec| {
                (0..units)
                    .map(|unit| Terms::new(spec, &geography, UnitIndex(unit as u32)))
                    .collect()
            })
            .collect();
        Model {
            indicators,
            registry,
            geography,
            specs,
            formulas,
            by_code,
            terms,
        }
    }

    /// Whether Vantage counts the indicator from the reporting calendar, or it is a formula over such
    /// counts: the demo sets no targets for it (and generates values only of what someone reports).
    pub(crate) fn is_counted(&self, index: usize) -> bool {
        self.indicators[index].computed.is_some()
            || self.formulas[index].as_ref().is_some_and(|formula| {
                formula.references().into_iter().any(|code| {
                    self.by_code
                        .get(code)
                        .is_some_and(|&operand| self.is_counted(operand))
                })
            })
    }

    fn terms(&self, indicator: usize, unit: UnitIndex) -> &Terms {
        &self.terms[indicator][unit.0 as usize]
    }

    /// The steps of `indicator` in `period`: its own, then those of the bases it is tied to, each in the
    /// period it reads (the one holding `period` when the base is coarser, the same span otherwise).
    pub(crate) fn steps(&self, indicator: usize, period: Period) -> Vec<Step> {
        let mut steps = Vec::with_capacity(2);
        let mut next = Some((indicator, period));
        while let Some((indicator, period)) = next {
            let years = years_from_reform(period);
            steps.push(Step {
                indicator,
                key: period.key() as u64,
                years,
                reference: self.reference(indicator, period, years),
            });
            next = self.specs[indicator].link.as_ref().map(|link| {
                let base_period = period
                    .parent(self.indicators[link.base].frequency)
                    .unwrap_or(period);
                (link.base, base_period)
            });
        }
        steps
    }

    /// The noise-free value for a unit of reference size `years` after the reform, in the modelling space.
    fn reference(&self, indicator: usize, period: Period, years: f64) -> f64 {
        let spec = &self.specs[indicator];
        match spec.profile.shape {
            Shape::Share { .. } => spec.level + spec.growth * years,
            _ => {
                let amount = if spec.flow {
                    spec.level * f64::from(period.days())
                } else {
                    spec.level
                };
                amount
                    * (spec.growth * years).exp()
                    * spec.season_of(period)
                    * spec.weekday_of(period)
            }
        }
    }

    /// The tied value divided by its base value: the ratio of their references, moved by the unit's lasting
    /// difference, the trend of the tie and `noise`, and kept inside the relation (a part stays at most the
    /// whole).
    fn tie_factor(&self, link: &CellLink, terms: &Terms, steps: &[Step], noise: f64) -> f64 {
        let ratio = steps[0].reference / steps[1].reference;
        let shift = terms.tie + noise + link.trend * steps[0].years;
        match link.relation {
            Relation::Part => logistic(logit(ratio) + shift),
            Relation::Whole => 1.0 / logistic(logit(1.0 / ratio) - shift),
            Relation::Proportional => ratio * shift.exp(),
        }
    }

    /// The noise-free value of a cell.
    pub(crate) fn mean(&self, steps: &[Step], unit: UnitIndex) -> f64 {
        let step = &steps[0];
        let spec = &self.specs[step.indicator];
        let terms = self.terms(step.indicator, unit);
        if let Some(link) = &spec.link {
            return self.mean(&steps[1..], unit) * self.tie_factor(link, terms, steps, 0.0);
        }
        match spec.profile.shape {
            Shape::Share { bound } => bound * logistic(step.reference + terms.lasting),
            Shape::Level => step.reference * terms.lasting.exp(),
            Shape::Extensive => step.reference * terms.lasting,
        }
    }

    /// The value of a cell.
    pub(crate) fn value(&self, steps: &[Step], unit: UnitIndex) -> f64 {
        let step = &steps[0];
        let spec = &self.specs[step.indicator];
        let terms = self.terms(step.indicator, unit);
        let mut rng = Rng::new(mix(terms.key, step.key));
        let noise = rng.normal() * spec.noise;
        // Lognormal noise with mean 1, so that totals over many units stay those of the reference.
        let mean_one = || (noise - spec.noise * spec.noise / 2.0).exp();
        let raw = match &spec.link {
            Some(link) => {
                let base = self.value(&steps[1..], unit);
                let factor = self.tie_factor(link, terms, steps, noise);
                match (link.relation, spec.profile.numeric) {
                    (Relation::Part, Numeric::Count) => rng.binomial(base, factor),
                    (Relation::Part, Numeric::Amount) => floor_cents(base * factor),
                    (Relation::Whole, Numeric::Count) => base + rng.count(base * (factor - 1.0)),
                    (Relation::Whole, Numeric::Amount) => ceil_cents(base * factor),
                    (Relation::Proportional, _) => base * factor,
                }
            }
            None => match spec.profile.shape {
                Shape::Share { bound } => bound * logistic(step.reference + terms.lasting + noise),
                Shape::Level => step.reference * terms.lasting.exp() * mean_one(),
                Shape::Extensive => step.reference * terms.lasting * mean_one(),
            },
        };
        let (low, high) = spec.profile.bounds;
        let bounded = if raw.is_finite() {
            raw.clamp(low, high)
        } else {
            low
        };
        let drawn = spec
            .link
            .as_ref()
            .is_some_and(|link| link.relation != Relation::Proportional);
        let whole = match spec.profile.numeric {
            // Parts and wholes of counts are drawn as whole numbers against their base already.
            Numeric::Count if drawn => bounded,
            Numeric::Count if spec.steady => bounded.round(),
            Numeric::Count => rng.count(bounded),
            Numeric::Amount => (bounded * 100.0).round() / 100.0,
        };
        let capped = match spec.profile.commune_cap {
            Some(cap) if self.geography.level(unit) == UnitLevel::Commune => whole.min(cap),
            _ => whole,
        };
        capped.clamp(low, high)
    }

    /// The noise-free values of the indicator over the year on units where it is recorded: the total for
    /// flows, the typical year-end level otherwise.
    fn expected_recorded(&self, indicator: usize, units: &[UnitIndex], year: i16) -> Vec<f64> {
        let periods: Vec<Period> = if self.specs[indicator].flow {
            (1..=12)
                .map(|month| Period::Month { year, month })
                .collect()
        } else {
            let frequency = self.indicators[indicator].frequency;
            vec![Period::containing(frequency, date(year, 12, 31))]
        };
        let steps: Vec<Vec<Step>> = periods
            .into_iter()
            .map(|period| self.steps(indicator, period))
            .collect();
        units
            .iter()
            .map(|&unit| steps.iter().map(|steps| self.mean(steps, unit)).sum())
            .collect()
    }

    /// The noise-free values of a year's cells as the engine would show them: recorded, aggregated from the
    /// units below, or computed by the formula. `None` where one cannot be had (an operand missing, a
    /// division by zero).
    pub(crate) fn expected(
        &self,
        indicator: usize,
        units: &[UnitIndex],
        year: i16,
    ) -> Vec<Option<f64>> {
        self.expected_within(indicator, units, year, 0)
    }

    fn expected_within(
        &self,
        indicator: usize,
        units: &[UnitIndex],
        year: i16,
        depth: usize,
    ) -> Vec<Option<f64>> {
        let definition = &self.indicators[indicator];
        // A validated catalogue has no circular formulas; a depth limit keeps an unvalidated one finite.
        if depth > 16 {
            return vec![None; units.len()];
        }
        if definition.is_derived() {
            let Some(formula) = &self.formulas[indicator] else {
                return vec![None; units.len()];
            };
            let operands: BTreeMap<&str, Vec<Option<f64>>> = formula
                .references()
                .into_iter()
                .filter_map(|code| {
                    let operand = *self.by_code.get(code)?;
                    Some((code, self.expected_within(operand, units, year, depth + 1)))
                })
                .collect();
            return (0..units.len())
                .map(|position| formula.evaluate(&mut |code| *operands.get(code)?.get(position)?))
                .collect();
        }
        let recorded: Vec<UnitIndex> = units
            .iter()
            .copied()
            .filter(|&unit| definition.is_owed_at(self.geography.level(unit)))
            .collect();
        let mut own = self
            .expected_recorded(indicator, &recorded, year)
            .into_iter();
        let finest = finest_level(definition);
        units
            .iter()
            .map(|&unit| {
                let level = self.geography.level(unit);
                if definition.is_owed_at(level) {
                    return own.next();
                }
                let finest = finest.filter(|finest| *finest > level)?;
                let members = self.geography.members(unit, finest, date(year, 12, 31));
                let values = self.expected_recorded(indicator, &members, year);
                match definition.space_aggregation {
                    _ if values.is_empty() => None,
                    SpaceAggregation::Sum => Some(values.iter().sum()),
                    SpaceAggregation::Mean => {
                        Some(values.iter().sum::<f64>() / values.len() as f64)
                    }
                    SpaceAggregation::Max => values.into_iter().reduce(f64::max),
                    SpaceAggregation::Min => values.into_iter().reduce(f64::min),
                    SpaceAggregation::None | SpaceAggregation::Formula => None,
                }
            })
            .collect()
    }

    /// A deterministic draw for the target of a cell.
    pub(crate) fn target_rng(&self, indicator: usize, unit: UnitIndex, year: i16) -> Rng {
        Rng::new(mix(
            mix(self.terms(indicator, unit).key, SALT_TARGET),
            year as u64,
        ))
    }
}
