//! The rules and the alerts not yet closed, and the decisions taken on them: what a judged cell does to
//! its subject's alert, what a person's step does, what falls due on the clock. No I/O: the caller
//! stores and publishes what is decided.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::DateTime;
use vantage_engine::{CellChange, Engine, IndicatorId};
use vantage_model::access::User;
use vantage_model::alert::{
    Actor, Alert, AlertAction, AlertState, Assignee, TimelineEntry, TimelineEvent, actor_for,
    step as next_state,
};
use vantage_model::alert_rule::{AlertRule, Condition, Finding};
use vantage_model::calendar::WorkingCalendar;
use vantage_model::indicator::Indicator;
use vantage_model::period::Period;
use vantage_model::reporting::{last_due, next_deadline};
use vantage_model::unit::UnitIndex;

use crate::{AlertError, StepRequest};

/// Which rules a sweep judges.
#[derive(Clone, Copy)]
pub(crate) enum Only<'a> {
    All,
    Rule(&'a str),
    /// The late-data rules, at a deadline.
    LateData,
}

/// The time as late-data rules see it: local time and the working calendar.
pub(crate) struct Clock<'a> {
    pub now: DateTime,
    pub calendar: &'a WorkingCalendar,
}

impl Clock<'_> {
    /// The indicator's latest period whose report was due by now, with its deadline.
    fn last_due(&self, indicator: &Indicator) -> Option<(Period, DateTime)> {
        last_due(
            indicator.frequency,
            indicator.deadline_rule(),
            self.calendar,
            self.now,
        )
    }

    /// The finding of a late-data rule on a cell: its deadline passed, at a level the indicator is
    /// reported at, and no value counts there.
    fn late(
        &self,
        engine: &Engine,
        indicator: IndicatorId,
        unit: UnitIndex,
        period: Period,
    ) -> Option<Finding> {
        let definition = engine.catalog().get(indicator);
        let level = engine.registry().get(unit).level;
        if definition.is_derived() || !definition.is_reported_at(level) {
            return None;
        }
        let deadline = definition.deadline_rule().deadline(period, self.calendar);
        (deadline <= self.now && engine.value(indicator, unit, period).is_none())
            .then_some(Finding::LateData { deadline })
    }
}

/// What an alert is about: a rule on an indicator at a unit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Subject {
    rule: String,
    indicator: String,
    unit: String,
}

impl Subject {
    fn of(alert: &Alert) -> Subject {
        Subject {
            rule: alert.rule.clone(),
            indicator: alert.indicator.clone(),
            unit: alert.unit.clone(),
        }
    }
}

/// One rule's judgement of one cell.
pub(crate) struct Verdict {
    rule: usize,
    subject: Subject,
    domain: String,
    period: Period,
    /// Whether the period is the subject's newest.
    newest: bool,
    /// Who explains when the alert is assigned without naming anyone.
    assignee: Assignee,
    finding: Option<Finding>,
}

pub(crate) enum Decision {
    Nothing,
    Open(Alert, Vec<TimelineEntry>),
    /// The alert as it becomes (still at the version it was read at), and the timeline entries that
    /// say why.
    Change(Alert, Vec<TimelineEntry>),
}

pub(crate) struct Book {
    /// When the next reporting deadline a late-data rule watches passes (`None`: judge at the next tick).
    pub late_next: Option<Timestamp>,
    rules: Vec<AlertRule>,
    /// The enabled rules (indexes into `rules`) watching each indicator.
    watching: HashMap<IndicatorId, Vec<usize>>,
    active: HashMap<Subject, Alert>,
}

impl Book {
    pub(crate) fn new(engine: &Engine, rules: Vec<AlertRule>, active: Vec<Alert>) -> Book {
        let mut book = Book {
            late_next: None,
            rules,
            watching: HashMap::new(),
            active: active
                .into_iter()
                .map(|alert| (Subject::of(&alert), alert))
                .collect(),
        };
        book.index(engine);
        book
    }

    fn index(&mut self, engine: &Engine) {
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
        self.watching.clear();
        let catalog = engine.catalog();
        for (index, rule) in self.rules.iter().enumerate().filter(|(_, r)| r.enabled) {
            for id in catalog.ids().filter(|id| rule.watches(catalog.get(*id))) {
                self.watching.entry(id).or_default().push(index);
            }
        }
    }

    pub(crate) fn set_rule(&mut self, engine: &Engine, rule: AlertRule) {
        self.late_next = None;
        self.rules.retain(|kept| kept.id != rule.id);
        self.rules.push(rule);
        self.index(engine);
    }

    pub(crate) fn remove_rule(&mut self, engine: &Engine, id: &str) {
        self.rules.retain(|kept| kept.id != id);
        self.index(engine);
    }

    pub(crate) fn rules(&self) -> &[AlertRule] {
        &self.rules
    }

    fn rule(&self, id: &str) -> Option<&AlertRule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// Replaces the alerts not yet closed with these, as stored.
    pub(crate) fn set_active(&mut self, active: Vec<Alert>) {
        self.active = active
            .into_iter()
            .map(|alert| (Subject::of(&alert), alert))
            .collect();
    }

    pub(crate) fn find(&self, id: i64) -> Option<&Alert> {
        self.active.values().find(|alert| alert.id == id)
    }

    /// Keeps an alert as stored (forgets it once closed).
    pub(crate) fn keep(&mut self, alert: Alert) {
        let subject = Subject::of(&alert);
        if alert.state == AlertState::Closed {
            self.active.remove(&subject);
        } else {
            self.active.insert(subject, alert);
        }
    }

    /// The verdicts of the rules watching the changed cells of their indicator's frequency (late-data
    /// rules: only cells of the latest period due, where a value arriving ends the lateness).
    pub(crate) fn judge_changes(
        &self,
        engine: &Engine,
        changes: &[CellChange],
        clock: &Clock,
    ) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        for change in changes {
            let Some(rules) = self.watching.get(&change.indicator) else {
                continue;
            };
            let definition = engine.catalog().get(change.indicator);
            if change.period.period_type() != definition.frequency {
                continue;
            }
            for &rule in rules {
                let skip = match self.rules[rule].condition {
                    Condition::LateData => {
                        clock.last_due(definition).map(|(period, _)| period) != Some(change.period)
                    }
                    // Judged when explanations fall overdue or arrive, not on values.
                    Condition::OverdueExplanation => true,
                    _ => false,
                };
                if skip {
                    continue;
                }
                if let Some(verdict) = self.verdict(
                    engine,
                    rule,
                    change.indicator,
                    change.unit,
                    change.period,
                    clock,
                ) {
                    verdicts.push(verdict);
                }
            }
        }
        verdicts
    }

    /// The verdicts of one rule (or all) on every current unit's newest period of each indicator
    /// (late-data rules: the latest period due).
    pub(crate) fn judge_newest(&self, engine: &Engine, only: Only, clock: &Clock) -> Vec<Verdict> {
        let units: Vec<UnitIndex> = (0..engine.units().len())
            .map(|index| UnitIndex(index as u32))
            .filter(|unit| engine.registry().get(*unit).valid_to.is_none())
            .collect();
        let mut verdicts = Vec::new();
        for (indicator, rules) in &self.watching {
            let due = clock.last_due(engine.catalog().get(*indicator));
            for &rule in rules {
                let late = matches!(self.rules[rule].condition, Condition::LateData);
                let chosen =
                    match only {
                        Only::All => true,
                        Only::Rule(id) => self.rules[rule].id == id,
                        Only::LateData => late,
                    } && !matches!(self.rules[rule].condition, Condition::OverdueExplanation);
                if !chosen {
                    continue;
                }
                for &unit in &units {
                    let period = if late {
                        due.map(|(period, _)| period)
                    } else {
                        engine.latest_period(*indicator, unit)
                    };
                    if let Some(period) = period
                        && let Some(verdict) =
                            self.verdict(engine, rule, *indicator, unit, period, clock)
                    {
                        verdicts.push(verdict);
                    }
                }
            }
        }
        verdicts
    }

    fn verdict(
        &self,
        engine: &Engine,
        rule: usize,
        indicator: IndicatorId,
        unit: UnitIndex,
        period: Period,
        clock: &Clock,
    ) -> Option<Verdict> {
        let watched = &self.rules[rule];
        let registry = engine.registry();
        if watched
            .level
            .is_some_and(|level| registry.get(unit).level != level)
        {
            return None;
        }
        if let Some(root) = &watched.unit
            && !engine
                .units()
                .lineage_up(unit)
                .any(|at| registry.get(at).code == *root)
        {
            return None;
        }
        let definition = engine.catalog().get(indicator);
        let code = registry.get(unit).code.clone();
        let assignee = if engine.units().parent(unit).is_none() {
            Assignee::Agency(definition.owner_agency.clone())
        } else {
            Assignee::Unit(code.clone())
        };
        Some(Verdict {
            rule,
            subject: Subject {
                rule: watched.id.clone(),
                indicator: definition.code.clone(),
                unit: code,
            },
            domain: definition.domain.clone(),
            period,
            newest: matches!(watched.condition, Condition::LateData)
                || engine
                    .latest_period(indicator, unit)
                    .is_none_or(|newest| period >= newest),
            assignee,
            finding: match watched.condition {
                Condition::LateData => clock.late(engine, indicator, unit, period),
                ref condition => engine.judge(condition, indicator, unit, period),
            },
        })
    }

    /// The verdicts of the overdue-explanation rules watching `alert`'s subject: the condition holds
    /// while `alert` waits past its deadline (`overdue`), and clears when it no longer does.
    pub(crate) fn overdue_verdicts(
        &self,
        engine: &Engine,
        alert: &Alert,
        overdue: bool,
        clock: &Clock,
    ) -> Vec<Verdict> {
        let (Some(indicator), Some(unit)) = (
            engine.catalog().id(&alert.indicator),
            engine.unit_for(&alert.unit, alert.period),
        ) else {
            return Vec::new();
        };
        let Some(rules) = self.watching.get(&indicator) else {
            return Vec::new();
        };
        rules
            .iter()
            .filter(|&&rule| {
                matches!(self.rules[rule].condition, Condition::OverdueExplanation)
                    && self.rules[rule].id != alert.rule
            })
            .filter_map(|&rule| {
                let mut verdict =
                    self.verdict(engine, rule, indicator, unit, alert.period, clock)?;
                verdict.newest = true;
                verdict.finding = overdue.then(|| Finding::OverdueExplanation {
                    alert: alert.id,
                    due: alert.due_at.unwrap_or(alert.updated_at),
                });
                Some(verdict)
            })
            .collect()
    }

    /// Whether any rule watches for late data.
    pub(crate) fn watches_late_data(&self) -> bool {
        self.rules
            .iter()
            .any(|rule| rule.enabled && matches!(rule.condition, Condition::LateData))
    }

    /// The next reporting deadline of an indicator a late-data rule watches, after the clock's time.
    pub(crate) fn next_late_deadline(&self, engine: &Engine, clock: &Clock) -> Option<DateTime> {
        self.watching
            .iter()
            .filter(|(_, rules)| {
                rules
                    .iter()
                    .any(|&rule| matches!(self.rules[rule].condition, Condition::LateData))
            })
            .map(|(indicator, _)| {
                let definition = engine.catalog().get(*indicator);
                next_deadline(
                    definition.frequency,
                    definition.deadline_rule(),
                    clock.calendar,
                    clock.now,
                )
            })
            .min()
    }

    /// What a verdict does to its subject's alert. `due` gives the deadline of an explanation asked for
    /// now with so many working days.
    pub(crate) fn decide(
        &self,
        verdict: Verdict,
        now: Timestamp,
        due: &dyn Fn(u32) -> Timestamp,
    ) -> Decision {
        let entry = |event, state| system_entry(now, event, state);
        let rule = &self.rules[verdict.rule];
        match (self.active.get(&verdict.subject), verdict.finding) {
            (Some(alert), _) if verdict.period < alert.period => Decision::Nothing,
            (Some(alert), Some(finding)) => {
                if alert.holds && alert.period == verdict.period && alert.finding == finding {
                    return Decision::Nothing;
                }
                let mut changed = alert.clone();
                changed.triggers += u32::from(!alert.holds || alert.period != verdict.period);
                changed.period = verdict.period;
                changed.finding = finding;
                changed.holds = true;
                changed.updated_at = now;
                let entries = if alert.holds {
                    Vec::new()
                } else {
                    vec![entry(TimelineEvent::HoldsAgain, alert.state)]
                };
                Decision::Change(changed, entries)
            }
            (Some(alert), None) if alert.holds => {
                let mut changed = alert.clone();
                changed.holds = false;
                changed.period = verdict.period;
                changed.updated_at = now;
                let mut entries = vec![entry(TimelineEvent::Cleared, alert.state)];
                // Nobody was asked to explain yet, or the explanation was accepted: the alert has
                // nothing left to say.
                if let Ok(closed) =
                    next_state(alert.state, AlertAction::Close, Actor::System, None, true)
                {
                    changed.state = closed;
                    entries.push(entry(TimelineEvent::Close, closed));
                }
                Decision::Change(changed, entries)
            }
            (Some(_), None) | (None, None) => Decision::Nothing,
            (None, Some(_)) if !verdict.newest => Decision::Nothing,
            (None, Some(finding)) => {
                let mut alert = Alert {
                    id: 0,
                    rule: rule.id.clone(),
                    severity: rule.severity,
                    indicator: verdict.subject.indicator,
                    domain: verdict.domain,
                    unit: verdict.subject.unit,
                    period: verdict.period,
                    finding,
                    state: AlertState::Open,
                    holds: true,
                    public: rule.public,
                    assignee: None,
                    opened_at: now,
                    updated_at: now,
                    due_at: None,
                    reminded_at: None,
                    escalated_at: None,
                    triggers: 1,
                    version: 1,
                };
                let mut entries = vec![entry(TimelineEvent::Opened, AlertState::Open)];
                if rule.auto_assign {
                    alert.state = AlertState::Assigned;
                    alert.assignee = Some(verdict.assignee.clone());
                    alert.due_at = Some(due(rule.explain_within()));
                    entries.push(TimelineEntry {
                        assignee: Some(verdict.assignee),
                        ..entry(TimelineEvent::Assign, AlertState::Assigned)
                    });
                }
                Decision::Open(alert, entries)
            }
        }
    }

    fn working_days(&self, alert: &Alert) -> u32 {
        self.rule(&alert.rule).map_or(
            vantage_model::alert_rule::DEFAULT_EXPLAIN_WITHIN,
            AlertRule::explain_within,
        )
    }
}

fn system_entry(at: Timestamp, event: TimelineEvent, state: AlertState) -> TimelineEntry {
    TimelineEntry {
        at,
        actor: None,
        event,
        note: None,
        state,
        assignee: None,
        explanation: None,
    }
}

/// Who explains an alert assigned without naming anyone: the indicator's owner agency at the top
/// unit, the unit itself below.
fn default_assignee(alert: &Alert, engine: &Engine) -> Assignee {
    let registry = engine.registry();
    let top = registry
        .current(&alert.unit)
        .and_then(|unit| unit.parent.as_ref())
        .is_none();
    match engine.catalog().id(&alert.indicator) {
        Some(id) if top => Assignee::Agency(engine.catalog().get(id).owner_agency.clone()),
        _ => Assignee::Unit(alert.unit.clone()),
    }
}

/// The alert after `user`'s step and the timeline entry recording it, or why the step is refused.
pub(crate) fn step(
    alert: &Alert,
    request: StepRequest,
    user: &User,
    now: Timestamp,
    book: &Book,
    engine: &Engine,
    due: &dyn Fn(u32) -> Timestamp,
) -> Result<(Alert, TimelineEntry), AlertError> {
    let actor = actor_for(user, alert.assignee.as_ref(), &alert.domain);
    let note = request
        .note
        .map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty());
    let explanation = match request.action {
        AlertAction::SubmitExplanation => {
            let explanation = request.explanation.ok_or_else(|| {
                AlertError::invalid("explanation", "the cause and the corrective actions")
            })?;
            if let Some((field, reason)) = explanation.check().into_iter().next() {
                return Err(AlertError::Invalid {
                    field: format!("explanation.{field}"),
                    reason,
                });
            }
            Some(explanation)
        }
        _ => None,
    };
    // The explanation's cause is its note.
    let said = note
        .as_deref()
        .or(explanation.as_ref().map(|e| e.cause.as_str()));
    let state = next_state(alert.state, request.action, actor, said, !alert.holds)?;
    let mut changed = alert.clone();
    changed.state = state;
    changed.updated_at = now;
    let mut assignee = None;
    match request.action {
        AlertAction::Assign => {
            let chosen = match request.assignee {
                Some(chosen) => {
                    check_assignee(&chosen, engine)?;
                    chosen
                }
                None => default_assignee(alert, engine),
            };
            changed.assignee = Some(chosen.clone());
            assignee = Some(chosen);
            restart_deadline(&mut changed, due(book.working_days(alert)));
        }
        // Sent back: the unit gets a fresh deadline to explain again.
        AlertAction::Return => restart_deadline(&mut changed, due(book.working_days(alert))),
        _ => {}
    }
    let entry = TimelineEntry {
        at: now,
        actor: Some(user.username.clone()),
        event: request.action.into(),
        note,
        state,
        assignee,
        explanation,
    };
    Ok((changed, entry))
}

fn restart_deadline(alert: &mut Alert, due: Timestamp) {
    alert.due_at = Some(due);
    alert.reminded_at = None;
    alert.escalated_at = None;
}

fn check_assignee(assignee: &Assignee, engine: &Engine) -> Result<(), AlertError> {
    match assignee {
        Assignee::Unit(code) if engine.registry().current(code).is_none() => Err(
            AlertError::invalid("assignee", format!("no current unit {code}")),
        ),
        Assignee::Agency(code)
            if !engine
                .catalog()
                .ids()
                .any(|id| engine.catalog().get(id).owner_agency == *code) =>
        {
            Err(AlertError::invalid(
                "assignee",
                format!("agency {code} owns no indicator"),
            ))
        }
        _ => Ok(()),
    }
}

/// The reminders and escalations due by `now`: each alert as it becomes, and the entry.
pub(crate) fn due_steps(
    book: &Book,
    now: Timestamp,
    engine: &Engine,
    reminder: &dyn Fn(Timestamp) -> Timestamp,
) -> Vec<(Alert, TimelineEntry)> {
    let mut steps = Vec::new();
    for alert in book.active.values() {
        let (AlertState::Assigned, Some(due)) = (alert.state, alert.due_at) else {
            continue;
        };
        let mut changed = alert.clone();
        changed.updated_at = now;
        if alert.escalated_at.is_none() && due <= now {
            changed.escalated_at = Some(now);
            let above = match &alert.assignee {
                Some(Assignee::Unit(code)) => engine
                    .registry()
                    .current(code)
                    .and_then(|unit| unit.parent.clone())
                    .map(Assignee::Unit),
                _ => None,
            };
            let entry = TimelineEntry {
                assignee: above,
                ..system_entry(now, TimelineEvent::Escalated, alert.state)
            };
            steps.push((changed, entry));
        } else if alert.escalated_at.is_none()
            && alert.reminded_at.is_none()
            && reminder(due) <= now
        {
            changed.reminded_at = Some(now);
            let entry = TimelineEntry {
                assignee: alert.assignee.clone(),
                ..system_entry(now, TimelineEvent::Reminded, alert.state)
            };
            steps.push((changed, entry));
        }
    }
    steps.sort_by_key(|(alert, _)| alert.id);
    steps
}

/// The next moment something falls due: a reminder or a deadline.
pub(crate) fn next_moment(
    book: &Book,
    reminder: &dyn Fn(Timestamp) -> Timestamp,
) -> Option<Timestamp> {
    book.active
        .values()
        .filter(|alert| alert.state == AlertState::Assigned && alert.escalated_at.is_none())
        .filter_map(|alert| {
            let due = alert.due_at?;
            Some(if alert.reminded_at.is_none() {
                reminder(due).min(due)
            } else {
                due
            })
        })
        .min()
}
