//! Change events: what a batch of writes did to the cells dashboards and alert rules watch.

use vantage_model::period::Period;
use vantage_model::unit::UnitIndex;

use crate::catalog::IndicatorId;
use crate::figures::Status;

/// A cell whose value or status a batch changed.
#[derive(Clone, Debug, PartialEq)]
pub struct CellChange {
    pub indicator: IndicatorId,
    pub unit: UnitIndex,
    pub period: Period,
    pub old_value: Option<f64>,
    pub new_value: Option<f64>,
    pub old_status: Option<Status>,
    pub new_status: Option<Status>,
}
