//! Excel workbooks (XLSX) read as CSV text, so that every importer takes either: the first sheet, one CSV
//! line per sheet row from the first (leading empty rows kept as empty lines), so that the row numbers in
//! errors are the ones Excel shows. Numbers are written out exactly, dates as YYYY-MM-DD.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::FileError;

/// Whether the bytes are a ZIP archive, as every XLSX file is.
pub(crate) fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The first sheet of an XLSX workbook as CSV text.
pub(crate) fn first_sheet_as_csv(bytes: &[u8]) -> Result<Vec<u8>, FileError> {
    let broken = |reason: String| FileError::Malformed {
        row: 0,
        reason: format!("not a readable XLSX workbook: {reason}"),
    };
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|error| broken(error.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| broken("it has no sheet".to_owned()))?
        .map_err(|error| broken(error.to_string()))?;
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let first_row = range.start().map_or(0, |(row, _)| row);
    let first_column = range.start().map_or(0, |(_, column)| column) as usize;
    for _ in 0..first_row {
        // An empty record writes an empty line, which the CSV reader counts but skips.
        writer
            .write_record([""])
            .map_err(|error| broken(error.to_string()))?;
    }
    for row in range.rows() {
        let mut cells: Vec<String> = vec![String::new(); first_column];
        cells.extend(row.iter().map(cell_text));
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        writer
            .write_record(&cells)
            .map_err(|error| broken(error.to_string()))?;
    }
    writer
        .into_inner()
        .map_err(|error| broken(error.to_string()))
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) => number.to_string(),
        Data::Bool(flag) => flag.to_string(),
        Data::DateTime(moment) => {
            let (year, month, day, ..) = moment.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        Data::Error(error) => format!("#{error:?}"),
    }
}
