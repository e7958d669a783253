//! Reporting periods and their DHIS2 identifiers.
//!
//! | type      | identifier | ISO 8601 interval (ADX) |
//! |-----------|------------|-------------------------|
//! | day       | `20260917` | `2026-09-17/P1D`        |
//! | ISO week  | `2026W38`  | `2026-09-14/P7D`        |
//! | month     | `202609`   | `2026-09-01/P1M`        |
//! | quarter   | `2026Q3`   | `2026-07-01/P3M`        |
//! | half-year | `2026S2`   | `2026-07-01/P6M`        |
//! | year      | `2026`     | `2026-01-01/P1Y`        |
//!
//! Weeks cut across months and years, so a week is attributed to the month,
//! quarter, half-year and year holding its Thursday (the ISO 8601 rule that
//! also decides its week-year). That gives every period exactly one parent of
//! each coarser type, which aggregation up the period hierarchy relies on.
//!
//! Identifiers and intervals read from outside must fall in
//! [`SUPPORTED_YEARS`]: anything else in real data is a typo. Calendar
//! arithmetic is not held to that window, so that e.g. the ISO week holding
//! 2200-12-31 (`2201W1`) still exists; it only saturates at years 1 and 9998,
//! where every period (and its ISO week spill-over) is still a jiff [`Date`].

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Years accepted in identifiers and intervals; for weeks, the ISO week-year.
pub const SUPPORTED_YEARS: RangeInclusive<i16> = 1900..=2200;

// 0001-01-01 is a Monday, so day numbers counted from it divide evenly into
// ISO weeks.
const FIRST_DAY: Date = date(1, 1, 1);
const LAST_DAY: Date = date(9998, 12, 31);

/// Spacing of the type rank in [`Period::key`], above any `yyyymmdd`.
const KEY_RANK: i32 = 100_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodType {
    Day,
    Week,
    Month,
    Quarter,
    HalfYear,
    Year,
}

impl PeriodType {
    /// All types, finest first.
    pub const ALL: [PeriodType; 6] = [
        PeriodType::Day,
        PeriodType::Week,
        PeriodType::Month,
        PeriodType::Quarter,
        PeriodType::HalfYear,
        PeriodType::Year,
    ];

    /// The catalogue spelling, also used by serde.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodType::Day => "day",
            PeriodType::Week => "week",
            PeriodType::Month => "month",
            PeriodType::Quarter => "quarter",
            PeriodType::HalfYear => "halfyear",
            PeriodType::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Result<PeriodType, PeriodError> {
        PeriodType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| PeriodError::PeriodType(s.to_owned()))
    }

    /// Whether `self` is strictly finer, so that every period of `self` lies
    /// inside exactly one period of `other` (weeks by their Thursday).
    pub fn is_finer_than(self, other: PeriodType) -> bool {
        self < other
    }

    /// Length in months of the types aligned to calendar months.
    fn month_span(self) -> Option<i64> {
        match self {
            PeriodType::Day | PeriodType::Week => None,
            PeriodType::Month => Some(1),
            PeriodType::Quarter => Some(3),
            PeriodType::HalfYear => Some(6),
            PeriodType::Year => Some(12),
        }
    }

    /// The type's digit in [`Period::key`].
    fn rank(self) -> i32 {
        match self {
            PeriodType::Day => 1,
            PeriodType::Week => 2,
            PeriodType::Month => 3,
            PeriodType::Quarter => 4,
            PeriodType::HalfYear => 5,
            PeriodType::Year => 6,
        }
    }

    fn iso_duration(self) -> &'static str {
        match self {
            PeriodType::Day => "P1D",
            PeriodType::Week => "P7D",
            PeriodType::Month => "P1M",
            PeriodType::Quarter => "P3M",
            PeriodType::HalfYear => "P6M",
            PeriodType::Year => "P1Y",
        }
    }

    /// Sequence number, among all periods of this type, of the one holding
    /// `day`; consecutive periods have consecutive numbers.
    fn ordinal_of(self, day: Date) -> i64 {
        match self.month_span() {
            Some(span) => month_number(day.year(), day.month()).div_euclid(span),
            None if self == PeriodType::Day => day_number(day),
            None => day_number(day).div_euclid(7),
        }
    }

    fn ordinals(self) -> RangeInclusive<i64> {
        match self.month_span() {
            // The same as below without the calendar: every ordinal asks for this range.
            Some(span) => month_number(1, 1) / span..=month_number(9998, 12) / span,
            None => self.ordinal_of(FIRST_DAY)..=self.ordinal_of(LAST_DAY),
        }
    }
}

impl fmt::Display for PeriodType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PeriodType {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PeriodType::parse(s)
    }
}

/// A reporting period. Values built by this module are always valid; the
/// fields are public for matching, and methods read hand-built out-of-range
/// fields as carrying over (e.g. month 13 is January of the next year).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Day(Date),
    /// An ISO 8601 week; `year` is the ISO week-year.
    Week {
        year: i16,
        week: i8,
    },
    Month {
        year: i16,
        month: i8,
    },
    Quarter {
        year: i16,
        quarter: i8,
    },
    HalfYear {
        year: i16,
        half: i8,
    },
    Year(i16),
}

impl Period {
    pub fn period_type(&self) -> PeriodType {
        match self {
            Period::Day(_) => PeriodType::Day,
            Period::Week { .. } => PeriodType::Week,
            Period::Month { .. } => PeriodType::Month,
            Period::Quarter { .. } => PeriodType::Quarter,
            Period::HalfYear { .. } => PeriodType::HalfYear,
            Period::Year(_) => PeriodType::Year,
        }
    }

    /// Parses a DHIS2 identifier. Weeks may be written `2026W5` or `2026W05`.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let syntax = || PeriodError::Syntax(s.to_owned());
        let out_of_range = |field, max| PeriodError::Field {
            input: s.to_owned(),
            field,
            max,
        };
        let year: i16 = s
            .get(..4)
            .and_then(|y| digits(y, 4..=4))
            .ok_or_else(syntax)?;
        let rest = &s[4..];
        let number = |part: Option<&str>, len| part.and_then(|p| digits(p, len)).ok_or_else(syntax);
        let period = match rest.as_bytes().first() {
            None => Period::Year(year),
            Some(b'W') => Period::Week {
                year,
                week: number(rest.get(1..), 1..=2)?,
            },
            Some(b'Q') => Period::Quarter {
                year,
                quarter: number(rest.get(1..), 1..=1)?,
            },
            Some(b'S') => Period::HalfYear {
                year,
                half: number(rest.get(1..), 1..=1)?,
            },
            _ if rest.len() == 2 => Period::Month {
                year,
                month: number(Some(rest), 2..=2)?,
            },
            _ if rest.len() == 4 => {
                let month = number(rest.get(..2), 2..=2)?;
                let day = number(rest.get(2..), 2..=2)?;
                if !(1..=12).contains(&month) {
                    return Err(out_of_range("month", 12));
                }
                // Any four-digit year is a jiff year, supported or not.
                let days = date(year, month, 1).days_in_month();
                if !(1..=days).contains(&day) {
                    return Err(out_of_range("day", days));
                }
                Period::Day(date(year, month, day))
            }
            _ => return Err(syntax()),
        };
        if !SUPPORTED_YEARS.contains(&year) {
            return Err(PeriodError::Year {
                input: s.to_owned(),
            });
        }
        let (field, value, max) = match period {
            Period::Day(_) | Period::Year(_) => return Ok(period),
            Period::Week { week, .. } => ("week", week, weeks_in_year(year)),
            Period::Month { month, .. } => ("month", month, 12),
            Period::Quarter { quarter, .. } => ("quarter", quarter, 4),
            Period::HalfYear { half, .. } => ("half-year", half, 2),
        };
        if (1..=max).contains(&value) {
            Ok(period)
        } else {
            Err(out_of_range(field, max))
        }
    }

    /// The period of type `kind` holding `day`. Days outside the years
    /// 1..=9998 are taken as the nearest end of that span.
    pub fn containing(kind: PeriodType, day: Date) -> Period {
        Period::from_ordinal(kind, kind.ordinal_of(day))
    }

    /// First day, inclusive.
    pub fn start(&self) -> Date {
        self.bounds().0
    }

    /// Last day, inclusive.
    pub fn end(&self) -> Date {
        self.bounds().1
    }

    pub fn days(&self) -> i32 {
        let (start, end) = self.bounds();
        // At most a year of days.
        (day_number(end) - day_number(start) + 1) as i32
    }

    pub fn contains(&self, day: Date) -> bool {
        let (start, end) = self.bounds();
        (start..=end).contains(&day)
    }

    /// The period of type `kind` holding this one, weeks going by their
    /// Thursday; `self` for the same type, `None` for a finer type.
    pub fn parent(&self, kind: PeriodType) -> Option<Period> {
        (kind >= self.period_type()).then(|| Period::containing(kind, self.anchor()))
    }

    /// The periods of the finer type `kind` whose parent of this type is
    /// `self`, in order: `[self]` for the same type, none for a coarser one.
    pub fn children(&self, kind: PeriodType) -> Vec<Period> {
        self.child_ordinals(kind)
            .map(|n| Period::from_ordinal(kind, n))
            .collect()
    }

    /// The ordinals of [`Period::children`] of type `kind`, without building them; empty for a coarser type.
    pub fn child_ordinals(&self, kind: PeriodType) -> RangeInclusive<i64> {
        if kind > self.period_type() {
            #[allow(clippy::reversed_empty_ranges)]
            return 1..=0;
        }
        if let (Some(span), Some(child_span)) = (self.period_type().month_span(), kind.month_span())
        {
            // Types made of whole months nest by arithmetic: no calendar needed.
            let first = self.ordinal() * span / child_span;
            return first..=first + span / child_span - 1;
        }
        let (start, end) = self.bounds();
        let mut first = Period::containing(kind, start);
        if first.anchor() < start {
            first = first.next();
        }
        let mut last = Period::containing(kind, end);
        if last.anchor() > end {
            last = last.previous();
        }
        first.ordinal()..=last.ordinal()
    }

    pub fn next(&self) -> Period {
        self.offset(1)
    }

    pub fn previous(&self) -> Period {
        self.offset(-1)
    }

    /// `n` periods later (earlier when negative), saturating at years 1 and 9998.
    pub fn offset(&self, n: i32) -> Period {
        Period::from_ordinal(self.period_type(), self.ordinal() + i64::from(n))
    }

    /// The matching period a year earlier, for year-on-year comparison.
    /// 29 February maps to 28 February, and week 53 to week 52 when the
    /// previous ISO week-year has no week 53.
    pub fn same_period_last_year(&self) -> Period {
        match self.normalized() {
            Period::Day(day) => {
                let year = day.year() - 1;
                let days = date(year, day.month(), 1).days_in_month();
                Period::containing(
                    PeriodType::Day,
                    date(year, day.month(), day.day().min(days)),
                )
            }
            Period::Week { year, week } => Period::Week {
                year: year - 1,
                week: week.min(weeks_in_year(year - 1)),
            }
            .normalized(),
            other => {
                let per_year = other.period_type().month_span().map_or(1, |span| 12 / span);
                Period::from_ordinal(other.period_type(), other.ordinal() - per_year)
            }
        }
    }

    /// From 1 January of [`Period::year`] to the end of this period.
    pub fn year_to_date(&self) -> (Date, Date) {
        (date(self.year(), 1, 1), self.end())
    }

    /// The calendar year this period belongs to; for weeks, the year of
    /// their Thursday, which is their ISO week-year.
    pub fn year(&self) -> i16 {
        self.anchor().year()
    }

    /// The ADX form, e.g. `2026-07-01/P3M`.
    pub fn to_iso_interval(&self) -> String {
        format!("{}/{}", self.start(), self.period_type().iso_duration())
    }

    /// Reads the forms [`Period::to_iso_interval`] writes, and `P1W` for
    /// weeks. The interval must be exactly one period.
    pub fn from_iso_interval(s: &str) -> Result<Period, PeriodError> {
        let error = |reason| PeriodError::Interval {
            input: s.to_owned(),
            reason,
        };
        let syntax =
            || error("expected yyyy-mm-dd/ followed by P1D, P7D, P1W, P1M, P3M, P6M or P1Y");
        let (start, duration) = s.split_once('/').ok_or_else(syntax)?;
        let kind = match duration {
            "P1W" => PeriodType::Week,
            _ => PeriodType::ALL
                .into_iter()
                .find(|kind| kind.iso_duration() == duration)
                .ok_or_else(syntax)?,
        };
        let start = iso_date(start).ok_or_else(|| error("the start is not a yyyy-mm-dd date"))?;
        let period = Period::containing(kind, start);
        if !SUPPORTED_YEARS.contains(&period.year()) {
            return Err(PeriodError::Year {
                input: s.to_owned(),
            });
        }
        if period.start() != start {
            return Err(PeriodError::Misaligned {
                input: s.to_owned(),
                kind,
                start,
                expected: period.start(),
            });
        }
        Ok(period)
    }

    /// A compact integer for storage: `rank * 10^8 + yyyymmdd` of the first
    /// day, where rank is 1 (day) to 6 (year) in [`PeriodType::ALL`] order.
    /// E.g. `2026W38` is `2_2026_09_14`. Keys of one type sort
    /// chronologically, and all keys are positive.
    pub fn key(&self) -> i32 {
        let start = self.start();
        self.period_type().rank() * KEY_RANK
            + i32::from(start.year()) * 10_000
            + i32::from(start.month()) * 100
            + i32::from(start.day())
    }

    /// The period whose [`Period::key`] is `k`, if any.
    pub fn from_key(k: i32) -> Option<Period> {
        let kind = PeriodType::ALL
            .into_iter()
            .find(|kind| kind.rank() == k / KEY_RANK)?;
        let ymd = k % KEY_RANK;
        let start = Date::new(
            i16::try_from(ymd / 10_000).ok()?,
            i8::try_from(ymd / 100 % 100).ok()?,
            i8::try_from(ymd % 100).ok()?,
        )
        .ok()?;
        let period = Period::containing(kind, start);
        (period.start() == start).then_some(period)
    }

    /// `from..=to`, both of the same type; empty if they differ in type or
    /// `from` comes after `to`.
    pub fn range(from: Period, to: Period) -> Vec<Period> {
        let kind = from.period_type();
        if to.period_type() != kind {
            return Vec::new();
        }
        (from.ordinal()..=to.ordinal())
            .map(|n| Period::from_ordinal(kind, n))
            .collect()
    }

    /// Sequence number among all periods of its type: consecutive periods
    /// have consecutive numbers, which lets the engine index series densely.
    pub fn ordinal(&self) -> i64 {
        let range = self.period_type().ordinals();
        self.raw_ordinal().clamp(*range.start(), *range.end())
    }

    /// Its [`PeriodType::ordinal_of`] number, read straight from the fields.
    fn raw_ordinal(&self) -> i64 {
        let indexed =
            |year: i16, index: i8, per_year: i64| i64::from(year) * per_year + i64::from(index) - 1;
        match *self {
            Period::Day(day) => day_number(day),
            Period::Week { year, week } => {
                // Week 1 is the one holding 4 January.
                (days_before_year(i64::from(year)) + 3).div_euclid(7) + i64::from(week) - 1
            }
            Period::Month { year, month } => indexed(year, month, 12),
            Period::Quarter { year, quarter } => indexed(year, quarter, 4),
            Period::HalfYear { year, half } => indexed(year, half, 2),
            Period::Year(year) => i64::from(year),
        }
    }

    /// The period of type `kind` whose [`Period::ordinal`] is `n`, clamped to years 1..=9999.
    pub fn from_ordinal(kind: PeriodType, n: i64) -> Period {
        let range = kind.ordinals();
        let n = n.clamp(*range.start(), *range.end());
        // After clamping, years lie in 1..=9999 and indices within a year
        // below 54, so the narrowing casts are lossless.
        let in_year = |per_year: i64| {
            (
                n.div_euclid(per_year) as i16,
                (n.rem_euclid(per_year) + 1) as i8,
            )
        };
        match kind {
            PeriodType::Day => Period::Day(from_day_number(n)),
            PeriodType::Week => {
                let thursday = from_day_number(7 * n + 3);
                Period::Week {
                    year: thursday.year(),
                    week: ((thursday.day_of_year() - 1) / 7 + 1) as i8,
                }
            }
            PeriodType::Month => {
                let (year, month) = in_year(12);
                Period::Month { year, month }
            }
            PeriodType::Quarter => {
                let (year, quarter) = in_year(4);
                Period::Quarter { year, quarter }
            }
            PeriodType::HalfYear => {
                let (year, half) = in_year(2);
                Period::HalfYear { year, half }
            }
            PeriodType::Year => Period::Year(in_year(1).0),
        }
    }

    fn normalized(&self) -> Period {
        Period::from_ordinal(self.period_type(), self.ordinal())
    }

    fn bounds(&self) -> (Date, Date) {
        let kind = self.period_type();
        let n = self.ordinal();
        match kind.month_span() {
            Some(span) => (
                first_of_month(n * span),
                first_of_month(n * span + span - 1).last_of_month(),
            ),
            None if kind == PeriodType::Day => (from_day_number(n), from_day_number(n)),
            None => (from_day_number(7 * n), from_day_number(7 * n + 6)),
        }
    }

    /// The day that decides which coarser periods this one belongs to.
    fn anchor(&self) -> Date {
        let start = self.start();
        match self {
            Period::Week { .. } => start.saturating_add(3.days()),
            _ => start,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.normalized() {
            Period::Day(day) => write!(f, "{:04}{:02}{:02}", day.year(), day.month(), day.day()),
            Period::Week { year, week } => write!(f, "{year:04}W{week}"),
            Period::Month { year, month } => write!(f, "{year:04}{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}Q{quarter}"),
            Period::HalfYear { year, half } => write!(f, "{year:04}S{half}"),
            Period::Year(year) => write!(f, "{year:04}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Number of ISO weeks (52 or 53) in an ISO week-year.
pub fn weeks_in_year(iso_year: i16) -> i8 {
    // A year has 53 ISO weeks when it ends on a Thursday (a common year
    // starting on one, or a leap year starting on Wednesday) or starts on one
    // (the year before ends on a Wednesday). `dec31` is the weekday of
    // 31 December, 0 being Sunday.
    let dec31 =
        |y: i64| (y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)).rem_euclid(7);
    let y = i64::from(iso_year);
    if dec31(y) == 4 || dec31(y - 1) == 3 {
        53
    } else {
        52
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("`{0}` is not a period: expected yyyymmdd, yyyyWn, yyyymm, yyyyQn, yyyySn or yyyy")]
    Syntax(String),
    #[error(
        "`{input}` is not a period: year must be {}-{}",
        SUPPORTED_YEARS.start(),
        SUPPORTED_YEARS.end()
    )]
    Year { input: String },
    #[error("`{input}` is not a period: {field} must be 1-{max}")]
    Field {
        input: String,
        field: &'static str,
        max: i8,
    },
    #[error("`{input}` is not a period interval: {reason}")]
    Interval { input: String, reason: &'static str },
    #[error("`{input}` is not a whole {kind}: the {kind} holding {start} starts on {expected}")]
    Misaligned {
        input: String,
        kind: PeriodType,
        start: Date,
        expected: Date,
    },
    #[error("`{0}` is not a period type: expected day, week, month, quarter, halfyear or year")]
    PeriodType(String),
}

/// Days in the years 1..`year` of the proleptic Gregorian calendar.
fn days_before_year(year: i64) -> i64 {
    let y = year - 1;
    365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
}

/// Days since 0001-01-01.
fn day_number(day: Date) -> i64 {
    days_before_year(i64::from(day.year())) + i64::from(day.day_of_year()) - 1
}

fn from_day_number(n: i64) -> Date {
    FIRST_DAY.saturating_add(n.days())
}

/// Months since January of year 0.
fn month_number(year: i16, month: i8) -> i64 {
    i64::from(year) * 12 + i64::from(month) - 1
}

fn first_of_month(month_number: i64) -> Date {
    // Only called with clamped ordinals, so the year fits.
    date(
        month_number.div_euclid(12) as i16,
        (month_number.rem_euclid(12) + 1) as i8,
        1,
    )
}

/// A decimal number of `len` ASCII digits, no sign.
fn digits<T: TryFrom<u32>>(s: &str, len: RangeInclusive<usize>) -> Option<T> {
    if !len.contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    T::try_from(s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))).ok()
}

/// Strict `yyyy-mm-dd`; jiff's own parser also takes other forms.
fn iso_date(s: &str) -> Option<Date> {
    let (y, rest) = s.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    Date::new(digits(y, 4..=4)?, digits(m, 2..=2)?, digits(d, 2..=2)?).ok()
}

#[cfg(test)]
mod tests {
    use jiff::civil::Weekday;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, StrDeserializer};

    use super::*;

    fn p(id: &str) -> Period {
        Period::parse(id).unwrap_or_else(|e| panic!("{e}"))
    }

    fn error(id: &str) -> String {
        Period::parse(id).unwrap_err().to_string()
    }

    #[test]
    fn parses_and_writes_every_type() {
        let cases = [
            ("20260917", Period::Day(date(2026, 9, 17))),
            (
                "2026W38",
                Period::Week {
                    year: 2026,
                    week: 38,
                },
            ),
            (
                "202609",
                Period::Month {
                    year: 2026,
                    month: 9,
                },
            ),
            (
                "2026Q3",
                Period::Quarter {
                    year: 2026,
                    quarter: 3,
                },
            ),
            (
                "2026S2",
                Period::HalfYear {
                    year: 2026,
                    half: 2,
                },
            ),
            ("2026", Period::Year(2026)),
        ];
        for (id, period) in cases {
            assert_eq!(p(id), period);
            assert_eq!(id.parse::<Period>(), Ok(period));
            assert_eq!(period.to_string(), id);
        }
    }

    #[test]
    fn weeks_are_written_unpadded_and_read_either_way() {
        assert_eq!(
            p("2026W05"),
            Period::Week {
                year: 2026,
                week: 5
            }
        );
        assert_eq!(p("2026W5"), p("2026W05"));
        assert_eq!(p("2026W05").to_string(), "2026W5");
        assert_eq!(p("2026W10").to_string(), "2026W10");
    }

    #[test]
    fn rejects_malformed_identifiers() {
        for id in [
            "",
            "202",
            "20265",
            "2026-09",
            "2026W",
            "2026W005",
            "2026w5",
            "2026W+5",
            "2026W 5",
            "2026Q",
            "2026Q03",
            "2026S",
            "2026S01",
            "2026H1",
            "2026093",
            "202609170",
            " 2026",
            "2026 ",
            "+2026",
            "-2026",
            "２０２６",
            "2026é",
            "2026éé",
            "2026aé",
            "2026BiW1",
            "2026April",
        ] {
            assert_eq!(
                Period::parse(id),
                Err(PeriodError::Syntax(id.to_owned())),
                "{id}"
            );
        }
        assert_eq!(
            error("2026X"),
            "`2026X` is not a period: expected yyyymmdd, yyyyWn, yyyymm, yyyyQn, yyyySn or yyyy"
        );
    }

    #[test]
    fn errors_name_the_broken_rule() {
        let cases = [
            ("2026Q5", "quarter must be 1-4"),
            ("2026Q0", "quarter must be 1-4"),
            ("2026S3", "half-year must be 1-2"),
            ("202613", "month must be 1-12"),
            ("202600", "month must be 1-12"),
            ("20261301", "month must be 1-12"),
            ("20260230", "day must be 1-28"),
            ("20240230", "day must be 1-29"),
            ("20260931", "day must be 1-30"),
            ("20260900", "day must be 1-30"),
            ("2026W0", "week must be 1-53"),
            ("2026W54", "week must be 1-53"),
            ("2025W53", "week must be 1-52"),
            ("1899", "year must be 1900-2200"),
            ("0000W1", "year must be 1900-2200"),
            ("2201Q1", "year must be 1900-2200"),
        ];
        for (id, rule) in cases {
            assert_eq!(error(id), format!("`{id}` is not a period: {rule}"));
        }
    }

    #[test]
    fn supported_years_are_inclusive() {
        for id in [
            "1900", "2200", "19000101", "22001231", "1900W1", "2200W52", "190001",
        ] {
            assert_eq!(p(id).to_string(), id);
        }
        for id in [
            "1899", "2201", "18991231", "22010101", "1899W52", "2201W1", "220101",
        ] {
            assert!(
                matches!(Period::parse(id), Err(PeriodError::Year { .. })),
                "{id}"
            );
        }
    }

    #[test]
    fn weeks_in_year_agrees_with_the_calendar() {
        assert_eq!(weeks_in_year(2026), 53);
        assert_eq!(weeks_in_year(2025), 52);
        assert_eq!(weeks_in_year(2020), 53);
        // 28 December always falls in the last ISO week of its year.
        for year in 1..=9998 {
            let last = date(year, 12, 28).iso_week_date();
            assert_eq!(weeks_in_year(year), last.week(), "{year}");
        }
    }

    #[test]
    fn weeks_belong_to_the_year_of_their_thursday() {
        let w53 = p("2026W53");
        assert_eq!(Period::containing(PeriodType::Week, date(2027, 1, 1)), w53);
        assert_eq!(
            (w53.start(), w53.end()),
            (date(2026, 12, 28), date(2027, 1, 3))
        );
        assert_eq!(w53.parent(PeriodType::Year), Some(p("2026")));
        assert_eq!(w53.parent(PeriodType::HalfYear), Some(p("2026S2")));
        assert_eq!(w53.parent(PeriodType::Quarter), Some(p("2026Q4")));
        assert_eq!(w53.parent(PeriodType::Month), Some(p("202612")));
        assert_eq!(w53.year(), 2026);
        assert_eq!(w53.year_to_date(), (date(2026, 1, 1), date(2027, 1, 3)));
        assert_eq!(w53.next(), p("2027W1"));

        let w1 = p("2025W1");
        assert_eq!(Period::containing(PeriodType::Week, date(2024, 12, 30)), w1);
        assert_eq!(w1.start(), date(2024, 12, 30));
        assert_eq!(w1.parent(PeriodType::Year), Some(p("2025")));
        assert_eq!(w1.parent(PeriodType::Month), Some(p("202501")));
        assert_eq!(w1.year_to_date(), (date(2025, 1, 1), date(2025, 1, 5)));
        assert_eq!(w1.previous(), p("2024W52"));

        // Monday 30 March, Thursday 2 April: a second-quarter week.
        let w14 = p("2026W14");
        assert_eq!(w14.start(), date(2026, 3, 30));
        assert_eq!(w14.parent(PeriodType::Month), Some(p("202604")));
        assert_eq!(w14.parent(PeriodType::Quarter), Some(p("2026Q2")));
        assert!(
            p("202603")
                .children(PeriodType::Week)
                .iter()
                .all(|w| *w != w14)
        );
        assert!(p("202604").children(PeriodType::Week).contains(&w14));
    }

    #[test]
    fn leap_days() {
        assert_eq!(p("20240229"), Period::Day(date(2024, 2, 29)));
        assert_eq!(p("20000229").to_string(), "20000229");
        assert_eq!(
            error("21000229"),
            "`21000229` is not a period: day must be 1-28"
        );
        assert_eq!(p("202402").days(), 29);
        assert_eq!(p("202502").days(), 28);
        assert_eq!(p("2024Q1").days(), 91);
        assert_eq!(p("2024S1").days(), 182);
        assert_eq!(p("2024").days(), 366);
        assert_eq!(p("2100").days(), 365);
        assert_eq!(p("20240228").next(), p("20240229"));
        assert_eq!(p("20240229").same_period_last_year(), p("20230228"));
        assert_eq!(p("20240301").same_period_last_year(), p("20230301"));
        assert_eq!(p("20250301").same_period_last_year(), p("20240301"));
    }

    #[test]
    fn same_period_last_year_of_each_type() {
        let cases = [
            ("2026W38", "2025W38"),
            ("2026W53", "2025W52"),
            ("2021W52", "2020W52"),
            ("2026W1", "2025W1"),
            ("202601", "202501"),
            ("2026Q1", "2025Q1"),
            ("2026S2", "2025S2"),
            ("2026", "2025"),
        ];
        for (this, last) in cases {
            assert_eq!(p(this).same_period_last_year(), p(last), "{this}");
        }
    }

    #[test]
    fn iso_intervals() {
        let cases = [
            ("20260917", "2026-09-17/P1D"),
            ("2026W38", "2026-09-14/P7D"),
            ("202609", "2026-09-01/P1M"),
            ("2026Q3", "2026-07-01/P3M"),
            ("2026S2", "2026-07-01/P6M"),
            ("2026", "2026-01-01/P1Y"),
            ("2026W1", "2025-12-29/P7D"),
        ];
        for (id, interval) in cases {
            assert_eq!(p(id).to_iso_interval(), interval);
            assert_eq!(Period::from_iso_interval(interval), Ok(p(id)));
        }
        assert_eq!(
            Period::from_iso_interval("2026-09-14/P1W"),
            Ok(p("2026W38"))
        );
    }

    #[test]
    fn iso_intervals_must_be_one_whole_period() {
        assert_eq!(
            Period::from_iso_interval("2026-07-02/P3M")
                .unwrap_err()
                .to_string(),
            "`2026-07-02/P3M` is not a whole quarter: the quarter holding 2026-07-02 starts on 2026-07-01"
        );
        for interval in [
            "2026-09-15/P7D",
            "2026-09-15/P1W",
            "2026-09-02/P1M",
            "2026-04-01/P6M",
            "2026-02-01/P1Y",
        ] {
            assert!(
                matches!(
                    Period::from_iso_interval(interval),
                    Err(PeriodError::Misaligned { .. })
                ),
                "{interval}"
            );
        }
        for interval in [
            "",
            "2026-09-17",
            "2026-09-17/",
            "2026-09-17/P2D",
            "2026-09-17/p1d",
            "2026-01-01/P12M",
            "2026-9-17/P1D",
            "2026-09-17T00:00/P1D",
            "2026-09-17/P1D/P1D",
            "+2026-09-17/P1D",
            "2026-02-30/P1D",
            "20260917/P1D",
        ] {
            assert!(
                matches!(
                    Period::from_iso_interval(interval),
                    Err(PeriodError::Interval { .. })
                ),
                "{interval}"
            );
        }
        for interval in ["1899-01-01/P1Y", "2200-12-29/P7D", "0000-01-01/P1D"] {
            assert!(
                matches!(
                    Period::from_iso_interval(interval),
                    Err(PeriodError::Year { .. })
                ),
                "{interval}"
            );
        }
    }

    // Grouped as rank_yyyy_mm_dd to show the encoding.
    #[allow(clippy::inconsistent_digit_grouping)]
    #[test]
    fn keys_encode_type_and_first_day() {
        let cases = [
            ("20260917", 1_2026_09_17),
            ("2026W38", 2_2026_09_14),
            ("2026W1", 2_2025_12_29),
            ("202609", 3_2026_09_01),
            ("2026Q3", 4_2026_07_01),
            ("2026S2", 5_2026_07_01),
            ("2026", 6_2026_01_01),
        ];
        for (id, key) in cases {
            assert_eq!(p(id).key(), key);
            assert_eq!(Period::from_key(key), Some(p(id)));
        }
        for key in [
            0,
            -1,
            -1_2026_09_17,
            2026_09_17,
            7_2026_01_01,
            1_2026_02_30,
            2_2026_09_15,
            3_2026_09_02,
            6_2026_07_01,
            1_0000_01_01,
            1_9999_12_31,
            i32::MAX,
            i32::MIN,
        ] {
            assert_eq!(Period::from_key(key), None, "{key}");
        }
    }

    #[test]
    fn ranges_and_steps() {
        assert_eq!(
            Period::range(p("202611"), p("202702")),
            [p("202611"), p("202612"), p("202701"), p("202702")]
        );
        assert_eq!(Period::range(p("2026W52"), p("2026W52")), [p("2026W52")]);
        assert!(Period::range(p("202702"), p("202611")).is_empty());
        assert!(Period::range(p("202611"), p("2027")).is_empty());
        assert_eq!(p("2026W52").offset(2), p("2027W1"));
        assert_eq!(p("2025W52").next(), p("2026W1"));
        assert_eq!(p("202601").offset(-13), p("202412"));
        assert_eq!(p("2026Q1").previous(), p("2025Q4"));
        assert_eq!(p("2026S1").offset(3), p("2027S2"));
        assert_eq!(p("20261231").next(), p("20270101"));
    }

    #[test]
    fn children_and_parents() {
        let weeks = p("2026").children(PeriodType::Week);
        assert_eq!(weeks.len(), 53);
        assert_eq!((weeks[0], weeks[52]), (p("2026W1"), p("2026W53")));
        let weeks = p("2027").children(PeriodType::Week);
        assert_eq!((weeks.len(), weeks[0]), (52, p("2027W1")));
        // April 2026 has Thursdays on the 2nd, 9th, 16th, 23rd and 30th.
        assert_eq!(
            p("202604").children(PeriodType::Week),
            Period::range(p("2026W14"), p("2026W18"))
        );
        assert_eq!(
            p("2026Q3").children(PeriodType::Month),
            [p("202607"), p("202608"), p("202609")]
        );
        assert_eq!(
            p("2026").children(PeriodType::HalfYear),
            [p("2026S1"), p("2026S2")]
        );
        assert_eq!(p("2024").children(PeriodType::Day).len(), 366);
        let days = p("2026W53").children(PeriodType::Day);
        assert_eq!(
            (days.len(), days[0], days[6]),
            (7, p("20261228"), p("20270103"))
        );
        assert_eq!(p("202609").children(PeriodType::Month), [p("202609")]);
        assert!(p("202609").children(PeriodType::Year).is_empty());
        assert!(p("2026W38").children(PeriodType::Month).is_empty());

        assert_eq!(p("202609").parent(PeriodType::Month), Some(p("202609")));
        assert_eq!(p("202609").parent(PeriodType::Week), None);
        assert_eq!(p("202609").parent(PeriodType::Day), None);
        assert_eq!(p("20260917").parent(PeriodType::Week), Some(p("2026W38")));
        assert_eq!(p("20270101").parent(PeriodType::Week), Some(p("2026W53")));
        assert_eq!(p("20270101").parent(PeriodType::Year), Some(p("2027")));
    }

    #[test]
    fn period_types() {
        assert_eq!(
            PeriodType::ALL.map(PeriodType::as_str),
            ["day", "week", "month", "quarter", "halfyear", "year"]
        );
        for kind in PeriodType::ALL {
            assert_eq!(PeriodType::parse(kind.as_str()), Ok(kind));
            assert_eq!(kind.to_string().parse::<PeriodType>(), Ok(kind));
            let de: StrDeserializer<'_, ValueError> = kind.as_str().into_deserializer();
            assert_eq!(PeriodType::deserialize(de), Ok(kind));
        }
        assert_eq!(
            PeriodType::parse("half-year").unwrap_err().to_string(),
            "`half-year` is not a period type: expected day, week, month, quarter, halfyear or year"
        );
        assert!(PeriodType::Week.is_finer_than(PeriodType::Month));
        assert!(PeriodType::Day.is_finer_than(PeriodType::Year));
        assert!(!PeriodType::Month.is_finer_than(PeriodType::Month));
        assert!(!PeriodType::Year.is_finer_than(PeriodType::HalfYear));
    }

    #[test]
    fn serde_reads_the_identifier() {
        let read = |id: &str| {
            let de: StrDeserializer<'_, ValueError> = id.into_deserializer();
            Period::deserialize(de).map_err(|e| e.to_string())
        };
        assert_eq!(read("2026W05"), Ok(p("2026W5")));
        assert_eq!(read("2026Q5"), Err(error("2026Q5")));
    }

    #[test]
    fn arithmetic_saturates_at_the_ends_of_the_calendar() {
        // Week numbering by day number relies on this.
        assert_eq!(FIRST_DAY.weekday(), Weekday::Monday);
        assert_eq!(
            Period::containing(PeriodType::Day, Date::MIN),
            Period::Day(FIRST_DAY)
        );
        assert_eq!(
            Period::containing(PeriodType::Week, Date::MIN),
            Period::Week { year: 1, week: 1 }
        );
        assert_eq!(Period::Year(9998).next(), Period::Year(9998));
        assert_eq!(
            Period::Day(LAST_DAY).offset(i32::MAX),
            Period::Day(LAST_DAY)
        );
        assert_eq!(Period::Year(1).offset(i32::MIN), Period::Year(1));
        assert_eq!(Period::Year(1).children(PeriodType::Week).len(), 52);
        let last_week = Period::containing(PeriodType::Week, LAST_DAY);
        assert!(last_week.contains(LAST_DAY));
        assert_eq!(last_week.next(), last_week);
    }

    #[test]
    fn weeks_spill_past_the_supported_years() {
        let spill = Period::containing(PeriodType::Week, date(2200, 12, 31));
        assert_eq!(
            spill,
            Period::Week {
                year: 2201,
                week: 1
            }
        );
        assert_eq!(spill.start(), date(2200, 12, 29));
        assert_eq!(spill.parent(PeriodType::Year), Some(Period::Year(2201)));
    }

    #[test]
    fn hand_built_fields_carry_over() {
        let month13 = Period::Month {
            year: 2026,
            month: 13,
        };
        assert_eq!(month13.to_string(), "202701");
        assert_eq!(month13.start(), date(2027, 1, 1));
        assert_eq!(month13.next(), p("202702"));
        assert_eq!(
            Period::Week {
                year: 2025,
                week: 53
            }
            .start(),
            date(2025, 12, 29)
        );
        assert_eq!(
            Period::Quarter {
                year: 2026,
                quarter: 0
            }
            .to_string(),
            "2025Q4"
        );
        assert_eq!(Period::Year(i16::MAX).to_string(), "9998");
        assert!(Period::range(Period::Year(i16::MIN), Period::Year(3)).len() == 3);
    }
}
