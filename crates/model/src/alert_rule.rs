//! Alert rules: which indicators and units a rule watches, the condition that raises an alert, how bad
//! it is, whether the alert is public, and how long the unit it is assigned to has to explain it.

use serde::{Deserialize, Serialize};

use crate::alert::Severity;
use crate::indicator::Indicator;
use crate::record::TargetBound;
use crate::unit::UnitLevel;

/// Working days an assigned unit has to explain an alert when its rule does not say.
pub const DEFAULT_EXPLAIN_WITHIN: u32 = 5;
/// The longest run of periods a threshold rule may ask for.
pub const MAX_THRESHOLD_PERIODS: u32 = 24;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Lowercase letters, digits and dashes, e.g. `chi-tieu-truot`.
    pub id: String,
    pub name: String,
    /// The name in English, for the English interface; the Vietnamese one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub severity: Severity,
    /// The one indicator watched; with `domain`, the domain's indicators; with neither, all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The unit whose subtree is watched (itself included); the whole province when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Only units of this level (`province`, `district`, `commune`); every level when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<UnitLevel>,
    pub condition: Condition,
    /// Alerts of this rule are published as public warnings (CAP).
    #[serde(default)]
    pub public: bool,
    /// Alerts are assigned for explanation as soon as they open, without waiting for the centre.
    #[serde(default)]
    pub auto_assign: bool,
    /// Working days the assigned unit has to explain; [`DEFAULT_EXPLAIN_WITHIN`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain_within: Option<u32>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// What raises an alert on a cell (an indicator at a unit for a period).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The status against the target is missed, or, with `at_risk`, at risk too.
    Target {
        #[serde(default)]
        at_risk: bool,
    },
    /// The value is above or below a constant for `periods` consecutive periods ending with this one.
    Threshold {
        comparison: Comparison,
        value: f64,
        #[serde(default = "one_period")]
        periods: u32,
    },
    /// The value dropped or rose against the same period last year by at least `percent`.
    YearOnYear { direction: Direction, percent: f64 },
    /// The value lies far from the cell's own history (the same robust score as data entry warns with).
    Outlier,
    /// No value (submitted or approved) by the reporting deadline of the latest period due, at a level the
    /// indicator is reported at. Judged against the clock: at each deadline, and again when values arrive.
    LateData,
    /// Another alert on the cell waits for an explanation past its deadline (it was escalated); holds
    /// until the explanation is submitted or the alert closed. Judged by the clock, not from values.
    OverdueExplanation,
}

fn one_period() -> u32 {
    1
}

/// The facts that make a condition hold on a cell, kept with the alert and shown with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    Target {
        /// Missed, or only at risk.
        missed: bool,
        /// The figure compared with the target: the year to date for cumulative indicators.
        compared: f64,
        target: TargetBound,
        /// The projection that puts a cumulative figure at risk.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        forecast: Option<f64>,
    },
    /// The run of values beyond the threshold, oldest first, with the rule's comparison and threshold.
    Threshold {
        comparison: Comparison,
        threshold: f64,
        values: Vec<f64>,
    },
    YearOnYear {
        value: f64,
        last_year: f64,
        /// Negative for a drop.
        percent: f64,
    },
    Outlier {
        value: f64,
        median: f64,
        low: f64,
        high: f64,
    },
    /// The period had no value by its deadline (local time).
    LateData { deadline: jiff::civil::DateTime },
    /// The explanation of alert `alert` was due at `due` and is still awaited.
    OverdueExplanation { alert: i64, due: jiff::Timestamp },
}

crate::vocabulary!(
    /// Which side of a threshold raises the alert.
    Comparison, "a comparison" { Above => "above", Below => "below" }
);

crate::vocabulary!(
    /// Which change against last year raises the alert.
    Direction, "a direction" { Drop => "drop", Rise => "rise", Either => "either" }
);

impl Comparison {
    pub fn beyond(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Above => value > threshold,
            Comparison::Below => value < threshold,
        }
    }
}

impl Direction {
    /// Whether a change of `percent` (negative for a drop) goes at least `limit` percent this way.
    pub fn reached(self, percent: f64, limit: f64) -> bool {
        match self {
            Direction::Drop => percent <= -limit,
            Direction::Rise => percent >= limit,
            Direction::Either => percent.abs() >= limit,
        }
    }
}

/// An identifier as rules and notification policies have them (they appear in URLs): 1 to 64 lowercase
/// letters, digits and dashes.
pub fn check_id(id: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if id.is_empty() || id.len() > 64 || !id.chars().all(allowed) {
        return Err("1 to 64 lowercase letters, digits and dashes".to_owned());
    }
    Ok(())
}

impl AlertRule {
    pub fn explain_within(&self) -> u32 {
        self.explain_within.unwrap_or(DEFAULT_EXPLAIN_WITHIN)
    }

    /// Whether the rule watches this indicator (on some unit).
    pub fn watches(&self, indicator: &Indicator) -> bool {
        self.indicator
            .as_ref()
            .is_none_or(|code| *code == indicator.code)
            && self
                .domain
                .as_ref()
                .is_none_or(|domain| *domain == indicator.domain)
    }

    /// Every field that is wrong, with why; empty when the rule can be saved.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Err(reason) = check_id(&self.id) {
            problems.push(("id", reason));
        }
        if self.name.trim().is_empty() {
            problems.push(("name", "a rule needs a name".to_owned()));
        }
        if self.indicator.is_some() && self.domain.is_some() {
            problems.push((
                "domain",
                "name an indicator or a domain, not both".to_owned(),
            ));
        }
        if self.explain_within == Some(0) || self.explain_within.is_some_and(|days| days > 60) {
            problems.push(("explain_within", "1 to 60 working days".to_owned()));
        }
        match self.condition {
            Condition::Threshold { value, periods, .. } => {
                if !value.is_finite() {
                    problems.push(("condition.value", "a finite number".to_owned()));
                }
                if periods == 0 || periods > MAX_THRESHOLD_PERIODS {
                    problems.push((
                        "condition.periods",
                        format!("1 to {MAX_THRESHOLD_PERIODS} consecutive periods"),
                    ));
                }
            }
            Condition::YearOnYear { percent, .. } => {
                if !(percent.is_finite() && percent > 0.0) {
                    problems.push(("condition.percent", "a percentage above 0".to_owned()));
                }
            }
            Condition::Target { .. }
            | Condition::Outlier
            | Condition::LateData
            | Condition::OverdueExplanation => {}
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::indicator::{SpaceAggregation, TimeAggregation};
    use crate::period::PeriodType;

    fn rule(condition: Condition) -> AlertRule {
        AlertRule {
            id: "nuoc-sach".to_owned(),
            name: "Nước sạch dưới ngưỡng".to_owned(),
            name_en: None,
            severity: Severity::Major,
            indicator: Some("ENV.WATER".to_owned()),
            domain: None,
            unit: None,
            level: None,
            condition,
            public: false,
            auto_assign: false,
            explain_within: None,
            enabled: true,
        }
    }

    #[test]
    fn rules_read_from_json_with_defaults_and_refuse_unknown_fields() {
        let read: AlertRule = serde_json::from_str(
            r#"{"id":"r","name":"n","severity":"minor","condition":{"kind":"threshold","comparison":"below","value":90}}"#,
        )
        .unwrap();
        assert_eq!(
            read.condition,
            Condition::Threshold {
                comparison: Comparison::Below,
                value: 90.0,
                periods: 1
            }
        );
        assert!(read.enabled && !read.public && read.explain_within() == 5);
        assert!(
            serde_json::from_str::<AlertRule>(
                r#"{"id":"r","name":"n","severity":"minor","condition":{"kind":"target","at_risk":true,"x":1}}"#
            )
            .is_err()
        );
        let written = serde_json::to_string(&rule(Condition::Outlier)).unwrap();
        assert_eq!(
            serde_json::from_str::<AlertRule>(&written).unwrap(),
            rule(Condition::Outlier)
        );
    }

    #[test]
    fn checks_name_every_bad_field() {
        let mut bad = rule(Condition::Threshold {
            comparison: Comparison::Above,
            value: f64::NAN,
            periods: 0,
        });
        bad.id = "Nước".to_owned();
        bad.name = " ".to_owned();
        bad.domain = Some("ENV".to_owned());
        bad.explain_within = Some(0);
        let fields: Vec<_> = bad.check().into_iter().map(|(field, _)| field).collect();
        assert_eq!(
            fields,
            [
                "id",
                "name",
                "domain",
                "explain_within",
                "condition.value",
                "condition.periods"
            ]
        );
        assert!(rule(Condition::Target { at_risk: true }).check().is_empty());
        let drop = rule(Condition::YearOnYear {
            direction: Direction::Drop,
            percent: -5.0,
        });
        assert_eq!(drop.check()[0].0, "condition.percent");
    }

    #[test]
    fn scope_and_comparisons() {
        let indicator = |code: &str, domain: &str| Indicator {
            domain: domain.to_owned(),
            ..fixtures::indicator(
                code,
                PeriodType::Month,
                TimeAggregation::Sum,
                SpaceAggregation::Sum,
            )
        };
        let water = indicator("ENV.WATER", "ENV");
        let other = indicator("ECO.GRDP", "ECO");
        assert!(rule(Condition::Outlier).watches(&water));
        assert!(!rule(Condition::Outlier).watches(&other));
        let mut domain = rule(Condition::Outlier);
        domain.indicator = None;
        domain.domain = Some("ECO".to_owned());
        assert!(domain.watches(&other) && !domain.watches(&water));
        assert!(Comparison::Below.beyond(89.0, 90.0) && !Comparison::Below.beyond(90.0, 90.0));
        assert!(Direction::Drop.reached(-12.0, 10.0) && !Direction::Drop.reached(12.0, 10.0));
        assert!(Direction::Either.reached(12.0, 10.0) && Direction::Either.reached(-10.0, 10.0));
        assert!(!Direction::Rise.reached(9.9, 10.0));
    }
}
