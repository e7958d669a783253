//! Alert conditions judged on one cell from the engine's values, targets and history.

use vantage_model::alert_rule::{Condition, Finding};
use vantage_model::period::Period;
use vantage_model::reporting::{OUTLIER_HISTORY, outlier};
use vantage_model::unit::UnitIndex;

use crate::catalog::IndicatorId;
use crate::engine::Engine;
use crate::figures::Status;

impl Engine {
    /// The facts that make `condition` hold on the cell, or `None` when it does not (a cell without a
    /// value raises nothing).
    pub fn judge(
        &self,
        condition: &Condition,
        indicator: IndicatorId,
        unit: UnitIndex,
        period: Period,
    ) -> Option<Finding> {
        match *condition {
            Condition::Target { at_risk } => {
                let figures = self.figures(indicator, unit, period);
                let missed = match figures.status? {
                    Status::Missed => true,
                    Status::AtRisk if at_risk => false,
                    _ => return None,
                };
                let explanation = figures.explanation?;
                Some(Finding::Target {
                    missed,
                    compared: explanation.compared?,
                    target: explanation.target.bound,
                    forecast: explanation.forecast.map(|forecast| forecast.value),
                })
            }
            Condition::Threshold {
                comparison,
                value: threshold,
                periods,
            } => {
                let back = i32::try_from(periods).ok()?;
                let values = (1 - back..=0)
                    .map(|offset| self.value(indicator, unit, period.offset(offset)))
                    .collect::<Option<Vec<f64>>>()?;
                (!values.is_empty() && values.iter().all(|v| comparison.beyond(*v, threshold)))
                    .then_some(Finding::Threshold {
                        comparison,
                        threshold,
                        values,
                    })
            }
            Condition::YearOnYear {
                direction,
                percent: limit,
            } => {
                let value = self.value(indicator, unit, period)?;
                let last_year = self.value(indicator, unit, period.same_period_last_year())?;
                if last_year == 0.0 {
                    return None;
                }
                let percent = (value - last_year) / last_year.abs() * 100.0;
                direction
                    .reached(percent, limit)
                    .then_some(Finding::YearOnYear {
                        value,
                        last_year,
                        percent,
                    })
            }
            // Questions of time, not of values alone: alerting judges them against its clock.
            Condition::LateData | Condition::OverdueExplanation => None,
            Condition::Outlier => {
                let value = self.value(indicator, unit, period)?;
                let found = outlier(&self.history(indicator, unit, period), value)?;
                Some(Finding::Outlier {
                    value,
                    median: found.median,
                    low: found.low,
                    high: found.high,
                })
            }
        }
    }

    /// The values of the periods before `period` that a value there is compared with, oldest first.
    pub fn history(&self, indicator: IndicatorId, unit: UnitIndex, period: Period) -> Vec<f64> {
        self.series(
            indicator,
            unit,
            period.offset(-OUTLIER_HISTORY),
            period.offset(-1),
        )
        .into_iter()
        .filter_map(|(_, value)| value)
        .collect()
    }
}
