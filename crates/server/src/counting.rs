//! Reporting rates as indicators of their own. For every catalogue indicator marked `computed`
//! (`reports_expected`, `reports_received`, `reports_on_time`), Vantage counts the reports owed at each
//! unit it is recorded at whose deadline falls in each of its periods — at a commune the commune's own,
//! at the province the departments' province-level reports — and writes the counts through the live
//! path. They are then on maps, in scorecards and under alert rules like any other value, the engine sums
//! the communes' into the province's, and rates are formulas over them.
//!
//! A count is recounted when a report it covers is written (that unit and period only), when the clock
//! passes deadlines (every few minutes, the periods holding today and yesterday), and at start-up (the
//! periods holding the last [`RECOUNTED_AT_START_DAYS`] days, so reports written while the server was
//! down are counted).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use jiff::ToSpan;
use jiff::civil::Date;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use vantage_live::ChangeBatch;
use vantage_model::indicator::Indicator;
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{Observation, ObservationKey, ObservationStatus};
use vantage_model::reporting::{ReportCount, ReportingRates};
use vantage_model::unit::UnitLevel;
use vantage_store::WriteCounts;

use crate::reporting::{calendar, owed};
use crate::{AppState, Problem};

/// How often the clock's deadlines are caught up with: a report not in by its deadline becomes
/// expected (and missing) within this time.
const RECOUNT_EVERY: Duration = Duration::from_secs(5 * 60);
/// How far back the counts are redone when the server starts.
const RECOUNTED_AT_START_DAYS: i64 = 92;
/// How long the counter lets further writes gather before recounting what they touched.
const SETTLE: Duration = Duration::from_secs(1);
/// Who writes the counts, in their revisions.
const AUTHOR: &str = "vantage";
const SOURCE: &str = "reporting-rates";

/// One indicator Vantage counts.
struct Counted {
    code: String,
    frequency: PeriodType,
    count: ReportCount,
    /// The levels its counts are kept at.
    levels: Vec<UnitLevel>,
}

fn counted<'a>(indicators: impl Iterator<Item = &'a Indicator>) -> Vec<Counted> {
    indicators
        .filter_map(|indicator| {
            let count = indicator.computed?;
            Some(Counted {
                code: indicator.code.clone(),
                frequency: indicator.frequency,
                count,
                levels: indicator
                    .levels
                    .iter()
                    .copied()
                    .filter(|level| indicator.is_recorded_at(*level))
                    .collect(),
            })
        })
        .collect()
}

/// Keeps the counts current for as long as the server runs.
pub(crate) fn start(state: AppState) {
    let mut changes = state.analytics.subscribe();
    tokio::spawn(async move {
        let today = state.today();
        recount_logged(&state, today - RECOUNTED_AT_START_DAYS.days(), today, None).await;
        let mut clock =
            tokio::time::interval_at(tokio::time::Instant::now() + RECOUNT_EVERY, RECOUNT_EVERY);
        loop {
            tokio::select! {
                _ = clock.tick() => {
                    let today = state.today();
                    recount_logged(&state, today - 1.day(), today, None).await;
                }
                received = changes.recv() => {
                    let mut batches = match received {
                        Ok(batch) => vec![batch],
                        Err(RecvError::Lagged(_)) => {
                            // Some writes went by unseen: redo everything they could have touched.
                            let today = state.today();
                            recount_logged(&state, today - RECOUNTED_AT_START_DAYS.days(), today, None).await;
                            continue;
                        }
                        Err(RecvError::Closed) => return,
                    };
                    tokio::time::sleep(SETTLE).await;
                    loop {
                        match changes.try_recv() {
                            Ok(batch) => batches.push(batch),
                            Err(TryRecvError::Lagged(_)) => continue,
                            Err(_) => break,
                        }
                    }
                    match touched(&state, &batches).await {
                        Ok(touched) => {
                            for ((from, to), units) in touched {
                                recount_logged(&state, from, to, Some(&units)).await;
                            }
                        }
                        Err(error) => tracing::error!(detail = %error.detail, "the reporting-rate counter could not read the calendar"),
                    }
                }
            }
        }
    });
}

/// Recounts, logging how a recount of every unit went (and any failure).
async fn recount_logged(state: &AppState, from: Date, to: Date, only: Option<&HashSet<String>>) {
    let started = std::time::Instant::now();
    match recount(state, from, to, only).await {
        Ok(counts) if only.is_none() => tracing::info!(
            %from,
            %to,
            created = counts.created,
            updated = counts.updated,
            unchanged = counts.unchanged,
            seconds = started.elapsed().as_secs_f64(),
            "reporting-rate indicators recounted"
        ),
        Ok(_) => {}
        Err(error) => {
            tracing::error!(detail = %error.detail, %from, %to, "the reporting-rate counts could not be written");
        }
    }
}

/// The days whose counts the changed cells touch, as spans of whole counted periods with the units to
/// recount in each: a report written changes the counts of its own unit for the period holding its
/// deadline.
async fn touched(
    state: &AppState,
    batches: &[std::sync::Arc<ChangeBatch>],
) -> Result<BTreeMap<(Date, Date), HashSet<String>>, Problem> {
    let calendar = calendar(state).await?;
    let engine = state.analytics.engine();
    let counted = counted(engine.catalog().ids().map(|id| engine.catalog().get(id)));
    let mut touched: BTreeMap<(Date, Date), HashSet<String>> = BTreeMap::new();
    if counted.is_empty() {
        return Ok(touched);
    }
    let mut seen = HashSet::new();
    for change in batches.iter().flat_map(|batch| &batch.changes) {
        if !seen.insert((change.indicator, change.unit, change.period)) {
            continue;
        }
        let indicator = engine.catalog().get(change.indicator);
        let unit = engine.registry().get(change.unit);
        if change.period.period_type() != indicator.frequency || !indicator.is_owed_at(unit.level) {
            continue;
        }
        let deadline = indicator.deadline_rule().deadline(change.period, &calendar);
        let span = whole_periods(&counted, deadline.date(), deadline.date());
        touched.entry(span).or_default().insert(unit.code.clone());
    }
    Ok(touched)
}

/// The days from `from` to `to` widened to whole periods of every counted indicator.
fn whole_periods(counted: &[Counted], from: Date, to: Date) -> (Date, Date) {
    counted.iter().fold((from, to), |(start, end), indicator| {
        (
            start.min(Period::containing(indicator.frequency, from).start()),
            end.max(Period::containing(indicator.frequency, to).end()),
        )
    })
}

/// The period of `frequency` a report due on `deadline` is counted in, when it lies whole in the recounted
/// `span` (a period only partly in it would be counted short) and has begun by `today` (reports sent
/// early for a deadline next month wait for that month, which would otherwise show them alone).
fn counted_period(
    frequency: PeriodType,
    deadline: Date,
    span: (Date, Date),
    today: Date,
) -> Option<Period> {
    let period = Period::containing(frequency, deadline);
    (period.start() >= span.0 && period.end() <= span.1 && period.start() <= today)
        .then_some(period)
}

/// Counts again, and writes, the reports whose deadline falls in the counted periods holding the days
/// from `from` to `to` (of the units in `only`, or of all).
async fn recount(
    state: &AppState,
    from: Date,
    to: Date,
    only: Option<&HashSet<String>>,
) -> Result<WriteCounts, Problem> {
    let counted = {
        let engine = state.analytics.engine();
        counted(engine.catalog().ids().map(|id| engine.catalog().get(id)))
    };
    if counted.is_empty() {
        return Ok(WriteCounts::default());
    }
    let (from, to) = whole_periods(&counted, from, to);
    let today = state.today();
    let owed = owed(state, from, to, only).await?;
    let mut tallies: BTreeMap<(usize, String, Period), ReportingRates> = BTreeMap::new();
    {
        let engine = state.analytics.engine();
        let registry = engine.registry();
        let mut exists: HashMap<(&str, Date), bool> = HashMap::new();
        for report in &owed {
            for (index, indicator) in counted.iter().enumerate() {
                if !indicator.levels.contains(&report.level) {
                    continue;
                }
                let Some(period) = counted_period(
                    indicator.frequency,
                    report.deadline.date(),
                    (from, to),
                    today,
                ) else {
                    continue;
                };
                // The unit must still exist when the period ends (a commune merged away in between
                // has no count of its own then).
                let exists = *exists
                    .entry((report.unit.as_str(), period.end()))
                    .or_insert_with(|| {
                        registry
                            .resolve(&report.unit, period.end())
                            .is_some_and(|unit| unit.level == report.level)
                    });
                if !exists {
                    continue;
                }
                tallies
                    .entry((index, report.unit.clone(), period))
                    .or_default()
                    .add(report.punctuality);
            }
        }
    }
    let now = jiff::Timestamp::now();
    let observations: Vec<Observation> = tallies
        .into_iter()
        .map(|((index, unit, period), rates)| {
            let indicator = &counted[index];
            Observation {
                key: ObservationKey {
                    indicator: indicator.code.clone(),
                    unit,
                    period,
                },
                value: indicator.count.of(&rates) as f64,
                status: ObservationStatus::Approved,
                source: SOURCE.to_owned(),
                author: AUTHOR.to_owned(),
                recorded_at: now,
                comment: None,
            }
        })
        .collect();
    Ok(state.analytics.write_observations(&observations).await?)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn reports_count_in_the_period_of_their_deadline_once_it_has_begun() {
        let month = |day| {
            counted_period(
                PeriodType::Month,
                day,
                (date(2026, 9, 1), date(2026, 11, 30)),
                date(2026, 11, 24),
            )
        };
        assert_eq!(month(date(2026, 10, 20)), Some("202610".parse().unwrap()));
        assert_eq!(
            month(date(2026, 11, 30)),
            Some("202611".parse().unwrap()),
            "this month, so far"
        );
        assert_eq!(month(date(2026, 12, 21)), None, "a month not begun");
        assert_eq!(month(date(2026, 8, 31)), None, "outside the span");
        let quarter = counted_period(
            PeriodType::Quarter,
            date(2026, 10, 20),
            (date(2026, 10, 1), date(2026, 11, 30)),
            date(2026, 11, 24),
        );
        assert_eq!(quarter, None, "a quarter only partly in the span");
    }
}
