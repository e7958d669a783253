//! The four dashboard figures and status rules on hand-made examples, where the expected numbers can be
//! checked on paper.

use vantage_engine::{CellWrite, Engine, ForecastMethod, RankOrder, Rule, Status};
use vantage_model::fixtures;
use vantage_model::indicator::{Indicator, Polarity, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::TargetBound;
use vantage_model::unit::{UnitLevel, UnitRegistry};

fn unit(code: &str, parent: Option<&str>) -> vantage_model::unit::Unit {
    let level = if parent.is_some() {
        UnitLevel::Commune
    } else {
        UnitLevel::Province
    };
    fixtures::unit(code, level, parent, None, None)
}

fn indicator(code: &str, cumulative: bool, time: TimeAggregation, polarity: Polarity) -> Indicator {
    Indicator {
        domain: "ECO".into(),
        cumulative,
        polarity,
        ..fixtures::indicator(code, PeriodType::Month, time, SpaceAggregation::Sum)
    }
}

fn month(year: i16, month: i8) -> Period {
    Period::Month { year, month }
}

struct Fixture {
    engine: Engine,
}

impl Fixture {
    fn new() -> Fixture {
        let registry = UnitRegistry::new(
            vec![
                unit("P", None),
                unit("C1", Some("P")),
                unit("C2", Some("P")),
            ],
            Vec::new(),
        )
        .unwrap();
        let indicators = vec![
            indicator("REV", true, TimeAggregation::Sum, Polarity::HigherBetter),
            indicator("NEW", true, TimeAggregation::Sum, Polarity::HigherBetter),
            indicator("ACC", true, TimeAggregation::Sum, Polarity::LowerBetter),
            indicator("RATE", false, TimeAggregation::Mean, Polarity::HigherBetter),
        ];
        Fixture {
            engine: Engine::new(indicators, registry).unwrap(),
        }
    }

    fn write(&self, indicator: &str, unit: &str, period: Period, value: f64) -> CellWrite {
        self.engine
            .resolve(indicator, unit, period, Some(value))
            .unwrap()
    }

    /// Monthly values split 60/40 between the two communes.
    fn months(
        &self,
        indicator: &str,
        year: i16,
        months: std::ops::RangeInclusive<i8>,
        total: f64,
    ) -> Vec<CellWrite> {
        months
            .flat_map(|m| {
                [
                    self.write(indicator, "C1", month(year, m), total * 0.6),
                    self.write(indicator, "C2", month(year, m), total * 0.4),
                ]
            })
            .collect()
    }

    fn target(&mut self, indicator: &str, bound: TargetBound) {
        let id = self.engine.catalog().id(indicator).unwrap();
        let province = self.engine.unit_for("P", Period::Year(2026)).unwrap();
        self.engine
            .apply_targets(&[(id, province, Period::Year(2026), Some(bound))]);
    }

    fn figures(&self, indicator: &str, period: Period) -> vantage_engine::Figures {
        let id = self.engine.catalog().id(indicator).unwrap();
        let province = self.engine.unit_for("P", period).unwrap();
        self.engine.figures(id, province, period)
    }
}

#[test]
fn four_figures_and_a_seasonal_forecast() {
    let mut f = Fixture::new();
    // Last year: a slow first half (50 a month), a fast second half (150): 1,200 in all.
    let mut writes = f.months("REV", 2025, 1..=6, 50.0);
    writes.extend(f.months("REV", 2025, 7..=12, 150.0));
    writes.extend(f.months("REV", 2026, 1..=6, 60.0));
    f.engine.load(&writes);
    f.target("REV", TargetBound::AtLeast { value: 1300.0 });

    let june = f.figures("REV", month(2026, 6));
    assert_eq!(june.value, Some(60.0));
    assert_eq!(june.year_to_date, Some(360.0));
    assert_eq!(june.last_year, Some(50.0));
    assert_eq!(june.change, Some(10.0));
    assert_eq!(june.change_percent, Some(20.0));
    assert!((june.target_percent.unwrap() - 100.0 * 360.0 / 1300.0).abs() < 1e-9);
    // 360 against last year's 300 at the same point: 1,200 × 360 / 300 = 1,440 ≥ 1,300.
    let explanation = june.explanation.as_ref().unwrap();
    assert_eq!(explanation.rule, Rule::Forecast);
    let forecast = explanation.forecast.as_ref().unwrap();
    assert_eq!(forecast.method, ForecastMethod::Seasonal);
    assert!((forecast.value - 1440.0).abs() < 1e-9);
    assert_eq!(june.status, Some(Status::OnTrack));
    // A linear projection would have said 360 × 365 / 181 ≈ 726: at risk. The season matters.

    // A bad June turns the forecast: (300 + 10) / 300 × 1,200 = 1,240 < 1,300.
    let changes = f.engine.apply(&f.months("REV", 2026, 6..=6, 10.0));
    let province = f.engine.unit_for("P", month(2026, 6)).unwrap();
    let june_change = changes
        .iter()
        .find(|c| c.unit == province && c.period == month(2026, 6))
        .expect("the province's June changed");
    assert_eq!(june_change.old_value, Some(60.0));
    assert_eq!(june_change.new_value, Some(10.0));
    assert_eq!(june_change.old_status, Some(Status::OnTrack));
    assert_eq!(june_change.new_status, Some(Status::AtRisk));
    let year = changes
        .iter()
        .find(|c| c.unit == province && c.period == Period::Year(2026))
        .expect("the province's year changed");
    assert_eq!((year.old_value, year.new_value), (Some(360.0), Some(310.0)));
    // The communes have no target: their values change, their status stays none.
    assert!(
        changes
            .iter()
            .all(|c| c.unit == province || c.new_status.is_none())
    );
}

#[test]
fn linear_forecast_without_last_year_and_decided_targets() {
    let mut f = Fixture::new();
    let mut writes = f.months("NEW", 2026, 1..=3, 100.0);
    writes.extend(f.months("ACC", 2026, 1..=3, 100.0));
    f.engine.load(&writes);
    f.target("NEW", TargetBound::AtLeast { value: 1000.0 });
    let march = f.figures("NEW", month(2026, 3));
    let forecast = march
        .explanation
        .as_ref()
        .unwrap()
        .forecast
        .clone()
        .unwrap();
    assert_eq!(forecast.method, ForecastMethod::Linear);
    assert_eq!((forecast.days_elapsed, forecast.days_total), (90, 365));
    assert!((forecast.value - 300.0 * 365.0 / 90.0).abs() < 1e-9);
    assert_eq!(march.status, Some(Status::OnTrack));

    // Already past an at-least target: met before the year ends.
    f.target("NEW", TargetBound::AtLeast { value: 250.0 });
    let march = f.figures("NEW", month(2026, 3));
    assert_eq!(
        march.explanation.as_ref().unwrap().rule,
        Rule::AlreadyDecided
    );
    assert_eq!(march.status, Some(Status::Met));

    // Already over an at-most target (accidents): missed, whatever the rest of the year brings.
    f.target("ACC", TargetBound::AtMost { value: 250.0 });
    assert_eq!(
        f.figures("ACC", month(2026, 3)).status,
        Some(Status::Missed)
    );
    // February is not over the limit yet, but 200 in 59 days projects to about 1,237 for the year.
    assert_eq!(
        f.figures("ACC", month(2026, 2)).status,
        Some(Status::AtRisk)
    );
    // No value yet in April: no data.
    assert_eq!(
        f.figures("ACC", month(2026, 4)).status,
        Some(Status::NoData)
    );
}

#[test]
fn complete_years_and_current_values() {
    let mut f = Fixture::new();
    let mut writes = f.months("NEW", 2026, 1..=12, 100.0);
    for m in 1..=12 {
        writes.push(f.write("RATE", "P", month(2026, m), 80.0 + f64::from(m)));
    }
    f.engine.load(&writes);
    f.target("NEW", TargetBound::AtLeast { value: 1300.0 });
    let december = f.figures("NEW", month(2026, 12));
    assert_eq!(
        december.explanation.as_ref().unwrap().rule,
        Rule::PeriodComplete
    );
    assert_eq!(december.status, Some(Status::Missed));
    assert_eq!(
        f.figures("NEW", Period::Year(2026)).status,
        Some(Status::Missed)
    );

    f.target(
        "RATE",
        TargetBound::Range {
            min: 85.0,
            max: 95.0,
        },
    );
    // A rate is compared as it stands: March (83) is outside the range, June (86) inside.
    assert_eq!(
        f.figures("RATE", month(2026, 3)).status,
        Some(Status::AtRisk)
    );
    assert_eq!(
        f.figures("RATE", month(2026, 6)).status,
        Some(Status::OnTrack)
    );
    let year = f.figures("RATE", Period::Year(2026));
    assert_eq!(year.value, Some(86.5));
    assert_eq!(year.status, Some(Status::Met));
    assert_eq!(
        f.figures("RATE", month(2026, 5)).explanation.unwrap().rule,
        Rule::CurrentValue
    );
}

#[test]
fn breakdown_rankings_series_and_scorecard() {
    let mut f = Fixture::new();
    let writes = f.months("REV", 2026, 1..=3, 100.0);
    f.engine.load(&writes);
    let id = f.engine.catalog().id("REV").unwrap();
    let province = f.engine.unit_for("P", month(2026, 3)).unwrap();
    let breakdown = f.engine.breakdown(id, province, month(2026, 3));
    let codes: Vec<_> = breakdown
        .iter()
        .map(|b| f.engine.registry().get(b.unit).code.clone())
        .collect();
    assert_eq!(codes, ["C1", "C2"]);
    assert_eq!(
        breakdown.iter().map(|b| b.value).collect::<Vec<_>>(),
        [Some(60.0), Some(40.0)]
    );
    let best = f.engine.rankings(
        id,
        province,
        Period::Quarter {
            year: 2026,
            quarter: 1,
        },
        RankOrder::Best,
        1,
    );
    assert_eq!(f.engine.registry().get(best[0].unit).code, "C1");
    assert_eq!(best[0].value, Some(180.0));
    let worst = f
        .engine
        .rankings(id, province, month(2026, 1), RankOrder::Worst, 5);
    assert_eq!(f.engine.registry().get(worst[0].unit).code, "C2");
    let series = f
        .engine
        .series(id, province, month(2025, 12), month(2026, 4));
    assert_eq!(
        series.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
        [None, Some(100.0), Some(100.0), Some(100.0), None]
    );
    assert_eq!(f.engine.latest_period(id, province), Some(month(2026, 3)));
    let scorecard = f.engine.scorecard("ECO", province, month(2026, 3));
    assert_eq!(scorecard.len(), 4);
    assert_eq!(scorecard.iter().filter(|s| s.value.is_some()).count(), 1);
}
