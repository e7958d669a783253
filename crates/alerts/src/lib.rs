//! Alerting: rules judged on the engine's change events, alerts kept with their timelines in the store,
//! the steps people take on them, the clock that reminds and escalates explanations due and judges late
//! data at each reporting deadline, and the notifications that tell of it all.
//!
//! Everything that changes an alert — a change batch, a person's step, the clock — goes through one lock
//! over the rules and the alerts not yet closed, and is stored before it is published, so that what
//! subscribers see is what a restart reads back.
//!
//! Policies (documented in `docs/ALERTS.md`):
//! - rules judge cells of their indicator's own frequency; an alert follows its subject's newest period
//!   and ignores corrections to older ones;
//! - a new alert opens only on a subject's newest period, so that loading history raises nothing;
//! - an alert whose condition clears while nobody has been asked to explain (or once its explanation
//!   was accepted) closes by itself;
//! - an assigned alert is due after its rule's working days; the assignee is reminded the working day
//!   before, and when the day passes without an explanation the alert is escalated to the unit above
//!   and to the leaders' view.

mod book;
mod deliver;
mod notifying;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use tokio::sync::{Mutex, Notify, broadcast};
use vantage_live::Analytics;
use vantage_model::access::User;
use vantage_model::alert::{
    Alert, AlertAction, AlertState, Assignee, Explanation, StepError, TimelineEntry,
};
use vantage_model::alert_rule::AlertRule;
use vantage_model::calendar::WorkingCalendar;
use vantage_model::notify::NotificationPolicy;
use vantage_outbound::HttpClient;
use vantage_store::{StoreError, StoredRule};

use crate::book::{Book, Clock, Only};
pub use crate::deliver::{Outbound, SmtpRelay, signature};

/// How many notices a slow subscriber may fall behind.
const NOTICE_BUFFER: usize = 4096;
/// The clock looks again at least this often, in case the wall clock jumped.
pub(crate) const CLOCK_CHECK: Duration = Duration::from_secs(3600);
/// How long the working calendar is used before the holidays are read again (they may be imported while
/// Vantage runs).
const CALENDAR_AGE: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("no alert {0}")]
    NotFound(i64),
    #[error("{0}")]
    Step(#[from] StepError),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("the alert changed meanwhile; read it again")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AlertError {
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> AlertError {
        AlertError::Invalid {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Something that happened to an alert, as published to subscribers.
#[derive(Clone, Debug)]
pub struct Notice {
    /// The alert after it.
    pub alert: Alert,
    pub entry: TimelineEntry,
}

/// A step a person asks to take.
#[derive(Clone, Debug)]
pub struct StepRequest {
    pub action: AlertAction,
    pub note: Option<String>,
    /// For `assign`: who is to explain; the indicator's owner agency or the unit when absent.
    pub assignee: Option<Assignee>,
    /// For `submit_explanation`.
    pub explanation: Option<Explanation>,
}

pub struct Alerting {
    analytics: Arc<Analytics>,
    time_zone: TimeZone,
    days_off: Vec<Weekday>,
    book: Mutex<Book>,
    outbound: Outbound,
    http: HttpClient,
    policies: std::sync::RwLock<Vec<NotificationPolicy>>,
    notices: broadcast::Sender<Arc<Notice>>,
    clock: Notify,
    /// Wakes the deliverer when notices were put in the outbox.
    outbox: Notify,
    /// The working calendar and when it was read.
    calendar: std::sync::Mutex<Option<(std::time::Instant, Arc<WorkingCalendar>)>>,
}

/// The alerts not yet closed.
fn active() -> vantage_store::AlertFilter {
    vantage_store::AlertFilter {
        states: AlertState::ALL
            .iter()
            .copied()
            .filter(|state| *state != AlertState::Closed)
            .collect(),
        ..Default::default()
    }
}

/// What one round of decisions (a change batch, a sweep, a step, a tick of the clock) writes: alerts
/// opened and alerts changed, each with its new timeline entries. An alert decided on twice in a round is
/// written once, as it ends up, with all its entries.
#[derive(Default)]
struct Round {
    opened: Vec<(Alert, Vec<TimelineEntry>)>,
    /// At their new version: the one they were read at, plus one.
    changed: Vec<(Alert, Vec<TimelineEntry>)>,
}

impl Round {
    fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.changed.is_empty()
    }

    fn open(&mut self, book: &mut Book, alert: Alert, entries: Vec<TimelineEntry>) {
        book.keep(alert.clone());
        self.opened.push((alert, entries));
    }

    /// `alert` as it becomes, still at the version it was read at.
    fn change(&mut self, book: &mut Book, mut alert: Alert, entries: Vec<TimelineEntry>) {
        book.keep(alert.clone());
        // Opened in this round (not stored yet, so without an id): still an opening.
        let opened = self.opened.iter_mut().find(|(opened, _)| {
            alert.id == 0
                && (&opened.rule, &opened.indicator, &opened.unit)
                    == (&alert.rule, &alert.indicator, &alert.unit)
        });
        if let Some((opened, earlier)) = opened {
            *opened = alert;
            earlier.extend(entries);
            return;
        }
        match self
            .changed
            .iter_mut()
            .find(|(changed, _)| changed.id == alert.id)
        {
            // Already changed in this round: the book holds it at its new version.
            Some((changed, earlier)) => {
                *changed = alert;
                earlier.extend(entries);
            }
            None => {
                alert.version += 1;
                book.keep(alert.clone());
                self.changed.push((alert, entries));
            }
        }
    }
}

/// How alerting is set up for a deployment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Local time: deadlines, reminders, mute windows.
    pub time_zone: TimeZone,
    /// The weekly days off that working-day deadlines skip (holidays come from the store).
    pub days_off: Vec<Weekday>,
    pub outbound: Outbound,
    /// Webhooks go out through it.
    pub http: HttpClient,
}

impl Alerting {
    /// Reads the rules and the alerts not yet closed, then [`run`](Alerting::run)s. Must be called inside
    /// the Tokio runtime.
    pub async fn start(
        analytics: Arc<Analytics>,
        settings: Settings,
    ) -> Result<Arc<Alerting>, AlertError> {
        let alerting = Alerting::open(analytics, settings).await?;
        alerting.run().await?;
        Ok(alerting)
    }

    /// Reads the rules and the alerts not yet closed, without watching anything yet: rules can be saved
    /// and steps taken (as of any moment) before [`run`](Alerting::run) starts the watch and the clock.
    pub async fn open(
        analytics: Arc<Analytics>,
        settings: Settings,
    ) -> Result<Arc<Alerting>, AlertError> {
        let store = analytics.store();
        let rules: Vec<AlertRule> = store
            .alert_rules()
            .await?
            .into_iter()
            .map(|stored| stored.item)
            .collect();
        let active = store.alerts(&active()).await?;
        let policies = store
            .notification_policies()
            .await?
            .into_iter()
            .map(|stored| stored.item)
            .collect();
        let book = Book::new(&analytics.engine(), rules, active);
        Ok(Arc::new(Alerting {
            book: Mutex::new(book),
            analytics,
            time_zone: settings.time_zone,
            days_off: settings.days_off,
            outbound: settings.outbound,
            http: settings.http,
            policies: std::sync::RwLock::new(policies),
            notices: broadcast::channel(NOTICE_BUFFER).0,
            clock: Notify::new(),
            outbox: Notify::new(),
            calendar: std::sync::Mutex::new(None),
        }))
    }

    /// Judges every rule on the newest periods (values may have arrived while Vantage was stopped), then
    /// watches the engine's change events and the clock. Must be called once, inside the Tokio runtime.
    pub async fn run(self: &Arc<Self>) -> Result<(), AlertError> {
        let mut changes = self.analytics.subscribe();
        self.sweep(Only::All, Timestamp::now()).await?;
        let watcher = self.clone();
        tokio::spawn(async move {
            loop {
                let outcome = match changes.recv().await {
                    Ok(batch) => {
                        watcher
                            .judge_changes(&batch.changes, Timestamp::now())
                            .await
                    }
                    // The missed changes cannot be named: judge everything on the newest periods.
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "alert rules fell behind the engine");
                        watcher.sweep(Only::All, Timestamp::now()).await
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if let Err(error) = outcome {
                    tracing::error!(%error, "alert rules could not be applied");
                }
            }
        });
        let clock = self.clone();
        tokio::spawn(async move {
            loop {
                let now = Timestamp::now();
                let wait = match clock.tick(now).await {
                    Ok(Some(next)) => Duration::try_from(next.duration_since(now))
                        .unwrap_or_default()
                        .min(CLOCK_CHECK),
                    Ok(None) => CLOCK_CHECK,
                    Err(error) => {
                        tracing::error!(%error, "the alert clock failed; it tries again in a minute");
                        Duration::from_secs(60)
                    }
                };
                tokio::select! {
                    () = clock.clock.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
        });
        let deliverer = self.clone();
        tokio::spawn(async move { deliverer.keep_delivering().await });
        Ok(())
    }

    pub fn analytics(&self) -> &Arc<Analytics> {
        &self.analytics
    }

    /// The client requests to other systems go out through, for whoever else sends them.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Everything that happens to alerts from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.notices.subscribe()
    }

    pub async fn rules(&self) -> Result<Vec<StoredRule>, AlertError> {
        Ok(self.analytics.store().alert_rules().await?)
    }

    /// Checks and saves a rule (replacing the one with its id), then judges it on the newest periods.
    pub async fn save_rule(
        &self,
        rule: AlertRule,
        by: &str,
        now: Timestamp,
    ) -> Result<(), AlertError> {
        if let Some((field, reason)) = rule.check().into_iter().next() {
            return Err(AlertError::invalid(field, reason));
        }
        {
            let engine = self.analytics.engine();
            if let Some(code) = &rule.indicator
                && engine.catalog().id(code).is_none()
            {
                return Err(AlertError::invalid(
                    "indicator",
                    format!("no indicator {code}"),
                ));
            }
            if let Some(domain) = &rule.domain
                && engine.catalog().domain(domain).is_empty()
            {
                return Err(AlertError::invalid(
                    "domain",
                    format!("no indicator in domain {domain}"),
                ));
            }
            if let Some(unit) = &rule.unit
                && engine.registry().current(unit).is_none()
            {
                return Err(AlertError::invalid(
                    "unit",
                    format!("no current unit {unit}"),
                ));
            }
        }
        let id = rule.id.clone();
        self.analytics
            .store()
            .save_alert_rule(&StoredRule {
                item: rule.clone(),
                updated_by: by.to_owned(),
                updated_at: now,
            })
            .await?;
        self.book
            .lock()
            .await
            .set_rule(&self.analytics.engine(), rule);
        self.sweep(Only::Rule(&id), now).await
    }

    /// Deletes a rule; its alerts stay as they are. Whether there was one.
    pub async fn delete_rule(&self, id: &str) -> Result<bool, AlertError> {
        let deleted = self.analytics.store().delete_alert_rule(id).await?;
        self.book
            .lock()
            .await
            .remove_rule(&self.analytics.engine(), id);
        Ok(deleted)
    }

    /// Takes a step on an alert as `user`.
    pub async fn act(
        &self,
        id: i64,
        request: StepRequest,
        user: &User,
        now: Timestamp,
    ) -> Result<Alert, AlertError> {
        let mut book = self.book.lock().await;
        let alert = match book.find(id) {
            Some(alert) => alert.clone(),
            None => self
                .analytics
                .store()
                .alert(id)
                .await?
                .ok_or(AlertError::NotFound(id))?,
        };
        let calendar = self.calendar().await?;
        let (changed, entry) = book::step(
            &alert,
            request,
            user,
            now,
            &book,
            &self.analytics.engine(),
            &|days| self.due(now, days, &calendar),
        )?;
        let mut round = Round::default();
        round.change(&mut book, changed, vec![entry]);
        let written = self
            .write(&mut book, round)
            .await?
            .pop()
            .unwrap_or(alert.clone());
        // An escalated explanation that arrives (or an alert closed) ends its overdue alerts.
        if alert.escalated_at.is_some() && written.state != AlertState::Assigned {
            let clock = Clock {
                now: self.time_zone.to_datetime(now),
                calendar: &calendar,
            };
            let verdicts = book.overdue_verdicts(&self.analytics.engine(), &written, false, &clock);
            self.decide(&mut book, verdicts, now, &calendar).await?;
        }
        Ok(written)
    }

    /// Reminds and escalates what is due by `now`; the next moment something falls due, if any.
    pub async fn tick(&self, now: Timestamp) -> Result<Option<Timestamp>, AlertError> {
        let mut book = self.book.lock().await;
        let calendar = self.calendar().await?;
        let due = book::due_steps(&book, now, &self.analytics.engine(), &|due| {
            self.reminder(due, &calendar)
        });
        let mut round = Round::default();
        for (changed, entry) in due {
            round.change(&mut book, changed, vec![entry]);
        }
        let written = self.write(&mut book, round).await?;
        let clock = Clock {
            now: self.time_zone.to_datetime(now),
            calendar: &calendar,
        };
        // Explanations that just fell overdue raise the overdue-explanation rules watching them.
        let verdicts: Vec<book::Verdict> = written
            .iter()
            .filter(|alert| alert.escalated_at == Some(now))
            .flat_map(|alert| book.overdue_verdicts(&self.analytics.engine(), alert, true, &clock))
            .collect();
        self.decide(&mut book, verdicts, now, &calendar).await?;
        // Reporting deadlines: late-data rules are judged when one passes.
        let watches_late_data = book.watches_late_data();
        if watches_late_data && book.late_next.is_none_or(|next| next <= now) {
            let verdicts = book.judge_newest(&self.analytics.engine(), Only::LateData, &clock);
            self.decide(&mut book, verdicts, now, &calendar).await?;
            let next = book.next_late_deadline(&self.analytics.engine(), &clock);
            book.late_next = next.map(|next| self.local(next));
        }
        let late_next = book.late_next.filter(|_| watches_late_data);
        let reminders = book::next_moment(&book, &|due| self.reminder(due, &calendar));
        Ok(reminders.into_iter().chain(late_next).min())
    }

    async fn judge_changes(
        &self,
        changes: &[vantage_engine::CellChange],
        now: Timestamp,
    ) -> Result<(), AlertError> {
        let mut book = self.book.lock().await;
        let calendar = self.calendar().await?;
        let clock = Clock {
            now: self.time_zone.to_datetime(now),
            calendar: &calendar,
        };
        let verdicts = book.judge_changes(&self.analytics.engine(), changes, &clock);
        self.decide(&mut book, verdicts, now, &calendar).await
    }

    /// Judges one rule, or every rule, on each subject's newest period.
    async fn sweep(&self, only: Only<'_>, now: Timestamp) -> Result<(), AlertError> {
        let mut book = self.book.lock().await;
        let calendar = self.calendar().await?;
        let clock = Clock {
            now: self.time_zone.to_datetime(now),
            calendar: &calendar,
        };
        let verdicts = book.judge_newest(&self.analytics.engine(), only, &clock);
        self.decide(&mut book, verdicts, now, &calendar).await
    }

    /// Decides what the verdicts do to their subjects' alerts, and writes it.
    async fn decide(
        &self,
        book: &mut Book,
        verdicts: Vec<book::Verdict>,
        now: Timestamp,
        calendar: &WorkingCalendar,
    ) -> Result<(), AlertError> {
        if verdicts.is_empty() {
            return Ok(());
        }
        let mut round = Round::default();
        for verdict in verdicts {
            match book.decide(verdict, now, &|days| self.due(now, days, calendar)) {
                book::Decision::Nothing => {}
                book::Decision::Open(alert, entries) => round.open(book, alert, entries),
                book::Decision::Change(changed, entries) => round.change(book, changed, entries),
            }
        }
        self.write(book, round).await?;
        Ok(())
    }

    /// Stores a round's decisions in one transaction, then keeps the alerts as stored and publishes
    /// their timeline entries; the alerts as written. When the store refuses, the book is read back
    /// from it, so that it holds nothing that was not stored.
    async fn write(&self, book: &mut Book, round: Round) -> Result<Vec<Alert>, AlertError> {
        if round.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.analytics.store();
        let notify = |alert: &Alert, entry: &TimelineEntry| self.deliveries(alert, entry);
        let outcome = store
            .write_alerts(&round.opened, &round.changed, &notify)
            .await;
        let opened = match outcome {
            Ok(Some(opened)) => opened,
            failed => {
                book.set_active(store.alerts(&active()).await?);
                return Err(match failed {
                    Err(error) => error.into(),
                    _ => AlertError::Conflict,
                });
            }
        };
        let mut written = Vec::new();
        let opened = opened
            .into_iter()
            .zip(round.opened.into_iter().map(|(_, e)| e));
        for (alert, entries) in opened.chain(round.changed) {
            book.keep(alert.clone());
            for entry in entries {
                // Nobody listening is no error.
                let _ = self.notices.send(Arc::new(Notice {
                    alert: alert.clone(),
                    entry,
                }));
            }
            written.push(alert);
        }
        self.clock.notify_one();
        self.outbox.notify_one();
        Ok(written)
    }

    /// The working calendar, read again from the store when older than [`CALENDAR_AGE`].
    async fn calendar(&self) -> Result<Arc<WorkingCalendar>, AlertError> {
        if let Some((read, calendar)) = self
            .calendar
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            && read.elapsed() < CALENDAR_AGE
        {
            return Ok(calendar.clone());
        }
        let holidays = self.analytics.store().holidays().await?;
        let calendar = Arc::new(WorkingCalendar::new(
            self.days_off.clone(),
            holidays.into_iter().map(|holiday| holiday.day),
        ));
        *self.calendar.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((std::time::Instant::now(), calendar.clone()));
        Ok(calendar)
    }

    /// When an explanation asked for at `now` with `days` working days is due.
    fn due(&self, now: Timestamp, days: u32, calendar: &WorkingCalendar) -> Timestamp {
        let today = self.time_zone.to_datetime(now).date();
        let due = vantage_model::alert::explanation_due(today, days, calendar);
        self.local(due)
    }

    /// When to remind of an explanation due at `due`.
    fn reminder(&self, due: Timestamp, calendar: &WorkingCalendar) -> Timestamp {
        let due = self.time_zone.to_datetime(due);
        self.local(vantage_model::alert::reminder(due, calendar))
    }

    pub(crate) fn local(&self, at: jiff::civil::DateTime) -> Timestamp {
        self.time_zone
            .to_ambiguous_timestamp(at)
            .compatible()
            .unwrap_or(Timestamp::MAX)
    }
}
