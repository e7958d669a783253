//! Alerting end to end on every backend: rules judged on writes, alerts opened, updated, cleared and
//! closed; steps by who may take them; reminders and escalation on the clock; a restart keeps it all.

use std::sync::Arc;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use vantage_alerts::{AlertError, Alerting, Notice, Outbound, Settings, StepRequest};
use vantage_live::Analytics;
use vantage_model::access::{Role, User};
use vantage_model::agency::{Agency, AgencyKind};
use vantage_model::alert::{
    Alert, AlertAction, AlertState, Assignee, CorrectiveAction, Explanation, Severity, StepError,
    TimelineEvent,
};
use vantage_model::alert_rule::{AlertRule, Comparison, Condition, Finding};
use vantage_model::calendar::USUAL_DAYS_OFF;
use vantage_model::fixtures;
use vantage_model::indicator::{Domain, Indicator, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target, TargetBound};
use vantage_model::unit::UnitLevel;
use vantage_store::testing::TestDatabase;
use vantage_store::{AlertFilter, Store};

async fn seed(store: &Store) {
    store
        .write_units(&[
            fixtures::unit("P", UnitLevel::Province, None, None, None),
            fixtures::unit("C1", UnitLevel::Commune, Some("P"), None, None),
            fixtures::unit("C2", UnitLevel::Commune, Some("P"), None, None),
        ])
        .await
        .unwrap();
    store
        .write_domains(&[
            Domain {
                code: "BUD".into(),
                name_vi: "Ngân sách".into(),
                name_en: "Budget".into(),
            },
            Domain {
                code: "ENV".into(),
                name_vi: "Môi trường".into(),
                name_en: "Environment".into(),
            },
        ])
        .await
        .unwrap();
    let agency = |code: &str| Agency {
        code: code.into(),
        name_vi: code.into(),
        name_en: code.into(),
        kind: AgencyKind::Department,
        jurisdiction: "P".into(),
    };
    store
        .write_agencies(&[agency("STC"), agency("STNMT")])
        .await
        .unwrap();
    let indicator = |code: &str, domain: &str, owner: &str, cumulative, time| Indicator {
        domain: domain.into(),
        owner_agency: owner.into(),
        cumulative,
        ..fixtures::indicator(code, PeriodType::Month, time, SpaceAggregation::Sum)
    };
    store
        .write_indicators(&[
            indicator("REV", "BUD", "STC", true, TimeAggregation::Sum),
            indicator("WATER", "ENV", "STNMT", false, TimeAggregation::Mean),
        ])
        .await
        .unwrap();
}

fn value(indicator: &str, unit: &str, period: &str, value: f64) -> Observation {
    Observation {
        key: ObservationKey {
            indicator: indicator.into(),
            unit: unit.into(),
            period: period.parse().unwrap(),
        },
        value,
        status: ObservationStatus::Submitted,
        source: "test".into(),
        author: "test".into(),
        recorded_at: Timestamp::now(),
        comment: None,
    }
}

fn user(name: &str, role: Role, agency: &str, unit: Option<&str>) -> User {
    User {
        username: name.into(),
        role,
        agency: agency.into(),
        unit: unit.map(Into::into),
        domains: Vec::new(),
    }
}

fn rule(id: &str, severity: Severity, indicator: &str, condition: Condition) -> AlertRule {
    AlertRule {
        id: id.into(),
        name: id.into(),
        name_en: None,
        severity,
        indicator: Some(indicator.into()),
        domain: None,
        unit: None,
        level: None,
        condition,
        public: false,
        auto_assign: false,
        explain_within: None,
        enabled: true,
    }
}

struct Setup {
    store: Arc<Store>,
    analytics: Arc<Analytics>,
    alerting: Arc<Alerting>,
    notices: tokio::sync::broadcast::Receiver<Arc<Notice>>,
}

async fn start(store: Arc<Store>) -> Setup {
    let analytics = Arc::new(Analytics::open(store.clone()).await.unwrap());
    let settings = Settings {
        time_zone: TimeZone::UTC,
        days_off: USUAL_DAYS_OFF.to_vec(),
        outbound: Outbound::default(),
        http: vantage_outbound::HttpClient::new(
            None,
            vantage_outbound::DEFAULT_TIMEOUT,
            vantage_outbound::DEFAULT_MAX_ANSWER,
        )
        .unwrap(),
    };
    let alerting = Alerting::start(analytics.clone(), settings).await.unwrap();
    Setup {
        notices: alerting.subscribe(),
        store,
        analytics,
        alerting,
    }
}

impl Setup {
    async fn write(&self, observations: &[Observation]) {
        self.analytics
            .write_observations(observations)
            .await
            .unwrap();
    }

    /// The next `n` notices, in order.
    async fn notices(&mut self, n: usize) -> Vec<(i64, TimelineEvent, AlertState)> {
        let mut seen = Vec::new();
        while seen.len() < n {
            let notice = tokio::time::timeout(Duration::from_secs(10), self.notices.recv())
                .await
                .expect("a notice within 10 s")
                .unwrap();
            seen.push((notice.alert.id, notice.entry.event, notice.alert.state));
        }
        seen
    }

    async fn alerts(&self) -> Vec<Alert> {
        self.store.alerts(&AlertFilter::default()).await.unwrap()
    }
}

async fn each_backend(test: impl AsyncFn(Arc<Store>)) {
    for database in TestDatabase::all().await {
        seed(&database.store).await;
        test(Arc::new(Store::open(&database.url).await.unwrap())).await;
        eprintln!("passed on {}", database.backend_name);
        database.drop_database().await;
    }
}

#[tokio::test]
async fn an_alert_follows_its_subject_and_closes_when_it_clears_unasked() {
    each_backend(async |store| {
        let mut s = start(store).await;
        let below = Condition::Threshold {
            comparison: Comparison::Below,
            value: 90.0,
            periods: 2,
        };
        let communes = AlertRule {
            level: Some(UnitLevel::Commune),
            ..rule("nuoc-sach", Severity::Major, "WATER", below)
        };
        s.alerting
            .save_rule(communes, "admin", Timestamp::now())
            .await
            .unwrap();
        s.write(&[value("WATER", "C1", "202603", 85.0)]).await;
        s.write(&[
            value("WATER", "C1", "202604", 80.0),
            value("WATER", "C2", "202604", 99.0),
        ])
        .await;
        let opened = s.notices(1).await;
        assert_eq!(opened[0].1, TimelineEvent::Opened);
        let id = opened[0].0;
        let alert = s.store.alert(id).await.unwrap().unwrap();
        assert_eq!(
            (alert.unit.as_str(), alert.period),
            ("C1", "202604".parse().unwrap())
        );
        assert_eq!(
            alert.finding,
            Finding::Threshold {
                comparison: Comparison::Below,
                threshold: 90.0,
                values: vec![85.0, 80.0]
            }
        );
        // A worse value the next month: the same alert, moved on.
        s.write(&[value("WATER", "C1", "202605", 70.0)]).await;
        // A correction to an older month says nothing about the newest one.
        s.write(&[value("WATER", "C1", "202603", 99.0)]).await;
        // Back above the threshold: cleared, and closed since nobody was asked to explain.
        s.write(&[value("WATER", "C1", "202606", 95.0)]).await;
        assert_eq!(
            s.notices(2).await,
            [
                (id, TimelineEvent::Cleared, AlertState::Closed),
                (id, TimelineEvent::Close, AlertState::Closed)
            ]
        );
        let alerts = s.alerts().await;
        assert_eq!(alerts.len(), 1, "one alert for the subject: {alerts:?}");
        let closed = &alerts[0];
        assert_eq!(closed.triggers, 2);
        assert!(!closed.holds && closed.state == AlertState::Closed);
        assert_eq!(closed.period, "202606".parse().unwrap());
        let events: Vec<_> = s
            .store
            .alert_timeline(id)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| (entry.event, entry.actor))
            .collect();
        assert_eq!(
            events,
            [
                (TimelineEvent::Opened, None),
                (TimelineEvent::Cleared, None),
                (TimelineEvent::Close, None)
            ]
        );
        // Holding again later opens a new alert.
        s.write(&[
            value("WATER", "C1", "202607", 50.0),
            value("WATER", "C1", "202608", 50.0),
        ])
        .await;
        let reopened = s.notices(1).await;
        assert_ne!(reopened[0].0, id);
        // The province's sum is below 90 too, but the rule watches communes only.
        let units: Vec<_> = s.alerts().await.into_iter().map(|a| a.unit).collect();
        assert_eq!(units, ["C1", "C1"]);
    })
    .await;
}

#[tokio::test]
async fn a_missed_target_is_explained_by_its_owner_and_decided_by_the_centre() {
    each_backend(async |store| {
        let mut s = start(store).await;
        let mut missed = rule(
            "thu-ngan-sach",
            Severity::Critical,
            "REV",
            Condition::Target { at_risk: true },
        );
        missed.auto_assign = true;
        missed.explain_within = Some(3);
        s.alerting
            .save_rule(missed, "admin", Timestamp::now())
            .await
            .unwrap();
        s.analytics
            .write_targets(&[Target {
                key: ObservationKey {
                    indicator: "REV".into(),
                    unit: "P".into(),
                    period: Period::Year(2026),
                },
                bound: TargetBound::AtLeast { value: 1200.0 },
                source_document: "NQ".into(),
            }])
            .await
            .unwrap();
        s.write(&[
            value("REV", "C1", "202601", 30.0),
            value("REV", "C2", "202601", 20.0),
        ])
        .await;
        let opened = s.notices(2).await;
        let id = opened[0].0;
        assert_eq!(
            opened,
            [
                (id, TimelineEvent::Opened, AlertState::Assigned),
                (id, TimelineEvent::Assign, AlertState::Assigned)
            ]
        );
        let alert = s.store.alert(id).await.unwrap().unwrap();
        assert_eq!(alert.unit, "P", "no target on the communes");
        assert_eq!(alert.assignee, Some(Assignee::Agency("STC".into())));
        let due = alert.due_at.unwrap();
        assert!(due > Timestamp::now() + SignedDuration::from_hours(24 * 3));
        assert!(due < Timestamp::now() + SignedDuration::from_hours(24 * 8));

        let leader = user("leader", Role::Leader, "VP", None);
        let finance = user("finance", Role::DataOwner, "STC", None);
        let commune = user("c1", Role::DataOwner, "UBND-C1", Some("C1"));
        let viewer = user("viewer", Role::Viewer, "VP", None);
        let explanation = Explanation {
            cause: "Thu tiền sử dụng đất chậm".into(),
            actions: vec![CorrectiveAction {
                action: "Đấu giá 3 khu đất".into(),
                due: jiff::civil::date(2026, 6, 30),
            }],
        };
        let request = |action, note: Option<&str>, explanation: Option<Explanation>| StepRequest {
            action,
            note: note.map(Into::into),
            assignee: None,
            explanation,
        };
        let now = Timestamp::now();
        for someone in [&leader, &commune, &viewer] {
            let refused = s
                .alerting
                .act(
                    id,
                    request(
                        AlertAction::SubmitExplanation,
                        None,
                        Some(explanation.clone()),
                    ),
                    someone,
                    now,
                )
                .await;
            assert!(
                matches!(refused, Err(AlertError::Step(StepError::NotYours { .. }))),
                "{}: {refused:?}",
                someone.username
            );
        }
        let empty = Explanation {
            cause: " ".into(),
            actions: Vec::new(),
        };
        assert!(matches!(
            s.alerting
                .act(id, request(AlertAction::SubmitExplanation, None, Some(empty)), &finance, now)
                .await,
            Err(AlertError::Invalid { field, .. }) if field == "explanation.cause"
        ));
        let explained = s
            .alerting
            .act(
                id,
                request(
                    AlertAction::SubmitExplanation,
                    None,
                    Some(explanation.clone()),
                ),
                &finance,
                now,
            )
            .await
            .unwrap();
        assert_eq!(explained.state, AlertState::ExplanationSubmitted);
        // Deciding is for the centre, and returning needs a reason.
        assert!(matches!(
            s.alerting
                .act(
                    id,
                    request(AlertAction::Accept, Some("ok"), None),
                    &finance,
                    now
                )
                .await,
            Err(AlertError::Step(StepError::NotYours { .. }))
        ));
        assert!(matches!(
            s.alerting
                .act(id, request(AlertAction::Return, None, None), &leader, now)
                .await,
            Err(AlertError::Step(StepError::NoteRequired { .. }))
        ));
        let returned = s
            .alerting
            .act(
                id,
                request(AlertAction::Return, Some("Nêu rõ số tiền"), None),
                &leader,
                now,
            )
            .await
            .unwrap();
        assert_eq!(returned.state, AlertState::Assigned);
        s.alerting
            .act(
                id,
                request(
                    AlertAction::SubmitExplanation,
                    None,
                    Some(explanation.clone()),
                ),
                &finance,
                now,
            )
            .await
            .unwrap();
        let accepted = s
            .alerting
            .act(
                id,
                request(AlertAction::Accept, Some("Đồng ý"), None),
                &leader,
                now,
            )
            .await
            .unwrap();
        assert_eq!(accepted.state, AlertState::Accepted);
        let timeline = s.store.alert_timeline(id).await.unwrap();
        let steps: Vec<_> = timeline
            .iter()
            .map(|entry| (entry.event, entry.actor.as_deref(), entry.state))
            .collect();
        assert_eq!(
            steps,
            [
                (TimelineEvent::Opened, None, AlertState::Open),
                (TimelineEvent::Assign, None, AlertState::Assigned),
                (
                    TimelineEvent::SubmitExplanation,
                    Some("finance"),
                    AlertState::ExplanationSubmitted
                ),
                (TimelineEvent::Return, Some("leader"), AlertState::Assigned),
                (
                    TimelineEvent::SubmitExplanation,
                    Some("finance"),
                    AlertState::ExplanationSubmitted
                ),
                (TimelineEvent::Accept, Some("leader"), AlertState::Accepted),
            ]
        );
        assert_eq!(timeline[2].explanation.as_ref(), Some(&explanation));
        assert_eq!(timeline[3].note.as_deref(), Some("Nêu rõ số tiền"));
        // The rest of the year's values meet the target: the accepted alert closes itself.
        let months: Vec<_> = (2..=12)
            .map(|month| value("REV", "C1", &format!("2026{month:02}"), 200.0))
            .collect();
        s.notices = s.alerting.subscribe();
        s.write(&months).await;
        assert_eq!(
            s.notices(2).await,
            [
                (id, TimelineEvent::Cleared, AlertState::Closed),
                (id, TimelineEvent::Close, AlertState::Closed)
            ]
        );
        let closed = s.store.alert(id).await.unwrap().unwrap();
        assert_eq!(closed.state, AlertState::Closed, "{closed:?}");
    })
    .await;
}

#[tokio::test]
async fn the_clock_reminds_then_escalates_to_the_unit_above_and_a_restart_keeps_everything() {
    each_backend(async |store| {
        let mut s = start(store.clone()).await;
        let mut low = rule(
            "nuoc-thap",
            Severity::Minor,
            "WATER",
            Condition::Threshold {
                comparison: Comparison::Below,
                value: 50.0,
                periods: 1,
            },
        );
        low.auto_assign = true;
        s.alerting
            .save_rule(low, "admin", Timestamp::now())
            .await
            .unwrap();
        s.write(&[
            value("WATER", "C2", "202605", 40.0),
            value("WATER", "C1", "202605", 90.0),
        ])
        .await;
        let id = s.notices(2).await[0].0;
        let alert = s.store.alert(id).await.unwrap().unwrap();
        assert_eq!(alert.assignee, Some(Assignee::Unit("C2".into())));
        let due = alert.due_at.unwrap();
        // The reminder falls at 08:00 on the working day before the due day.
        let next = s.alerting.tick(Timestamp::now()).await.unwrap().unwrap();
        assert!(next < due && due.duration_since(next) >= SignedDuration::from_hours(15));
        assert_eq!(s.alerting.tick(next).await.unwrap(), Some(due));
        assert_eq!(
            s.notices(1).await,
            [(id, TimelineEvent::Reminded, AlertState::Assigned)]
        );
        // Nothing more until the deadline; then up to the province once.
        assert_eq!(s.alerting.tick(next).await.unwrap(), Some(due));
        assert_eq!(s.alerting.tick(due).await.unwrap(), None);
        assert_eq!(s.alerting.tick(due).await.unwrap(), None);
        assert_eq!(
            s.notices(1).await,
            [(id, TimelineEvent::Escalated, AlertState::Assigned)]
        );
        let timeline = s.store.alert_timeline(id).await.unwrap();
        assert_eq!(
            timeline.last().unwrap().assignee,
            Some(Assignee::Unit("P".into()))
        );
        let escalated = s.store.alert(id).await.unwrap().unwrap();
        assert!(escalated.escalated_at.is_some() && escalated.reminded_at.is_some());

        // A restart reads the alert back; a new value on the subject updates it, not a second one.
        drop(s);
        let s = start(store).await;
        s.write(&[
            value("WATER", "C2", "202606", 30.0),
            value("WATER", "C1", "202606", 90.0),
        ])
        .await;
        let june: Period = "202606".parse().unwrap();
        let mut alerts = s.alerts().await;
        for _ in 0..100 {
            if alerts.iter().any(|alert| alert.period == june) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            alerts = s.alerts().await;
        }
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].period, "202606".parse().unwrap());
        assert_eq!(alerts[0].triggers, 2);
        assert_eq!(alerts[0].escalated_at, escalated.escalated_at);
    })
    .await;
}

#[tokio::test]
async fn late_data_is_raised_at_the_deadline_and_ends_when_the_value_arrives() {
    use vantage_model::calendar::WorkingCalendar;
    use vantage_model::reporting::{last_due, next_deadline};
    each_backend(async |store| {
        let mut s = start(store).await;
        let calendar = WorkingCalendar::new(USUAL_DAYS_OFF.to_vec(), []);
        let deadline_rule = fixtures::indicator(
            "WATER",
            PeriodType::Month,
            TimeAggregation::Mean,
            SpaceAggregation::Sum,
        )
        .deadline_rule();
        let now = Timestamp::now();
        let local = TimeZone::UTC.to_datetime(now);
        let (due, deadline) = last_due(PeriodType::Month, deadline_rule, &calendar, local).unwrap();
        // C1 reported the period due; C2 did not.
        s.write(&[value("WATER", "C1", &due.to_string(), 90.0)])
            .await;
        let late = AlertRule {
            level: Some(UnitLevel::Commune),
            ..rule(
                "bao-cao-muon",
                Severity::Warning,
                "WATER",
                Condition::LateData,
            )
        };
        s.alerting.save_rule(late, "admin", now).await.unwrap();
        let opened = s.notices(1).await;
        let alert = s.store.alert(opened[0].0).await.unwrap().unwrap();
        assert_eq!((alert.unit.as_str(), alert.period), ("C2", due));
        assert_eq!(alert.finding, Finding::LateData { deadline });
        assert_eq!(
            s.alerts().await.len(),
            1,
            "C1 reported, and the province is not watched"
        );
        // C2's value arrives: the alert clears, and closes since nobody was asked to explain.
        s.write(&[value("WATER", "C2", &due.to_string(), 88.0)])
            .await;
        assert_eq!(
            s.notices(2).await,
            [
                (alert.id, TimelineEvent::Cleared, AlertState::Closed),
                (alert.id, TimelineEvent::Close, AlertState::Closed)
            ]
        );
        // The clock wakes at the next deadline; past it, the next period is late at both communes.
        let next = next_deadline(PeriodType::Month, deadline_rule, &calendar, local);
        let next = TimeZone::UTC
            .to_ambiguous_timestamp(next)
            .compatible()
            .unwrap();
        let woken = s.alerting.tick(now).await.unwrap();
        assert!(woken.is_some_and(|at| at <= next), "{woken:?} after {next}");
        s.alerting
            .tick(next + SignedDuration::from_secs(1))
            .await
            .unwrap();
        let late: Vec<_> = s
            .alerts()
            .await
            .into_iter()
            .filter(|alert| alert.state != AlertState::Closed)
            .map(|alert| (alert.unit, alert.period))
            .collect();
        assert_eq!(late.len(), 2, "{late:?}");
        assert!(late.iter().all(|(_, period)| *period == due.next()));
    })
    .await;
}

#[tokio::test]
async fn an_overdue_explanation_raises_its_own_alert_until_the_explanation_arrives() {
    each_backend(async |store| {
        let mut s = start(store).await;
        let mut low = rule(
            "nuoc-thap",
            Severity::Minor,
            "WATER",
            Condition::Threshold {
                comparison: Comparison::Below,
                value: 50.0,
                periods: 1,
            },
        );
        low.auto_assign = true;
        let overdue = AlertRule {
            domain: Some("ENV".into()),
            indicator: None,
            ..rule(
                "giai-trinh-qua-han",
                Severity::Critical,
                "WATER",
                Condition::OverdueExplanation,
            )
        };
        let now = Timestamp::now();
        s.alerting.save_rule(low, "admin", now).await.unwrap();
        s.alerting.save_rule(overdue, "admin", now).await.unwrap();
        s.write(&[
            value("WATER", "C2", "202605", 40.0),
            value("WATER", "C1", "202605", 90.0),
        ])
        .await;
        let id = s.notices(2).await[0].0;
        assert_eq!(
            s.alerts().await.len(),
            1,
            "values alone raise no overdue alert"
        );
        let due = s.store.alert(id).await.unwrap().unwrap().due_at.unwrap();
        s.alerting.tick(due).await.unwrap();
        let raised: Vec<_> = s
            .alerts()
            .await
            .into_iter()
            .filter(|alert| alert.rule == "giai-trinh-qua-han")
            .collect();
        assert_eq!(raised.len(), 1);
        assert_eq!(
            (
                raised[0].unit.as_str(),
                raised[0].severity,
                &raised[0].finding
            ),
            (
                "C2",
                Severity::Critical,
                &Finding::OverdueExplanation { alert: id, due }
            )
        );
        // The commune explains at last: the overdue alert clears and closes.
        let commune = user("c2", Role::DataOwner, "UBND-C2", Some("C2"));
        let explanation = Explanation {
            cause: "Đường ống hỏng".into(),
            actions: Vec::new(),
        };
        let request = StepRequest {
            action: AlertAction::SubmitExplanation,
            note: None,
            assignee: None,
            explanation: Some(explanation),
        };
        s.alerting.act(id, request, &commune, due).await.unwrap();
        let closed = s.store.alert(raised[0].id).await.unwrap().unwrap();
        assert_eq!((closed.state, closed.holds), (AlertState::Closed, false));
    })
    .await;
}

/// A code kept across a reorganisation names one subject: writes to the retired unit and to its successor
/// in one batch open one alert, on the successor's newest period.
#[tokio::test]
async fn a_code_kept_across_a_reorganisation_raises_one_alert() {
    each_backend(async |store| {
        let reorganised = jiff::civil::date(2025, 7, 1);
        store
            .write_units(&[
                fixtures::unit("C3", UnitLevel::Commune, Some("P"), None, Some(reorganised)),
                fixtures::unit("C3", UnitLevel::Commune, Some("P"), Some(reorganised), None),
            ])
            .await
            .unwrap();
        store
            .write_lineage(&[vantage_model::unit::Lineage {
                old_code: "C3".into(),
                new_code: "C3".into(),
                date: reorganised,
                kind: vantage_model::unit::LineageKind::Rename,
                weight: 1.0,
            }])
            .await
            .unwrap();
        let mut s = start(store).await;
        let below = Condition::Threshold {
            comparison: Comparison::Below,
            value: 90.0,
            periods: 1,
        };
        let communes = AlertRule {
            level: Some(UnitLevel::Commune),
            ..rule("nuoc-sach", Severity::Major, "WATER", below)
        };
        s.alerting
            .save_rule(communes, "admin", Timestamp::now())
            .await
            .unwrap();
        s.write(&[
            value("WATER", "C3", "202606", 80.0),
            value("WATER", "C3", "202608", 70.0),
        ])
        .await;
        assert_eq!(s.notices(1).await[0].1, TimelineEvent::Opened);
        let alerts = s.alerts().await;
        assert_eq!(
            alerts
                .iter()
                .map(|alert| (alert.unit.as_str(), alert.period.to_string()))
                .collect::<Vec<_>>(),
            [("C3", "202608".to_owned())]
        );
    })
    .await;
}

/// A derived indicator keeps no values of its own: a batch of several months opens one alert for it,
/// on the latest month.
#[tokio::test]
async fn several_months_of_a_derived_indicator_in_one_batch_raise_one_alert() {
    each_backend(async |store| {
        store
            .write_indicators(&[Indicator {
                formula: Some("2 * WATER".into()),
                domain: "ENV".into(),
                owner_agency: "STNMT".into(),
                ..fixtures::indicator(
                    "WATER2",
                    PeriodType::Month,
                    TimeAggregation::Mean,
                    SpaceAggregation::Formula,
                )
            }])
            .await
            .unwrap();
        let mut s = start(store).await;
        let below = Condition::Threshold {
            comparison: Comparison::Below,
            value: 190.0,
            periods: 1,
        };
        let communes = AlertRule {
            level: Some(UnitLevel::Commune),
            ..rule("gap-doi", Severity::Major, "WATER2", below)
        };
        s.alerting
            .save_rule(communes, "admin", Timestamp::now())
            .await
            .unwrap();
        s.write(&[
            value("WATER", "C1", "202606", 80.0),
            value("WATER", "C1", "202607", 70.0),
        ])
        .await;
        assert_eq!(s.notices(1).await[0].1, TimelineEvent::Opened);
        let alerts = s.alerts().await;
        assert_eq!(
            alerts
                .iter()
                .map(|alert| (alert.indicator.as_str(), alert.period.to_string()))
                .collect::<Vec<_>>(),
            [("WATER2", "202607".to_owned())]
        );
    })
    .await;
}
