//! Pull connectors at work: a scheduler that runs each enabled connector every so many minutes (and a
//! failed fetch again after 1, 2, 4 … minutes, a few times), and the run itself: fetch the document, read
//! it by the mapping, check the values as an upload is checked (the importer's checks, then the grant of
//! whoever saved the connector last, statuses and locks), write the valid ones through the live path, and
//! log the run. Credentials go into the request's headers and nowhere else.

use std::collections::HashMap;

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::{Mutex, Notify};
use vantage_ingest::dhis2::VALUE_COLUMNS;
use vantage_ingest::{ImportError, ImportKind, ImportOptions};
use vantage_model::connector::{
    Connector, Credential, MAX_ATTEMPTS, RunOutcome, RunProblem, RunTrigger,
};
use vantage_model::record::{Observation, ObservationKey};
use vantage_model::retry::retry_after;
use vantage_outbound::{Call, Method};
use vantage_store::{ConnectorRun, StoredConnector, WriteCounts};

use crate::access::Caller;
use crate::writes::admissible;
use crate::{AppState, Problem, audit};

/// The most problems of refused records a run keeps.
const MAX_PROBLEMS: usize = 100;

/// Retries of a failed fetch come at most this far apart (and never later than the next scheduled run).
const MAX_RETRY_WAIT: SignedDuration = SignedDuration::from_hours(1);

/// Wakes the scheduler when connectors change; one run at a time.
#[derive(Default)]
pub(crate) struct Puller {
    wake: Notify,
    running: Mutex<()>,
}

impl Puller {
    /// The scheduler should look at the connectors again.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// What is next for a connector: when, and as which trigger and attempt (a retry counts the attempts of
/// the run that failed; a connector never run runs at once).
fn next_run(connector: &Connector, last: Option<&ConnectorRun>) -> (Timestamp, RunTrigger, u32) {
    match last {
        None => (Timestamp::UNIX_EPOCH, RunTrigger::Schedule, 1),
        Some(run) => match run.retry_at {
            Some(at) => (at, RunTrigger::Retry, run.attempt + 1),
            None => {
                // A run not to be tried again is followed by the schedule's next, counted from it.
                let every = SignedDuration::from_mins(i64::from(connector.every_minutes));
                (run.started_at + every, RunTrigger::Schedule, 1)
            }
        },
    }
}

/// When a connector runs next after its `last` run; `None` when it is disabled.
pub(crate) fn next_run_at(connector: &Connector, last: Option<&ConnectorRun>) -> Option<Timestamp> {
    connector.enabled.then(|| next_run(connector, last).0)
}

/// Runs every enabled connector when it is due, for as long as the server runs.
pub(crate) fn start(state: AppState) {
    tokio::spawn(async move {
        loop {
            let wait = match run_due(&state).await {
                Ok(wait) => wait,
                Err(error) => {
                    tracing::error!(detail = %error.detail, "the connectors' scheduler failed; trying again in a minute");
                    std::time::Duration::from_secs(60)
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = state.puller.wake.notified() => {}
            }
        }
    });
}

/// Runs the connectors that are due; how long until the next one is.
async fn run_due(state: &AppState) -> Result<std::time::Duration, Problem> {
    let mut soonest = Timestamp::now() + SignedDuration::from_hours(1);
    for stored in state.store().connectors().await? {
        if !stored.item.enabled {
            continue;
        }
        let last = state.store().connector_runs(&stored.item.id, 1).await?;
        let (at, trigger, attempt) = next_run(&stored.item, last.first());
        let now = Timestamp::now();
        let next = if at <= now {
            let run = run(state, &stored, trigger, attempt, Mode::Write).await?;
            next_run(&stored.item, Some(&run)).0
        } else {
            at
        };
        soonest = soonest.min(next);
    }
    let wait = soonest.duration_since(Timestamp::now());
    Ok(std::time::Duration::try_from(wait).unwrap_or_default())
}

/// The headers a connector's credential adds.
fn credential_headers(credential: Option<&Credential>) -> Vec<(String, String)> {
    match credential {
        None => Vec::new(),
        Some(Credential::Bearer { token }) => {
            vec![("Authorization".to_owned(), format!("Bearer {token}"))]
        }
        Some(Credential::Basic { username, password }) => {
            let pair =
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
            vec![("Authorization".to_owned(), format!("Basic {pair}"))]
        }
        Some(Credential::Header { name, value }) => vec![(name.clone(), value.clone())],
    }
}

/// How a fetch that got a document went: the counts and the refused records' problems.
struct Applied {
    records: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    problems: Vec<RunProblem>,
}

/// Whether a run writes what it read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Writes the valid values and logs the run (durable before it ends).
    Write,
    /// Fetches, reads and checks, and counts what would change: nothing written, nothing logged.
    Try,
}

/// Runs a connector once.
async fn run(
    state: &AppState,
    stored: &StoredConnector,
    trigger: RunTrigger,
    attempt: u32,
    mode: Mode,
) -> Result<ConnectorRun, Problem> {
    let _one_at_a_time = state.puller.running.lock().await;
    let connector = &stored.item;
    let started_at = Timestamp::now();
    let outcome = fetch_and_apply(state, stored, mode).await;
    let finished_at = Timestamp::now();
    let mut run = ConnectorRun {
        id: 0,
        connector: connector.id.clone(),
        trigger,
        attempt,
        started_at,
        finished_at,
        outcome: RunOutcome::Succeeded,
        records: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        error: None,
        problems: Vec::new(),
        retry_at: None,
    };
    match outcome {
        Ok(applied) => {
            run.outcome = if applied.rejected > 0 {
                RunOutcome::Partial
            } else {
                RunOutcome::Succeeded
            };
            run.records = applied.records;
            run.created = applied.created;
            run.updated = applied.updated;
            run.unchanged = applied.unchanged;
            run.rejected = applied.rejected;
            run.problems = applied.problems;
        }
        Err(Failure::Fetch(error)) => {
            tracing::warn!(connector = %connector.id, attempt, %error, "a connector's fetch failed");
            run.outcome = RunOutcome::Failed;
            run.error = Some(error);
            let every = SignedDuration::from_mins(i64::from(connector.every_minutes));
            // A disabled connector, run by hand, is not tried again by itself, nor is a try.
            run.retry_at = (mode == Mode::Write && connector.enabled && attempt < MAX_ATTEMPTS)
                .then(|| finished_at + retry_after(attempt, MAX_RETRY_WAIT.min(every)));
        }
        Err(Failure::Internal(problem)) => return Err(problem),
    }
    if mode == Mode::Write {
        run.id = state.store().record_connector_run(&run).await?;
    }
    Ok(run)
}

enum Failure {
    /// Nothing was fetched or the document could not be read: worth another try.
    Fetch(String),
    Internal(Problem),
}

impl From<Problem> for Failure {
    fn from(problem: Problem) -> Failure {
        Failure::Internal(problem)
    }
}

async fn fetch_and_apply(
    state: &AppState,
    stored: &StoredConnector,
    mode: Mode,
) -> Result<Applied, Failure> {
    let connector = &stored.item;
    let owner = state
        .store()
        .users()
        .await
        .map_err(Problem::from)?
        .into_iter()
        .find(|user| user.username == stored.updated_by)
        .ok_or_else(|| {
            Failure::Fetch(format!(
                "{}, who saved the connector last, is no longer a user: save it again",
                stored.updated_by
            ))
        })?;
    let mut headers = credential_headers(connector.credential.as_ref());
    headers.push(("Accept".to_owned(), "application/json".to_owned()));
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let answer = state
        .alerting
        .http()
        .send(Call {
            method: Method::GET,
            url: &connector.url,
            headers: &headers,
            body: Default::default(),
        })
        .await
        .map_err(|error| Failure::Fetch(error.to_string()))?;
    if !(200..300).contains(&answer.status) {
        return Err(Failure::Fetch(format!(
            "the source answered {}",
            answer.status
        )));
    }
    let rows = {
        let engine = state.analytics.engine();
        let frequency = |code: &str| {
            engine
                .catalog()
                .id(code)
                .map(|id| engine.catalog().get(id).frequency)
        };
        vantage_ingest::connector::rows(
            &answer.body,
            &connector.mapping,
            &frequency,
            &state.time_zone,
        )
    }
    .map_err(|error| Failure::Fetch(error.to_string()))?;
    let records = rows.len() as u64;
    let options = ImportOptions {
        accept_valid: true,
        skip_empty_values: false,
        author: owner.username.clone(),
        source: format!("connector:{}", connector.id),
        now: Timestamp::now(),
    };
    let header = VALUE_COLUMNS.map(str::to_owned).to_vec();
    let mut prepared = match vantage_ingest::prepare_records(
        state.store(),
        ImportKind::Observations,
        header,
        rows,
        &options,
    )
    .await
    {
        Ok(prepared) => prepared,
        Err(ImportError::Store(error)) => return Err(Failure::Internal(error.into())),
        Err(error) => return Err(Failure::Fetch(error.to_string())),
    };
    let mut faults = Vec::new();
    let valid = admissible(
        state,
        &Caller::User(owner.clone()),
        prepared.take_numbered_observations(),
        &mut faults,
    )
    .await?;
    let mut problems: Vec<RunProblem> = prepared
        .rejected
        .errors
        .iter()
        .map(|error| RunProblem {
            index: error.row,
            field: error.column.clone(),
            reason: error.reason.clone(),
        })
        .chain(faults.into_iter().map(|fault| RunProblem {
            index: fault.index,
            field: fault.field,
            reason: fault.reason,
        }))
        .collect();
    problems.sort_by_key(|problem| problem.index);
    let mut refused: Vec<usize> = problems.iter().map(|problem| problem.index).collect();
    refused.dedup();
    problems.truncate(MAX_PROBLEMS);
    let observations: Vec<_> = valid
        .into_iter()
        .map(|(_, observation)| observation)
        .collect();
    let counts = match mode {
        Mode::Write => state
            .analytics
            .write_observations(&observations)
            .await
            .map_err(Problem::from)?,
        Mode::Try => would_write(state, &observations).await?,
    };
    if mode == Mode::Write && counts.created + counts.updated > 0 {
        let detail = serde_json::json!({
            "connector": connector.id,
            "created": counts.created,
            "updated": counts.updated,
            "rejected": refused.len(),
        });
        audit::record(
            state,
            &owner.username,
            "observations.pull",
            "observations",
            detail,
        )
        .await?;
    }
    Ok(Applied {
        records,
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        rejected: refused.len() as u64,
        problems,
    })
}

/// What writing `observations` would change, without writing them.
async fn would_write(
    state: &AppState,
    observations: &[Observation],
) -> Result<WriteCounts, Problem> {
    let keys: Vec<ObservationKey> = observations.iter().map(|o| o.key.clone()).collect();
    let current: HashMap<ObservationKey, Observation> = state
        .store()
        .current_observations(&keys)
        .await?
        .into_iter()
        .map(|observation| (observation.key.clone(), observation))
        .collect();
    let mut counts = WriteCounts::default();
    for observation in observations {
        match current.get(&observation.key) {
            None => counts.created += 1,
            Some(stored) if observation.same_content(stored) => counts.unchanged += 1,
            Some(_) => counts.updated += 1,
        }
    }
    Ok(counts)
}

/// Keeps the stored credential's secrets where `given` sends the placeholder lists show instead of them.
pub(crate) fn keep_secrets(given: &mut Connector, stored: Option<&Connector>, hidden: &str) {
    let Some(credential) = given.credential.as_mut() else {
        return;
    };
    let stored = stored
        .and_then(|connector| connector.credential.clone())
        .filter(|stored| stored.kind() == credential.kind());
    let Some(mut stored) = stored else {
        return;
    };
    for (secret, kept) in credential
        .secrets_mut()
        .into_iter()
        .zip(stored.secrets_mut())
    {
        if secret == hidden {
            *secret = std::mem::take(kept);
        }
    }
}

/// The connector as lists show it: secrets replaced by `hidden`.
pub(crate) fn without_secrets(mut connector: Connector, hidden: &str) -> Connector {
    if let Some(credential) = connector.credential.as_mut() {
        for secret in credential.secrets_mut() {
            hidden.clone_into(secret);
        }
    }
    connector
}

/// Runs one connector now (a person asked), and wakes the scheduler to plan from this run; or only
/// tries it.
pub(crate) async fn run_now(
    state: &AppState,
    stored: &StoredConnector,
    mode: Mode,
) -> Result<ConnectorRun, Problem> {
    let run = run(state, stored, RunTrigger::Manual, 1, mode).await?;
    state.puller.wake();
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector(credential: Option<Credential>) -> Connector {
        serde_json::from_value(serde_json::json!({
            "id": "mua", "name": "Mưa", "url": "https://khituong.example.vn/mua", "every_minutes": 30,
            "credential": credential,
            "mapping": {"indicator": {"value": "ENV.RAIN"}, "unit": {"pointer": "/xa"},
                        "period": {"pointer": "/ngay"}, "value": {"pointer": "/mm"}}
        }))
        .unwrap()
    }

    fn run(attempt: u32, retry_at: Option<Timestamp>) -> ConnectorRun {
        let started_at = Timestamp::from_second(1_770_000_000).unwrap();
        ConnectorRun {
            id: 1,
            connector: "mua".into(),
            trigger: RunTrigger::Schedule,
            attempt,
            started_at,
            finished_at: started_at,
            outcome: RunOutcome::Failed,
            records: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            rejected: 0,
            error: None,
            problems: Vec::new(),
            retry_at,
        }
    }

    #[test]
    fn runs_follow_the_schedule_and_retries_count_attempts() {
        let mua = connector(None);
        assert_eq!(
            next_run(&mua, None),
            (Timestamp::UNIX_EPOCH, RunTrigger::Schedule, 1)
        );
        let done = run(1, None);
        assert_eq!(
            next_run(&mua, Some(&done)),
            (
                done.started_at + SignedDuration::from_mins(30),
                RunTrigger::Schedule,
                1
            )
        );
        let retry_at = done.started_at + SignedDuration::from_mins(2);
        assert_eq!(
            next_run(&mua, Some(&run(2, Some(retry_at)))),
            (retry_at, RunTrigger::Retry, 3)
        );
    }

    #[test]
    fn secrets_are_hidden_in_lists_and_kept_when_the_placeholder_comes_back() {
        let stored = connector(Some(Credential::Basic {
            username: "ioc".into(),
            password: "mat-khau".into(),
        }));
        let shown = without_secrets(stored.clone(), "****");
        assert_eq!(
            shown.credential,
            Some(Credential::Basic {
                username: "ioc".into(),
                password: "****".into()
            })
        );
        let mut sent_back = shown.clone();
        keep_secrets(&mut sent_back, Some(&stored), "****");
        assert_eq!(sent_back, stored);
        // Another kind of credential keeps nothing of the stored one.
        let mut other = connector(Some(Credential::Bearer {
            token: "****".into(),
        }));
        keep_secrets(&mut other, Some(&stored), "****");
        assert_eq!(
            other.credential,
            Some(Credential::Bearer {
                token: "****".into()
            })
        );
    }

    #[test]
    fn credentials_become_headers() {
        let basic = Credential::Basic {
            username: "ioc".into(),
            password: "pw".into(),
        };
        assert_eq!(
            credential_headers(Some(&basic)),
            [("Authorization".to_owned(), "Basic aW9jOnB3".to_owned())]
        );
        let header = Credential::Header {
            name: "X-API-Key".into(),
            value: "k".into(),
        };
        assert_eq!(
            credential_headers(Some(&header)),
            [("X-API-Key".to_owned(), "k".to_owned())]
        );
    }
}
