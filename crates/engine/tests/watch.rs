//! Every alert condition judged on hand-made cells: when it holds, when it does not, and the facts it
//! reports — at a commune and at the province the commune's values add up to.

use vantage_engine::{Engine, IndicatorId};
use vantage_model::alert_rule::{Comparison, Condition, Direction, Finding};
use vantage_model::fixtures;
use vantage_model::indicator::{Indicator, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::TargetBound;
use vantage_model::unit::{UnitIndex, UnitLevel, UnitRegistry};

fn month(year: i16, month: i8) -> Period {
    Period::Month { year, month }
}

struct World {
    engine: Engine,
    indicator: IndicatorId,
    province: UnitIndex,
    commune: UnitIndex,
}

/// One monthly, summed indicator over a province with two communes; `C1` reports `values` month by
/// month from January 2025, `C2` reports 10 each month.
fn world(cumulative: bool, values: &[f64]) -> World {
    let registry = UnitRegistry::new(
        vec![
            fixtures::unit("P", UnitLevel::Province, None, None, None),
            fixtures::unit("C1", UnitLevel::Commune, Some("P"), None, None),
            fixtures::unit("C2", UnitLevel::Commune, Some("P"), None, None),
        ],
        Vec::new(),
    )
    .unwrap();
    let indicator = Indicator {
        cumulative,
        ..fixtures::indicator(
            "REV",
            PeriodType::Month,
            TimeAggregation::Sum,
            SpaceAggregation::Sum,
        )
    };
    let mut engine = Engine::new(vec![indicator], registry).unwrap();
    let writes: Vec<_> = values
        .iter()
        .enumerate()
        .flat_map(|(n, value)| {
            let period = month(2025, 1).offset(n as i32);
            [
                engine.resolve("REV", "C1", period, Some(*value)).unwrap(),
                engine.resolve("REV", "C2", period, Some(10.0)).unwrap(),
            ]
        })
        .collect();
    engine.load(&writes);
    World {
        indicator: engine.catalog().id("REV").unwrap(),
        province: engine.unit_for("P", month(2026, 1)).unwrap(),
        commune: engine.unit_for("C1", month(2026, 1)).unwrap(),
        engine,
    }
}

impl World {
    fn judge(&self, condition: &Condition, unit: UnitIndex, period: Period) -> Option<Finding> {
        self.engine.judge(condition, self.indicator, unit, period)
    }
}

#[test]
fn targets_missed_or_at_risk_at_any_level() {
    // Twelve months of 2025, then 2026 to March.
    let mut values = vec![20.0; 12];
    values.extend([5.0, 5.0, 5.0]);
    let mut w = world(true, &values);
    let (indicator, province) = (w.indicator, w.province);
    let bound = TargetBound::AtLeast { value: 400.0 };
    w.engine
        .apply_targets(&[(indicator, province, Period::Year(2026), Some(bound))]);
    let missed = Condition::Target { at_risk: false };
    let at_risk = Condition::Target { at_risk: true };
    // 45 to March, projected by last year's shape to 180: at risk, not yet missed.
    assert_eq!(w.judge(&missed, province, month(2026, 3)), None);
    let Some(Finding::Target {
        missed: false,
        compared,
        target,
        forecast: Some(forecast),
    }) = w.judge(&at_risk, province, month(2026, 3))
    else {
        panic!("at risk expected");
    };
    assert_eq!((compared, target), (45.0, bound));
    assert!((forecast - 180.0).abs() < 1e-9, "{forecast}");
    // No target on the commune: nothing to miss.
    assert_eq!(w.judge(&at_risk, w.commune, month(2026, 3)), None);
    // The 2025 year is over and had no target either.
    assert_eq!(w.judge(&at_risk, province, month(2025, 12)), None);
    // A target already met by March clears it.
    w.engine.apply_targets(&[(
        indicator,
        province,
        Period::Year(2026),
        Some(TargetBound::AtLeast { value: 40.0 }),
    )]);
    assert_eq!(w.judge(&at_risk, province, month(2026, 3)), None);
    // An at-most target already exceeded is missed before the year is out.
    w.engine.apply_targets(&[(
        indicator,
        province,
        Period::Year(2026),
        Some(TargetBound::AtMost { value: 30.0 }),
    )]);
    assert!(matches!(
        w.judge(&missed, province, month(2026, 3)),
        Some(Finding::Target { missed: true, compared, .. }) if compared == 45.0
    ));
}

#[test]
fn thresholds_need_the_whole_run_of_periods() {
    let w = world(false, &[50.0, 95.0, 85.0, 80.0, 88.0]);
    let below = |periods| Condition::Threshold {
        comparison: Comparison::Below,
        value: 90.0,
        periods,
    };
    assert_eq!(
        w.judge(&below(3), w.commune, month(2025, 5)),
        Some(Finding::Threshold {
            comparison: Comparison::Below,
            threshold: 90.0,
            values: vec![85.0, 80.0, 88.0]
        })
    );
    assert_eq!(
        w.judge(&below(4), w.commune, month(2025, 5)),
        None,
        "95 in April breaks the run"
    );
    assert_eq!(w.judge(&below(1), w.commune, month(2025, 2)), None);
    // A missing period breaks a run too.
    assert_eq!(w.judge(&below(2), w.commune, month(2025, 1)), None);
    assert_eq!(
        w.judge(&below(1), w.commune, month(2025, 6)),
        None,
        "no value"
    );
    // The province sums both communes: 60 in January.
    let above = Condition::Threshold {
        comparison: Comparison::Above,
        value: 90.0,
        periods: 2,
    };
    assert_eq!(
        w.judge(&above, w.province, month(2025, 3)),
        Some(Finding::Threshold {
            comparison: Comparison::Above,
            threshold: 90.0,
            values: vec![105.0, 95.0]
        })
    );
}

#[test]
fn changes_against_the_same_period_last_year() {
    let mut values = vec![100.0; 12];
    values.extend([80.0, 120.0, 100.0]);
    let w = world(false, &values);
    let drop = Condition::YearOnYear {
        direction: Direction::Drop,
        percent: 15.0,
    };
    assert_eq!(
        w.judge(&drop, w.commune, month(2026, 1)),
        Some(Finding::YearOnYear {
            value: 80.0,
            last_year: 100.0,
            percent: -20.0
        })
    );
    assert_eq!(w.judge(&drop, w.commune, month(2026, 2)), None);
    let either = Condition::YearOnYear {
        direction: Direction::Either,
        percent: 15.0,
    };
    assert!(w.judge(&either, w.commune, month(2026, 2)).is_some());
    assert_eq!(w.judge(&either, w.commune, month(2026, 3)), None);
    // No value a year before: nothing to compare.
    assert_eq!(w.judge(&either, w.commune, month(2025, 6)), None);
    // Province: 90 against 110 is a drop of 18.2 %.
    let Some(Finding::YearOnYear { percent, .. }) = w.judge(&drop, w.province, month(2026, 1))
    else {
        panic!("a drop at the province");
    };
    assert!((percent + 200.0 / 11.0).abs() < 1e-9);
}

#[test]
fn outliers_against_the_cells_own_history() {
    let mut values = vec![100.0, 104.0, 98.0, 101.0, 97.0, 103.0, 99.0, 102.0];
    values.push(1000.0);
    let w = world(false, &values);
    let Some(Finding::Outlier {
        value,
        median,
        low,
        high,
    }) = w.judge(&Condition::Outlier, w.commune, month(2025, 9))
    else {
        panic!("1000 stands out");
    };
    assert_eq!((value, median), (1000.0, 100.5));
    assert!(low < 100.0 && high > 101.0 && high < 120.0);
    assert_eq!(
        w.judge(&Condition::Outlier, w.commune, month(2025, 8)),
        None
    );
    // Five earlier values say too little.
    assert_eq!(
        w.judge(&Condition::Outlier, w.commune, month(2025, 6)),
        None
    );
}
