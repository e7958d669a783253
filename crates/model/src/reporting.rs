//! Reporting tasks: which periods of an indicator fall due in a window of days, and where each report
//! stands.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime};

use crate::calendar::{DeadlineRule, WorkingCalendar};
use crate::period::{Period, PeriodType};
use crate::record::ObservationStatus;

vocabulary!(
    /// Where one expected report stands.
    TaskState, "a task state" {
        /// Nothing entered yet, and the deadline has not passed.
        NotStarted => "not_started",
        /// Entered as a draft, not yet submitted.
        Draft => "draft",
        Submitted => "submitted",
        Approved => "approved",
        /// Sent back by a reviewer for correction.
        Returned => "returned",
        /// The deadline passed without a submitted value.
        Late => "late",
    }
);

/// Where a report stands, from the stored value's status (none when nothing is stored) and the clock.
pub fn task_state(
    stored: Option<ObservationStatus>,
    deadline: DateTime,
    now: DateTime,
) -> TaskState {
    let waiting = match stored {
        Some(ObservationStatus::Submitted) => return TaskState::Submitted,
        Some(ObservationStatus::Approved) => return TaskState::Approved,
        None => TaskState::NotStarted,
        Some(ObservationStatus::Draft) => TaskState::Draft,
        Some(ObservationStatus::Returned) => TaskState::Returned,
    };
    if now > deadline {
        TaskState::Late
    } else {
        waiting
    }
}

/// The longest a rule can put a deadline after its period's end: a year's 366 days, and a margin for the
/// holidays a count of working days steps over.
const LONGEST_LAG_DAYS: i64 = 366 + 60;

/// Every period of `frequency` whose deadline falls on a day from `from` to `to` (inclusive), with that
/// deadline, in period order.
pub fn periods_due(
    frequency: PeriodType,
    rule: DeadlineRule,
    calendar: &WorkingCalendar,
    from: Date,
    to: Date,
) -> Vec<(Period, DateTime)> {
    let earliest = from.checked_sub(LONGEST_LAG_DAYS.days()).unwrap_or(from);
    let mut period = Period::containing(frequency, earliest);
    let mut due = Vec::new();
    while period.end() <= to {
        let deadline = rule.deadline(period, calendar);
        if (from..=to).contains(&deadline.date()) {
            due.push((period, deadline));
        }
        period = period.next();
    }
    due
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Weekday, date};

    use super::*;

    fn calendar() -> WorkingCalendar {
        WorkingCalendar::new(
            vec![Weekday::Saturday, Weekday::Sunday],
            [date(2026, 9, 1), date(2026, 9, 2)],
        )
    }

    #[test]
    fn states_follow_the_status_and_the_deadline() {
        let deadline = date(2026, 9, 20).at(23, 59, 59, 0);
        let before = date(2026, 9, 20).at(12, 0, 0, 0);
        let after = date(2026, 9, 21).at(0, 0, 0, 0);
        use ObservationStatus::*;
        assert_eq!(task_state(None, deadline, before), TaskState::NotStarted);
        assert_eq!(task_state(None, deadline, after), TaskState::Late);
        assert_eq!(task_state(Some(Draft), deadline, before), TaskState::Draft);
        assert_eq!(task_state(Some(Draft), deadline, after), TaskState::Late);
        assert_eq!(
            task_state(Some(Returned), deadline, before),
            TaskState::Returned
        );
        assert_eq!(task_state(Some(Returned), deadline, after), TaskState::Late);
        assert_eq!(
            task_state(Some(Submitted), deadline, after),
            TaskState::Submitted
        );
        assert_eq!(
            task_state(Some(Approved), deadline, after),
            TaskState::Approved
        );
    }

    #[test]
    fn periods_fall_due_by_their_deadline() {
        let monthly = DeadlineRule::parse("day 20").unwrap();
        let due = periods_due(
            PeriodType::Month,
            monthly,
            &calendar(),
            date(2026, 9, 1),
            date(2026, 10, 31),
        );
        let periods: Vec<String> = due.iter().map(|(period, _)| period.to_string()).collect();
        assert_eq!(periods, ["202608", "202609"]);
        // 20 September 2026 is a Sunday.
        assert_eq!(due[0].1.date(), date(2026, 9, 21));
        let yearly = DeadlineRule::parse("+30d").unwrap();
        let due = periods_due(
            PeriodType::Year,
            yearly,
            &calendar(),
            date(2026, 1, 1),
            date(2026, 3, 1),
        );
        assert_eq!(
            due.iter().map(|(p, _)| p.to_string()).collect::<Vec<_>>(),
            ["2025"]
        );
        let daily = DeadlineRule::parse("+0d 17:00").unwrap();
        let due = periods_due(
            PeriodType::Day,
            daily,
            &calendar(),
            date(2026, 9, 1),
            date(2026, 9, 3),
        );
        assert_eq!(due.len(), 3, "every day, holidays included");
        assert!(
            periods_due(
                PeriodType::Month,
                monthly,
                &calendar(),
                date(2026, 9, 22),
                date(2026, 10, 19)
            )
            .is_empty()
        );
    }
}
