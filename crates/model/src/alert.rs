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
use jiff::civil::{Date, DateTime, Time};
use serde::{Deserialize, Serialize};

use crate::access::{Role, User};
use crate::alert_rule::Finding;
use crate::calendar::{END_OF_DAY, WorkingCalendar};
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

/// The largest file an explanation may carry.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The media type of a file attached to an explanation, told by its first bytes (and, for Office files,
/// which are zip archives, by its name), or why it is refused: only PDF, PNG, JPEG, DOCX and XLSX files,
/// named without folders, up to [`MAX_ATTACHMENT_BYTES`].
pub fn attachment_type(name: &str, content: &[u8]) -> Result<&'static str, String> {
    if name.trim().is_empty()
        || name.chars().count() > 200
        || name.contains(['/', '\\'])
        || name.chars().any(char::is_control)
    {
        return Err("a file name of 1 to 200 characters, without folders".to_owned());
    }
    if content.is_empty() {
        return Err("the file is empty".to_owned());
    }
    if content.len() > MAX_ATTACHMENT_BYTES {
        return Err(format!(
            "the file is larger than {} MiB",
            MAX_ATTACHMENT_BYTES / 1024 / 1024
        ));
    }
    let lower = name.to_lowercase();
    let media_type = if content.starts_with(b"%PDF-") {
        "application/pdf"
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if content.starts_with(b"PK\x03\x04") && lower.ends_with(".docx") {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    } else if content.starts_with(b"PK\x03\x04") && lower.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        return Err("only PDF, PNG, JPEG, DOCX and XLSX files are taken".to_owned());
    };
    Ok(media_type)
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

/// When an explanation asked for on `assigned` is due: the end of the `working_days`th working day after.
pub fn explanation_due(assigned: Date, working_days: u32, calendar: &WorkingCalendar) -> DateTime {
    calendar
        .add_working_days(assigned, working_days)
        .to_datetime(END_OF_DAY)
}

/// When the assigned unit is reminded of an explanation due at `due`: at the start of the working day
/// before the day it is due.
pub fn reminder(due: DateTime, calendar: &WorkingCalendar) -> DateTime {
    let day_before = due.date().yesterday().unwrap_or(due.date());
    calendar
        .on_or_before(day_before)
        .to_datetime(START_OF_WORKING_DAY)
}

const START_OF_WORKING_DAY: Time = Time::constant(8, 0, 0, 0);

/// Who `user` is to an alert assigned to `assignee` in `domain`: the operations centre (admins, leaders,
/// operators), the assignee (a data owner of the assigned agency, or of the assigned unit with the
/// domain in its grant), or someone else.
pub fn actor_for(user: &User, assignee: Option<&Assignee>, domain: &str) -> Actor {
    match user.role {
        Role::Admin | Role::Leader | Role::Operator => Actor::Centre,
        Role::DataOwner => {
            let covers_domain = user.domains.is_empty() || user.domains.iter().any(|d| d == domain);
            let assigned = match assignee {
                Some(Assignee::Agency(agency)) => user.agency == *agency && user.unit.is_none(),
                Some(Assignee::Unit(unit)) => user.unit.as_ref() == Some(unit),
                None => false,
            };
            if assigned && covers_domain {
                Actor::Assignee
            } else {
                Actor::Other
            }
        }
        Role::Viewer => Actor::Other,
    }
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

impl std::error::Error for StepError {}

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
    fn explanations_fall_due_in_working_days_across_holidays() {
        use jiff::civil::{Weekday, date};
        // Tết 2026: 16 to 20 February off (Monday to Friday).
        let tet = (16..=20).map(|day| date(2026, 2, day));
        let calendar = WorkingCalendar::new(vec![Weekday::Saturday, Weekday::Sunday], tet);
        // Asked on Thursday 12 February: Friday 13, then 23, 24, 25 and 26 February.
        let due = explanation_due(date(2026, 2, 12), 5, &calendar);
        assert_eq!(due, date(2026, 2, 26).at(23, 59, 59, 0));
        assert_eq!(reminder(due, &calendar), date(2026, 2, 25).at(8, 0, 0, 0));
        // Due on Monday 23 February: reminded on Friday 13, before the holidays.
        let due = explanation_due(date(2026, 2, 12), 2, &calendar);
        assert_eq!(due.date(), date(2026, 2, 23));
        assert_eq!(reminder(due, &calendar), date(2026, 2, 13).at(8, 0, 0, 0));
        // Asked on a Saturday: the count starts from Monday.
        assert_eq!(
            explanation_due(date(2026, 3, 7), 1, &calendar).date(),
            date(2026, 3, 10)
        );
    }

    #[test]
    fn attachments_are_told_by_their_content() {
        assert_eq!(
            attachment_type("bao-cao.pdf", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert_eq!(
            attachment_type("anh.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]),
            Ok("image/jpeg")
        );
        assert!(
            attachment_type("so-lieu.xlsx", b"PK\x03\x04rest")
                .unwrap()
                .contains("spreadsheet")
        );
        assert!(
            attachment_type("bao-cao.docx", b"PK\x03\x04rest")
                .unwrap()
                .contains("word")
        );
        // A zip that is not an Office file, a script named as a PDF, an empty or a huge file.
        assert!(attachment_type("tep.zip", b"PK\x03\x04rest").is_err());
        assert!(attachment_type("bao-cao.pdf", b"#!/bin/sh").is_err());
        assert!(attachment_type("rong.pdf", b"").is_err());
        let huge = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert!(
            attachment_type("lon.pdf", &huge)
                .unwrap_err()
                .contains("MiB")
        );
        assert!(attachment_type("../etc/passwd.pdf", b"%PDF-").is_err());
    }

    #[test]
    fn who_acts_on_an_alert() {
        let user = |role, agency: &str, unit: Option<&str>, domains: &[&str]| User {
            username: "u".into(),
            role,
            agency: agency.into(),
            unit: unit.map(Into::into),
            domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        };
        let stc = Assignee::Agency("STC".into());
        let commune = Assignee::Unit("22918".into());
        for role in [Role::Admin, Role::Leader, Role::Operator] {
            assert_eq!(
                actor_for(&user(role, "VP", None, &[]), Some(&stc), "BUD"),
                Actor::Centre
            );
        }
        let finance = user(Role::DataOwner, "STC", None, &["BUD"]);
        assert_eq!(actor_for(&finance, Some(&stc), "BUD"), Actor::Assignee);
        assert_eq!(
            actor_for(&finance, Some(&stc), "ENV"),
            Actor::Other,
            "outside its domains"
        );
        assert_eq!(actor_for(&finance, Some(&commune), "BUD"), Actor::Other);
        assert_eq!(actor_for(&finance, None, "BUD"), Actor::Other);
        let muine = user(Role::DataOwner, "UBND-22918", Some("22918"), &[]);
        assert_eq!(actor_for(&muine, Some(&commune), "ENV"), Actor::Assignee);
        let muine_staff_of_stc = user(Role::DataOwner, "STC", Some("22918"), &[]);
        assert_eq!(
            actor_for(&muine_staff_of_stc, Some(&stc), "BUD"),
            Actor::Other,
            "an agency answers for the province from its province-wide grant"
        );
        let viewer = user(Role::Viewer, "UBND-22918", Some("22918"), &[]);
        assert_eq!(actor_for(&viewer, Some(&commune), "ENV"), Actor::Other);
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
