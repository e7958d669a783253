//! The alert lifecycle under random sequences of steps by random actors: whatever is tried, an alert only
//! moves along the documented path, an explanation is accepted only after the assigned unit submitted
//! one, nobody outside the centre and the assigned unit moves it, notes are never skipped, and a closed
//! alert stays closed.

use proptest::prelude::*;
use vantage_model::alert::{Actor, AlertAction, AlertState, step};

fn attempt() -> impl Strategy<Value = (AlertAction, Actor, Option<&'static str>, bool)> {
    (
        prop::sample::select(AlertAction::ALL.to_vec()),
        prop::sample::select(vec![
            Actor::Centre,
            Actor::Assignee,
            Actor::Other,
            Actor::System,
        ]),
        prop::sample::select(vec![None, Some(""), Some("  "), Some("vì mưa lũ")]),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn only_the_documented_path_is_walked(attempts in prop::collection::vec(attempt(), 1..40)) {
        let mut state = AlertState::Open;
        // Whether the assigned unit has submitted an explanation since it was last (re)assigned.
        let mut explained = false;
        let mut ever_assigned = false;
        for (action, actor, note, cleared) in attempts {
            let before = state;
            let Ok(after) = step(state, action, actor, note, cleared) else {
                continue;
            };
            prop_assert_ne!(before, AlertState::Closed, "a closed alert never moves");
            prop_assert_ne!(actor, Actor::Other, "outsiders never move an alert");
            let noted = note.is_some_and(|n| !n.trim().is_empty());
            match after {
                AlertState::Acknowledged => prop_assert_eq!((before, actor), (AlertState::Open, Actor::Centre)),
                AlertState::Assigned => {
                    prop_assert!(matches!(actor, Actor::Centre | Actor::System));
                    if before == AlertState::ExplanationSubmitted {
                        prop_assert!(noted, "a returned explanation says why");
                    }
                    ever_assigned = true;
                    explained = false;
                }
                AlertState::ExplanationSubmitted => {
                    prop_assert_eq!((before, actor), (AlertState::Assigned, Actor::Assignee));
                    prop_assert!(noted, "an explanation has text");
                    explained = true;
                }
                AlertState::Accepted => {
                    prop_assert_eq!((before, actor), (AlertState::ExplanationSubmitted, Actor::Centre));
                    prop_assert!(explained && noted);
                }
                AlertState::Closed => {
                    prop_assert!(
                        before == AlertState::Accepted || (cleared && !ever_assigned),
                        "closed early only when the condition cleared before anyone was asked to explain"
                    );
                }
                AlertState::Open => prop_assert!(false, "nothing leads back to open"),
            }
            state = after;
        }
    }
}
