//! Files of values uploaded over the API: the CSV `vantage import observations` reads, checked row by row
//! exactly as an import and as any other write over the API (grant, statuses, locked values), then written
//! through the live path. Refused whole when a row is bad, unless the caller accepts the valid rows; then
//! the rejected rows come back as a CSV file to correct and upload again. Uploading the same file again
//! changes nothing.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vantage_ingest::{ImportError, ImportKind, ImportOptions, RowError};
use vantage_model::record::Observation;

use crate::access::Caller;
use crate::security::check_same_site;
use crate::writes::{WriteQuery, admissible, item_error, refused};
use crate::{AppState, Problem, audit};

/// The largest file accepted: about a million rows of values.
const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_observations))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UploadSummary {
    created: u64,
    updated: u64,
    unchanged: u64,
    /// Rows with neither a value nor a comment (a template's rows left empty), passed over.
    skipped: usize,
    /// With `accept_valid=true`, each problem of a rejected row: `index` is the row as a spreadsheet
    /// shows it (the header is row 1), `field` the column.
    rejected: Vec<crate::ItemError>,
    /// The rejected rows as CSV (`_row`, `_errors`, then the file's columns), ready to correct and upload.
    rejected_csv: Option<String>,
}

/// Uploads a CSV file of values (columns `indicator,unit,period,value`, optionally `comment` and `status`:
/// `draft` or `submitted`). Errors name the row as a spreadsheet numbers it and the column.
#[utoipa::path(
    post,
    path = "/uploads/observations",
    tag = "writes",
    params(WriteQuery),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = UploadSummary),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
async fn upload_observations(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<WriteQuery>,
    body: Bytes,
) -> Result<axum::Json<UploadSummary>, Problem> {
    let user = caller.writer()?.clone();
    check_same_site(&caller, &headers)?;
    let accept_valid = query.accept_valid.unwrap_or(false);
    let options = ImportOptions {
        // Every bad row is found first; the decision below applies to all of them alike.
        accept_valid: true,
        skip_empty_values: true,
        author: user.username.clone(),
        source: "upload".to_owned(),
        now: jiff::Timestamp::now(),
    };
    let prepared =
        vantage_ingest::prepare_csv(state.store(), ImportKind::Observations, &body, &options).await;
    let mut prepared = match prepared {
        Ok(prepared) => prepared,
        Err(ImportError::Refused(rejected)) => {
            return Err(refused(
                rejected.errors.into_iter().map(item_error).collect(),
            ));
        }
        Err(ImportError::File(error)) => return Err(Problem::invalid("body", error)),
        Err(ImportError::Store(error)) => return Err(error.into()),
    };
    let mut faults = Vec::new();
    let valid = admissible(
        &state,
        &caller,
        prepared.take_numbered_observations(),
        &mut faults,
    )
    .await?;
    for fault in faults {
        prepared.reject(RowError {
            row: fault.index,
            column: fault.field,
            reason: fault.reason,
        });
    }
    let errors: Vec<crate::ItemError> = prepared
        .rejected
        .errors
        .iter()
        .cloned()
        .map(item_error)
        .collect();
    if !errors.is_empty() && !accept_valid {
        return Err(refused(errors));
    }
    let observations: Vec<Observation> = valid.into_iter().map(|(_, o)| o).collect();
    let counts = state.analytics.write_observations(&observations).await?;
    let detail = serde_json::json!({
        "format": "csv",
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "rejected": prepared.rejected.rejected_rows(),
    });
    audit::record(
        &state,
        &user.username,
        "observations.upload",
        "observations",
        detail,
    )
    .await?;
    Ok(axum::Json(UploadSummary {
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        skipped: prepared.skipped.len(),
        rejected_csv: (!errors.is_empty()).then(|| prepared.rejected.to_csv()),
        rejected: errors,
    }))
}
