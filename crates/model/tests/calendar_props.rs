//! Deadline rules against their definitions on random calendars: rules read back what they write, a
//! deadline never comes before the period ends, lands on a working day (but for same-day rules), and
//! counting working days agrees with walking the calendar day by day.

use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday, date};
use proptest::prelude::*;
use vantage_model::calendar::{DeadlineRule, WorkingCalendar};
use vantage_model::period::{Period, PeriodType};

fn day() -> impl Strategy<Value = Date> {
    (0..3000i64).prop_map(|n| date(2024, 1, 1).checked_add(n.days()).unwrap())
}

fn calendar() -> impl Strategy<Value = WorkingCalendar> {
    let weekend = prop::sample::subsequence(
        vec![Weekday::Friday, Weekday::Saturday, Weekday::Sunday],
        0..=2,
    );
    (weekend, prop::collection::vec(day(), 0..60))
        .prop_map(|(days_off, holidays)| WorkingCalendar::new(days_off, holidays))
}

fn rule() -> impl Strategy<Value = DeadlineRule> {
    let at = prop_oneof![
        Just(Time::constant(23, 59, 59, 0)),
        (0..24i8, 0..60i8).prop_map(|(h, m)| Time::new(h, m, 0, 0).unwrap())
    ];
    prop_oneof![
        (0..40u32, at.clone()).prop_map(|(days, at)| DeadlineRule::AfterPeriod {
            days,
            working: false,
            at
        }),
        (1..40u32, at.clone()).prop_map(|(days, at)| DeadlineRule::AfterPeriod {
            days,
            working: true,
            at
        }),
        (1..=31i8, at).prop_map(|(day, at)| DeadlineRule::DayOfNextMonth { day, at }),
    ]
}

fn period() -> impl Strategy<Value = Period> {
    (prop::sample::select(PeriodType::ALL.to_vec()), day())
        .prop_map(|(kind, day)| Period::containing(kind, day))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn rules_read_what_they_write(rule in rule()) {
        prop_assert_eq!(DeadlineRule::parse(&rule.to_string()), Ok(rule));
    }

    #[test]
    fn deadlines_follow_the_period_on_working_days(rule in rule(), period in period(), calendar in calendar()) {
        let deadline = rule.deadline(period, &calendar).date();
        prop_assert!(deadline >= period.end());
        let same_day = matches!(rule, DeadlineRule::AfterPeriod { days: 0, .. });
        prop_assert!(same_day || calendar.is_working_day(deadline), "{deadline} is a day off");
        if let DeadlineRule::AfterPeriod { days, working: true, .. } = rule {
            // Exactly `days` working days from the day after the period to the deadline, inclusive.
            let mut count = 0;
            let mut walk = period.end().tomorrow().unwrap();
            while walk <= deadline {
                count += u32::from(calendar.is_working_day(walk));
                walk = walk.tomorrow().unwrap();
            }
            prop_assert_eq!(count, days);
        }
    }
}
