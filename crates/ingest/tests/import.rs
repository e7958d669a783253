//! The importers on real files: the demo province loads, bad rows are reported with row, column and reason,
//! nothing valid is lost, and re-importing changes nothing. Runs on every available backend.

use vantage_ingest::{FileError, ImportError, ImportKind, ImportOptions, import_csv};
use vantage_model::reporting::ReportCount;
use vantage_store::testing::TestDatabase;
use vantage_store::{Store, WriteCounts};

fn options(accept_valid: bool) -> ImportOptions {
    ImportOptions {
        accept_valid,
        skip_empty_values: false,
        author: "tester".into(),
        source: "import:test.csv".into(),
        now: jiff::Timestamp::from_millisecond(1_763_000_000_000).unwrap(),
    }
}

async fn load_demo_reference(store: &Store) -> Vec<WriteCounts> {
    let mut counts = Vec::new();
    for (kind, _, bytes) in vantage_demo::REFERENCE_FILES {
        let kind = ImportKind::parse(kind).unwrap();
        let outcome = import_csv(store, kind, bytes, &options(false)).await;
        counts.push(
            outcome
                .unwrap_or_else(|error| match error {
                    ImportError::Refused(rejected) => panic!("{kind:?}:\n{rejected}"),
                    other => panic!("{kind:?}: {other}"),
                })
                .counts,
        );
    }
    counts
}

async fn revenue_total(store: &Store) -> vantage_model::indicator::Indicator {
    store
        .indicators()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.code == "BUD.REVENUE_TOTAL")
        .unwrap()
}

/// The deadline rule the catalogue sets for BUD.REVENUE_TOTAL, as written.
async fn stored_deadline(store: &Store) -> Option<String> {
    revenue_total(store)
        .await
        .deadline
        .map(|rule| rule.to_string())
}

/// The `(row, column)` of each error.
fn places_of(errors: &[(usize, String, String)]) -> Vec<(usize, &str)> {
    errors
        .iter()
        .map(|(row, column, _)| (*row, column.as_str()))
        .collect()
}

/// Imports `text` as `kind` and returns the `(row, column, reason)` of each error of a refused file.
async fn refused(store: &Store, kind: ImportKind, text: &str) -> Vec<(usize, String, String)> {
    match import_csv(store, kind, text.as_bytes(), &options(false)).await {
        Err(ImportError::Refused(rejected)) => rejected
            .errors
            .into_iter()
            .map(|error| (error.row, error.column, error.reason))
            .collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

macro_rules! on_every_backend {
    ($name:ident, |$store:ident| $body:block) => {
        #[tokio::test]
        async fn $name() {
            for database in TestDatabase::all().await {
                {
                    let $store = &database.store;
                    load_demo_reference($store).await;
                    async $body.await;
                }
                database.drop_database().await;
            }
        }
    };
}

#[tokio::test]
async fn the_demo_reference_data_imports_and_reimports_unchanged() {
    for database in TestDatabase::all().await {
        let store = &database.store;
        let first = load_demo_reference(store).await;
        assert_eq!(first[0].created, 24, "domains");
        assert_eq!(first[1].created, 44, "holidays");
        assert_eq!(first[2].created, 485, "units");
        // 330 commune rows plus the derived district and province edges.
        assert!(first[3].created > 330, "lineage: {:?}", first[3]);
        assert_eq!(first[4].created, 148, "agencies");
        assert_eq!(first[5].created, 440, "indicators");
        assert_eq!(first[6].created, 14, "Vantage's reporting-rate indicators");
        for counts in load_demo_reference(store).await {
            assert_eq!(counts.created + counts.updated, 0, "{counts:?}");
        }
        let lineage = store.lineage().await.unwrap();
        for old in ["68", "67", "60"] {
            assert!(
                lineage
                    .iter()
                    .any(|edge| edge.old_code == old && edge.new_code == "68"),
                "{old} -> 68"
            );
        }
        let indicators = store.indicators().await.unwrap();
        let revenue = indicators
            .iter()
            .find(|i| i.code == "BUD.REVENUE_ESTIMATE_RATE")
            .unwrap();
        assert_eq!(
            revenue.owner_agency, "STC",
            "owner named in the catalogue resolves to the agency code"
        );
        let counted = |code: &str| indicators.iter().find(|i| i.code == code).unwrap().computed;
        assert_eq!(counted("RPT.COMMUNE_ON_TIME"), Some(ReportCount::OnTime));
        assert_eq!(
            counted("RPT.COMMUNE_ON_TIME_RATE"),
            None,
            "a formula over counts"
        );
        assert_eq!(revenue.computed, None);
        database.drop_database().await;
    }
}

on_every_backend!(holidays_and_deadlines_are_checked_row_by_row, |store| {
    let holidays = "date,name\n2026-09-02,Quốc khánh\n2026-02-30,Ngày không có\n,Trống\n";
    let errors = refused(store, ImportKind::Holidays, holidays).await;
    let places = places_of(&errors);
    assert_eq!(places, [(3, "date"), (4, "date")], "{errors:?}");
    let stored = store.holidays().await.unwrap();
    assert_eq!(stored.len(), 44, "a refused file changes nothing");
    assert!(
        stored.windows(2).all(|pair| pair[0].day < pair[1].day),
        "in order"
    );

    let indicator = revenue_total(store).await;
    assert_eq!(indicator.deadline, None);
    assert_eq!(
        indicator.deadline_rule().to_string(),
        "day 20",
        "monthly: the 20th of the next month"
    );
    let header = "code,name_vi,name_en,domain,unit,frequency,time_aggregation,space_aggregation,polarity,cumulative,levels,owner_agency,deadline\n";
    let row = |deadline: &str| {
        format!(
            "BUD.REVENUE_TOTAL,Thu ngân sách,Budget revenue,BUD,tỷ đồng,month,sum,sum,higher_better,yes,province+commune,STC,{deadline}\n"
        )
    };
    let errors = refused(
        store,
        ImportKind::Catalog,
        &format!("{header}{}", row("by the 20th")),
    )
    .await;
    assert_eq!(
        (errors[0].0, errors[0].1.as_str()),
        (2, "deadline"),
        "{errors:?}"
    );
    import_csv(
        store,
        ImportKind::Catalog,
        format!("{header}{}", row("+5wd 17:00")).as_bytes(),
        &options(false),
    )
    .await
    .unwrap();
    assert_eq!(stored_deadline(store).await, Some("+5wd 17:00".to_owned()));
    // A catalogue without the column keeps the rule.
    let without = header.replace(",deadline", "");
    let plain = row("").trim_end().trim_end_matches(',').to_owned() + "\n";
    import_csv(
        store,
        ImportKind::Catalog,
        format!("{without}{plain}").as_bytes(),
        &options(false),
    )
    .await
    .unwrap();
    assert_eq!(stored_deadline(store).await, Some("+5wd 17:00".to_owned()));
});

on_every_backend!(
    excel_workbooks_import_like_csv_with_excel_row_numbers,
    |store| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (column, name) in ["indicator", "unit", "period", "value"].iter().enumerate() {
            sheet.write_string(0, column as u16, *name).unwrap();
        }
        // Row 2 good, row 3 empty, row 4 a bad number, row 5 a number Excel keeps as a float.
        for (row, cells) in [
            (1u32, ["BUD.REVENUE_TOTAL", "68", "202510", "1234.5"]),
            (3, ["BUD.REVENUE_TOTAL", "68", "202511", "abc"]),
        ] {
            for (column, text) in cells.iter().enumerate() {
                sheet.write_string(row, column as u16, *text).unwrap();
            }
        }
        for (column, text) in ["BUD.REVENUE_TOTAL", "68", "202512"].iter().enumerate() {
            sheet.write_string(4, column as u16, *text).unwrap();
        }
        sheet.write_number(4, 3, 0.1 + 0.2).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let errors =
            match import_csv(store, ImportKind::Observations, &bytes, &options(false)).await {
                Err(ImportError::Refused(rejected)) => rejected.errors,
                other => panic!("expected a refusal, got {other:?}"),
            };
        assert_eq!(
            errors
                .iter()
                .map(|e| (e.row, e.column.as_str()))
                .collect::<Vec<_>>(),
            [(4, "value")]
        );
        import_csv(store, ImportKind::Observations, &bytes, &options(true))
            .await
            .unwrap();
        let filter = vantage_store::ObservationFilter {
            indicator: Some("BUD.REVENUE_TOTAL".into()),
            unit: Some("68".into()),
            ..Default::default()
        };
        let values: Vec<f64> = store
            .observations(&filter)
            .await
            .unwrap()
            .iter()
            .map(|o| o.value)
            .collect();
        assert_eq!(values, [1234.5, 0.1 + 0.2], "numbers read back exactly");
        let broken = import_csv(
            store,
            ImportKind::Observations,
            b"PK\x03\x04garbage",
            &options(false),
        )
        .await;
        assert!(
            matches!(&broken, Err(ImportError::File(error)) if error.to_string().contains("not a readable XLSX")),
            "{broken:?}"
        );
    }
);

on_every_backend!(rows_left_empty_are_passed_over_when_asked, |store| {
    let file = "indicator,unit,period,value,comment\n\
        BUD.REVENUE_TOTAL,68,202510,12,\n\
        BUD.REVENUE_TOTAL,68,202511,,\n\
        BUD.REVENUE_TOTAL,68,202512,,chưa có số\n";
    let errors = refused(store, ImportKind::Observations, file).await;
    assert_eq!(places_of(&errors), [(3, "value"), (4, "value")]);
    let options = ImportOptions {
        skip_empty_values: true,
        ..options(false)
    };
    let errors = match import_csv(store, ImportKind::Observations, file.as_bytes(), &options).await
    {
        Err(ImportError::Refused(rejected)) => rejected.errors,
        other => panic!("a comment without a value is still refused: {other:?}"),
    };
    assert_eq!(errors.iter().map(|e| e.row).collect::<Vec<_>>(), [4]);
    let outcome = import_csv(
        store,
        ImportKind::Observations,
        file.replace(",chưa có số", ",").as_bytes(),
        &options,
    )
    .await
    .unwrap();
    assert_eq!((outcome.counts.created, outcome.skipped), (1, 2));
});

on_every_backend!(
    bad_observation_rows_are_all_reported_and_nothing_is_written,
    |store| {
        let file = "indicator,unit,period,value,comment\n\
        BUD.REVENUE_TOTAL,68,202510,1234.5,ok\n\
        BUD.REVENUE_TOTAL,68,202510,99,same cell again\n\
        NO.SUCH,68,202510,1,\n\
        BUD.REVENUE_TOTAL,68,2025Q3,1,\n\
        BUD.REVENUE_TOTAL,99999,202510,1,\n\
        BUD.REVENUE_TOTAL,68,202510x,abc,\n\
        BUD.REVENUE_ESTIMATE_RATE,68,202510,95,\n\
        BUD.REVENUE_TOTAL,68,202410,1,\n\
        RPT.COMMUNE_ON_TIME,22918,202510,12,\n";
        let errors = refused(store, ImportKind::Observations, file).await;
        let places = places_of(&errors);
        assert_eq!(
            places,
            vec![
                (3, "period"),
                (4, "indicator"),
                (5, "period"),
                (6, "unit"),
                (7, "period"),
                (7, "value"),
                (8, "indicator"),
                (10, "indicator")
            ],
            "{errors:#?}"
        );
        assert!(errors[0].2.contains("repeats row 2"));
        assert!(errors[2].2.contains("reported per month"));
        assert!(errors[3].2.contains("no unit `99999`"));
        assert!(errors[6].2.contains("computed from its formula"));
        assert!(errors[7].2.contains("counted by Vantage"));
        assert_eq!(
            store.count_observations().await.unwrap(),
            0,
            "a refused file writes nothing"
        );
    }
);

on_every_backend!(
    accept_valid_applies_the_good_rows_and_returns_the_bad_ones,
    |store| {
        let file = "indicator,unit,period,value\n\
        BUD.REVENUE_TOTAL,68,202510,1234.5\n\
        BUD.REVENUE_TOTAL,68,202511,not-a-number\n\
        BUD.REVENUE_TOTAL,68,202409,800\n";
        let outcome = import_csv(
            store,
            ImportKind::Observations,
            file.as_bytes(),
            &options(true),
        )
        .await
        .unwrap();
        assert_eq!(
            outcome.counts,
            WriteCounts {
                created: 2,
                updated: 0,
                unchanged: 0
            }
        );
        assert_eq!(outcome.rejected.rejected_rows(), 1);
        let csv = outcome.rejected.to_csv();
        assert!(
            csv.starts_with("_row,_errors,indicator,unit,period,value\n"),
            "{csv}"
        );
        assert!(
            csv.contains("3,\"value: `not-a-number` is not a number"),
            "{csv}"
        );
        // The 2024 value went to the old province 68, the 2025 one to the new: one code, resolved by date.
        let again = import_csv(
            store,
            ImportKind::Observations,
            file.as_bytes(),
            &options(true),
        )
        .await
        .unwrap();
        assert_eq!(
            again.counts,
            WriteCounts {
                created: 0,
                updated: 0,
                unchanged: 2
            }
        );
    }
);

on_every_backend!(a_changed_value_is_a_new_revision, |store| {
    let first = "indicator,unit,period,value\nBUD.REVENUE_TOTAL,68,202510,1000\n";
    let second =
        "indicator,unit,period,value,comment\nBUD.REVENUE_TOTAL,68,202510,1100,corrected\n";
    import_csv(
        store,
        ImportKind::Observations,
        first.as_bytes(),
        &options(false),
    )
    .await
    .unwrap();
    let outcome = import_csv(
        store,
        ImportKind::Observations,
        second.as_bytes(),
        &options(false),
    )
    .await
    .unwrap();
    assert_eq!(outcome.counts.updated, 1);
    let key = store.observations(&Default::default()).await.unwrap()[0]
        .key
        .clone();
    let history = store.observation_history(&key).await.unwrap();
    assert_eq!(
        history.iter().map(|o| o.value).collect::<Vec<_>>(),
        vec![1000.0, 1100.0]
    );
});

on_every_backend!(targets_are_checked, |store| {
    let file = "indicator,unit,period,kind,value,value_max,source_document\n\
        BUD.REVENUE_TOTAL,68,2026,at_least,15000,,NQ HĐND 2025\n\
        BUD.REVENUE_TOTAL,68,2026,range,15000,,\n\
        BUD.REVENUE_TOTAL,68,20260101,at_least,1,,\n\
        BUD.REVENUE_ESTIMATE_RATE,68,2026,at_least,100,,\n";
    let errors = refused(store, ImportKind::Targets, file).await;
    assert_eq!(places_of(&errors), vec![(3, "kind"), (4, "period")]);
    let good = "indicator,unit,period,kind,value,value_max,source_document\n\
        BUD.REVENUE_TOTAL,68,2026,at_least,15000,,NQ HĐND 2025\n\
        BUD.REVENUE_ESTIMATE_RATE,68,2026,range,95,105,\n";
    let outcome = import_csv(store, ImportKind::Targets, good.as_bytes(), &options(false))
        .await
        .unwrap();
    assert_eq!(outcome.counts.created, 2);
});

on_every_backend!(reference_files_with_bad_rows_name_them, |store| {
    let units = "code,name,level,parent_code,kind,valid_from,lat,lon\n\
        99001,Xã Mới,commune,68,xã,2026-01-01,11.9,108.4\n\
        99002,Xã Lạ,village,68,xã,,,\n\
        99003,Xã Mồ Côi,commune,4242,xã,2026-01-01,,\n\
        99004,Xã Ngày Sai,commune,68,xã,2026-13-01,,\n\
        99005,Xã Nửa Điểm,commune,68,xã,2026-01-01,11.9,\n\
        99006,Xã Ngoài Khơi,commune,68,xã,2026-01-01,108.4,11.9\n";
    let errors = refused(store, ImportKind::Units, units).await;
    assert_eq!(
        places_of(&errors),
        vec![
            (3, "level"),
            (4, "code"),
            (5, "valid_from"),
            (6, "lon"),
            (7, "lat")
        ]
    );
    assert!(
        errors[1].2.contains("parent 4242 does not exist"),
        "{}",
        errors[1].2
    );

    let catalog = "code,name_vi,name_en,domain,unit,frequency,time_aggregation,space_aggregation,polarity,cumulative,levels,owner_agency,formula\n\
        NEW.RATE,Tỷ lệ,Rate,BUD,%,month,none,formula,higher_better,no,province,STC,100 * NEW.X / BUD.REVENUE_TOTAL\n\
        NEW.Y,Y,Y,NOPE,%,fortnight,none,none,higher_better,maybe,province,Sở Không Có,\n";
    let errors = refused(store, ImportKind::Catalog, catalog).await;
    let places = places_of(&errors);
    assert_eq!(
        places,
        vec![(2, "formula"), (3, "frequency"), (3, "cumulative")],
        "{errors:#?}"
    );

    // Reporting-rate counts: a known count, and one that adds up over units.
    let counts = "code,name_vi,name_en,domain,unit,frequency,time_aggregation,space_aggregation,polarity,cumulative,levels,owner_agency,computed\n\
        NEW.DUE,Đến hạn,Due,BUD,báo cáo,month,sum,mean,higher_better,no,province+commune,STC,reports_expected\n\
        NEW.SEEN,Đã nhận,Received,BUD,báo cáo,month,sum,sum,higher_better,no,province+commune,STC,reports_seen\n";
    let errors = refused(store, ImportKind::Catalog, counts).await;
    let places = places_of(&errors);
    assert_eq!(
        places,
        vec![(2, "space_aggregation"), (3, "computed")],
        "{errors:#?}"
    );
    assert!(
        errors[0].2.contains("`reports_expected` is a count"),
        "{errors:#?}"
    );
});

#[tokio::test]
async fn unusable_files_are_refused_before_any_row() {
    let database = TestDatabase::sqlite().await;
    let store = &database.store;
    type Expected = fn(&FileError) -> bool;
    let cases: [(&str, Expected); 4] = [
        ("", |e| matches!(e, FileError::Empty { .. })),
        (
            "indicator,unit,period\n",
            |e| matches!(e, FileError::MissingColumns { missing } if missing == "value"),
        ),
        ("indicator,unit,period,value\n\n", |e| {
            matches!(e, FileError::NoRows)
        }),
        (
            "indicator,unit,unit,period,value\nA,1,1,2026,1\n",
            |e| matches!(e, FileError::DuplicateColumn(c) if c == "unit"),
        ),
    ];
    for (text, expected) in cases {
        match import_csv(
            store,
            ImportKind::Observations,
            text.as_bytes(),
            &options(false),
        )
        .await
        {
            Err(ImportError::File(error)) => assert!(expected(&error), "{text:?}: {error}"),
            other => panic!("{text:?}: expected a file error, got {other:?}"),
        }
    }
    database.drop_database().await;
}

on_every_backend!(
    a_lineage_file_that_names_a_missing_unit_changes_nothing,
    |store| {
        // Read together, the two rows split 22915 in half, and one half goes nowhere: both rows are at fault.
        let file =
            "old_code,new_code,effective_date\n22915,22918,2025-07-01\n22915,99999,2025-07-01\n";
        let errors = refused(store, ImportKind::Lineage, file).await;
        assert!(
            errors
                .iter()
                .any(|(row, _, reason)| *row == 3 && reason.contains("no unit 99999")),
            "{errors:?}"
        );
        let outcome = import_csv(store, ImportKind::Lineage, file.as_bytes(), &options(true))
            .await
            .unwrap();
        assert_eq!(
            outcome.counts.created + outcome.counts.updated,
            0,
            "{:?}",
            outcome.counts
        );
        let lineage = store.lineage().await.unwrap();
        assert!(lineage.iter().all(|edge| edge.new_code != "99999"));
        let kept = lineage
            .iter()
            .find(|edge| edge.old_code == "22915")
            .unwrap();
        assert_eq!((kept.kind.as_str(), kept.weight), ("merge", 1.0));
    }
);

on_every_backend!(
    a_rejected_duplicate_does_not_turn_its_twin_into_a_split,
    |store| {
        let file =
            "old_code,new_code,effective_date\n22915,22918,2025-07-01\n22915,22918,2025-07-01\n";
        let outcome = import_csv(store, ImportKind::Lineage, file.as_bytes(), &options(true))
            .await
            .unwrap();
        assert_eq!(outcome.rejected.rejected_rows(), 1);
        let edge = store
            .lineage()
            .await
            .unwrap()
            .into_iter()
            .find(|edge| edge.old_code == "22915")
            .unwrap();
        assert_eq!((edge.kind.as_str(), edge.weight), ("merge", 1.0));
    }
);

on_every_backend!(
    files_that_would_break_stored_data_are_refused_whole,
    |store| {
        // The parent is only in a bad row, so its child is rejected with it rather than stored as an orphan.
        let units = "code,name,level,parent_code,kind,valid_from\n\
        99100,Huyện Mới,county,68,huyện,2026-01-01\n\
        99101,Xã Mới,commune,99100,xã,2026-01-01\n";
        let outcome = import_csv(store, ImportKind::Units, units.as_bytes(), &options(true))
            .await
            .unwrap();
        assert_eq!(
            (outcome.counts.created, outcome.rejected.rejected_rows()),
            (0, 2)
        );
        // A cycle through a stored indicator is reported although that indicator is not in the file.
        let header = "code,name_vi,name_en,domain,unit,frequency,time_aggregation,space_aggregation,polarity,cumulative,levels,owner_agency,formula\n";
        let first = format!(
            "{header}A.RATE,A,A,BUD,%,month,none,formula,higher_better,no,province,STC,B.RATE + 1\nB.RATE,B,B,BUD,%,month,none,none,higher_better,no,province,STC,\n"
        );
        import_csv(
            store,
            ImportKind::Catalog,
            first.as_bytes(),
            &options(false),
        )
        .await
        .unwrap();
        let second = format!(
            "{header}B.RATE,B,B,BUD,%,month,none,formula,higher_better,no,province,STC,A.RATE * 2\n"
        );
        let errors = match import_csv(
            store,
            ImportKind::Catalog,
            second.as_bytes(),
            &options(true),
        )
        .await
        {
            Err(ImportError::Refused(rejected)) => rejected.errors,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert!(
            errors.iter().any(|error| error.reason.contains("circular")),
            "{errors:?}"
        );
        let stored = store.indicators().await.unwrap();
        assert_eq!(
            stored.iter().find(|i| i.code == "B.RATE").unwrap().formula,
            None
        );
    }
);

on_every_backend!(a_file_does_not_write_values_as_deleted, |store| {
    let file = "indicator,unit,period,value,status\n\
        BUD.REVENUE_TOTAL,68,202510,1000,deleted\n\
        BUD.REVENUE_TOTAL,68,202511,1000,lost\n";
    let errors = refused(store, ImportKind::Observations, file).await;
    assert_eq!(places_of(&errors), [(2, "status"), (3, "status")]);
    assert!(errors[0].2.contains("importStrategy=DELETE"), "{errors:?}");
});

on_every_backend!(reimporting_plain_values_keeps_the_review, |store| {
    let reviewed = "indicator,unit,period,value,status,comment\nBUD.REVENUE_TOTAL,68,202510,1000,approved,checked by STC\n";
    import_csv(
        store,
        ImportKind::Observations,
        reviewed.as_bytes(),
        &options(false),
    )
    .await
    .unwrap();
    let plain = "indicator,unit,period,value\nBUD.REVENUE_TOTAL,68,202510,1000\n";
    let again = import_csv(
        store,
        ImportKind::Observations,
        plain.as_bytes(),
        &options(false),
    )
    .await
    .unwrap();
    assert_eq!(
        again.counts,
        WriteCounts {
            created: 0,
            updated: 0,
            unchanged: 1
        }
    );
    let changed = "indicator,unit,period,value\nBUD.REVENUE_TOTAL,68,202510,1050\n";
    import_csv(
        store,
        ImportKind::Observations,
        changed.as_bytes(),
        &options(false),
    )
    .await
    .unwrap();
    let current = &store.observations(&Default::default()).await.unwrap()[0];
    assert_eq!(
        (current.value, current.status.as_str()),
        (1050.0, "submitted")
    );
    assert_eq!(current.comment.as_deref(), Some("checked by STC"));
});

on_every_backend!(
    a_catalogue_without_optional_columns_keeps_the_stored_ones,
    |store| {
        let stored = store.indicators().await.unwrap();
        let internal = stored
            .iter()
            .find(|indicator| !indicator.public)
            .expect("the demo has internal indicators");
        let header = "code,name_vi,name_en,domain,unit,frequency,time_aggregation,space_aggregation,polarity,cumulative,levels,owner_agency\n";
        let row = format!(
            "{},Tên mới,New name,{},{},{},{},{},{},{},{},{}\n",
            internal.code,
            internal.domain,
            internal.measure,
            internal.frequency,
            internal.time_aggregation,
            internal.space_aggregation,
            internal.polarity,
            if internal.cumulative { "yes" } else { "no" },
            vantage_model::indicator::format_levels(&internal.levels),
            internal.owner_agency
        );
        let outcome = import_csv(
            store,
            ImportKind::Catalog,
            format!("{header}{row}").as_bytes(),
            &options(false),
        )
        .await
        .unwrap();
        assert_eq!(outcome.counts.updated, 1);
        let updated = store
            .indicators()
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.code == internal.code)
            .unwrap();
        assert_eq!(updated.name_vi, "Tên mới");
        assert!(!updated.public, "still internal");
        assert_eq!(
            (updated.formula.as_ref(), updated.source.as_str()),
            (internal.formula.as_ref(), internal.source.as_str())
        );
    }
);
