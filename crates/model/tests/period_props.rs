//! Calendar properties of reporting periods, checked against jiff's own
//! Gregorian and ISO week arithmetic rather than against tables.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};
use proptest::prelude::*;
use vantage_model::period::{Period, PeriodType, weeks_in_year};

fn day() -> impl Strategy<Value = Date> {
    let first = date(1950, 1, 1);
    let days = first.until(date(2150, 1, 1)).unwrap().get_days();
    (0..days).prop_map(move |n| first.checked_add(n.days()).unwrap())
}

fn kind() -> impl Strategy<Value = PeriodType> {
    prop::sample::select(PeriodType::ALL.to_vec())
}

fn period() -> impl Strategy<Value = Period> {
    (kind(), day()).prop_map(|(kind, day)| Period::containing(kind, day))
}

fn days_of(period: Period) -> Vec<Date> {
    period
        .start()
        .series(1.day())
        .take_while(|day| *day <= period.end())
        .collect()
}

proptest! {
    #[test]
    fn every_day_lies_in_exactly_one_period_of_each_type(day in day()) {
        for kind in PeriodType::ALL {
            let period = Period::containing(kind, day);
            prop_assert_eq!(period.period_type(), kind);
            prop_assert!(period.contains(day));
            prop_assert!(period.start() <= day && day <= period.end());
            prop_assert_eq!(period.days(), days_of(period).len() as i32);
            // Neighbours abut without overlap, so no other period holds the day.
            prop_assert_eq!(period.next().start(), period.end().tomorrow().unwrap());
            prop_assert_eq!(period.previous().end(), period.start().yesterday().unwrap());
            prop_assert!(!period.next().contains(day) && !period.previous().contains(day));
        }

        let (year, month) = (day.year(), day.month());
        let iso = day.iso_week_date();
        let week = Period::containing(PeriodType::Week, day);
        prop_assert_eq!(week, Period::Week { year: iso.year(), week: iso.week() });
        prop_assert_eq!(week.start().weekday(), Weekday::Monday);
        prop_assert_eq!(week.days(), 7);
        prop_assert!(iso.week() <= weeks_in_year(iso.year()));
        prop_assert_eq!(Period::containing(PeriodType::Day, day), Period::Day(day));
        prop_assert_eq!(Period::containing(PeriodType::Month, day), Period::Month { year, month });
        prop_assert_eq!(
            Period::containing(PeriodType::Quarter, day),
            Period::Quarter { year, quarter: (month - 1) / 3 + 1 }
        );
        prop_assert_eq!(
            Period::containing(PeriodType::HalfYear, day),
            Period::HalfYear { year, half: (month - 1) / 6 + 1 }
        );
        prop_assert_eq!(Period::containing(PeriodType::Year, day), Period::Year(year));
    }

    #[test]
    fn identifiers_round_trip(period in period()) {
        let id = period.to_string();
        prop_assert_eq!(Period::parse(&id), Ok(period));
        prop_assert_eq!(id.parse::<Period>(), Ok(period));
        if let Period::Week { year, week } = period {
            prop_assert_eq!(Period::parse(&format!("{year}W{week:02}")), Ok(period));
        }
    }

    #[test]
    fn iso_intervals_round_trip(period in period()) {
        prop_assert_eq!(Period::from_iso_interval(&period.to_iso_interval()), Ok(period));
        let interval = period.to_iso_interval();
        let (_, duration) = interval.split_once('/').unwrap();
        let late = format!("{}/{duration}", period.start().tomorrow().unwrap());
        prop_assert_eq!(Period::from_iso_interval(&late).is_ok(), period.period_type() == PeriodType::Day);
    }

    #[test]
    fn keys_round_trip_and_sort_chronologically(kind in kind(), a in day(), b in day()) {
        let (a, b) = (Period::containing(kind, a), Period::containing(kind, b));
        prop_assert_eq!(Period::from_key(a.key()), Some(a));
        prop_assert_eq!(a.key().cmp(&b.key()), a.start().cmp(&b.start()));
        prop_assert_eq!(a.cmp(&b), a.start().cmp(&b.start()));
    }

    #[test]
    fn keys_differ_across_types(day in day()) {
        let mut keys = PeriodType::ALL.map(|kind| Period::containing(kind, day).key());
        keys.sort_unstable();
        for pair in keys.windows(2) {
            prop_assert_ne!(pair[0], pair[1]);
        }
    }

    #[test]
    fn steps_are_reversible(period in period(), n in -1000i32..1000) {
        prop_assert_eq!(period.previous().next(), period);
        prop_assert_eq!(period.next().previous(), period);
        prop_assert_eq!(period.offset(n).offset(-n), period);
        prop_assert_eq!(period.offset(0), period);
        let range = Period::range(period, period.offset(n));
        prop_assert_eq!(range.len(), usize::try_from(n + 1).unwrap_or(0));
        for pair in range.windows(2) {
            prop_assert_eq!(pair[0].next(), pair[1]);
        }
    }

    #[test]
    fn children_tile_their_parent(day in day()) {
        for coarse in PeriodType::ALL {
            let parent = Period::containing(coarse, day);
            for fine in PeriodType::ALL.into_iter().filter(|fine| fine.is_finer_than(coarse)) {
                let children = parent.children(fine);
                prop_assert!(!children.is_empty());
                for child in &children {
                    prop_assert_eq!(child.parent(coarse), Some(parent));
                    prop_assert_eq!(Period::from_ordinal(fine, child.ordinal()), *child);
                }
                for pair in children.windows(2) {
                    prop_assert_eq!(pair[0].next(), pair[1]);
                }
                let (first, last) = (children[0], children[children.len() - 1]);
                if fine == PeriodType::Week {
                    // Exactly the weeks whose Thursday falls in the parent.
                    let by_thursday: Vec<Period> = days_of(parent)
                        .into_iter()
                        .filter(|day| day.weekday() == Weekday::Thursday)
                        .map(|day| Period::containing(PeriodType::Week, day))
                        .collect();
                    prop_assert_eq!(&children, &by_thursday);
                } else {
                    prop_assert_eq!(first.start(), parent.start());
                    prop_assert_eq!(last.end(), parent.end());
                    let days: i32 = children.iter().map(Period::days).sum();
                    prop_assert_eq!(days, parent.days());
                    prop_assert!(children.contains(&Period::containing(fine, day)));
                }
            }
            prop_assert_eq!(parent.children(coarse), vec![parent]);
            prop_assert_eq!(parent.parent(coarse), Some(parent));
        }
    }

    #[test]
    fn year_to_date_starts_on_new_year(period in period()) {
        let (from, to) = period.year_to_date();
        prop_assert_eq!(from, date(period.year(), 1, 1));
        prop_assert_eq!(to, period.end());
        let expected_year = match period {
            Period::Week { .. } => period.start().iso_week_date().year(),
            _ => period.start().year(),
        };
        prop_assert_eq!(period.year(), expected_year);
        prop_assert_eq!(period.parent(PeriodType::Year), Some(Period::Year(period.year())));
    }

    #[test]
    fn same_period_last_year_is_a_year_back(period in period()) {
        let last = period.same_period_last_year();
        prop_assert_eq!(last.period_type(), period.period_type());
        prop_assert_eq!(last.year(), period.year() - 1);
        match (period, last) {
            (Period::Day(day), Period::Day(then)) => {
                prop_assert_eq!(then.month(), day.month());
                prop_assert_eq!(then.day(), day.day().min(then.days_in_month()));
            }
            (Period::Week { year, week }, Period::Week { week: then, .. }) => {
                prop_assert_eq!(then, week.min(weeks_in_year(year - 1)));
            }
            _ => prop_assert_eq!(last.start(), period.start().checked_sub(1.year()).unwrap()),
        }
    }

}

#[test]
fn week_53_maps_to_the_last_week_of_the_year_before() {
    for year in (1901..=2200).filter(|&year| weeks_in_year(year) == 53) {
        let before = year - 1;
        assert_eq!(
            Period::Week { year, week: 53 }.same_period_last_year(),
            Period::Week {
                year: before,
                week: weeks_in_year(before)
            },
            "{year}"
        );
        assert_eq!(weeks_in_year(before), 52, "{year}");
    }
}
