//! A pull connector's JSON document read into value rows ([`VALUE_COLUMNS`]) by the connector's mapping,
//! for the same checks as any file of values. Rows are numbered from 0 in the order of the document's
//! list, as `records[i]`. A period may come as a date or an instant, read as the period of the indicator's
//! frequency that holds it, in the province's time zone.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde_json::Value;
use vantage_model::connector::{Field, Mapping};
use vantage_model::period::{Period, PeriodType};

use crate::FileError;
use crate::dhis2::{VALUE_COLUMNS, text};

/// The rows of the document, or why it cannot be read at all. `frequency` gives an indicator's frequency
/// by its code.
pub fn rows(
    bytes: &[u8],
    mapping: &Mapping,
    frequency: &dyn Fn(&str) -> Option<PeriodType>,
    time_zone: &TimeZone,
) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    let document: Value = serde_json::from_slice(bytes)
        .map_err(|error| FileError::Document(format!("the answer is not JSON: {error}")))?;
    let records = document
        .pointer(&mapping.records)
        .ok_or_else(|| FileError::Document(format!("the document has no `{}`", mapping.records)))?
        .as_array()
        .ok_or_else(|| {
            FileError::Document(format!(
                "`{}` in the document is not a list",
                if mapping.records.is_empty() {
                    "/"
                } else {
                    &mapping.records
                }
            ))
        })?;
    Ok(records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let part = |field: &Field| match field {
                Field::Pointer(pointer) => text(record.pointer(pointer)),
                Field::Value(value) => value.clone(),
            };
            let indicator = part(&mapping.indicator);
            let period = part(&mapping.period);
            let period = frequency(&indicator)
                .and_then(|kind| period_of(&period, kind, time_zone))
                .unwrap_or(period);
            let row = vec![
                indicator,
                part(&mapping.unit),
                period,
                part(&mapping.value),
                mapping.comment.as_ref().map(part).unwrap_or_default(),
            ];
            debug_assert_eq!(row.len(), VALUE_COLUMNS.len());
            (index, row)
        })
        .collect())
}

/// The period id a source's text stands for: a period id as it is; a date, a civil date and time or an
/// instant as the period of `kind` that holds its day. `None` when the text is none of these, for the
/// period check to refuse as written.
fn period_of(text: &str, kind: PeriodType, time_zone: &TimeZone) -> Option<String> {
    if Period::parse(text).is_ok() {
        return None;
    }
    let day = if let Ok(instant) = text.parse::<Timestamp>() {
        time_zone.to_datetime(instant).date()
    } else if let Ok(date) = text.parse::<Date>() {
        date
    } else {
        text.parse::<DateTime>().ok()?.date()
    };
    Some(Period::containing(kind, day).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        serde_json::from_value(serde_json::json!({
            "records": "/data/items",
            "indicator": {"pointer": "/code"},
            "unit": {"pointer": "/place/commune"},
            "period": {"pointer": "/at"},
            "value": {"pointer": "/value"},
            "comment": {"value": "trạm tự động"}
        }))
        .unwrap()
    }

    fn read(document: serde_json::Value) -> Result<Vec<(usize, Vec<String>)>, FileError> {
        let frequency = |code: &str| match code {
            "ENV.AQI" => Some(PeriodType::Day),
            "ENV.RAIN" => Some(PeriodType::Month),
            _ => None,
        };
        rows(
            document.to_string().as_bytes(),
            &mapping(),
            &frequency,
            &TimeZone::fixed(jiff::tz::offset(7)),
        )
    }

    #[test]
    fn records_become_rows_with_periods_from_dates_and_instants() {
        let rows = read(serde_json::json!({"data": {"items": [
            {"code": "ENV.AQI", "place": {"commune": "22918"}, "at": "2026-11-23T18:30:00Z", "value": 87},
            {"code": "ENV.RAIN", "place": {"commune": 22924}, "at": "2026-11-05", "value": "12.5"},
            {"code": "ENV.RAIN", "place": {"commune": "22924"}, "at": "202610", "value": 1e-3},
            {"code": "ENV.AQI", "place": {}, "at": "hôm qua", "value": null},
            {"code": "XX.UNKNOWN", "at": "2026-11-05T08:00:00", "value": [1]}
        ]}}))
        .unwrap();
        let cells: Vec<Vec<&str>> = rows
            .iter()
            .map(|(_, row)| row.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            cells,
            [
                // 18:30 UTC is already the next day in Lâm Đồng.
                vec!["ENV.AQI", "22918", "20261124", "87", "trạm tự động"],
                vec!["ENV.RAIN", "22924", "202611", "12.5", "trạm tự động"],
                vec!["ENV.RAIN", "22924", "202610", "0.001", "trạm tự động"],
                vec!["ENV.AQI", "", "hôm qua", "", "trạm tự động"],
                vec![
                    "XX.UNKNOWN",
                    "",
                    "2026-11-05T08:00:00",
                    "[1]",
                    "trạm tự động"
                ],
            ]
        );
        assert_eq!(
            rows.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
    }

    #[test]
    fn documents_without_the_list_are_refused_whole() {
        for (document, expected) in [
            (serde_json::json!({"data": {}}), "has no `/data/items`"),
            (
                serde_json::json!({"data": {"items": {"a": 1}}}),
                "is not a list",
            ),
        ] {
            let error = read(document).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        let broken = rows(b"<html>", &mapping(), &|_| None, &TimeZone::UTC);
        assert!(broken.unwrap_err().to_string().contains("not JSON"));
    }
}
