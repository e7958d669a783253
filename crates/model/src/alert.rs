//! The lifecycle of an alert (*cảnh báo*) and the explanation (*giải trình*) it demands: who may move it
//! from which state to which, and what each step needs. Pure: the caller says who acts and whether the
//! alert's condition still holds; the answer is the next state or why not.
//!
//! open → acknowledged → assigned → explanation submitted → accepted → closed, with a returned explanation
//! going back to assigned. An alert may be assigned straight from open (automatically, to the indicator's
//! owner or the unit), reassigned while assigned, and closed early only once its condition has cleared
//! and nobody has been asked to explain yet.

use std::fmt;

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
