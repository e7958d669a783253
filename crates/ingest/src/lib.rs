//! Importers. Data flows one way: a file is read ([`sheet`]), each row parsed and checked against the
//! catalogue and the units ([`kinds`]), and only then written through the store's batch path. A file with
//! bad rows is refused as a whole unless the caller accepts the valid rows; either way every bad row comes
//! back with its row number, column and reason.

pub mod adx;
pub mod boundaries;
pub mod connector;
pub mod dhis2;
mod kinds;
mod sheet;
mod workbook;

use std::fmt;

use jiff::Timestamp;
use vantage_store::{Store, StoreError, WriteCounts};

pub use crate::kinds::ImportKind;
use crate::sheet::Sheet;
pub use crate::sheet::{FileError, RowError};

pub struct ImportOptions {
    /// Apply the valid rows of a file that has bad ones, instead of refusing it.
    pub accept_valid: bool,
    /// Pass over value rows with neither a value nor a comment (a template's rows left empty) instead of
    /// refusing them; they are counted in [`Prepared::skipped`].
    pub skip_empty_values: bool,
    /// Recorded with each observation: who imported it and from where.
    pub author: String,
    pub source: String,
    pub now: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error("{} problem(s) in the file; nothing was imported", .0.errors.len())]
    Refused(Rejected),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The rows a file could not give, with every reason, ready to be written back as CSV.
#[derive(Debug, Default)]
pub struct Rejected {
    pub errors: Vec<RowError>,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Rejected {
    pub fn rejected_rows(&self) -> usize {
        self.rows.len()
    }

    /// Whether nothing was wrong: no bad row and no problem of the file as a whole.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The rejected rows as CSV: the original columns after `_row` (its number in the original file) and
    /// `_errors`. Importers ignore columns they do not know, so the file can be corrected and imported as is.
    pub fn to_csv(&self) -> String {
        // Flexible: a rejected row may have more values than the header (that may be why it was rejected).
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        let mut header = vec!["_row".to_owned(), "_errors".to_owned()];
        header.extend(self.header.iter().cloned());
        // Writing to memory cannot fail.
        let _ = writer.write_record(&header);
        for (row, fields) in &self.rows {
            let reasons: Vec<String> = self
                .errors
                .iter()
                .filter(|error| error.row == *row)
                .map(|error| format!("{}: {}", error.column, error.reason))
                .collect();
            let mut record = vec![row.to_string(), reasons.join("; ")];
            record.extend(fields.iter().cloned());
            let _ = writer.write_record(&record);
        }
        String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.errors {
            writeln!(f, "{error}")?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub struct ImportOutcome {
    pub counts: WriteCounts,
    /// Rows passed over for having no value.
    pub skipped: usize,
    /// Rows left out because the caller accepted the valid ones; empty otherwise.
    pub rejected: Rejected,
}

/// Validates a CSV file of `kind` and, if acceptable, writes it.
pub async fn import_csv(
    store: &Store,
    kind: ImportKind,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<ImportOutcome, ImportError> {
    let prepared = prepare_csv(store, kind, bytes, options).await?;
    let skipped = prepared.skipped.len();
    let counts = prepared.batch.apply(store).await?;
    Ok(ImportOutcome {
        counts,
        skipped,
        rejected: prepared.rejected,
    })
}

/// Imports a DHIS2 data value set as values, like an observations file: refused whole when a value is bad,
/// unless the caller accepts the valid ones.
pub async fn import_dhis2(
    store: &Store,
    bytes: &[u8],
    format: dhis2::Dhis2Format,
    options: &ImportOptions,
) -> Result<ImportOutcome, ImportError> {
    let rows = dhis2::data_value_rows(bytes, format)?;
    let header = dhis2::VALUE_COLUMNS.map(str::to_owned).to_vec();
    let prepared = prepare(
        store,
        ImportKind::Observations,
        Sheet::from_records(header, rows),
        options,
    )
    .await?;
    let skipped = prepared.skipped.len();
    let counts = prepared.batch.apply(store).await?;
    Ok(ImportOutcome {
        counts,
        skipped,
        rejected: prepared.rejected,
    })
}

/// Checked rows ready to be written, and the rows refused with their reasons.
pub struct Prepared {
    batch: kinds::Batch,
    pub rejected: Rejected,
    /// Rows passed over for having no value (with [`ImportOptions::skip_empty_values`]).
    pub skipped: Vec<usize>,
    /// Every row read, for rows a caller refuses after these checks.
    rows: Vec<(usize, Vec<String>)>,
}

impl Prepared {
    /// Refuses a row that passed the checks here for a reason of the caller's (a grant, a lock).
    pub fn reject(&mut self, error: RowError) {
        if !self.rejected.rows.iter().any(|(row, _)| *row == error.row)
            && let Some(row) = self.rows.iter().find(|(row, _)| *row == error.row)
        {
            self.rejected.rows.push(row.clone());
            self.rejected.rows.sort_by_key(|(row, _)| *row);
        }
        self.rejected.errors.push(error);
        self.rejected.errors.sort_by_key(|error| error.row);
    }

    /// Takes the values to write, each with the number of the row (or item) it came from, leaving the
    /// rejected rows for the caller to add to and report.
    pub fn take_numbered_observations(
        &mut self,
    ) -> Vec<(usize, vantage_model::record::Observation)> {
        match &mut self.batch {
            kinds::Batch::Observations(observations) => std::mem::take(observations),
            _ => Vec::new(),
        }
    }

    /// The values to write, for a caller that writes them through the live path.
    pub fn into_observations(mut self) -> Vec<vantage_model::record::Observation> {
        self.take_numbered_observations()
            .into_iter()
            .map(|(_, observation)| observation)
            .collect()
    }

    /// The targets to write, for a caller that writes them through the live path.
    pub fn into_targets(self) -> Vec<vantage_model::record::Target> {
        match self.batch {
            kinds::Batch::Targets(targets) => targets,
            _ => Vec::new(),
        }
    }
}

/// Checks a CSV file of `kind` without writing it, for a caller that writes through the live path.
pub async fn prepare_csv(
    store: &Store,
    kind: ImportKind,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Prepared, ImportError> {
    let sheet = Sheet::read(bytes, kind.required_columns())?;
    prepare(store, kind, sheet, options).await
}

/// Checks records that come from somewhere other than a CSV file (an API batch): `header` names the
/// fields, each row carries the number its errors are reported under.
pub async fn prepare_records(
    store: &Store,
    kind: ImportKind,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
    options: &ImportOptions,
) -> Result<Prepared, ImportError> {
    prepare(store, kind, Sheet::from_records(header, rows), options).await
}

/// Checks every row; refuses the whole batch when a row is bad and the caller did not accept the valid ones,
/// or when the valid rows alone would leave the stored data inconsistent.
async fn prepare(
    store: &Store,
    kind: ImportKind,
    sheet: Sheet,
    options: &ImportOptions,
) -> Result<Prepared, ImportError> {
    let checked = kinds::check(store, kind, &sheet, options).await?;
    let mut rejected = Rejected {
        errors: checked.errors,
        header: sheet.header.clone(),
        rows: Vec::new(),
    };
    rejected.errors.sort_by_key(|error| error.row);
    let bad_rows: std::collections::BTreeSet<usize> =
        rejected.errors.iter().map(|error| error.row).collect();
    rejected.rows = sheet
        .rows
        .iter()
        .filter(|(row, _)| bad_rows.contains(row))
        .cloned()
        .collect();
    if !rejected.is_empty() && (!options.accept_valid || checked.refuse_whole) {
        return Err(ImportError::Refused(rejected));
    }
    Ok(Prepared {
        batch: checked.batch,
        rejected,
        skipped: checked.skipped,
        rows: sheet.rows,
    })
}
