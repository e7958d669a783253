//! Reporting tasks: which periods of an indicator fall due in a window of days, where each report
//! stands, whether it came on time (and how well a department or commune reports, as DHIS2's reporting
//! rates tell it), and whether an entered value is unusual against its history.

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
        None | Some(ObservationStatus::Deleted) => TaskState::NotStarted,
        Some(ObservationStatus::Draft) => TaskState::Draft,
        Some(ObservationStatus::Returned) => TaskState::Returned,
    };
    if now > deadline {
        TaskState::Late
    } else {
        waiting
    }
}

vocabulary!(
    /// Whether an expected report came by its deadline.
    Punctuality, "a punctuality" {
        /// First reported by the deadline.
        OnTime => "on_time",
        /// First reported after it.
        Late => "late",
        /// Not reported, and the deadline has passed.
        Missing => "missing",
        /// Not reported yet, and the deadline has not passed.
        Pending => "pending",
    }
);

/// Whether a report due at `deadline`, first reported at `first` (a value that counts: submitted or
/// later, not a draft), came on time as of `now`.
pub fn punctuality(deadline: DateTime, first: Option<DateTime>, now: DateTime) -> Punctuality {
    match first {
        Some(at) if at <= deadline => Punctuality::OnTime,
        Some(_) => Punctuality::Late,
        None if now > deadline => Punctuality::Missing,
        None => Punctuality::Pending,
    }
}

vocabulary!(
    /// What a reporting-rate indicator counts, Vantage working it out from the reporting calendar (the
    /// catalogue's `computed` column): of the reports owed at each of its units whose deadline falls in each
    /// of its periods, those expected (due by now, or received before their deadline), received, or
    /// received on time. A province's indicator counts the departments' province-level reports, a
    /// commune's its own.
    ReportCount, "a report count" {
        Expected => "reports_expected",
        Received => "reports_received",
        OnTime => "reports_on_time",
    }
);

impl ReportCount {
    /// This count of `rates`.
    pub fn of(self, rates: &ReportingRates) -> u64 {
        match self {
            ReportCount::Expected => rates.expected(),
            ReportCount::Received => rates.received(),
            ReportCount::OnTime => rates.on_time,
        }
    }
}

/// How a party reported over a window, as DHIS2's reporting rates count it: the reports expected (those
/// due by now, and any received before their deadline), received, on time, late and missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportingRates {
    pub on_time: u64,
    pub late: u64,
    pub missing: u64,
    /// Not due yet and not received: not expected yet.
    pub pending: u64,
}

impl ReportingRates {
    pub fn add(&mut self, punctuality: Punctuality) {
        match punctuality {
            Punctuality::OnTime => self.on_time += 1,
            Punctuality::Late => self.late += 1,
            Punctuality::Missing => self.missing += 1,
            Punctuality::Pending => self.pending += 1,
        }
    }

    pub fn merge(&mut self, other: ReportingRates) {
        self.on_time += other.on_time;
        self.late += other.late;
        self.missing += other.missing;
        self.pending += other.pending;
    }

    pub fn expected(&self) -> u64 {
        self.on_time + self.late + self.missing
    }

    pub fn received(&self) -> u64 {
        self.on_time + self.late
    }

    /// Received of expected, in percent; `None` when nothing was expected.
    pub fn rate(&self) -> Option<f64> {
        percent(self.received(), self.expected())
    }

    /// Received on time of expected, in percent.
    pub fn on_time_rate(&self) -> Option<f64> {
        percent(self.on_time, self.expected())
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
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

/// The latest period whose report was due by `now`, with its deadline.
pub fn last_due(
    frequency: PeriodType,
    rule: DeadlineRule,
    calendar: &WorkingCalendar,
    now: DateTime,
) -> Option<(Period, DateTime)> {
    let mut period = Period::containing(frequency, now.date());
    // Deadlines fall after their period, at most a few periods of this frequency later.
    for _ in 0..=LONGEST_LAG_DAYS {
        let deadline = rule.deadline(period, calendar);
        if deadline <= now {
            return Some((period, deadline));
        }
        period = period.previous();
    }
    None
}

/// The first deadline after `now`.
pub fn next_deadline(
    frequency: PeriodType,
    rule: DeadlineRule,
    calendar: &WorkingCalendar,
    now: DateTime,
) -> DateTime {
    let mut period = last_due(frequency, rule, calendar, now).map_or_else(
        || Period::containing(frequency, now.date()),
        |(period, _)| period.next(),
    );
    loop {
        let deadline = rule.deadline(period, calendar);
        if deadline > now {
            return deadline;
        }
        period = period.next();
    }
}

/// How unusual a value is against its own history, by the modified z-score of Iglewicz and Hoaglin:
/// 0.6745 × (value − median) ÷ median absolute deviation, or, when more than half the history is one
/// value, (value − median) ÷ (1.2533 × mean absolute deviation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outlier {
    pub median: f64,
    /// The range of values whose score stays within the threshold.
    pub low: f64,
    pub high: f64,
    /// The score; infinite when the history never varied and the value differs from it.
    pub z: f64,
}

/// Scores beyond this are unusual enough to ask the person entering the value to confirm it.
pub const OUTLIER_THRESHOLD: f64 = 3.5;
/// Fewer earlier values than this say too little to judge by.
pub const MIN_HISTORY: usize = 6;
/// How many earlier periods a value is compared with.
pub const OUTLIER_HISTORY: i32 = 24;

/// The value's outlier score against `history`, when it lies beyond the threshold; `None` for a usual
/// value or a history too short to judge by.
pub fn outlier(history: &[f64], value: f64) -> Option<Outlier> {
    if history.len() < MIN_HISTORY || !value.is_finite() {
        return None;
    }
    let middle = median(history.to_vec());
    let deviations: Vec<f64> = history.iter().map(|x| (x - middle).abs()).collect();
    let mad = median(deviations.clone());
    // The spread one unit of score stands for.
    let scale = if mad > 0.0 {
        mad / 0.6745
    } else {
        1.2533 * deviations.iter().sum::<f64>() / deviations.len() as f64
    };
    let z = if scale > 0.0 {
        (value - middle) / scale
    } else if value == middle {
        0.0
    } else {
        f64::INFINITY.copysign(value - middle)
    };
    (z.abs() > OUTLIER_THRESHOLD).then_some(Outlier {
        median: middle,
        low: middle - OUTLIER_THRESHOLD * scale,
        high: middle + OUTLIER_THRESHOLD * scale,
        z,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
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
    fn reports_are_on_time_late_missing_or_pending() {
        let deadline = date(2026, 9, 20).at(17, 0, 0, 0);
        let before = date(2026, 9, 20).at(16, 59, 0, 0);
        let after = date(2026, 9, 21).at(9, 0, 0, 0);
        let mut rates = ReportingRates::default();
        for (first, now, expected) in [
            (Some(deadline), after, Punctuality::OnTime),
            (Some(before), before, Punctuality::OnTime),
            (Some(after), after, Punctuality::Late),
            (None, after, Punctuality::Missing),
            (None, before, Punctuality::Pending),
            (None, deadline, Punctuality::Pending),
        ] {
            let found = punctuality(deadline, first, now);
            assert_eq!(found, expected, "{first:?} at {now}");
            rates.add(found);
        }
        assert_eq!(
            (rates.expected(), rates.received(), rates.pending),
            (4, 3, 2)
        );
        assert_eq!(rates.rate(), Some(75.0));
        assert_eq!(rates.on_time_rate(), Some(50.0));
        assert_eq!(ReportingRates::default().rate(), None);
        let mut twice = rates;
        twice.merge(rates);
        assert_eq!((twice.expected(), twice.on_time_rate()), (8, Some(50.0)));
    }

    #[test]
    fn states_follow_the_status_and_the_deadline() {
        let deadline = date(2026, 9, 20).at(23, 59, 59, 0);
        let before = date(2026, 9, 20).at(12, 0, 0, 0);
        let after = date(2026, 9, 21).at(0, 0, 0, 0);
        use ObservationStatus::*;
        assert_eq!(task_state(None, deadline, before), TaskState::NotStarted);
        assert_eq!(task_state(None, deadline, after), TaskState::Late);
        assert_eq!(
            task_state(Some(Deleted), deadline, before),
            TaskState::NotStarted
        );
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
    fn outliers_stand_far_from_the_median_of_their_history() {
        let history = [100.0, 104.0, 98.0, 101.0, 97.0, 103.0, 99.0, 102.0];
        assert_eq!(outlier(&history, 105.0), None);
        let far = outlier(&history, 1000.0).unwrap();
        assert_eq!(far.median, 100.5);
        assert!(
            far.z > 100.0 && far.low < 100.0 && far.high > 101.0 && far.high < 120.0,
            "{far:?}"
        );
        assert!(outlier(&history, 10.0).unwrap().z < 0.0);
        assert_eq!(outlier(&history[..5], 1000.0), None, "too little history");
        // More than half the history one value: the mean deviation sets the scale.
        let flat = [5.0, 5.0, 5.0, 5.0, 5.0, 6.0, 5.0];
        assert!(outlier(&flat, 5.5).is_none());
        assert!(outlier(&flat, 9.0).is_some());
        // A history that never varied: any other value stands out.
        let constant = [7.0; 8];
        assert_eq!(outlier(&constant, 7.0), None);
        assert_eq!(outlier(&constant, 8.0).unwrap().z, f64::INFINITY);
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
