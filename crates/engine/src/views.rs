//! The shapes dashboards ask for, built from [`Engine::figures`] and [`Engine::value`]: breakdowns over
//! children, rankings, series over a range of periods, and scorecards over a domain.

use vantage_model::indicator::Polarity;
use vantage_model::period::Period;
use vantage_model::record::TargetBound;
use vantage_model::unit::UnitIndex;

use crate::catalog::IndicatorId;
use crate::engine::Engine;
use crate::figures::Figures;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RankOrder {
    Best,
    Worst,
}

impl Engine {
    /// Figures for every child of the unit (for a period before the unit existed, the children it began
    /// with, showing carried values), in unit code order.
    pub fn breakdown(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        period: Period,
    ) -> Vec<Figures> {
        let registry = self.registry();
        let mut children = self.units.children_for(unit, period);
        children.sort_by(|a, b| registry.get(*a).code.cmp(&registry.get(*b).code));
        children
            .into_iter()
            .map(|child| self.figures(indicator, child, period))
            .collect()
    }

    /// The best or worst `limit` children with a value, by the indicator's polarity: highest first for
    /// higher-is-better, lowest first for lower-is-better, closest to the child's own target for a range.
    /// Ties keep unit code order.
    pub fn rankings(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        period: Period,
        order: RankOrder,
        limit: usize,
    ) -> Vec<Figures> {
        let polarity = self.catalog.get(indicator).polarity;
        let mut ranked: Vec<(f64, Figures)> = self
            .breakdown(indicator, unit, period)
            .into_iter()
            .filter_map(|figures| {
                let value = figures.value?;
                let goodness = match polarity {
                    Polarity::HigherBetter => value,
                    Polarity::LowerBetter => -value,
                    Polarity::TargetRange => -distance_to_target(&figures, value)?,
                };
                Some((goodness, figures))
            })
            .collect();
        ranked.sort_by(|a, b| match order {
            RankOrder::Best => b.0.total_cmp(&a.0),
            RankOrder::Worst => a.0.total_cmp(&b.0),
        });
        ranked.into_iter().take(limit).map(|(_, f)| f).collect()
    }

    /// Values for each period from `from` to `to` (both of one type).
    pub fn series(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        from: Period,
        to: Period,
    ) -> Vec<(Period, Option<f64>)> {
        Period::range(from, to)
            .into_iter()
            .map(|period| (period, self.value(indicator, unit, period)))
            .collect()
    }

    /// Figures for every indicator of a domain on one unit: at `period` for indicators reported as often
    /// or more often, at the period of their own frequency containing it for the others (a yearly
    /// indicator in a monthly scorecard shows its year). Indicators reported less often than `period`
    /// that have no period containing it are skipped.
    pub fn scorecard(&self, domain: &str, unit: UnitIndex, period: Period) -> Vec<Figures> {
        self.catalog
            .domain(domain)
            .into_iter()
            .filter_map(|indicator| {
                let frequency = self.catalog.get(indicator).frequency;
                let at = period.parent(frequency.max(period.period_type()))?;
                Some(self.figures(indicator, unit, at))
            })
            .collect()
    }
}

fn distance_to_target(figures: &Figures, value: f64) -> Option<f64> {
    let bound = figures.explanation.as_ref()?.target.bound;
    Some(match bound {
        TargetBound::Range { min, max } => (min - value).max(value - max).max(0.0),
        TargetBound::AtLeast { value: goal } | TargetBound::AtMost { value: goal } => {
            (value - goal).abs()
        }
    })
}
