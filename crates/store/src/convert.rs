//! Model values to table rows and back. Dates are stored as yyyymmdd integers and instants as epoch
//! milliseconds, so both backends store and compare them the same way.

use jiff::Timestamp;
use jiff::civil::Date;
use vantage_model::access::{Role, User};
use vantage_model::agency::{Agency, AgencyKind};
use vantage_model::calendar::{DeadlineRule, Holiday};
use vantage_model::indicator::{
    Domain, Indicator, Polarity, SpaceAggregation, TimeAggregation, format_levels, parse_levels,
};
use vantage_model::period::PeriodType;
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target, TargetBound};
use vantage_model::reporting::ReportCount;
use vantage_model::unit::{Lineage, LineageKind, Point, Unit, UnitLevel};

use crate::table::Cell;
use crate::{StoreError, stored_period};

pub(crate) trait Encode {
    fn encode(&self) -> Vec<Cell>;
}

pub(crate) trait Decode: Sized {
    fn decode(cells: Vec<Cell>) -> Result<Self, StoreError>;
}

pub(crate) fn day_number(day: Date) -> i64 {
    i64::from(day.year()) * 10_000 + i64::from(day.month()) * 100 + i64::from(day.day())
}

fn from_day_number(number: i64) -> Result<Date, StoreError> {
    let (year, month, day) = (number / 10_000, number / 100 % 100, number % 100);
    Date::new(year as i16, month as i8, day as i8)
        .map_err(|_| StoreError::Corrupt(format!("`{number}` is not a date")))
}

/// A unit record's first day as stored: 0 for the record that predates our records.
pub(crate) fn optional_day(number: i64) -> Result<Option<Date>, StoreError> {
    match number {
        0 => Ok(None),
        day => from_day_number(day).map(Some),
    }
}

fn optional_text(value: &Option<String>) -> Cell {
    Cell::Text(value.clone())
}

/// Reads the cells of a row in order, checking each one's type.
struct Cells(std::vec::IntoIter<Cell>);

impl Cells {
    fn next(&mut self) -> Result<Cell, StoreError> {
        self.0
            .next()
            .ok_or_else(|| StoreError::Corrupt("row is shorter than its table".to_owned()))
    }

    fn optional_text(&mut self) -> Result<Option<String>, StoreError> {
        match self.next()? {
            Cell::Text(value) => Ok(value),
            other => Err(StoreError::Corrupt(format!(
                "expected text, found {other:?}"
            ))),
        }
    }

    fn text(&mut self) -> Result<String, StoreError> {
        self.optional_text()?
            .ok_or_else(|| StoreError::Corrupt("unexpected NULL text".to_owned()))
    }

    fn optional_int(&mut self) -> Result<Option<i64>, StoreError> {
        match self.next()? {
            Cell::Int(value) => Ok(value),
            other => Err(StoreError::Corrupt(format!(
                "expected an integer, found {other:?}"
            ))),
        }
    }

    fn int(&mut self) -> Result<i64, StoreError> {
        self.optional_int()?
            .ok_or_else(|| StoreError::Corrupt("unexpected NULL integer".to_owned()))
    }

    fn optional_real(&mut self) -> Result<Option<f64>, StoreError> {
        match self.next()? {
            Cell::Real(value) => Ok(value),
            other => Err(StoreError::Corrupt(format!(
                "expected a number, found {other:?}"
            ))),
        }
    }

    fn real(&mut self) -> Result<f64, StoreError> {
        self.optional_real()?
            .ok_or_else(|| StoreError::Corrupt("unexpected NULL number".to_owned()))
    }

    /// A word of a closed vocabulary, parsed by `parse`.
    fn word<V>(&mut self, parse: impl FnOnce(&str) -> Result<V, String>) -> Result<V, StoreError> {
        let text = self.text()?;
        parse(&text).map_err(StoreError::Corrupt)
    }

    fn timestamp(&mut self) -> Result<Timestamp, StoreError> {
        let millis = self.int()?;
        Timestamp::from_millisecond(millis).map_err(|error| StoreError::Corrupt(error.to_string()))
    }
}

macro_rules! decode {
    ($type:ty, |$cells:ident| $body:expr) => {
        impl Decode for $type {
            fn decode(cells: Vec<Cell>) -> Result<Self, StoreError> {
                let mut $cells = Cells(cells.into_iter());
                Ok($body)
            }
        }
    };
}

impl Encode for Holiday {
    fn encode(&self) -> Vec<Cell> {
        vec![Cell::int(day_number(self.day)), Cell::text(&*self.name)]
    }
}

decode!(Holiday, |c| Holiday {
    day: from_day_number(c.int()?)?,
    name: c.text()?
});

impl Encode for Domain {
    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::text(&*self.code),
            Cell::text(&*self.name_vi),
            Cell::text(&*self.name_en),
        ]
    }
}

decode!(Domain, |c| Domain {
    code: c.text()?,
    name_vi: c.text()?,
    name_en: c.text()?
});

impl Encode for Agency {
    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::text(&*self.code),
            Cell::text(&*self.name_vi),
            Cell::text(&*self.name_en),
            Cell::text(self.kind.as_str()),
            Cell::text(&*self.jurisdiction),
        ]
    }
}

decode!(Agency, |c| Agency {
    code: c.text()?,
    name_vi: c.text()?,
    name_en: c.text()?,
    kind: c.word(AgencyKind::parse)?,
    jurisdiction: c.text()?,
});

impl Encode for Unit {
    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::text(&*self.code),
            Cell::int(self.valid_from.map_or(0, day_number)),
            Cell::Int(self.valid_to.map(day_number)),
            Cell::text(&*self.name),
            Cell::text(self.level.as_str()),
            optional_text(&self.parent),
            Cell::text(&*self.kind),
            Cell::Real(self.point.map(|point| point.lat)),
            Cell::Real(self.point.map(|point| point.lon)),
        ]
    }
}

decode!(Unit, |c| Unit {
    code: c.text()?,
    valid_from: optional_day(c.int()?)?,
    valid_to: c.optional_int()?.map(from_day_number).transpose()?,
    name: c.text()?,
    level: c.word(UnitLevel::parse)?,
    parent: c.optional_text()?,
    kind: c.text()?,
    point: match (c.optional_real()?, c.optional_real()?) {
        (Some(lat), Some(lon)) => Some(Point { lat, lon }),
        _ => None,
    },
});

impl Encode for Lineage {
    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::text(&*self.old_code),
            Cell::text(&*self.new_code),
            Cell::int(day_number(self.date)),
            Cell::text(self.kind.as_str()),
            Cell::real(self.weight),
        ]
    }
}

decode!(Lineage, |c| Lineage {
    old_code: c.text()?,
    new_code: c.text()?,
    date: from_day_number(c.int()?)?,
    kind: c.word(LineageKind::parse)?,
    weight: c.real()?,
});

impl Encode for Indicator {
    fn encode(&self) -> Vec<Cell> {
        vec![
            Cell::text(&*self.code),
            Cell::text(&*self.name_vi),
            Cell::text(&*self.name_en),
            Cell::text(&*self.domain),
            Cell::text(&*self.measure),
            Cell::text(self.frequency.as_str()),
            Cell::text(self.time_aggregation.as_str()),
            Cell::text(self.space_aggregation.as_str()),
            Cell::text(self.polarity.as_str()),
            Cell::int(i64::from(self.cumulative)),
            Cell::text(format_levels(&self.levels)),
            Cell::text(&*self.owner_agency),
            optional_text(&self.formula),
            Cell::int(i64::from(self.public)),
            Cell::text(&*self.source),
            Cell::text(&*self.confidence),
            Cell::Text(self.deadline.map(|rule| rule.to_string())),
            Cell::Text(self.computed.map(|count| count.as_str().to_owned())),
        ]
    }
}

decode!(Indicator, |c| Indicator {
    code: c.text()?,
    name_vi: c.text()?,
    name_en: c.text()?,
    domain: c.text()?,
    measure: c.text()?,
    frequency: c.word(|text| PeriodType::parse(text).map_err(|error| error.to_string()))?,
    time_aggregation: c.word(TimeAggregation::parse)?,
    space_aggregation: c.word(SpaceAggregation::parse)?,
    polarity: c.word(Polarity::parse)?,
    cumulative: c.int()? != 0,
    levels: c.word(parse_levels)?,
    owner_agency: c.text()?,
    formula: c.optional_text()?,
    public: c.int()? != 0,
    source: c.text()?,
    confidence: c.text()?,
    deadline: c
        .optional_text()?
        .map(|text| DeadlineRule::parse(&text))
        .transpose()
        .map_err(StoreError::Corrupt)?,
    computed: c
        .optional_text()?
        .map(|text| ReportCount::parse(&text))
        .transpose()
        .map_err(StoreError::Corrupt)?,
});

pub(crate) fn key_cells(key: &ObservationKey) -> [Cell; 3] {
    [
        Cell::text(&*key.indicator),
        Cell::text(&*key.unit),
        Cell::text(key.period.to_string()),
    ]
}

fn decode_key(c: &mut Cells) -> Result<ObservationKey, StoreError> {
    Ok(ObservationKey {
        indicator: c.text()?,
        unit: c.text()?,
        period: stored_period(&c.text()?)?,
    })
}

impl Encode for Target {
    fn encode(&self) -> Vec<Cell> {
        let (value, max) = match self.bound {
            TargetBound::AtLeast { value } | TargetBound::AtMost { value } => (value, None),
            TargetBound::Range { min, max } => (min, Some(max)),
        };
        let mut cells = key_cells(&self.key).to_vec();
        cells.extend([
            Cell::text(self.bound.kind()),
            Cell::real(value),
            Cell::Real(max),
            Cell::text(&*self.source_document),
        ]);
        cells
    }
}

decode!(Target, |c| Target {
    key: decode_key(&mut c)?,
    bound: {
        let kind = c.text()?;
        let (value, max) = (c.real()?, c.optional_real()?);
        TargetBound::new(&kind, value, max).map_err(StoreError::Corrupt)?
    },
    source_document: c.text()?,
});

impl Encode for Observation {
    /// The revision column is left to the write path.
    fn encode(&self) -> Vec<Cell> {
        let mut cells = key_cells(&self.key).to_vec();
        cells.extend([
            Cell::real(self.value),
            Cell::text(self.status.as_str()),
            optional_text(&self.comment),
            Cell::text(&*self.source),
            Cell::text(&*self.author),
            Cell::int(self.recorded_at.as_millisecond()),
            Cell::int(day_number(self.key.period.start())),
            Cell::int(day_number(self.key.period.end())),
        ]);
        cells
    }
}

decode!(Observation, |c| Observation {
    key: decode_key(&mut c)?,
    value: c.real()?,
    status: c.word(ObservationStatus::parse)?,
    comment: c.optional_text()?,
    source: c.text()?,
    author: c.text()?,
    recorded_at: c.timestamp()?,
});

pub(crate) fn user_row(user: &User, password_hash: &str, created_at: Timestamp) -> Vec<Cell> {
    vec![
        Cell::text(&*user.username),
        Cell::text(user.role.as_str()),
        Cell::text(&*user.agency),
        optional_text(&user.unit),
        domains_cell(&user.domains),
        Cell::text(password_hash),
        Cell::int(created_at.as_millisecond()),
    ]
}

decode!(User, |c| User {
    username: c.text()?,
    role: c.word(Role::parse)?,
    agency: c.text()?,
    unit: c.optional_text()?,
    domains: c
        .optional_text()?
        .map(|list| list.split(',').map(str::to_owned).collect())
        .unwrap_or_default(),
});

/// A grant's domains in one column: codes joined by commas (codes have none), null for every domain.
pub(crate) fn domains_cell(domains: &[String]) -> Cell {
    Cell::Text((!domains.is_empty()).then(|| domains.join(",")))
}
