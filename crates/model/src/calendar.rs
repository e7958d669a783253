//! Working days and reporting deadlines.
//!
//! A deadline rule says when a period's report is due, counted from the period's last day in calendar or
//! working days, or on a day of the month after it. Holidays follow the Labour Code 2019: a statutory
//! holiday that falls on a weekly day off gives the next working day off (Art. 111(3)); and, as the Civil
//! Code 2015 has it for any term (Art. 148), a deadline that falls on a day off moves to the next working day.

use std::collections::BTreeSet;
use std::fmt;

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Time, Weekday};

use crate::period::Period;

/// The weekly days off of Vietnamese public offices.
pub const USUAL_DAYS_OFF: [Weekday; 2] = [Weekday::Saturday, Weekday::Sunday];

/// A weekday by its English name, in any case (`saturday`, `Sunday`).
pub fn parse_weekday(text: &str) -> Result<Weekday, String> {
    let days = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];
    days.iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text.trim()))
        .map(|(_, day)| *day)
        .ok_or_else(|| format!("`{text}` is not a weekday (monday … sunday)"))
}

/// A statutory holiday as the law or the year's decision names it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holiday {
    pub day: Date,
    pub name: String,
}

/// Which days are worked: a weekly pattern and the year's holidays.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkingCalendar {
    days_off: Vec<Weekday>,
    holidays: BTreeSet<Date>,
}

impl WorkingCalendar {
    /// Saturdays and Sundays off, and these statutory holidays, each moved to the next working day when it
    /// falls on a weekend or on another holiday.
    pub fn new(
        days_off: Vec<Weekday>,
        statutory: impl IntoIterator<Item = Date>,
    ) -> WorkingCalendar {
        let mut calendar = WorkingCalendar {
            days_off,
            holidays: BTreeSet::new(),
        };
        let mut statutory: Vec<Date> = statutory.into_iter().collect();
        statutory.sort();
        statutory.dedup();
        for day in statutory {
            let mut off = day;
            while calendar.holidays.contains(&off) || calendar.days_off.contains(&off.weekday()) {
                off = off
                    .tomorrow()
                    .expect("holidays lie far from the end of time");
            }
            calendar.holidays.insert(off);
        }
        calendar
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        !self.days_off.contains(&day.weekday()) && !self.holidays.contains(&day)
    }

    /// `day` itself if it is worked, otherwise the first working day after it.
    pub fn on_or_after(&self, day: Date) -> Date {
        let mut day = day;
        while !self.is_working_day(day) {
            day = day
                .tomorrow()
                .expect("a working day comes before the end of time");
        }
        day
    }

    /// `day` itself if it is worked, otherwise the last working day before it.
    pub fn on_or_before(&self, day: Date) -> Date {
        let mut day = day;
        while !self.is_working_day(day) {
            day = day
                .yesterday()
                .expect("a working day comes after the start of time");
        }
        day
    }

    /// The `n`th working day after `day` (`day` itself when `n` is 0 and it is worked).
    pub fn add_working_days(&self, day: Date, n: u32) -> Date {
        let mut day = self.on_or_after(day);
        for _ in 0..n {
            day = self.on_or_after(
                day.tomorrow()
                    .expect("a working day comes before the end of time"),
            );
        }
        day
    }

    /// The days off besides the weekly ones, in order.
    pub fn holidays(&self) -> impl Iterator<Item = Date> + '_ {
        self.holidays.iter().copied()
    }
}

/// When a period's report is due. Kept and exchanged in its written form (`day 20`, `+5wd`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeadlineRule {
    /// `days` after the period's last day (0: that day), counted in working days when `working`, at `at`.
    AfterPeriod { days: u32, working: bool, at: Time },
    /// On day `day` of the month after the period's last day (the month's last day if it is shorter).
    DayOfNextMonth { day: i8, at: Time },
}

/// The end of a working day, when no time is given.
pub const END_OF_DAY: Time = Time::constant(23, 59, 59, 0);

impl DeadlineRule {
    /// The moment (local civil time) by which `period` must be reported.
    pub fn deadline(&self, period: Period, calendar: &WorkingCalendar) -> DateTime {
        let last = period.end();
        let (day, at) = match *self {
            DeadlineRule::AfterPeriod {
                days,
                working: true,
                at,
            } => (
                calendar.add_working_days(next_day(last), days.saturating_sub(1)),
                at,
            ),
            DeadlineRule::AfterPeriod {
                days,
                working: false,
                at,
            } => (
                last.checked_add(i64::from(days).days())
                    .expect("deadlines lie in range"),
                at,
            ),
            DeadlineRule::DayOfNextMonth { day, at } => {
                let month = next_day(last.last_of_month());
                (
                    month
                        .with()
                        .day(day.min(month.days_in_month()))
                        .build()
                        .expect("a day of the month"),
                    at,
                )
            }
        };
        let day = match *self {
            // Same-day rules (every day by 17:00) fall on the day itself, worked or not.
            DeadlineRule::AfterPeriod { days: 0, .. } => day,
            _ => calendar.on_or_after(day),
        };
        day.to_datetime(at)
    }

    /// Reads the rule's written form (see [`fmt::Display`]): `+0d 17:00` (the period's last day by 17:00),
    /// `+15d` (15 days after it), `+5wd` (the fifth working day after it), `day 20` (the 20th of the next
    /// month); a time is optional and defaults to the end of the day.
    pub fn parse(text: &str) -> Result<DeadlineRule, String> {
        let mut words = text.split_whitespace();
        let expected = "expected `+Nd`, `+Nwd` or `day N`, then optionally a time such as 17:00";
        let rule = match words.next() {
            Some("day") => {
                let day = words
                    .next()
                    .and_then(|day| day.parse::<i8>().ok())
                    .filter(|day| (1..=31).contains(day))
                    .ok_or_else(|| format!("`{text}`: a day of the month is 1 to 31"))?;
                DeadlineRule::DayOfNextMonth {
                    day,
                    at: END_OF_DAY,
                }
            }
            Some(offset) if offset.starts_with('+') => {
                let (count, working) = match offset[1..].strip_suffix("wd") {
                    Some(count) => (count, true),
                    None => (
                        offset[1..]
                            .strip_suffix('d')
                            .ok_or_else(|| format!("`{text}`: {expected}"))?,
                        false,
                    ),
                };
                let days = count
                    .parse::<u32>()
                    .ok()
                    .filter(|days| *days <= 366)
                    .ok_or_else(|| format!("`{text}`: a count of days is 0 to 366"))?;
                if working && days == 0 {
                    return Err(format!(
                        "`{text}`: the first working day after the period is +1wd"
                    ));
                }
                DeadlineRule::AfterPeriod {
                    days,
                    working,
                    at: END_OF_DAY,
                }
            }
            _ => return Err(format!("`{text}`: {expected}")),
        };
        let at = match words.next() {
            None => END_OF_DAY,
            Some(time) => parse_time(time)
                .ok_or_else(|| format!("`{text}`: `{time}` is not a time such as 17:00"))?,
        };
        if let Some(extra) = words.next() {
            return Err(format!("`{text}`: unexpected `{extra}`"));
        }
        Ok(match rule {
            DeadlineRule::AfterPeriod { days, working, .. } => {
                DeadlineRule::AfterPeriod { days, working, at }
            }
            DeadlineRule::DayOfNextMonth { day, .. } => DeadlineRule::DayOfNextMonth { day, at },
        })
    }
}

impl fmt::Display for DeadlineRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match *self {
            DeadlineRule::AfterPeriod { days, working, at } => {
                write!(f, "+{days}{}", if working { "wd" } else { "d" })?;
                at
            }
            DeadlineRule::DayOfNextMonth { day, at } => {
                write!(f, "day {day}")?;
                at
            }
        };
        if at != END_OF_DAY {
            write!(f, " {:02}:{:02}", at.hour(), at.minute())?;
        }
        Ok(())
    }
}

impl TryFrom<String> for DeadlineRule {
    type Error = String;

    fn try_from(text: String) -> Result<DeadlineRule, String> {
        DeadlineRule::parse(&text)
    }
}

impl From<DeadlineRule> for String {
    fn from(rule: DeadlineRule) -> String {
        rule.to_string()
    }
}

fn next_day(day: Date) -> Date {
    day.tomorrow()
        .expect("periods lie far from the end of time")
}

/// `HH:MM`, 24-hour.
fn parse_time(text: &str) -> Option<Time> {
    let (hour, minute) = text.split_once(':')?;
    if minute.len() != 2 {
        return None;
    }
    Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, time};

    use super::*;

    /// The 2026 statutory holidays: New Year, Tết (16–20 February), Hùng Kings (26 April, a Sunday),
    /// 30 April, 1 May, National Day (1–2 September).
    fn vietnam_2026() -> WorkingCalendar {
        let days = [
            date(2026, 1, 1),
            date(2026, 2, 16),
            date(2026, 2, 17),
            date(2026, 2, 18),
            date(2026, 2, 19),
            date(2026, 2, 20),
            date(2026, 4, 26),
            date(2026, 4, 30),
            date(2026, 5, 1),
            date(2026, 9, 1),
            date(2026, 9, 2),
        ];
        WorkingCalendar::new(vec![Weekday::Saturday, Weekday::Sunday], days)
    }

    fn period(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    fn rule(text: &str) -> DeadlineRule {
        DeadlineRule::parse(text).unwrap()
    }

    #[test]
    fn weekdays_are_read_by_name() {
        assert_eq!(parse_weekday(" Saturday"), Ok(Weekday::Saturday));
        assert_eq!(parse_weekday("SUNDAY"), Ok(Weekday::Sunday));
        assert!(
            parse_weekday("thứ bảy")
                .unwrap_err()
                .contains("not a weekday")
        );
    }

    #[test]
    fn a_holiday_on_a_day_off_moves_to_the_next_working_day() {
        let calendar = vietnam_2026();
        // Hùng Kings' day is a Sunday: Monday 27 April is off; 30 April and 1 May stay where they are.
        assert!(!calendar.is_working_day(date(2026, 4, 27)));
        assert!(calendar.is_working_day(date(2026, 4, 28)));
        assert!(!calendar.is_working_day(date(2026, 5, 1)));
        assert!(!calendar.is_working_day(date(2026, 5, 2)), "a Saturday");
        assert!(calendar.is_working_day(date(2026, 5, 4)));
        // Two holidays on one weekend day would each get their own day.
        let doubled = WorkingCalendar::new(
            vec![Weekday::Sunday],
            [date(2026, 4, 26), date(2026, 4, 27)],
        );
        assert_eq!(
            doubled.holidays().collect::<Vec<_>>(),
            [date(2026, 4, 27), date(2026, 4, 28)]
        );
    }

    #[test]
    fn working_days_skip_weekends_and_tet() {
        let calendar = vietnam_2026();
        // Friday 13 February; Tết runs Monday 16 to Friday 20.
        assert_eq!(
            calendar.add_working_days(date(2026, 2, 13), 0),
            date(2026, 2, 13)
        );
        assert_eq!(
            calendar.add_working_days(date(2026, 2, 13), 1),
            date(2026, 2, 23)
        );
        assert_eq!(
            calendar.add_working_days(date(2026, 2, 14), 0),
            date(2026, 2, 23)
        );
        assert_eq!(
            calendar.add_working_days(date(2026, 2, 13), 5),
            date(2026, 2, 27)
        );
    }

    #[test]
    fn deadlines_at_period_edges() {
        let calendar = vietnam_2026();
        // Every day by 17:00, weekends included.
        assert_eq!(
            rule("+0d 17:00").deadline(period("20260425"), &calendar),
            date(2026, 4, 25).at(17, 0, 0, 0)
        );
        // By the 20th of the next month; December's report is due in January of the next year.
        assert_eq!(
            rule("day 20").deadline(period("202512"), &calendar),
            date(2026, 1, 20).to_datetime(END_OF_DAY)
        );
        // 20 September 2026 is a Sunday: due Monday.
        assert_eq!(
            rule("day 20").deadline(period("202608"), &calendar).date(),
            date(2026, 9, 21)
        );
        // Day 31 in a 28-day February: the 28th, a Saturday, so Monday 2 March.
        assert_eq!(
            rule("day 31").deadline(period("202601"), &calendar).date(),
            date(2026, 3, 2)
        );
        // April has 30 days; 30 April and 1 May are holidays, then a weekend.
        assert_eq!(
            rule("day 31").deadline(period("202603"), &calendar).date(),
            date(2026, 5, 4)
        );
        // 15 days after the quarter: 15 April 2026, a Wednesday.
        assert_eq!(
            rule("+15d").deadline(period("2026Q1"), &calendar).date(),
            date(2026, 4, 15)
        );
        // The fifth working day after the first quarter: 1, 2, 3, 6, 7 April.
        assert_eq!(
            rule("+5wd 09:30").deadline(period("2026Q1"), &calendar),
            date(2026, 4, 7).at(9, 30, 0, 0)
        );
        // After January: the tenth working day is Friday 13 February, the eleventh comes after Tết.
        assert_eq!(
            rule("+10wd").deadline(period("202601"), &calendar).date(),
            date(2026, 2, 13)
        );
        assert_eq!(
            rule("+11wd").deadline(period("202601"), &calendar).date(),
            date(2026, 2, 23)
        );
        // A year's report 15 days on lands on 15 January 2027, a Friday.
        assert_eq!(
            rule("+15d").deadline(period("2026"), &calendar).date(),
            date(2027, 1, 15)
        );
        // A week: ISO week 53 of 2026 ends Sunday 3 January 2027.
        assert_eq!(
            rule("+1wd").deadline(period("2026W53"), &calendar).date(),
            date(2027, 1, 4)
        );
    }

    #[test]
    fn rules_read_what_they_write_and_name_their_mistakes() {
        for text in [
            "+0d 17:00",
            "+15d",
            "+5wd",
            "+5wd 09:30",
            "day 20",
            "day 5 08:00",
        ] {
            assert_eq!(rule(text).to_string(), text);
        }
        assert_eq!(rule("day 20 23:59").to_string(), "day 20 23:59");
        for (text, why) in [
            ("", "expected"),
            ("+5", "expected"),
            ("+0wd", "+1wd"),
            ("+400d", "0 to 366"),
            ("day 0", "1 to 31"),
            ("day 20 5pm", "not a time"),
            ("day 20 17:0", "not a time"),
            ("day 20 25:00", "not a time"),
            ("+1d 17:00 sharp", "unexpected `sharp`"),
        ] {
            let error = DeadlineRule::parse(text).unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
        assert_eq!(time(23, 59, 59, 0), END_OF_DAY);
    }
}
