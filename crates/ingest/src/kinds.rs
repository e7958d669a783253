//! What each kind of file holds, how its rows are parsed, and how they are checked against what the store
//! already knows.

use std::collections::{BTreeSet, HashMap};

use vantage_model::agency::{Agency, AgencyKind};
use vantage_model::calendar::{DeadlineRule, Holiday};
use vantage_model::indicator::{
    CatalogContext, Domain, Indicator, Polarity, SpaceAggregation, TimeAggregation, parse_levels,
    validate_catalog,
};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target, TargetBound};
use vantage_model::reporting::ReportCount;
use vantage_model::unit::{
    CrosswalkRow, Lineage, LineageKind, Point, Unit, UnitError, UnitLevel, UnitRegistry,
    classify_crosswalk,
};
use vantage_store::{Store, StoreError, WriteCounts};

use crate::ImportOptions;
use crate::sheet::{Row, RowError, Sheet, parse_date};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    Domains,
    Holidays,
    Agencies,
    Units,
    Lineage,
    Catalog,
    Targets,
    Observations,
}

impl ImportKind {
    pub const ALL: [ImportKind; 8] = [
        ImportKind::Domains,
        ImportKind::Holidays,
        ImportKind::Agencies,
        ImportKind::Units,
        ImportKind::Lineage,
        ImportKind::Catalog,
        ImportKind::Targets,
        ImportKind::Observations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Domains => "domains",
            ImportKind::Holidays => "holidays",
            ImportKind::Agencies => "agencies",
            ImportKind::Units => "units",
            ImportKind::Lineage => "lineage",
            ImportKind::Catalog => "catalog",
            ImportKind::Targets => "targets",
            ImportKind::Observations => "observations",
        }
    }

    pub fn parse(text: &str) -> Result<ImportKind, String> {
        ImportKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = ImportKind::ALL.iter().map(|kind| kind.as_str()).collect();
                format!(
                    "`{text}` is not something to import (expected one of {})",
                    names.join(", ")
                )
            })
    }

    /// Columns a file must have; other columns may be present and are ignored.
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Domains => &["code", "name_vi", "name_en"],
            ImportKind::Holidays => &["date", "name"],
            ImportKind::Agencies => &["code", "name_vi", "name_en", "kind", "jurisdiction"],
            ImportKind::Units => &["code", "name", "level", "parent_code", "kind"],
            ImportKind::Lineage => &["old_code", "new_code", "effective_date"],
            ImportKind::Catalog => &[
                "code",
                "name_vi",
                "name_en",
                "domain",
                "unit",
                "frequency",
                "time_aggregation",
                "space_aggregation",
                "polarity",
                "cumulative",
                "levels",
                "owner_agency",
            ],
            ImportKind::Targets => &["indicator", "unit", "period", "kind", "value"],
            ImportKind::Observations => &["indicator", "unit", "period", "value"],
        }
    }
}

/// Valid records ready to be written, each kind to its own table.
pub(crate) enum Batch {
    Domains(Vec<Domain>),
    Holidays(Vec<Holiday>),
    Agencies(Vec<Agency>),
    Units(Vec<Unit>),
    Lineage(Vec<Lineage>),
    Catalog(Vec<Indicator>),
    Targets(Vec<Target>),
    /// With the row each value came from.
    Observations(Vec<(usize, Observation)>),
}

impl Batch {
    pub async fn apply(self, store: &Store) -> Result<WriteCounts, StoreError> {
        match self {
            Batch::Domains(domains) => store.write_domains(&domains).await,
            Batch::Holidays(holidays) => store.write_holidays(&holidays).await,
            Batch::Agencies(agencies) => store.write_agencies(&agencies).await,
            Batch::Units(units) => store.write_units(&units).await,
            Batch::Lineage(mut lineage) => {
                // Crosswalks are published per commune; coarser levels follow from them. Derived before
                // writing, so that the file and what follows from it land in one transaction.
                let all = merged_lineage(store.lineage().await?, &lineage);
                let registry = UnitRegistry::new(store.units().await?, all)
                    .map_err(|errors| StoreError::Corrupt(errors[0].to_string()))?;
                lineage.extend(
                    [UnitLevel::District, UnitLevel::Province]
                        .into_iter()
                        .flat_map(|level| registry.derive_lineage(level)),
                );
                store.write_lineage(&lineage).await
            }
            Batch::Catalog(indicators) => store.write_indicators(&indicators).await,
            Batch::Targets(targets) => store.write_targets(&targets).await,
            Batch::Observations(numbered) => {
                let observations: Vec<Observation> = numbered.into_iter().map(|(_, o)| o).collect();
                store.write_observations(&observations).await
            }
        }
    }
}

pub(crate) struct Checked {
    pub batch: Batch,
    pub errors: Vec<RowError>,
    /// Set when the valid rows alone would still leave the stored data inconsistent (a unit whose parent is
    /// only in a bad row, a formula cycle through a stored indicator): the file is refused even when the
    /// caller accepts valid rows.
    pub refuse_whole: bool,
    /// Value rows passed over for having neither a value nor a comment.
    pub skipped: Vec<usize>,
}

/// Parses every row, then checks the rows against each other and against the store.
pub(crate) async fn check(
    store: &Store,
    kind: ImportKind,
    sheet: &Sheet,
    options: &ImportOptions,
) -> Result<Checked, StoreError> {
    let mut errors = sheet.malformed.clone();
    let mut whole_file_problems: Vec<String> = Vec::new();
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut skipped = Vec::new();
    // Parses each row with `parse`, which returns the row's key and record; later rows with a key already
    // seen are errors, since a file that says two things about one cell is ambiguous.
    let mut rows = |key_column: &str,
                    parse: &mut dyn FnMut(&mut Row) -> Option<(String, usize)>| {
        for (number, fields) in &sheet.rows {
            let mut row = Row::new(*number, &sheet.columns, fields);
            let parsed = parse(&mut row);
            if let Some((key, _)) = &parsed
                && row.errors.is_empty()
            {
                if let Some(first) = keys.get(key) {
                    row.fail(
                        key_column,
                        format!("repeats row {first} for the same {key_column}"),
                    );
                } else {
                    keys.insert(key.clone(), *number);
                }
            }
            errors.append(&mut row.errors);
        }
    };
    let batch = match kind {
        ImportKind::Domains => {
            let mut records = Vec::new();
            rows("code", &mut |row| {
                let domain = Domain {
                    code: row.text("code"),
                    name_vi: row.text("name_vi"),
                    name_en: row.text("name_en"),
                };
                let key = domain.code.clone();
                records.push((row.number, domain));
                Some((key, row.number))
            });
            Batch::Domains(keep_valid(records, &errors))
        }
        ImportKind::Holidays => {
            let mut records = Vec::new();
            rows("date", &mut |row| {
                let day = row.parse("date", parse_date)?;
                let holiday = Holiday {
                    day,
                    name: row.text("name"),
                };
                records.push((row.number, holiday));
                Some((day.to_string(), row.number))
            });
            Batch::Holidays(keep_valid(records, &errors))
        }
        ImportKind::Agencies => {
            let units: BTreeSet<String> = store
                .units()
                .await?
                .into_iter()
                .map(|unit| unit.code)
                .collect();
            let mut records = Vec::new();
            rows("code", &mut |row| {
                let kind = row.parse("kind", AgencyKind::parse);
                let jurisdiction = row.text("jurisdiction");
                if !jurisdiction.is_empty() && !units.contains(&jurisdiction) {
                    row.fail("jurisdiction", format!("unknown unit `{jurisdiction}`"));
                }
                let agency = Agency {
                    code: row.text("code"),
                    name_vi: row.text("name_vi"),
                    name_en: row.text("name_en"),
                    kind: kind?,
                    jurisdiction,
                };
                let key = agency.code.clone();
                records.push((row.number, agency));
                Some((key, row.number))
            });
            Batch::Agencies(keep_valid(records, &errors))
        }
        ImportKind::Units => {
            let mut records = Vec::new();
            rows("code", &mut |row| {
                let level = row.parse("level", UnitLevel::parse);
                let valid_from = row.date("valid_from");
                let valid_to = row.date("valid_to");
                let lat = row.optional_number("lat");
                let lon = row.optional_number("lon");
                match (lat, lon) {
                    (Some(_), None) => row.fail("lon", "is empty while lat is given"),
                    (None, Some(_)) => row.fail("lat", "is empty while lon is given"),
                    (Some(lat), _) if !(-90.0..=90.0).contains(&lat) => {
                        row.fail("lat", format!("{lat} is not a latitude"))
                    }
                    (_, Some(lon)) if !(-180.0..=180.0).contains(&lon) => {
                        row.fail("lon", format!("{lon} is not a longitude"))
                    }
                    _ => {}
                }
                let unit = Unit {
                    code: row.text("code"),
                    name: row.text("name"),
                    level: level?,
                    parent: row.optional("parent_code").map(str::to_owned),
                    kind: row.text("kind"),
                    valid_from,
                    valid_to,
                    point: lat.zip(lon).map(|(lat, lon)| Point { lat, lon }),
                };
                let key = format!("{} from {:?}", unit.code, unit.valid_from);
                records.push((row.number, unit));
                Some((key, row.number))
            });
            // The file's units must make a consistent registry together with the stored ones they do not
            // replace: first to point at the rows at fault, then, with only the valid rows, to be sure that
            // what would be written is consistent.
            let stored = store.units().await?;
            let registry_of = |rows: &[Unit]| {
                let mut all: Vec<Unit> = stored
                    .iter()
                    .filter(|old| {
                        !rows
                            .iter()
                            .any(|new| new.code == old.code && new.valid_from == old.valid_from)
                    })
                    .cloned()
                    .collect();
                all.extend(rows.iter().cloned());
                UnitRegistry::new(all, Vec::new())
            };
            let parsed: Vec<Unit> = records.iter().map(|(_, unit)| unit.clone()).collect();
            if let Err(problems) = registry_of(&parsed) {
                for problem in problems {
                    match records
                        .iter()
                        .find(|(_, unit)| unit.code == problem.subject())
                    {
                        Some((row, _)) => errors.push(RowError {
                            row: *row,
                            column: "code".to_owned(),
                            reason: problem.to_string(),
                        }),
                        None => whole_file_problems.push(problem.to_string()),
                    }
                }
            }
            let bad: BTreeSet<usize> = errors.iter().map(|error| error.row).collect();
            let kept: Vec<Unit> = records
                .iter()
                .filter(|(row, _)| !bad.contains(row))
                .map(|(_, unit)| unit.clone())
                .collect();
            if let Err(problems) = registry_of(&kept) {
                whole_file_problems.extend(problems.iter().map(ToString::to_string));
            }
            Batch::Units(keep_valid(records, &errors))
        }
        ImportKind::Lineage => {
            let explicit = sheet.columns.contains_key("kind");
            let mut records = Vec::new();
            rows("old_code", &mut |row| {
                let old_code = row.text("old_code");
                let new_code = row.text("new_code");
                let date = match row.optional("effective_date") {
                    Some(_) => row.date("effective_date"),
                    None => {
                        row.fail("effective_date", "is empty");
                        None
                    }
                };
                let kind = if explicit {
                    row.parse("kind", LineageKind::parse)
                } else {
                    Some(LineageKind::Rename)
                };
                let weight = if explicit {
                    row.optional_number("weight").or(Some(1.0))
                } else {
                    Some(1.0)
                };
                let lineage = Lineage {
                    old_code,
                    new_code,
                    date: date?,
                    kind: kind?,
                    weight: weight?,
                };
                let key = format!(
                    "{} -> {} on {}",
                    lineage.old_code, lineage.new_code, lineage.date
                );
                records.push((row.number, lineage));
                Some((key, row.number))
            });
            let mut records = keep_valid_numbered(records, &errors);
            if !explicit {
                // Classified from the valid rows only (a rejected duplicate must not make its twin a split),
                // together with the stored edges, so that a file carrying part of a crosswalk gets the same
                // kinds and weights as the whole one.
                let edges: Vec<Lineage> = records.iter().map(|(_, edge)| edge.clone()).collect();
                let crosswalk: Vec<CrosswalkRow> = merged_lineage(store.lineage().await?, &edges)
                    .into_iter()
                    .map(|edge| CrosswalkRow {
                        old_code: edge.old_code,
                        new_code: edge.new_code,
                        date: edge.date,
                    })
                    .collect();
                let classified = classify_crosswalk(&crosswalk);
                for (_, edge) in records.iter_mut() {
                    if let Some(found) = classified
                        .iter()
                        .find(|candidate| same_edge(candidate, edge))
                    {
                        *edge = found.clone();
                    }
                }
            }
            let edges: Vec<Lineage> = records.iter().map(|(_, edge)| edge.clone()).collect();
            let all = merged_lineage(store.lineage().await?, &edges);
            if let Err(problems) = UnitRegistry::new(store.units().await?, all) {
                for problem in problems {
                    let at_fault = records.iter().find(|(_, edge)| match &problem {
                        UnitError::LineageOldMissing { old, new, date }
                        | UnitError::LineageNewMissing { old, new, date }
                        | UnitError::LineageWeight { old, new, date, .. } => {
                            &edge.old_code == old && &edge.new_code == new && &edge.date == date
                        }
                        other => edge.old_code == other.subject(),
                    });
                    match at_fault {
                        Some((row, _)) => errors.push(RowError {
                            row: *row,
                            column: "old_code".to_owned(),
                            reason: problem.to_string(),
                        }),
                        None => whole_file_problems.push(problem.to_string()),
                    }
                }
            }
            Batch::Lineage(keep_valid(records, &errors))
        }
        ImportKind::Catalog => {
            let agencies = store.agencies().await?;
            let mut records = Vec::new();
            rows("code", &mut |row| {
                let frequency = row.parse("frequency", PeriodType::parse);
                let time_aggregation = row.parse("time_aggregation", TimeAggregation::parse);
                let space_aggregation = row.parse("space_aggregation", SpaceAggregation::parse);
                let polarity = row.parse("polarity", Polarity::parse);
                let cumulative = row.flag("cumulative");
                let levels = row.parse("levels", parse_levels);
                let public = row.parse_optional("public", |text| match text {
                    "yes" => Ok(true),
                    "no" => Ok(false),
                    _ => Err(format!("`{text}` is not yes or no")),
                });
                let deadline = row.parse_optional("deadline", DeadlineRule::parse);
                let computed = row.parse_optional("computed", ReportCount::parse);
                // Catalogues written by departments name the owner; ours refer to it by code. Both resolve.
                let owner = row.text("owner_agency");
                let owner_agency = agencies
                    .iter()
                    .find(|agency| agency.code == owner || agency.name_vi == owner)
                    .map_or(owner, |agency| agency.code.clone());
                let indicator = Indicator {
                    code: row.text("code"),
                    name_vi: row.text("name_vi"),
                    name_en: row.text("name_en"),
                    domain: row.text("domain"),
                    measure: row.text("unit"),
                    frequency: frequency?,
                    time_aggregation: time_aggregation?,
                    space_aggregation: space_aggregation?,
                    polarity: polarity?,
                    cumulative: cumulative?,
                    levels: levels?,
                    owner_agency,
                    formula: row.optional("formula").map(str::to_owned),
                    public: public.unwrap_or(true),
                    source: row.optional("source").unwrap_or_default().to_owned(),
                    confidence: row.optional("confidence").unwrap_or_default().to_owned(),
                    deadline,
                    computed,
                };
                let key = indicator.code.clone();
                records.push((row.number, indicator));
                Some((key, row.number))
            });
            let domains: BTreeSet<String> = store
                .domains()
                .await?
                .into_iter()
                .map(|domain| domain.code)
                .collect();
            let agency_codes: BTreeSet<String> =
                agencies.into_iter().map(|agency| agency.code).collect();
            let stored = store.indicators().await?;
            // Optional columns the file does not have leave the stored definition alone: a department's
            // catalogue without a `public` column must not publish its internal indicators.
            for (_, indicator) in records.iter_mut() {
                let Some(old) = stored.iter().find(|old| old.code == indicator.code) else {
                    continue;
                };
                let absent = |column: &str| !sheet.columns.contains_key(column);
                if absent("public") {
                    indicator.public = old.public;
                }
                if absent("formula") {
                    indicator.formula = old.formula.clone();
                }
                if absent("source") {
                    indicator.source = old.source.clone();
                }
                if absent("confidence") {
                    indicator.confidence = old.confidence.clone();
                }
                if absent("deadline") {
                    indicator.deadline = old.deadline;
                }
                if absent("computed") {
                    indicator.computed = old.computed;
                }
            }
            let mut all: Vec<Indicator> = stored
                .into_iter()
                .filter(|stored| !records.iter().any(|(_, new)| new.code == stored.code))
                .collect();
            all.extend(records.iter().map(|(_, indicator)| indicator.clone()));
            let context = CatalogContext {
                domains: &domains,
                agencies: &agency_codes,
            };
            for problem in validate_catalog(&all, &context) {
                match records
                    .iter()
                    .find(|(_, indicator)| indicator.code == problem.code)
                {
                    Some((row, _)) => errors.push(RowError {
                        row: *row,
                        column: column_of(problem.field).to_owned(),
                        reason: problem.message,
                    }),
                    // A stored indicator that the file breaks (a cycle through it, an operand narrowed).
                    None => whole_file_problems.push(problem.to_string()),
                }
            }
            Batch::Catalog(keep_valid(records, &errors))
        }
        ImportKind::Targets | ImportKind::Observations => {
            let indicators: HashMap<String, Indicator> = store
                .indicators()
                .await?
                .into_iter()
                .map(|indicator| (indicator.code.clone(), indicator))
                .collect();
            let registry = UnitRegistry::new(store.units().await?, store.lineage().await?)
                .map_err(|problems| StoreError::Corrupt(problems[0].to_string()))?;
            let cell_key = |row: &mut Row, for_target: bool| -> Option<ObservationKey> {
                let indicator = row.required("indicator").map(str::to_owned);
                let period = row.parse("period", Period::parse);
                let unit = row.required("unit").map(str::to_owned);
                let (indicator, period, unit) = (indicator?, period?, unit?);
                let Some(definition) = indicators.get(&indicator) else {
                    row.fail("indicator", format!("unknown indicator `{indicator}`"));
                    return None;
                };
                let expected = definition.frequency;
                let fits = if for_target {
                    !period.period_type().is_finer_than(expected)
                } else {
                    period.period_type() == expected
                };
                if !fits {
                    row.fail(
                        "period",
                        format!(
                            "{indicator} is reported per {expected}; `{period}` is a {}",
                            period.period_type()
                        ),
                    );
                }
                if !for_target && definition.is_derived() {
                    row.fail(
                        "indicator",
                        format!("{indicator} is computed from its formula and takes no values"),
                    );
                }
                if !for_target && definition.computed.is_some() {
                    row.fail(
                        "indicator",
                        format!(
                            "{indicator} is counted by Vantage from the reporting calendar and takes no values"
                        ),
                    );
                }
                match registry.resolve(&unit, period.end()) {
                    None => row.fail(
                        "unit",
                        format!(
                            "no unit `{unit}` exists on {}, the last day of {period}",
                            period.end()
                        ),
                    ),
                    Some(found) if !definition.is_reported_at(found.level) => row.fail(
                        "unit",
                        format!(
                            "{indicator} is not reported at {} level ({unit} is a {})",
                            found.level, found.level
                        ),
                    ),
                    Some(_) => {}
                }
                Some(ObservationKey {
                    indicator,
                    unit,
                    period,
                })
            };
            if kind == ImportKind::Targets {
                let mut records = Vec::new();
                rows("period", &mut |row| {
                    let key = cell_key(row, true);
                    let value = row.number("value");
                    let max = row.optional_number("value_max");
                    let bound = match (row.required("kind"), value) {
                        (Some(kind), Some(value)) => match TargetBound::new(kind, value, max) {
                            Ok(bound) => Some(bound),
                            Err(reason) => {
                                row.fail("kind", reason);
                                None
                            }
                        },
                        _ => None,
                    };
                    let target = Target {
                        key: key?,
                        bound: bound?,
                        source_document: row
                            .optional("source_document")
                            .unwrap_or_default()
                            .to_owned(),
                    };
                    let text = target.key.to_string();
                    records.push((row.number, target));
                    Some((text, row.number))
                });
                Batch::Targets(keep_valid(records, &errors))
            } else {
                let mut records = Vec::new();
                rows("period", &mut |row| {
                    if options.skip_empty_values
                        && row.optional("value").is_none()
                        && row.optional("comment").is_none()
                    {
                        skipped.push(row.number);
                        return None;
                    }
                    let key = cell_key(row, false);
                    let value = row.number("value");
                    let status =
                        row.parse_optional("status", |text| {
                            match ObservationStatus::parse(text)? {
                            ObservationStatus::Deleted => Err(
                                "values are deleted by a DHIS2 import with importStrategy=DELETE, \
                                 not written as deleted"
                                    .to_owned(),
                            ),
                            status => Ok(status),
                        }
                        });
                    let observation = Observation {
                        key: key?,
                        value: value?,
                        status: status.unwrap_or(ObservationStatus::Submitted),
                        source: options.source.clone(),
                        author: options.author.clone(),
                        recorded_at: options.now,
                        comment: row.optional("comment").map(str::to_owned),
                    };
                    let text = observation.key.to_string();
                    records.push((row.number, observation));
                    Some((text, row.number))
                });
                let (rows, mut observations): (Vec<usize>, Vec<Observation>) =
                    keep_valid_numbered(records, &errors).into_iter().unzip();
                keep_stored_fields(store, sheet, &mut observations).await?;
                Batch::Observations(rows.into_iter().zip(observations).collect())
            }
        }
    };
    // Problems that no row of the file owns are reported on the header row.
    let refuse_whole = !whole_file_problems.is_empty();
    errors.extend(whole_file_problems.into_iter().map(|reason| RowError {
        row: 1,
        column: String::new(),
        reason: format!("the file would leave stored data inconsistent: {reason}"),
    }));
    Ok(Checked {
        batch,
        errors,
        refuse_whole,
        skipped,
    })
}

fn same_edge(a: &Lineage, b: &Lineage) -> bool {
    a.old_code == b.old_code && a.new_code == b.new_code && a.date == b.date
}

/// Stored lineage with the file's edges in place of the stored edges they rewrite.
fn merged_lineage(stored: Vec<Lineage>, file: &[Lineage]) -> Vec<Lineage> {
    let mut all: Vec<Lineage> = stored
        .into_iter()
        .filter(|old| !file.iter().any(|new| same_edge(old, new)))
        .collect();
    all.extend(file.iter().cloned());
    all
}

/// A column the file does not have leaves the stored field alone, so that re-importing a plain value file
/// after review does not undo the review. An unchanged value keeps its status and comment; a changed value
/// without a status column is submitted again.
async fn keep_stored_fields(
    store: &Store,
    sheet: &Sheet,
    observations: &mut [Observation],
) -> Result<(), StoreError> {
    let has_status = sheet.columns.contains_key("status");
    let has_comment = sheet.columns.contains_key("comment");
    if has_status && has_comment {
        return Ok(());
    }
    let keys: Vec<ObservationKey> = observations
        .iter()
        .map(|observation| observation.key.clone())
        .collect();
    let stored: HashMap<ObservationKey, Observation> = store
        .current_observations(&keys)
        .await?
        .into_iter()
        .map(|observation| (observation.key.clone(), observation))
        .collect();
    for observation in observations.iter_mut() {
        let Some(current) = stored.get(&observation.key) else {
            continue;
        };
        if !has_comment {
            observation.comment = current.comment.clone();
        }
        if !has_status && observation.value == current.value {
            observation.status = current.status;
        }
    }
    Ok(())
}

/// The CSV column a catalogue check is about.
fn column_of(field: &str) -> &str {
    match field {
        "aggregation" => "space_aggregation",
        other => other,
    }
}

/// The records of rows that have no error.
fn keep_valid<T>(records: Vec<(usize, T)>, errors: &[RowError]) -> Vec<T> {
    keep_valid_numbered(records, errors)
        .into_iter()
        .map(|(_, record)| record)
        .collect()
}

/// The records of rows that have no error, with their row numbers.
fn keep_valid_numbered<T>(records: Vec<(usize, T)>, errors: &[RowError]) -> Vec<(usize, T)> {
    let bad: BTreeSet<usize> = errors.iter().map(|error| error.row).collect();
    records
        .into_iter()
        .filter(|(row, _)| !bad.contains(row))
        .collect()
}
