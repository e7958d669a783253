//! Reading a CSV file into rows addressed by column name, with errors that name the row and the column.

use std::collections::HashMap;
use std::fmt;

/// One problem with one row. Rows are numbered as a spreadsheet shows them: the header is row 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}, column {}: {}",
            self.row, self.column, self.reason
        )
    }
}

/// Problems that make a whole file unusable, before any row is looked at.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty: expected a header row with the columns {expected}")]
    Empty { expected: String },
    #[error("the header lacks the required column(s) {missing}")]
    MissingColumns { missing: String },
    #[error("the header names column `{0}` twice")]
    DuplicateColumn(String),
    #[error("the file has a header but no data rows")]
    NoRows,
    #[error("the file is not valid CSV at row {row}: {reason}")]
    Malformed { row: usize, reason: String },
    /// A JSON document that is not what its reader expects.
    #[error("{0}")]
    Document(String),
}

pub(crate) struct Sheet {
    pub columns: HashMap<String, usize>,
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    /// Rows that are malformed as a whole: more values than the header has columns, or a NUL character.
    pub malformed: Vec<RowError>,
}

impl Sheet {
    /// Rows already split into fields by another reader (an API batch), numbered by the caller.
    pub fn from_records(header: Vec<String>, rows: Vec<(usize, Vec<String>)>) -> Sheet {
        let columns = header
            .iter()
            .enumerate()
            .map(|(index, name)| (name.clone(), index))
            .collect();
        Sheet {
            columns,
            header,
            rows,
            malformed: Vec::new(),
        }
    }

    /// Reads CSV text (UTF-8, with or without a byte-order mark) or the first sheet of an XLSX workbook,
    /// and checks that `required` columns exist.
    pub fn read(bytes: &[u8], required: &[&str]) -> Result<Sheet, FileError> {
        let converted;
        let bytes = if crate::workbook::is_workbook(bytes) {
            converted = crate::workbook::first_sheet_as_csv(bytes)?;
            &converted[..]
        } else {
            bytes
        };
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let expected = || required.join(", ");
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(FileError::Empty {
                expected: expected(),
            });
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut records = reader.records();
        let header: Vec<String> = match records.next() {
            Some(Ok(record)) => record.iter().map(|name| name.trim().to_owned()).collect(),
            Some(Err(error)) => {
                return Err(FileError::Malformed {
                    row: 1,
                    reason: error.to_string(),
                });
            }
            None => {
                return Err(FileError::Empty {
                    expected: expected(),
                });
            }
        };
        let mut columns = HashMap::new();
        // Spreadsheets often export trailing empty header cells; only named columns must be unique.
        for (index, name) in header
            .iter()
            .enumerate()
            .filter(|(_, name)| !name.is_empty())
        {
            if columns.insert(name.clone(), index).is_some() {
                return Err(FileError::DuplicateColumn(name.clone()));
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|name| !columns.contains_key(*name))
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns {
                missing: missing.join(", "),
            });
        }
        let mut rows = Vec::new();
        let mut malformed = Vec::new();
        // A spreadsheet shows one row per line, blank lines included, but a quoted cell with line breaks
        // as one row: the row number is the line the record starts on less the breaks inside earlier cells.
        // The reader reports where a record starts before it skips blank lines, so those are stepped over.
        let mut breaks_in_cells = 0;
        let mut lines_before = 0;
        let mut counted_to = 0;
        for record in records {
            let record = record.map_err(|error| FileError::Malformed {
                row: lines_before + 1 - breaks_in_cells,
                reason: error.to_string(),
            })?;
            let mut start = record
                .position()
                .map_or(counted_to, |position| position.byte() as usize)
                .min(bytes.len());
            while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
                start += 1;
            }
            lines_before += bytes[counted_to.min(start)..start]
                .iter()
                .filter(|byte| **byte == b'\n')
                .count();
            counted_to = counted_to.max(start);
            let row = lines_before + 1 - breaks_in_cells;
            breaks_in_cells += record
                .iter()
                .map(|field| field.matches('\n').count())
                .sum::<usize>();
            if let Some(column) = record.iter().position(|field| field.contains('\0')) {
                malformed.push(RowError {
                    row,
                    column: header.get(column).cloned().unwrap_or_default(),
                    reason: "contains a NUL character".to_owned(),
                });
            }
            let fields: Vec<String> = record.iter().map(|field| field.trim().to_owned()).collect();
            if fields.iter().all(String::is_empty) {
                continue;
            }
            if fields.len() > header.len() {
                malformed.push(RowError {
                    row,
                    column: header.last().cloned().unwrap_or_default(),
                    reason: format!(
                        "has {} values but the header has {} columns (a decimal comma? write 12.5, or quote the value)",
                        fields.len(),
                        header.len()
                    ),
                });
            }
            rows.push((row, fields));
        }
        if rows.is_empty() {
            return Err(FileError::NoRows);
        }
        Ok(Sheet {
            columns,
            header,
            rows,
            malformed,
        })
    }
}

/// One row being parsed: each accessor records a [`RowError`] instead of failing, so that every problem of
/// a row is reported at once.
pub(crate) struct Row<'a> {
    pub number: usize,
    columns: &'a HashMap<String, usize>,
    fields: &'a [String],
    pub errors: Vec<RowError>,
}

impl<'a> Row<'a> {
    pub fn new(
        number: usize,
        columns: &'a HashMap<String, usize>,
        fields: &'a [String],
    ) -> Row<'a> {
        Row {
            number,
            columns,
            fields,
            errors: Vec::new(),
        }
    }

    pub fn fail(&mut self, column: &str, reason: impl Into<String>) {
        self.errors.push(RowError {
            row: self.number,
            column: column.to_owned(),
            reason: reason.into(),
        });
    }

    /// The cell of `column`, or `None` when the column is absent or the cell empty.
    pub fn optional(&self, column: &str) -> Option<&'a str> {
        let index = *self.columns.get(column)?;
        self.fields
            .get(index)
            .map(String::as_str)
            .filter(|text| !text.is_empty())
    }

    pub fn required(&mut self, column: &str) -> Option<&'a str> {
        let value = self.optional(column);
        if value.is_none() {
            self.fail(column, "is empty");
        }
        value
    }

    pub fn text(&mut self, column: &str) -> String {
        self.required(column).unwrap_or_default().to_owned()
    }

    /// Parses a required cell, recording the parser's message on failure.
    pub fn parse<T, E: fmt::Display>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.required(column)?;
        self.parse_text(column, text, parse)
    }

    pub fn parse_optional<T, E: fmt::Display>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.optional(column)?;
        self.parse_text(column, text, parse)
    }

    fn parse_text<T, E: fmt::Display>(
        &mut self,
        column: &str,
        text: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match parse(text) {
            Ok(value) => Some(value),
            Err(error) => {
                self.fail(column, error.to_string());
                None
            }
        }
    }

    pub fn number(&mut self, column: &str) -> Option<f64> {
        self.parse(column, parse_number)
    }

    pub fn optional_number(&mut self, column: &str) -> Option<f64> {
        self.parse_optional(column, parse_number)
    }

    pub fn date(&mut self, column: &str) -> Option<jiff::civil::Date> {
        self.parse_optional(column, parse_date)
    }

    pub fn flag(&mut self, column: &str) -> Option<bool> {
        self.parse(column, |text| match text {
            "yes" | "true" | "1" => Ok(true),
            "no" | "false" | "0" => Ok(false),
            _ => Err(format!("`{text}` is not yes or no")),
        })
    }
}

/// A finite number written with a `.` decimal point.
pub(crate) fn parse_number(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!(
            "`{text}` is not a number (write 1234.5, with a dot and no thousands separator)"
        )),
    }
}

pub(crate) fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    text.parse::<jiff::civil::Date>()
        .map_err(|_| format!("`{text}` is not a date (expected YYYY-MM-DD)"))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn reading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Sheet::read(&bytes, &["a", "b"]);
        }

        #[test]
        fn every_non_empty_row_is_kept_with_its_spreadsheet_number(
            rows in proptest::collection::vec(("[a-zA-Zà-ỹ0-9 .,\"]{0,12}", "[0-9]{0,6}"), 1..40)
        ) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["a", "b"]).unwrap();
            for (a, b) in &rows {
                writer.write_record([a, b]).unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            let expected: Vec<(usize, Vec<String>)> = rows
                .iter()
                .enumerate()
                .map(|(index, (a, b))| (index + 2, vec![a.trim().to_owned(), b.trim().to_owned()]))
                .filter(|(_, fields)| fields.iter().any(|field| !field.is_empty()))
                .collect();
            match Sheet::read(&bytes, &["a", "b"]) {
                Ok(sheet) => prop_assert_eq!(sheet.rows, expected),
                Err(FileError::NoRows) => prop_assert!(expected.is_empty()),
                Err(other) => prop_assert!(false, "unexpected {other}"),
            }
        }
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let text = "a,b\n1,2\n\n3,\"two\nlines\"\n4,5\n";
        let sheet = Sheet::read(text.as_bytes(), &["a", "b"]).unwrap();
        let numbers: Vec<usize> = sheet.rows.iter().map(|(row, _)| *row).collect();
        assert_eq!(numbers, vec![2, 4, 5]);
    }

    #[test]
    fn trailing_unnamed_columns_and_nul_characters() {
        let sheet = Sheet::read("a,b,,\n1,2,,\n3,x\0y,,\n".as_bytes(), &["a", "b"]).unwrap();
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.malformed.len(), 1);
        assert_eq!(
            (sheet.malformed[0].row, sheet.malformed[0].column.as_str()),
            (3, "b")
        );
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let sheet = Sheet::read("\u{feff}a,b\n1,2\n".as_bytes(), &["a", "b"]).unwrap();
        assert_eq!(sheet.columns["a"], 0);
        assert_eq!(sheet.rows, vec![(2, vec!["1".to_owned(), "2".to_owned()])]);
    }
}
