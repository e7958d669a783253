//! What a dashboard tile shows for one indicator, unit and period: the value, year to date (*lũy kế*), the
//! same period last year (*so cùng kỳ*), the share of the annual target (*% kế hoạch năm*), and the status
//! against the target with the rule, inputs and forecast that produced it.

use serde::Serialize;
use vantage_model::indicator::Polarity;
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::TargetBound;
use vantage_model::unit::UnitIndex;

use crate::catalog::IndicatorId;
use crate::engine::{Engine, aggregate_time, finish};

vantage_model::vocabulary!(
    /// Where a value stands against its target.
    Status, "a status" {
        Met => "met", OnTrack => "on_track", AtRisk => "at_risk", Missed => "missed", NoData => "no_data",
    }
);

vantage_model::vocabulary!(
    /// Which rule decided a status.
    Rule, "a status rule" {
        /// The target's period is over (its last period has data): the value meets the target or not.
        PeriodComplete => "period_complete",
        /// A cumulative value already past an at-least target, or already over an at-most one.
        AlreadyDecided => "already_decided",
        /// A cumulative value projected to the end of the target's period.
        Forecast => "forecast",
        /// A level or rate compared as it stands now, before the target's period is over.
        CurrentValue => "current_value",
        /// No value for the period, or nothing to compare.
        NoValue => "no_value",
    }
);

vantage_model::vocabulary!(
    /// How a year-end value was projected.
    ForecastMethod, "a forecast method" {
        /// This year's figure to date, scaled by last year's total over last year's figure at the same point.
        Seasonal => "seasonal",
        /// This year's figure to date, scaled by the share of the period elapsed.
        Linear => "linear",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    pub method: ForecastMethod,
    pub value: f64,
    /// Last year's figure to the same point and its total, for the seasonal method.
    pub last_year_to_date: Option<f64>,
    pub last_year_total: Option<f64>,
    /// Days of the target's period covered so far, and its length, for the linear method.
    pub days_elapsed: i32,
    pub days_total: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetRef {
    pub period: Period,
    #[serde(flatten)]
    pub bound: TargetBound,
}

/// Why a status is what it is, so that the UI can say why a tile is red.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub rule: Rule,
    /// The figure compared with the target: the value, or the figure to date for cumulative indicators.
    pub compared: Option<f64>,
    pub target: TargetRef,
    pub polarity: Polarity,
    pub forecast: Option<Forecast>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub indicator: IndicatorId,
    pub unit: UnitIndex,
    pub period: Period,
    /// This period (*kỳ này*).
    pub value: Option<f64>,
    /// From 1 January to the end of the period, for cumulative indicators (*lũy kế*).
    pub year_to_date: Option<f64>,
    /// The same period last year (*cùng kỳ*), and the change against it.
    pub last_year: Option<f64>,
    pub change: Option<f64>,
    pub change_percent: Option<f64>,
    /// The year to date (cumulative) or the value, as a percentage of the target (*% kế hoạch*).
    pub target_percent: Option<f64>,
    /// `None` when no target covers the cell.
    pub status: Option<Status>,
    pub explanation: Option<Explanation>,
    /// Some values come from the units this one replaced, through lineage.
    pub carried: bool,
}

impl Engine {
    /// Everything a tile shows for one cell.
    pub fn figures(&self, indicator: IndicatorId, unit: UnitIndex, period: Period) -> Figures {
        let value = self.value(indicator, unit, period);
        let year_to_date = self.year_to_date(indicator, unit, period);
        let last_year = self.value(indicator, unit, period.same_period_last_year());
        let change = value.zip(last_year).map(|(now, then)| now - then);
        let change_percent = change
            .zip(last_year)
            .and_then(|(change, then)| (then != 0.0).then(|| 100.0 * change / then.abs()));
        let explanation = self.explain(indicator, unit, period, value, year_to_date);
        let target_percent = explanation.as_ref().and_then(|explanation| {
            let goal = match explanation.target.bound {
                TargetBound::AtLeast { value } | TargetBound::AtMost { value } => value,
                TargetBound::Range { max, .. } => max,
            };
            let compared = explanation.compared?;
            (goal != 0.0).then(|| 100.0 * compared / goal)
        });
        let frequency = self.catalog.get(indicator).frequency;
        let carried = period
            .child_ordinals(frequency)
            .any(|n| self.units.precedes(unit, frequency, n));
        Figures {
            indicator,
            unit,
            period,
            value,
            year_to_date,
            last_year,
            change,
            change_percent,
            target_percent,
            status: explanation.as_ref().map(status_of),
            explanation,
            carried,
        }
    }

    /// The value and status of a cell: what change events compare.
    pub(crate) fn state(
        &self,
        (indicator, unit, period): (IndicatorId, UnitIndex, Period),
    ) -> (Option<f64>, Option<Status>) {
        let value = self.value(indicator, unit, period);
        if self.target_for(indicator, unit, period).is_none() {
            return (value, None);
        }
        if value.is_none() {
            // A period not reported yet: no figure to date or forecast is needed to say so.
            return (value, Some(Status::NoData));
        }
        let year_to_date = self.year_to_date(indicator, unit, period);
        let status = self
            .explain(indicator, unit, period, value, year_to_date)
            .as_ref()
            .map(status_of);
        (value, status)
    }

    /// The finest target set for a period containing this one (or for this one).
    pub fn target_for(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        period: Period,
    ) -> Option<TargetRef> {
        if self.targets.is_empty() {
            return None;
        }
        PeriodType::ALL
            .into_iter()
            .filter(|kind| *kind >= period.period_type())
            .find_map(|kind| {
                let target_period = period.parent(kind)?;
                let bound = self.targets.get(&(indicator, unit, target_period))?;
                Some(TargetRef {
                    period: target_period,
                    bound: *bound,
                })
            })
    }

    /// The sum from the first period of `within` to the end of `period`, for cumulative indicators; for
    /// those reported as year to date, the latest reported figure.
    fn to_date(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        within: Period,
        period: Period,
    ) -> Option<f64> {
        let compiled = self.catalog.compiled(indicator);
        if !compiled.definition.cumulative {
            return None;
        }
        if let Some((formula, operands)) = &compiled.formula {
            return formula.evaluate(&mut |code| {
                let (_, operand) = operands.iter().find(|(name, _)| name == code)?;
                if self.catalog.get(*operand).cumulative {
                    self.to_date(*operand, unit, within, period)
                } else {
                    let kind = self
                        .catalog
                        .get(*operand)
                        .frequency
                        .max(period.period_type());
                    self.value(*operand, unit, period.parent(kind)?)
                }
            });
        }
        let frequency = compiled.frequency();
        let first = *within.child_ordinals(frequency).start();
        let last = *period.child_ordinals(frequency).end();
        let space = compiled.space();
        let values =
            (first..=last).filter_map(|n| finish(space, self.base_acc(indicator, unit, n)));
        aggregate_time(
            match compiled.time() {
                vantage_model::indicator::TimeAggregation::None => {
                    vantage_model::indicator::TimeAggregation::Last
                }
                time => time,
            },
            values,
        )
    }

    pub fn year_to_date(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        period: Period,
    ) -> Option<f64> {
        self.to_date(indicator, unit, period.parent(PeriodType::Year)?, period)
    }

    fn explain(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        period: Period,
        value: Option<f64>,
        year_to_date: Option<f64>,
    ) -> Option<Explanation> {
        let target = self.target_for(indicator, unit, period)?;
        let definition = self.catalog.get(indicator);
        let cumulative = definition.cumulative;
        let compared = if cumulative {
            if target.period.period_type() == PeriodType::Year {
                year_to_date
            } else {
                self.to_date(indicator, unit, target.period, period)
            }
        } else {
            value
        };
        let mut explanation = Explanation {
            rule: Rule::NoValue,
            compared,
            target: target.clone(),
            polarity: definition.polarity,
            forecast: None,
        };
        // A period not reported yet has no status of its own, even when the year so far has a figure.
        let (Some(figure), Some(_)) = (compared, value) else {
            return Some(explanation);
        };
        let frequency = definition.frequency;
        let last_of_target =
            Period::from_ordinal(frequency, *target.period.child_ordinals(frequency).end());
        let complete = period.end() >= target.period.end()
            && self.value(indicator, unit, last_of_target).is_some();
        explanation.rule = if complete {
            Rule::PeriodComplete
        } else if !cumulative {
            Rule::CurrentValue
        } else {
            let decided = match target.bound {
                TargetBound::AtLeast { value } => figure >= value,
                TargetBound::AtMost { value } => figure > value,
                TargetBound::Range { max, .. } => figure > max,
            };
            if decided {
                Rule::AlreadyDecided
            } else {
                explanation.forecast =
                    Some(self.forecast(indicator, unit, target.period, period, figure));
                Rule::Forecast
            }
        };
        Some(explanation)
    }

    /// Projects a cumulative figure to the end of the target's period: by last year's seasonal profile
    /// when last year has figures at the same point and in total, otherwise in proportion to time.
    fn forecast(
        &self,
        indicator: IndicatorId,
        unit: UnitIndex,
        target: Period,
        period: Period,
        figure: f64,
    ) -> Forecast {
        let last_target = target.same_period_last_year();
        let last_period = period.same_period_last_year();
        let last_year_to_date = self.to_date(indicator, unit, last_target, last_period);
        let last_year_total = self.to_date(indicator, unit, last_target, last_target);
        let days_total = target.days();
        let days_elapsed = ((period.end() - target.start()).get_days() + 1).clamp(1, days_total);
        let seasonal = last_year_to_date
            .zip(last_year_total)
            .filter(|(to_date, total)| *to_date > 0.0 && *total > 0.0);
        match seasonal {
            Some((to_date, total)) => Forecast {
                method: ForecastMethod::Seasonal,
                value: figure * total / to_date,
                last_year_to_date,
                last_year_total,
                days_elapsed,
                days_total,
            },
            None => Forecast {
                method: ForecastMethod::Linear,
                value: figure * f64::from(days_total) / f64::from(days_elapsed),
                last_year_to_date,
                last_year_total,
                days_elapsed,
                days_total,
            },
        }
    }
}

/// The status an explanation leads to.
pub fn status_of(explanation: &Explanation) -> Status {
    let bound = explanation.target.bound;
    match (explanation.rule, explanation.compared) {
        (Rule::NoValue, _) | (_, None) => Status::NoData,
        (Rule::PeriodComplete, Some(figure)) if bound.is_met_by(figure) => Status::Met,
        (Rule::PeriodComplete, Some(_)) => Status::Missed,
        (Rule::AlreadyDecided, Some(figure)) if bound.is_met_by(figure) => Status::Met,
        (Rule::AlreadyDecided, Some(_)) => Status::Missed,
        (Rule::CurrentValue, Some(figure)) if bound.is_met_by(figure) => Status::OnTrack,
        (Rule::CurrentValue, Some(_)) => Status::AtRisk,
        (Rule::Forecast, Some(_)) => match &explanation.forecast {
            Some(forecast) if bound.is_met_by(forecast.value) => Status::OnTrack,
            _ => Status::AtRisk,
        },
    }
}
