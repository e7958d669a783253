//! DHIS2 data value sets, in JSON (`{period, orgUnit, dataValues: [{dataElement, period, orgUnit, value,
//! comment}]}`) or DHIS2's CSV (a header row naming `dataelement`, `period`, `orgunit`, `value`, `comment`
//! among others), read as value rows: data elements are indicator codes, org units unit codes. A value's
//! missing period or org unit comes from the set. Rows are numbered from 0 in the set's order, as DHIS2
//! numbers `dataValues[i]`; what other fields DHIS2 carries (category option combos, storedBy) is dropped.

use serde_json::Value;

use crate::FileError;

/// The columns of the rows read, in the order the value checks report them.
pub const VALUE_COLUMNS: [&str; 5] = ["indicator", "unit", "period", "value", "comment"];

/// DHIS2's CSV columns, in its order (for writing; reading finds columns by name).
pub const CSV_COLUMNS: [&str; 10] = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dhis2Format {
    Json,
    Csv,
    /// IHE ADX XML ([`crate::adx`]).
    Adx,
}

/// The data values of a set as rows of [`VALUE_COLUMNS`].
pub fn data_value_rows(
    bytes: &[u8],
    format: Dhis2Format,
) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    match format {
        Dhis2Format::Json => json_rows(bytes),
        Dhis2Format::Csv => csv_rows(bytes),
        Dhis2Format::Adx => crate::adx::rows(bytes),
    }
}

fn malformed(reason: String) -> FileError {
    FileError::Malformed { row: 0, reason }
}

/// A JSON field as the text an import row holds: strings as they are, numbers written out, anything else
/// as its JSON, for the value checks to refuse.
pub(crate) fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

fn json_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    let set: Value = serde_json::from_slice(bytes)
        .map_err(|error| malformed(format!("not a JSON data value set: {error}")))?;
    let values = set
        .get("dataValues")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("a data value set needs a dataValues array".to_owned()))?;
    Ok(values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let own_or_set = |key: &str| match value.get(key) {
                None | Some(Value::Null) => text(set.get(key)),
                given => text(given),
            };
            let row = vec![
                text(value.get("dataElement")),
                own_or_set("orgUnit"),
                own_or_set("period"),
                text(value.get("value")),
                text(value.get("comment")),
            ];
            (index, row)
        })
        .collect())
}

fn csv_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|error| FileError::Malformed {
            row: 1,
            reason: error.to_string(),
        })?
        .iter()
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let columns = ["dataelement", "orgunit", "period", "value", "comment"].map(column);
    if columns[0].is_none() || columns[3].is_none() {
        return Err(FileError::MissingColumns {
            missing: "dataelement, value".to_owned(),
        });
    }
    reader
        .records()
        .enumerate()
        .map(|(index, record)| {
            let record = record.map_err(|error| FileError::Malformed {
                row: index + 2,
                reason: error.to_string(),
            })?;
            let row = columns
                .iter()
                .map(|at| {
                    at.and_then(|at| record.get(at))
                        .unwrap_or_default()
                        .trim()
                        .to_owned()
                })
                .collect();
            Ok((index, row))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_take_the_set_defaults() {
        let set = br#"{"dataSet": "SEC", "period": "202604", "orgUnit": "22918", "dataValues": [
            {"dataElement": "SEC.CRIME_CASES", "value": "6", "comment": "x"},
            {"dataElement": "SEC.CRIME_CASES", "orgUnit": "22924", "period": "202605", "value": 2},
            {"dataElement": "SEC.CRIME_CASES", "value": true}
        ]}"#;
        let rows = data_value_rows(set, Dhis2Format::Json).unwrap();
        assert_eq!(
            rows[0],
            (
                0,
                vec![
                    "SEC.CRIME_CASES".into(),
                    "22918".into(),
                    "202604".into(),
                    "6".into(),
                    "x".into()
                ]
            )
        );
        assert_eq!(
            rows[1].1[1..4],
            ["22924".to_owned(), "202605".into(), "2".into()]
        );
        assert_eq!(rows[2].1[3], "true", "left for the value checks to refuse");
        assert!(data_value_rows(b"{}", Dhis2Format::Json).is_err());
        assert!(data_value_rows(b"[", Dhis2Format::Json).is_err());
    }

    #[test]
    fn csv_columns_are_found_by_name() {
        let csv = b"DataElement,Period,OrgUnit,CategoryOptionCombo,AttributeOptionCombo,Value,StoredBy\nSEC.CRIME_CASES,202603,22918,,,9,lan\n";
        let rows = data_value_rows(csv, Dhis2Format::Csv).unwrap();
        assert_eq!(
            rows,
            vec![(
                0,
                vec![
                    "SEC.CRIME_CASES".into(),
                    "22918".into(),
                    "202603".into(),
                    "9".into(),
                    String::new()
                ]
            )]
        );
        assert!(matches!(
            data_value_rows(b"period,orgunit\n202603,22918\n", Dhis2Format::Csv),
            Err(FileError::MissingColumns { .. })
        ));
    }
}
