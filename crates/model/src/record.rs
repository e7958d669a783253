//! Targets and observations: the values recorded against an (indicator, unit, period) key.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::period::Period;

/// The cell a value belongs to. Breakdowns (*phân tổ*) will become a fourth part of this key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObservationKey {
    pub indicator: String,
    /// Unit code, resolved on the last day of the period: a year that straddles a reorganisation belongs
    /// to the units that exist at its end, which are the ones that report it.
    pub unit: String,
    pub period: Period,
}

impl fmt::Display for ObservationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {} / {}", self.indicator, self.unit, self.period)
    }
}

vocabulary!(
    /// Where a value stands in approval: draft, then submitted, then approved or returned for correction;
    /// or deleted, a revision of its own (as DHIS2 keeps deleted values), so that the history of a cell
    /// goes on unbroken when it is written again.
    ObservationStatus, "an observation status" {
        Draft => "draft", Submitted => "submitted", Approved => "approved", Returned => "returned",
        Deleted => "deleted",
    }
);

impl ObservationStatus {
    /// Whether a value in this status counts in analytics, dashboards and exports: drafts are seen only
    /// in their owner's scope, deleted values nowhere but in the cell's history.
    pub fn counts(self) -> bool {
        !matches!(self, ObservationStatus::Draft | ObservationStatus::Deleted)
    }

    /// Whether a value in this status is there at all for those who enter and review it.
    pub fn present(self) -> bool {
        self != ObservationStatus::Deleted
    }
}

/// One revision of a value. The store keeps every revision; the latest is the current value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub key: ObservationKey,
    pub value: f64,
    pub status: ObservationStatus,
    /// Where the value came from: `import:FILE`, `api`, `demo`, ...
    pub source: String,
    pub author: String,
    pub recorded_at: Timestamp,
    pub comment: Option<String>,
}

impl Observation {
    /// Whether writing `self` over `current` would change anything a reader can see. Re-importing the same
    /// file must change nothing, so the time and origin of a write do not count.
    pub fn same_content(&self, current: &Observation) -> bool {
        self.key == current.key
            && self.value == current.value
            && self.status == current.status
            && self.comment == current.comment
    }
}

/// What a target asks of a value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetBound {
    AtLeast { value: f64 },
    AtMost { value: f64 },
    Range { min: f64, max: f64 },
}

impl TargetBound {
    pub fn kind(&self) -> &'static str {
        match self {
            TargetBound::AtLeast { .. } => "at_least",
            TargetBound::AtMost { .. } => "at_most",
            TargetBound::Range { .. } => "range",
        }
    }

    /// Builds a bound from its kind and the one or two numbers it needs.
    pub fn new(kind: &str, value: f64, max: Option<f64>) -> Result<TargetBound, String> {
        if !value.is_finite() || max.is_some_and(|max| !max.is_finite()) {
            return Err("target values must be finite numbers".to_owned());
        }
        match (kind, max) {
            ("at_least", None) => Ok(TargetBound::AtLeast { value }),
            ("at_most", None) => Ok(TargetBound::AtMost { value }),
            ("at_least" | "at_most", Some(_)) => {
                Err(format!("a `{kind}` target takes one value, not a maximum"))
            }
            ("range", Some(max)) if value <= max => Ok(TargetBound::Range { min: value, max }),
            ("range", Some(max)) => {
                Err(format!("range minimum {value} is above its maximum {max}"))
            }
            ("range", None) => Err("a `range` target needs a maximum".to_owned()),
            _ => Err(format!(
                "`{kind}` is not a target kind (expected at_least, at_most or range)"
            )),
        }
    }

    pub fn is_met_by(&self, value: f64) -> bool {
        match *self {
            TargetBound::AtLeast { value: bound } => value >= bound,
            TargetBound::AtMost { value: bound } => value <= bound,
            TargetBound::Range { min, max } => (min..=max).contains(&value),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub key: ObservationKey,
    pub bound: TargetBound,
    /// The document that set it, e.g. a People's Council resolution.
    pub source_document: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_bounds() {
        assert!(
            TargetBound::new("at_least", 5.0, None)
                .unwrap()
                .is_met_by(5.0)
        );
        assert!(
            !TargetBound::new("at_least", 5.0, None)
                .unwrap()
                .is_met_by(4.9)
        );
        assert!(
            TargetBound::new("at_most", 5.0, None)
                .unwrap()
                .is_met_by(4.0)
        );
        assert!(
            !TargetBound::new("at_most", 5.0, None)
                .unwrap()
                .is_met_by(5.1)
        );
        let range = TargetBound::new("range", 2.0, Some(4.0)).unwrap();
        assert!(range.is_met_by(3.0) && !range.is_met_by(4.5) && !range.is_met_by(1.0));
        assert!(TargetBound::new("range", 5.0, Some(4.0)).is_err());
        assert!(TargetBound::new("range", 5.0, None).is_err());
        assert!(TargetBound::new("at_least", 5.0, Some(6.0)).is_err());
        assert!(TargetBound::new("about", 5.0, None).is_err());
        assert!(TargetBound::new("at_least", f64::NAN, None).is_err());
    }
}
