//! The lifecycle of an alert (*cảnh báo*) and the explanation (*giải trình*) it demands: who may move it
//! from which state to which, and what each step needs. Pure: the caller says who acts and whether the
//! alert's condition still holds; the answer is the next state or why not.
//!
//! open → acknowledged → assigned → explanation submitted → accepted → closed, with a returned explanation
//! going back to assigned. An alert may be assigned straight from open (automatically, to the indicator's
//! owner or the unit), reassigned while assigned, and closed early only once its condition has cleared
//! and nobody has been asked to explain yet.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::alert_rule::Finding;
use crate::period::Period;

vocabulary!(
    /// How bad an alert is.
    Severity, "a severity" {
        Critical => "critical", Major => "major", Minor => "minor", Warning => "warning",
    }
);

vocabulary!(
    /// Where an alert stands.
    AlertState, "an alert state" {
        Open => "open",
        /// Someone at the operations centre has seen it.
        Acknowledged => "acknowledged",
        /// A unit is to explain it.
        Assigned => "assigned",
        /// The assigned unit has explained; a leader or operator decides.
        ExplanationSubmitted => "explanation_submitted",
        Accepted => "accepted",
        Closed => "closed",
    }
);

vocabulary!(
    /// A step someone takes on an alert.
    AlertAction, "an alert action" {
        Acknowledge => "acknowledge",
        Assign => "assign",
        SubmitExplanation => "submit_explanation",
        Accept => "accept",
        /// Sends the explanation back to the assigned unit, with the reason.
        Return => "return",
        Close => "close",
    }
);

vocabulary!(
    /// What happened to an alert, as its timeline records it: the steps people take, and what Vantage
    /// itself notes.
    TimelineEvent, "a timeline event" {
        /// The condition was found and the alert opened.
        Opened => "opened",
        /// The condition no longer holds on the latest period.
        Cleared => "cleared",
        /// The condition holds again after it had cleared.
        HoldsAgain => "holds_again",
        Acknowledge => "acknowledge",
        Assign => "assign",
        SubmitExplanation => "submit_explanation",
        Accept => "accept",
        Return => "return",
        Close => "close",
        /// The assigned unit was reminded that its explanation is due soon.
        Reminded => "reminded",
        /// The explanation's deadline passed: the alert went up to the next level and the leaders.
        Escalated => "escalated",
    }
);

impl From<AlertAction> for TimelineEvent {
    fn from(action: AlertAction) -> TimelineEvent {
        match action {
            AlertAction::Acknowledge => TimelineEvent::Acknowledge,
            AlertAction::Assign => TimelineEvent::Assign,
            AlertAction::SubmitExplanation => TimelineEvent::SubmitExplanation,
            AlertAction::Accept => TimelineEvent::Accept,
            AlertAction::Return => TimelineEvent::Return,
            AlertAction::Close => TimelineEvent::Close,
        }
    }
}

/// Who is to explain an alert: the indicator's owner agency (for the province as a whole) or a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Assignee {
    Agency(String),
    Unit(String),
}

impl Assignee {
    pub fn kind(&self) -> &'static str {
        match self {
            Assignee::Agency(_) => "agency",
            Assignee::Unit(_) => "unit",
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Assignee::Agency(code) | Assignee::Unit(code) => code,
        }
    }

    pub fn new(kind: &str, code: String) -> Result<Assignee, String> {
        match kind {
            "agency" => Ok(Assignee::Agency(code)),
            "unit" => Ok(Assignee::Unit(code)),
            other => Err(format!("`{other}` is not an assignee kind (agency, unit)")),
        }
    }
}

/// An alert: one per rule and subject (an indicator at a unit) while it is not closed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub rule: String,
    pub severity: Severity,
    pub indicator: String,
    /// The indicator's domain when the alert opened.
    pub domain: String,
    pub unit: String,
    /// The latest period the condition was found on.
    pub period: Period,
    /// The facts found on that period.
    pub finding: Finding,
    pub state: AlertState,
    /// Whether the condition still holds on the latest period judged.
    pub holds: bool,
    /// Published as a public warning.
    pub public: bool,
    pub assignee: Option<Assignee>,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the explanation is due, once the alert is assigned.
    pub due_at: Option<Timestamp>,
    pub reminded_at: Option<Timestamp>,
    pub escalated_at: Option<Timestamp>,
    /// How many times the condition was found, the first included.
    pub triggers: u32,
    /// Bumped by every change, so that two changes made at once cannot both land.
    pub version: i64,
}

/// The assigned unit's explanation (*giải trình*): why, and what it will do by when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    pub cause: String,
    #[serde(default)]
    pub actions: Vec<CorrectiveAction>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectiveAction {
    pub action: String,
    pub due: Date,
}

impl Explanation {
    /// Every field that is wrong, with why.
    pub fn check(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.cause.trim().is_empty() {
            problems.push(("cause".to_owned(), "say what caused it".to_owned()));
        }
        for (index, action) in self.actions.iter().enumerate() {
            if action.action.trim().is_empty() {
                problems.push((
                    format!("actions[{index}].action"),
                    "say what will be done".to_owned(),
                ));
            }
        }
        problems
    }
}

/// One line of an alert's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: Timestamp,
    /// The user who took the step; `None` for Vantage itself.
    pub actor: Option<String>,
    pub event: TimelineEvent,
    pub note: Option<String>,
    /// The alert's state after the entry.
    pub state: AlertState,
    /// Who the alert was assigned or escalated to.
    pub assignee: Option<Assignee>,
    pub explanation: Option<Explanation>,
}

/// Who takes a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A leader, an operator or an admin: runs the operations centre and decides on explanations.
    Centre,
    /// A member of the unit the alert is assigned to.
    Assignee,
    /// Anyone else signed in.
    Other,
    /// Vantage itself: automatic assignment, closing an alert whose condition cleared.
    System,
}

/// Why a step was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    /// The step does not lead anywhere from this state.
    NotFrom {
        state: AlertState,
        action: AlertAction,
    },
    /// This actor may not take this step.
    NotYours { action: AlertAction },
    /// The step needs a note (the reason for returning, the grounds for accepting, the explanation).
    NoteRequired { action: AlertAction },
    /// Closing early needs the condition to have cleared.
    StillHolds,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::NotFrom { state, action } => {
                write!(f, "an alert that is {state} does not allow {action}")
            }
            StepError::NotYours { action } => write!(f, "you may not {action} this alert"),
            StepError::NoteRequired { action } => {
                write!(f, "to {action} an alert, say why in a note")
            }
            StepError::StillHolds => f.write_str(
                "the alert's condition still holds: it closes once explained and accepted",
            ),
        }
    }
}

/// The state after `action` by `actor`, or why the step is refused. `note` is what the actor wrote;
/// `cleared` whether the alert's condition no longer holds.
pub fn step(
    state: AlertState,
    action: AlertAction,
    actor: Actor,
    note: Option<&str>,
    cleared: bool,
) -> Result<AlertState, StepError> {
    use AlertAction as A;
    use AlertState as S;
    let next = match (state, action) {
        (S::Open, A::Acknowledge) => S::Acknowledged,
        (S::Open | S::Acknowledged | S::Assigned, A::Assign) => S::Assigned,
        (S::Assigned, A::SubmitExplanation) => S::ExplanationSubmitted,
        (S::ExplanationSubmitted, A::Accept) => S::Accepted,
        (S::ExplanationSubmitted, A::Return) => S::Assigned,
        (S::Accepted | S::Open | S::Acknowledged, A::Close) => S::Closed,
        _ => return Err(StepError::NotFrom { state, action }),
    };
    let allowed = match action {
        A::SubmitExplanation => actor == Actor::Assignee,
        A::Assign | A::Close => matches!(actor, Actor::Centre | Actor::System),
        A::Acknowledge | A::Accept | A::Return => actor == Actor::Centre,
    };
    if !allowed {
        return Err(StepError::NotYours { action });
    }
    let needs_note = matches!(action, A::SubmitExplanation | A::Accept | A::Return);
    if needs_note && note.is_none_or(|note| note.trim().is_empty()) {
        return Err(StepError::NoteRequired { action });
    }
    if action == A::Close && state != S::Accepted && !cleared {
        return Err(StepError::StillHolds);
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_path_and_a_returned_explanation() {
        let note = Some("lý do");
        let mut state = AlertState::Open;
        for (action, actor) in [
            (AlertAction::Acknowledge, Actor::Centre),
            (AlertAction::Assign, Actor::Centre),
            (AlertAction::SubmitExplanation, Actor::Assignee),
            (AlertAction::Return, Actor::Centre),
            (AlertAction::SubmitExplanation, Actor::Assignee),
            (AlertAction::Accept, Actor::Centre),
            (AlertAction::Close, Actor::Centre),
        ] {
            state = step(state, action, actor, note, false).unwrap();
        }
        assert_eq!(state, AlertState::Closed);
    }

    #[test]
    fn refusals_say_why() {
        use AlertAction as A;
        use AlertState as S;
        assert_eq!(
            step(S::Open, A::Accept, Actor::Centre, Some("x"), false),
            Err(StepError::NotFrom {
                state: S::Open,
                action: A::Accept
            })
        );
        assert_eq!(
            step(
                S::Assigned,
                A::SubmitExplanation,
                Actor::Centre,
                Some("x"),
                false
            ),
            Err(StepError::NotYours {
                action: A::SubmitExplanation
            })
        );
        assert_eq!(
            step(
                S::ExplanationSubmitted,
                A::Return,
                Actor::Centre,
                Some("  "),
                false
            ),
            Err(StepError::NoteRequired { action: A::Return })
        );
        assert_eq!(
            step(S::Acknowledged, A::Close, Actor::Centre, None, false),
            Err(StepError::StillHolds)
        );
        assert_eq!(
            step(S::Acknowledged, A::Close, Actor::System, None, true),
            Ok(S::Closed)
        );
        assert_eq!(
            step(S::Open, A::Assign, Actor::System, None, false),
            Ok(S::Assigned)
        );
        assert!(step(S::Closed, A::Assign, Actor::Centre, None, true).is_err());
        assert_eq!(
            step(S::Assigned, A::Close, Actor::Centre, None, true),
            Err(StepError::NotFrom {
                state: S::Assigned,
                action: A::Close
            }),
            "once a unit is asked to explain, the explanation is decided before closing"
        );
        assert_eq!(
            StepError::NotYours { action: A::Accept }.to_string(),
            "you may not accept this alert"
        );
    }
}
