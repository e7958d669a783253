//! The live path on every backend: writes are durable, then applied, then published; drafts do not count;
//! a restart rebuilds the same figures from the store.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::date;
use vantage_live::{Analytics, LiveError};
use vantage_model::agency::{Agency, AgencyKind};
use vantage_model::fixtures;
use vantage_model::indicator::{Domain, Indicator, SpaceAggregation, TimeAggregation};
use vantage_model::period::{Period, PeriodType};
use vantage_model::record::{Observation, ObservationKey, ObservationStatus, Target, TargetBound};
use vantage_model::unit::{Lineage, LineageKind, Unit, UnitLevel};
use vantage_store::Store;
use vantage_store::testing::TestDatabase;

const REFORM: jiff::civil::Date = date(2025, 7, 1);

fn unit(code: &str, level: UnitLevel, parent: Option<&str>, after_reform: bool) -> Unit {
    let (from, to) = if after_reform {
        (Some(REFORM), None)
    } else {
        (None, Some(REFORM))
    };
    fixtures::unit(code, level, parent, from, to)
}

async fn seed(store: &Store) {
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
            unit("68", UnitLevel::Province, None, false),
            unit("68", UnitLevel::Province, None, true),
            unit("22915", UnitLevel::Commune, Some("68"), false),
            unit("24820", UnitLevel::Commune, Some("68"), true),
        ])
        .await
        .unwrap();
    let lineage = |old: &str, new: &str| Lineage {
        old_code: old.into(),
        new_code: new.into(),
        date: REFORM,
        kind: LineageKind::Rename,
        weight: 1.0,
    };
    store
        .write_lineage(&[lineage("22915", "24820"), lineage("68", "68")])
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
            domain: "BUD".into(),
            owner_agency: "STC".into(),
            cumulative: true,
            ..fixtures::indicator(
                "BUD.REVENUE",
                PeriodType::Month,
                TimeAggregation::Sum,
                SpaceAggregation::Sum,
            )
        }])
        .await
        .unwrap();
}

fn value(unit: &str, period: &str, value: f64, status: ObservationStatus) -> Observation {
    Observation {
        key: ObservationKey {
            indicator: "BUD.REVENUE".into(),
            unit: unit.into(),
            period: Period::parse(period).unwrap(),
        },
        value,
        status,
        source: "test".into(),
        author: "tester".into(),
        recorded_at: Timestamp::from_millisecond(1_760_000_000_000).unwrap(),
        comment: None,
    }
}

fn province_value(analytics: &Analytics, period: &str) -> Option<f64> {
    let engine = analytics.engine();
    let period = Period::parse(period).unwrap();
    let indicator = engine.catalog().id("BUD.REVENUE").unwrap();
    // Today's province, whatever the period: earlier values are carried from the old one.
    let province = engine.unit_for("68", Period::Year(2026)).unwrap();
    engine.value(indicator, province, period)
}

#[tokio::test]
async fn writes_are_durable_applied_and_published() {
    for database in TestDatabase::all().await {
        seed(&database.store).await;
        let store = Arc::new(Store::open(&database.url).await.unwrap());
        let analytics = Analytics::open(store.clone()).await.unwrap();
        let mut changes = analytics.subscribe();

        let submitted = ObservationStatus::Submitted;
        analytics
            .write_observations(&[
                value("24820", "202608", 10.0, submitted),
                value("22915", "202506", 7.0, submitted),
                value("24820", "202609", 99.0, ObservationStatus::Draft),
            ])
            .await
            .unwrap();
        let batch = changes.try_recv().expect("the batch was published");
        {
            let engine = analytics.engine();
            let province = engine.unit_for("68", Period::Year(2026)).unwrap();
            let find = |period: &str| {
                batch
                    .changes
                    .iter()
                    .find(|c| c.unit == province && c.period == Period::parse(period).unwrap())
                    .map(|c| (c.old_value, c.new_value))
            };
            assert_eq!(find("202608"), Some((None, Some(10.0))));
            // The old commune's June 2025 shows on today's province through lineage.
            assert_eq!(find("202506"), Some((None, Some(7.0))));
            assert_eq!(find("202609"), None, "a draft changes nothing");
        }
        assert_eq!(province_value(&analytics, "2026"), Some(10.0));
        assert_eq!(province_value(&analytics, "2025Q2"), Some(7.0));

        // Submitting the draft makes it count; a target makes a status.
        analytics
            .write_observations(&[value("24820", "202609", 99.0, submitted)])
            .await
            .unwrap();
        assert_eq!(province_value(&analytics, "2026"), Some(109.0));
        let submission = changes.try_recv().expect("the submission was published");
        assert!(submission.sequence > batch.sequence);
        assert!(
            submission
                .changes
                .iter()
                .any(|c| c.period == Period::parse("202609").unwrap() && c.new_value == Some(99.0))
        );
        analytics
            .write_targets(&[Target {
                key: ObservationKey {
                    indicator: "BUD.REVENUE".into(),
                    unit: "68".into(),
                    period: Period::Year(2026),
                },
                bound: TargetBound::AtLeast { value: 500.0 },
                source_document: "NQ 1/2026".into(),
            }])
            .await
            .unwrap();
        let statuses = changes.try_recv().expect("a target change is published");
        assert!(statuses.changes.iter().any(|c| c.new_status.is_some()));

        // A batch with one bad item is refused whole.
        let refused = analytics
            .write_observations(&[
                value("24820", "202610", 1.0, submitted),
                value("99999", "202610", 1.0, submitted),
            ])
            .await;
        assert!(
            matches!(refused, Err(LiveError::Resolve { index: 1, .. })),
            "{refused:?}"
        );
        assert_eq!(store.count_observations().await.unwrap(), 3);

        // A value the catalogue no longer fits (written around the checks) is left out, and said so.
        store
            .write_observations(&[value("24820", "2026Q4", 1.0, submitted)])
            .await
            .unwrap();
        // A restart rebuilds the same figures.
        let reopened = Analytics::open(store.clone()).await.unwrap();
        assert_eq!(reopened.load_report().values, 3);
        assert_eq!(reopened.load_report().skipped, 1);
        for period in ["2026", "2025Q2", "202609", "202610"] {
            assert_eq!(
                province_value(&reopened, period),
                province_value(&analytics, period)
            );
        }
        {
            let engine = reopened.engine();
            let indicator = engine.catalog().id("BUD.REVENUE").unwrap();
            let province = engine.unit_for("68", Period::Year(2026)).unwrap();
            let status = engine
                .figures(indicator, province, Period::Year(2026))
                .status;
            assert!(status.is_some(), "the stored target was loaded");
        }
        store.close().await;
        eprintln!("passed on {}", database.backend_name);
        database.drop_database().await;
    }
}
