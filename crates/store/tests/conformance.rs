//! The storage conformance suite: every test runs on SQLite, and on PostgreSQL when VANTAGE_TEST_POSTGRES
//! is set, and must behave the same on both.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::date;
use vantage_model::access::{Role, User};
use vantage_model::agency::{Agency, AgencyKind};
use vantage_model::indicator::{Domain, Indicator, Polarity, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target, TargetBound};
use vantage_model::unit::{Lineage, LineageKind, Point, Unit, UnitLevel};
use vantage_store::testing::TestDatabase;
use vantage_store::{ObservationFilter, Store, StoreError, WriteCounts};

fn counts(created: u64, updated: u64, unchanged: u64) -> WriteCounts {
    WriteCounts {
        created,
        updated,
        unchanged,
    }
}

fn unit(
    code: &str,
    level: UnitLevel,
    parent: Option<&str>,
    from: Option<jiff::civil::Date>,
    to: Option<jiff::civil::Date>,
) -> Unit {
    Unit {
        code: code.to_owned(),
        name: format!("Unit {code}"),
        level,
        parent: parent.map(str::to_owned),
        kind: "xã".to_owned(),
        valid_from: from,
        valid_to: to,
        point: Some(Point {
            lat: 11.9,
            lon: 108.4,
        }),
    }
}

fn observation(unit: &str, period: &str, value: f64) -> Observation {
    Observation {
        key: ObservationKey {
            indicator: "BUD.REVENUE".to_owned(),
            unit: unit.to_owned(),
            period: Period::parse(period).unwrap(),
        },
        value,
        status: ObservationStatus::Submitted,
        source: "test".to_owned(),
        author: "tester".to_owned(),
        recorded_at: Timestamp::from_millisecond(1_760_000_000_000).unwrap(),
        comment: None,
    }
}

async fn seed_reference(store: &Store) {
    store
        .write_domains(&[Domain {
            code: "BUD".into(),
            name_vi: "Ngân sách".into(),
            name_en: "Budget".into(),
        }])
        .await
        .unwrap();
    store
        .write_units(&[
            unit(
                "68",
                UnitLevel::Province,
                None,
                None,
                Some(date(2025, 7, 1)),
            ),
            unit(
                "68",
                UnitLevel::Province,
                None,
                Some(date(2025, 7, 1)),
                None,
            ),
            unit(
                "24820",
                UnitLevel::Commune,
                Some("68"),
                Some(date(2025, 7, 1)),
                None,
            ),
        ])
        .await
        .unwrap();
    store
        .write_agencies(&[Agency {
            code: "STC".into(),
            name_vi: "Sở Tài chính".into(),
            name_en: "Department of Finance".into(),
            kind: AgencyKind::Department,
            jurisdiction: "68".into(),
        }])
        .await
        .unwrap();
    store
        .write_indicators(&[Indicator {
            code: "BUD.REVENUE".into(),
            name_vi: "Thu ngân sách".into(),
            name_en: "Budget revenue".into(),
            domain: "BUD".into(),
            measure: "tỷ đồng".into(),
            frequency: PeriodType::Month,
            time_aggregation: TimeAggregation::Sum,
            space_aggregation: SpaceAggregation::Sum,
            polarity: Polarity::HigherBetter,
            cumulative: true,
            levels: vec![UnitLevel::Province, UnitLevel::Commune],
            owner_agency: "STC".into(),
            formula: None,
            public: true,
            source: "test".into(),
            confidence: "D".into(),
            deadline: None,
            computed: None,
        }])
        .await
        .unwrap();
}

/// Runs `test` on every available backend.
macro_rules! conformance {
    ($name:ident, |$store:ident| $body:block) => {
        #[tokio::test]
        async fn $name() {
            for database in TestDatabase::all().await {
                let backend = database.backend_name;
                {
                    let $store = &database.store;
                    seed_reference($store).await;
                    let run = async $body;
                    run.await;
                }
                eprintln!("{} passed on {backend}", stringify!($name));
                database.drop_database().await;
            }
        }
    };
}

conformance!(reference_data_round_trips, |store| {
    let units = store.units().await.unwrap();
    assert_eq!(units.len(), 3);
    let old = units
        .iter()
        .find(|u| u.code == "68" && u.valid_to.is_some())
        .unwrap();
    assert_eq!(old.valid_from, None);
    assert_eq!(old.valid_to, Some(date(2025, 7, 1)));
    assert_eq!(
        old.point,
        Some(Point {
            lat: 11.9,
            lon: 108.4
        })
    );
    let indicators = store.indicators().await.unwrap();
    assert_eq!(
        indicators[0].levels,
        vec![UnitLevel::Province, UnitLevel::Commune]
    );
    assert_eq!(indicators[0].frequency, PeriodType::Month);
    assert!(indicators[0].cumulative);
    assert_eq!(
        store.agencies().await.unwrap()[0].kind,
        AgencyKind::Department
    );
    assert_eq!(store.domains().await.unwrap()[0].name_vi, "Ngân sách");
});

conformance!(rewriting_reference_data_changes_nothing, |store| {
    let units = store.units().await.unwrap();
    assert_eq!(store.write_units(&units).await.unwrap(), counts(0, 0, 3));
    let mut renamed = units[2].clone();
    renamed.name = "Phường Lâm Viên - Đà Lạt".into();
    assert_eq!(
        store.write_units(&[renamed]).await.unwrap(),
        counts(0, 1, 0)
    );
    assert!(
        store
            .units()
            .await
            .unwrap()
            .iter()
            .any(|u| u.name == "Phường Lâm Viên - Đà Lạt")
    );
});

conformance!(lineage_round_trips, |store| {
    let edge = Lineage {
        old_code: "68".into(),
        new_code: "68".into(),
        date: date(2025, 7, 1),
        kind: LineageKind::Merge,
        weight: 1.0,
    };
    assert_eq!(
        store
            .write_lineage(std::slice::from_ref(&edge))
            .await
            .unwrap(),
        counts(1, 0, 0)
    );
    assert_eq!(store.lineage().await.unwrap(), vec![edge]);
});

conformance!(
    observation_writes_are_idempotent_and_keep_revisions,
    |store| {
        let batch = vec![
            observation("24820", "202509", 10.0),
            observation("24820", "202510", 11.0),
            observation("68", "202510", 30.0),
        ];
        assert_eq!(
            store.write_observations(&batch).await.unwrap(),
            counts(3, 0, 0)
        );
        assert_eq!(
            store.write_observations(&batch).await.unwrap(),
            counts(0, 0, 3)
        );
        // A later write of the same content by someone else is still no change.
        let mut same = batch[0].clone();
        same.author = "other".into();
        same.recorded_at = Timestamp::from_millisecond(1_770_000_000_000).unwrap();
        assert_eq!(
            store.write_observations(&[same]).await.unwrap(),
            counts(0, 0, 1)
        );

        let mut revised = batch[0].clone();
        revised.value = 12.5;
        revised.comment = Some("corrected".into());
        assert_eq!(
            store.write_observations(&[revised.clone()]).await.unwrap(),
            counts(0, 1, 0)
        );
        let history = store.observation_history(&batch[0].key).await.unwrap();
        assert_eq!(
            history.iter().map(|o| o.value).collect::<Vec<_>>(),
            vec![10.0, 12.5]
        );
        assert_eq!(history[1].comment.as_deref(), Some("corrected"));
        assert_eq!(store.count_observations().await.unwrap(), 3);

        // A deletion is a revision: the value is gone for readers, its history goes on.
        let deleted = Observation {
            status: ObservationStatus::Deleted,
            comment: None,
            ..revised.clone()
        };
        assert_eq!(
            store.write_observations(&[deleted]).await.unwrap(),
            counts(0, 1, 0)
        );
        let keys = [batch[0].key.clone(), batch[1].key.clone()];
        let current = store.current_observations(&keys).await.unwrap();
        assert_eq!(
            current.iter().map(|o| &o.key).collect::<Vec<_>>(),
            [&batch[1].key]
        );
        assert_eq!(
            store
                .observations(&ObservationFilter::default())
                .await
                .unwrap()
                .len(),
            2
        );
        let mut counted = 0;
        store
            .for_each_counted_value(|_| {
                counted += 1;
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(counted, 2, "a deleted value does not count");
        store.write_observations(&[batch[0].clone()]).await.unwrap();
        let history = store.observation_history(&batch[0].key).await.unwrap();
        assert_eq!(
            history
                .iter()
                .map(|o| (o.value, o.status))
                .collect::<Vec<_>>(),
            [
                (10.0, ObservationStatus::Submitted),
                (12.5, ObservationStatus::Submitted),
                (12.5, ObservationStatus::Deleted),
                (10.0, ObservationStatus::Submitted)
            ]
        );
    }
);

conformance!(last_write_of_a_key_in_a_batch_wins, |store| {
    let batch = vec![
        observation("68", "202510", 1.0),
        observation("68", "202510", 2.0),
    ];
    assert_eq!(
        store.write_observations(&batch).await.unwrap(),
        counts(1, 0, 0)
    );
    let stored = store
        .observations(&ObservationFilter::default())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].value, 2.0);
});

conformance!(large_batches_cross_chunk_boundaries, |store| {
    let batch: Vec<Observation> = (0..5000)
        .map(|day| {
            let mut o = observation("24820", "202510", f64::from(day));
            o.key.unit = format!("U{day}");
            o
        })
        .collect();
    assert_eq!(
        store.write_observations(&batch).await.unwrap(),
        counts(5000, 0, 0)
    );
    assert_eq!(
        store.write_observations(&batch).await.unwrap(),
        counts(0, 0, 5000)
    );
    assert_eq!(store.count_observations().await.unwrap(), 5000);
});

conformance!(observations_filter_by_indicator_unit_and_period, |store| {
    let batch = vec![
        observation("24820", "202509", 10.0),
        observation("24820", "202510", 11.0),
        observation("68", "202510", 30.0),
    ];
    store.write_observations(&batch).await.unwrap();
    let filter = ObservationFilter {
        unit: Some("24820".into()),
        from: Some(date(2025, 10, 1)),
        ..Default::default()
    };
    let found = store.observations(&filter).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key.period, Period::parse("202510").unwrap());
    let filter = ObservationFilter {
        indicator: Some("BUD.REVENUE".into()),
        to: Some(date(2025, 9, 30)),
        ..Default::default()
    };
    assert_eq!(store.observations(&filter).await.unwrap().len(), 1);
    let mut draft = observation("68", "202509", 31.0);
    draft.status = vantage_model::record::ObservationStatus::Draft;
    store.write_observations(&[draft]).await.unwrap();
    let filter = ObservationFilter {
        status: Some(vantage_model::record::ObservationStatus::Draft),
        ..Default::default()
    };
    let drafts = store.observations(&filter).await.unwrap();
    assert_eq!(drafts.iter().map(|o| o.value).collect::<Vec<_>>(), [31.0]);
});

conformance!(targets_round_trip_every_kind, |store| {
    let key = |unit: &str| ObservationKey {
        indicator: "BUD.REVENUE".into(),
        unit: unit.into(),
        period: Period::parse("2026").unwrap(),
    };
    let targets = vec![
        Target {
            key: key("68"),
            bound: TargetBound::AtLeast { value: 12000.0 },
            source_document: "NQ 01/2025".into(),
        },
        Target {
            key: key("24820"),
            bound: TargetBound::Range { min: 5.0, max: 7.5 },
            source_document: String::new(),
        },
    ];
    assert_eq!(
        store.write_targets(&targets).await.unwrap(),
        counts(2, 0, 0)
    );
    assert_eq!(
        store.write_targets(&targets).await.unwrap(),
        counts(0, 0, 2)
    );
    let mut stored = store.targets().await.unwrap();
    stored.sort_by(|a, b| a.key.unit.cmp(&b.key.unit));
    assert_eq!(stored, vec![targets[1].clone(), targets[0].clone()]);
});

conformance!(users_are_unique, |store| {
    let user = User {
        username: "lan".into(),
        role: Role::DataOwner,
        agency: "STC".into(),
        unit: None,
        domains: vec!["BUD".into()],
    };
    let now = Timestamp::from_millisecond(1_760_000_000_000).unwrap();
    store.add_user(&user, "$argon2id$fake", now).await.unwrap();
    assert!(store.add_user(&user, "$argon2id$other", now).await.is_err());
    assert_eq!(store.users().await.unwrap(), vec![user]);
    assert_eq!(
        store.password_hash("lan").await.unwrap().as_deref(),
        Some("$argon2id$fake")
    );
    assert_eq!(store.password_hash("nobody").await.unwrap(), None);
});

conformance!(reopening_keeps_everything, |store| {
    store
        .write_observations(&[observation("68", "202510", 30.0)])
        .await
        .unwrap();
    store.ping().await.unwrap();
    assert_eq!(store.count_observations().await.unwrap(), 1);
});

conformance!(
    observations_come_in_the_same_order_on_every_backend,
    |store| {
        let batch = vec![
            observation("a1", "202510", 1.0),
            observation("B1", "202510", 2.0),
            observation("B1", "202509", 3.0),
        ];
        store.write_observations(&batch).await.unwrap();
        let order: Vec<(String, String)> = store
            .observations(&ObservationFilter::default())
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.key.period.to_string(), o.key.unit))
            .collect();
        let expected = [("202509", "B1"), ("202510", "B1"), ("202510", "a1")];
        assert_eq!(
            order,
            expected.map(|(period, unit)| (period.to_owned(), unit.to_owned()))
        );
    }
);

conformance!(counted_values_read_back_exactly_and_skip_drafts, |store| {
    // Full-precision values of every practical size. (SQLite's own number parser rounds some values
    // beyond 1e±300 by one unit in the last place; no indicator comes near.)
    let awkward = [
        0.1 + 0.2,
        1.234_567_890_123_456_7e-12,
        -123456.78901234568,
        2.0 / 3.0,
        1e15 + 0.3,
    ];
    let mut values: Vec<Observation> = awkward
        .iter()
        .enumerate()
        .map(|(month, value)| observation("24820", &format!("2026{:02}", month + 1), *value))
        .collect();
    let mut draft = observation("24820", "202612", 5.0);
    draft.status = ObservationStatus::Draft;
    values.push(draft);
    store.write_observations(&values).await.unwrap();
    // Reading the current rows back to compare loses no digit: the same values change nothing.
    let again = store.write_observations(&values).await.unwrap();
    assert_eq!(again, counts(0, 0, 6));
    let mut counted = Vec::new();
    let count = store
        .for_each_counted_value(|value| {
            let key = (
                value.indicator.to_owned(),
                value.unit.to_owned(),
                value.period,
            );
            counted.push((key, value.value.to_bits()));
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(count, 5, "the draft does not count");
    counted.sort();
    // The packed read gives exactly what the row-by-row read gives.
    let mut stored: Vec<_> = store
        .observations(&ObservationFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.status != ObservationStatus::Draft)
        .map(|o| {
            (
                (o.key.indicator, o.key.unit, o.key.period),
                o.value.to_bits(),
            )
        })
        .collect();
    stored.sort();
    assert_eq!(counted, stored);
});

conformance!(sessions_belong_to_users_and_end, |store| {
    let user = User {
        username: "lan".into(),
        role: Role::Viewer,
        agency: "STC".into(),
        unit: Some("24820".into()),
        domains: vec!["BUD".into()],
    };
    let begun = Timestamp::from_millisecond(1_760_000_000_000).unwrap();
    store
        .add_user(&user, "$argon2id$hash", begun)
        .await
        .unwrap();
    store.create_session("hash-1", "lan", begun).await.unwrap();
    let session = store.session("hash-1").await.unwrap().unwrap();
    assert_eq!(
        (session.user, session.created_at, session.last_seen),
        (user, begun, begun)
    );
    assert_eq!(store.session("hash-2").await.unwrap(), None);
    let later = Timestamp::from_millisecond(1_760_000_060_000).unwrap();
    store.touch_session("hash-1", later).await.unwrap();
    assert_eq!(
        store.session("hash-1").await.unwrap().unwrap().last_seen,
        later
    );
    assert!(
        store.create_session("hash-1", "lan", later).await.is_err(),
        "a token hash is unique"
    );
    assert!(
        store
            .create_session("hash-3", "nobody", later)
            .await
            .is_err(),
        "sessions need a user"
    );
    store.delete_session("hash-1").await.unwrap();
    assert_eq!(store.session("hash-1").await.unwrap(), None);
});

conformance!(idempotent_answers_keep_the_first, |store| {
    let first = vantage_store::IdempotentAnswer {
        request_hash: "abc".into(),
        status: 200,
        body: "{\"created\":1}".into(),
    };
    let now = Timestamp::from_millisecond(1_760_000_000_000).unwrap();
    assert_eq!(store.idempotent_answer("lan", "k1").await.unwrap(), None);
    store
        .save_idempotent_answer("lan", "k1", &first, now)
        .await
        .unwrap();
    let second = vantage_store::IdempotentAnswer {
        request_hash: "def".into(),
        status: 422,
        body: "{}".into(),
    };
    store
        .save_idempotent_answer("lan", "k1", &second, now)
        .await
        .unwrap();
    assert_eq!(
        store.idempotent_answer("lan", "k1").await.unwrap(),
        Some(first)
    );
    assert_eq!(
        store.idempotent_answer("minh", "k1").await.unwrap(),
        None,
        "keys are per user"
    );
});

#[tokio::test]
async fn the_audit_log_is_a_chain_that_shows_tampering() {
    for database in TestDatabase::all().await {
        audit_chain(&database.store, &database.url).await;
        database.drop_database().await;
    }
}

async fn audit_chain(store: &Store, url: &str) {
    let at = |ms: i64| Timestamp::from_millisecond(1_760_000_000_000 + ms).unwrap();
    let first = store
        .append_audit(at(0), "lan", "session.sign_in", "lan", "{}")
        .await
        .unwrap();
    let second = store
        .append_audit(
            at(1),
            "lan",
            "observations.write",
            "observations",
            "{\"created\":2}",
        )
        .await
        .unwrap();
    store
        .append_audit(at(2), "minh", "session.sign_in", "minh", "{}")
        .await
        .unwrap();
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_ne!(first.hash, second.hash);
    assert_eq!(
        store.verify_audit().await.unwrap(),
        vantage_store::AuditCheck::Intact { entries: 3 }
    );
    let filter = vantage_store::AuditFilter {
        actor: Some("lan".into()),
        ..Default::default()
    };
    let lan = store.audit(&filter, 100).await.unwrap();
    assert_eq!(lan.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    let after = vantage_store::AuditFilter {
        after: 1,
        from: Some(at(1)),
        to: Some(at(2)),
        ..Default::default()
    };
    assert_eq!(store.audit(&after, 100).await.unwrap(), vec![second]);

    // The database itself refuses edits; someone who removes that guard is caught by the chain.
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let edit = "UPDATE audit SET detail = '{\"created\":200}' WHERE seq = 2";
    assert!(
        sqlx::query(edit).execute(&pool).await.is_err(),
        "append-only"
    );
    let unguard = match store.backend() {
        vantage_store::Backend::Sqlite => "DROP TRIGGER audit_no_update",
        vantage_store::Backend::Postgres => "DROP TRIGGER audit_append_only ON audit",
    };
    sqlx::query(unguard).execute(&pool).await.unwrap();
    sqlx::query(edit).execute(&pool).await.unwrap();
    pool.close().await;
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        vantage_store::AuditCheck::Broken { seq: 2, .. }
    ));
}

conformance!(api_tokens_are_found_by_hash_and_revoked, |store| {
    let user = User {
        username: "tram".into(),
        role: Role::DataOwner,
        agency: "STC".into(),
        unit: None,
        domains: vec!["BUD".into()],
    };
    let now = Timestamp::from_millisecond(1_760_000_000_000).unwrap();
    store.add_user(&user, "$argon2id$hash", now).await.unwrap();
    let token = vantage_store::ApiToken {
        id: "a1b2c3d4".into(),
        username: "tram".into(),
        name: "trạm quan trắc".into(),
        scope: "write".into(),
        created_at: now,
        expires_at: Timestamp::from_millisecond(1_770_000_000_000).unwrap(),
        revoked_at: None,
        last_used: None,
    };
    store
        .create_api_token(&token, "hash-of-secret")
        .await
        .unwrap();
    let (found, owner) = store.api_token("hash-of-secret").await.unwrap().unwrap();
    assert_eq!((found, owner), (token.clone(), user));
    assert!(store.api_token("other").await.unwrap().is_none());
    let ghost = vantage_store::ApiToken {
        id: "ffff0000".into(),
        username: "nobody".into(),
        ..token.clone()
    };
    assert!(store.create_api_token(&ghost, "hash-2").await.is_err());
    let later = Timestamp::from_millisecond(1_760_000_100_000).unwrap();
    store.touch_api_token("a1b2c3d4", later).await.unwrap();
    assert!(store.revoke_api_token("a1b2c3d4", later).await.unwrap());
    assert!(
        !store.revoke_api_token("a1b2c3d4", later).await.unwrap(),
        "revoked once"
    );
    let listed = store.api_tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].revoked_at, listed[0].last_used),
        (Some(later), Some(later))
    );
});

conformance!(grants_change_and_users_go_with_their_sessions, |store| {
    let mut user = User {
        username: "hoa".into(),
        role: Role::Viewer,
        agency: "STC".into(),
        unit: None,
        domains: Vec::new(),
    };
    let now = Timestamp::from_millisecond(1_760_000_000_000).unwrap();
    store.add_user(&user, "$argon2id$hash", now).await.unwrap();
    store.create_session("s-hoa", "hoa", now).await.unwrap();
    user.role = Role::DataOwner;
    user.domains = vec!["BUD".into(), "SEC".into()];
    assert!(store.update_user_grant(&user).await.unwrap());
    assert_eq!(
        store.session("s-hoa").await.unwrap().unwrap().user,
        user,
        "sessions see the new grant"
    );
    let ghost = User {
        username: "ghost".into(),
        ..user.clone()
    };
    assert!(!store.update_user_grant(&ghost).await.unwrap());
    assert!(store.delete_user("hoa").await.unwrap());
    assert!(store.session("s-hoa").await.unwrap().is_none());
    assert!(store.users().await.unwrap().is_empty());
    assert!(!store.delete_user("hoa").await.unwrap());
});

conformance!(dashboard_layouts_are_saved_over_each_other, |store| {
    use vantage_model::dashboard::{ChartKind, Tile};
    use vantage_store::SavedLayout;
    assert_eq!(store.dashboard_layout("BUD").await.unwrap(), None);
    let tile = |indicator: &str, chart| Tile {
        indicator: indicator.into(),
        hidden: false,
        pinned: true,
        chart,
    };
    let first = SavedLayout {
        tiles: vec![
            tile("BUD.REVENUE", ChartKind::Bar),
            tile("BUD.SPENDING", ChartKind::Line),
        ],
        updated_by: "operator".into(),
        updated_at: jiff::Timestamp::from_millisecond(1_700_000_000_000).unwrap(),
    };
    store.save_dashboard_layout("BUD", &first).await.unwrap();
    assert_eq!(
        store.dashboard_layout("BUD").await.unwrap(),
        Some(first.clone())
    );
    let second = SavedLayout {
        tiles: vec![tile("BUD.REVENUE", ChartKind::Number)],
        updated_by: "leader".into(),
        updated_at: jiff::Timestamp::from_millisecond(1_700_000_100_000).unwrap(),
    };
    store.save_dashboard_layout("BUD", &second).await.unwrap();
    assert_eq!(store.dashboard_layout("BUD").await.unwrap(), Some(second));
    assert_eq!(store.dashboard_layout("overview").await.unwrap(), None);
    assert!(store.delete_dashboard_layout("BUD").await.unwrap());
    assert!(!store.delete_dashboard_layout("BUD").await.unwrap());
    assert_eq!(store.dashboard_layout("BUD").await.unwrap(), None);
});

conformance!(boundaries_are_kept_per_unit_record, |store| {
    use vantage_store::UnitBoundary;
    let square = |lon: f64| {
        vec![vec![
            [lon, 10.9],
            [lon + 0.1, 10.9],
            [lon + 0.1, 11.0],
            [lon, 10.9],
        ]]
    };
    let boundary = |valid_from, lon: f64| UnitBoundary {
        unit: "22918".into(),
        valid_from,
        area: vec![square(lon), square(lon + 1.0)],
        source: "import:a.geojson".into(),
        imported_at: jiff::Timestamp::from_millisecond(1_700_000_000_000).unwrap(),
    };
    let old = boundary(None, 108.0);
    let new = boundary(Some(jiff::civil::date(2025, 7, 1)), 108.1);
    store.write_boundaries(&[old.clone(), new]).await.unwrap();
    let replaced = boundary(Some(jiff::civil::date(2025, 7, 1)), 108.123_456_789_012_3);
    store
        .write_boundaries(std::slice::from_ref(&replaced))
        .await
        .unwrap();
    let mut stored = store.boundaries().await.unwrap();
    stored.sort_by_key(|b| b.valid_from);
    assert_eq!(stored, [old, replaced], "exact coordinates, one per record");
});

conformance!(
    alerts_keep_one_open_per_subject_and_refuse_stale_changes,
    |store| {
        use vantage_model::alert::{
            Alert, AlertState, Assignee, CorrectiveAction, Explanation, Severity, TimelineEntry,
            TimelineEvent,
        };
        use vantage_model::alert_rule::{AlertRule, Condition, Finding};
        use vantage_store::{AlertFilter, StoredRule};
        let at = |seconds: i64| jiff::Timestamp::from_second(1_780_000_000 + seconds).unwrap();
        let rule = StoredRule {
            item: AlertRule {
                id: "thu-ngan-sach".into(),
                name: "Thu ngân sách trượt kế hoạch".into(),
                name_en: Some("Budget revenue off plan".into()),
                severity: Severity::Major,
                indicator: Some("REV".into()),
                domain: None,
                unit: None,
                level: Some(vantage_model::unit::UnitLevel::Province),
                condition: Condition::Target { at_risk: true },
                public: false,
                auto_assign: true,
                explain_within: Some(3),
                enabled: true,
            },
            updated_by: "admin".into(),
            updated_at: at(0),
        };
        store.save_alert_rule(&rule).await.unwrap();
        assert_eq!(
            store.alert_rules().await.unwrap(),
            std::slice::from_ref(&rule)
        );
        let alert = Alert {
            id: 0,
            rule: "thu-ngan-sach".into(),
            severity: Severity::Major,
            indicator: "REV".into(),
            domain: "ECO".into(),
            unit: "68".into(),
            period: Period::Month {
                year: 2026,
                month: 3,
            },
            finding: Finding::Target {
                missed: false,
                compared: 45.5,
                target: TargetBound::AtLeast { value: 400.0 },
                forecast: Some(180.25),
            },
            state: AlertState::Open,
            holds: true,
            public: false,
            assignee: None,
            opened_at: at(1),
            updated_at: at(1),
            due_at: None,
            reminded_at: None,
            escalated_at: None,
            triggers: 1,
            version: 1,
        };
        let entry = |event, state, seconds| TimelineEntry {
            at: at(seconds),
            actor: None,
            event,
            note: None,
            state,
            assignee: None,
            explanation: None,
        };
        let open = |alert: &Alert, entries: Vec<TimelineEntry>| {
            let opened = [(alert.clone(), entries)];
            async move { store.write_alerts(&opened, &[], &|_, _| Vec::new()).await }
        };
        let change = |alert: &Alert, entries: Vec<TimelineEntry>| {
            let changed = [(alert.clone(), entries)];
            async move { store.write_alerts(&[], &changed, &|_, _| Vec::new()).await }
        };
        let opened = open(
            &alert,
            vec![entry(TimelineEvent::Opened, AlertState::Open, 1)],
        )
        .await
        .unwrap()
        .unwrap()
        .remove(0);
        assert!(opened.id > 0);
        assert_eq!(store.alert(opened.id).await.unwrap(), Some(opened.clone()));
        assert!(
            matches!(
                open(
                    &alert,
                    vec![entry(TimelineEvent::Opened, AlertState::Open, 1)]
                )
                .await,
                Err(StoreError::AlreadyExists(_))
            ),
            "a second open alert on the same rule and subject"
        );
        let assigned = Alert {
            state: AlertState::Assigned,
            assignee: Some(Assignee::Agency("STC".into())),
            due_at: Some(at(3 * 86_400)),
            updated_at: at(2),
            version: 2,
            ..opened.clone()
        };
        let assign = TimelineEntry {
            actor: Some("leader".into()),
            assignee: assigned.assignee.clone(),
            note: Some("Sở Tài chính giải trình".into()),
            ..entry(TimelineEvent::Assign, AlertState::Assigned, 2)
        };
        assert!(
            change(&assigned, vec![assign.clone()])
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            change(&assigned, vec![assign.clone()])
                .await
                .unwrap()
                .is_none(),
            "a change made from a stale version is refused"
        );
        let explained = Alert {
            state: AlertState::ExplanationSubmitted,
            updated_at: at(3),
            version: 3,
            ..assigned.clone()
        };
        let explain = TimelineEntry {
            actor: Some("stc".into()),
            explanation: Some(Explanation {
                cause: "Giá đất giảm".into(),
                actions: vec![CorrectiveAction {
                    action: "Đẩy nhanh đấu giá".into(),
                    due: date(2026, 6, 30),
                }],
            }),
            ..entry(
                TimelineEvent::SubmitExplanation,
                AlertState::ExplanationSubmitted,
                3,
            )
        };
        assert!(
            change(&explained, vec![explain.clone()])
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            store.alert_timeline(opened.id).await.unwrap(),
            [
                entry(TimelineEvent::Opened, AlertState::Open, 1),
                assign,
                explain
            ]
        );
        let listed = |filter: AlertFilter| async move {
            store
                .alerts(&filter)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(listed(AlertFilter::default()).await, [opened.id]);
        let submitted = AlertFilter {
            states: vec![AlertState::ExplanationSubmitted, AlertState::Open],
            assignee: Some("STC".into()),
            domain: Some("ECO".into()),
            ..AlertFilter::default()
        };
        assert_eq!(listed(submitted).await, [opened.id]);
        let other_unit = AlertFilter {
            unit: Some("22918".into()),
            ..AlertFilter::default()
        };
        assert!(listed(other_unit).await.is_empty());
        // Read markers: per user, never moved back.
        let read = |user: &'static str| async move {
            store
                .alert_read_versions(user, &[opened.id, opened.id + 1000])
                .await
                .unwrap()
        };
        assert!(read("leader").await.is_empty());
        store
            .mark_alerts_read("leader", &[(opened.id, 2)], at(4))
            .await
            .unwrap();
        store
            .mark_alerts_read("leader", &[(opened.id, 1)], at(5))
            .await
            .unwrap();
        assert_eq!(read("leader").await, HashMap::from([(opened.id, 2)]));
        store
            .mark_alerts_read("leader", &[(opened.id, 3)], at(6))
            .await
            .unwrap();
        assert_eq!(read("leader").await, HashMap::from([(opened.id, 3)]));
        assert!(read("stc").await.is_empty());
        // Once closed, the subject may have a new alert.
        let closed = Alert {
            state: AlertState::Closed,
            version: 4,
            ..explained
        };
        assert!(change(&closed, Vec::new()).await.unwrap().is_some());
        let again = open(
            &alert,
            vec![entry(TimelineEvent::Opened, AlertState::Open, 9)],
        )
        .await
        .unwrap()
        .unwrap()
        .remove(0);
        assert_ne!(again.id, opened.id);
        assert!(store.delete_alert_rule("thu-ngan-sach").await.unwrap());
        assert!(store.alert_rules().await.unwrap().is_empty());
    }
);

conformance!(connectors_and_their_runs_round_trip, |store| {
    use vantage_model::connector::{Connector, RunOutcome, RunProblem, RunTrigger};
    use vantage_store::{ConnectorRun, StoredConnector};
    let connector: Connector = serde_json::from_value(serde_json::json!({
        "id": "mua", "name": "Lượng mưa", "url": "https://khituong.example.vn/mua",
        "credential": {"kind": "header", "name": "X-API-Key", "value": "k"},
        "every_minutes": 60,
        "mapping": {"indicator": {"value": "ENV.RAIN"}, "unit": {"pointer": "/xa"},
                    "period": {"pointer": "/ngay"}, "value": {"pointer": "/mm"}}
    }))
    .unwrap();
    let saved = StoredConnector {
        item: connector,
        updated_by: "admin".into(),
        updated_at: Timestamp::from_millisecond(1_770_000_000_000).unwrap(),
    };
    store.save_connector(&saved).await.unwrap();
    assert_eq!(store.connectors().await.unwrap(), [saved]);
    let at = |second: i64| Timestamp::from_second(1_770_000_000 + second).unwrap();
    let failed = ConnectorRun {
        id: 0,
        connector: "mua".into(),
        trigger: RunTrigger::Schedule,
        attempt: 1,
        started_at: at(0),
        finished_at: at(1),
        outcome: RunOutcome::Failed,
        records: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        error: Some("cannot reach khituong.example.vn".into()),
        problems: Vec::new(),
        retry_at: Some(at(60)),
    };
    let partial = ConnectorRun {
        trigger: RunTrigger::Retry,
        attempt: 2,
        started_at: at(60),
        finished_at: at(61),
        outcome: RunOutcome::Partial,
        records: 3,
        created: 2,
        rejected: 1,
        error: None,
        problems: vec![RunProblem {
            index: 2,
            field: "unit".into(),
            reason: "no unit `0`".into(),
        }],
        retry_at: None,
        ..failed.clone()
    };
    let first = store.record_connector_run(&failed).await.unwrap();
    let second = store.record_connector_run(&partial).await.unwrap();
    assert!(second > first);
    assert_eq!(
        store.connector_runs("mua", 10).await.unwrap(),
        [
            ConnectorRun {
                id: second,
                ..partial
            },
            ConnectorRun {
                id: first,
                ..failed
            }
        ]
    );
    assert_eq!(store.connector_runs("mua", 1).await.unwrap().len(), 1);
    assert!(store.delete_connector("mua").await.unwrap());
    assert!(!store.delete_connector("mua").await.unwrap());
    assert!(
        store.connector_runs("mua", 10).await.unwrap().is_empty(),
        "a connector saved again under the id starts afresh"
    );
    assert!(store.connectors().await.unwrap().is_empty());
});

conformance!(first_reports_are_the_earliest_counted_revisions, |store| {
    let at = |second: i64| Timestamp::from_second(1_770_000_000 + second).unwrap();
    let written = |unit: &str, value: f64, status: ObservationStatus, second: i64| Observation {
        status,
        recorded_at: at(second),
        ..observation(unit, "202510", value)
    };
    use ObservationStatus::{Approved, Deleted, Draft, Submitted};
    for batch in [
        // Submitted, then approved later: first reported when submitted.
        vec![
            written("68", 1.0, Submitted, 10),
            written("24820", 1.0, Draft, 10),
        ],
        vec![
            written("68", 1.0, Approved, 50),
            written("24820", 2.0, Submitted, 30),
        ],
        // A draft only, and a value deleted: neither is reported.
        vec![written("24821", 1.0, Draft, 10)],
    ] {
        store.write_observations(&batch).await.unwrap();
    }
    let deleted = observation("24822", "202510", 5.0);
    store
        .write_observations(std::slice::from_ref(&deleted))
        .await
        .unwrap();
    store
        .write_observations(&[Observation {
            status: Deleted,
            ..deleted.clone()
        }])
        .await
        .unwrap();
    let keys: Vec<ObservationKey> = ["68", "24820", "24821", "24822", "99999"]
        .iter()
        .map(|unit| observation(unit, "202510", 0.0).key)
        .collect();
    let first = store.first_reports(&keys).await.unwrap();
    let mut found: Vec<(String, Timestamp)> =
        first.into_iter().map(|(key, at)| (key.unit, at)).collect();
    found.sort();
    assert_eq!(
        found,
        [("24820".to_owned(), at(30)), ("68".to_owned(), at(10))]
    );
});
