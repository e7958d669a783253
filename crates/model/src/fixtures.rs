//! Builders for tests and benchmarks: a unit or an indicator with everything a test is not about filled
//! in, to be adjusted with struct update syntax (`Indicator { cumulative: true, ..indicator(...) }`).

use jiff::civil::Date;

use crate::indicator::{Indicator, Polarity, SpaceAggregation, TimeAggregation};
use crate::period::PeriodType;
use crate::unit::{Unit, UnitLevel};

/// A unit named by its code, without kind or point.
pub fn unit(
    code: &str,
    level: UnitLevel,
    parent: Option<&str>,
    valid_from: Option<Date>,
    valid_to: Option<Date>,
) -> Unit {
    Unit {
        code: code.into(),
        name: code.into(),
        level,
        parent: parent.map(Into::into),
        kind: String::new(),
        valid_from,
        valid_to,
        point: None,
    }
}

/// A plain indicator of domain `X` owned by agency `AG`, reported at every level, higher is better.
pub fn indicator(
    code: &str,
    frequency: PeriodType,
    time_aggregation: TimeAggregation,
    space_aggregation: SpaceAggregation,
) -> Indicator {
    Indicator {
        code: code.into(),
        name_vi: code.into(),
        name_en: code.into(),
        domain: "X".into(),
        measure: String::new(),
        frequency,
        time_aggregation,
        space_aggregation,
        polarity: Polarity::HigherBetter,
        cumulative: false,
        levels: vec![UnitLevel::Province, UnitLevel::District, UnitLevel::Commune],
        owner_agency: "AG".into(),
        formula: None,
        public: true,
        source: String::new(),
        confidence: "D".into(),
        deadline: None,
        computed: None,
    }
}
