//! Units, lineage and carrying values across the July 2025 reorganisation, on the real demo province.

use jiff::civil::{Date, date};
use vantage_model::unit::{
    CarryError, CarryRule, CrosswalkRow, LineageKind, Point, Unit, UnitError, UnitLevel,
    UnitRegistry, classify_crosswalk,
};

const REFORM: Date = date(2025, 7, 1);

/// The demo's units.csv and lineage.csv (plain CSV without quoted fields).
fn demo_registry() -> UnitRegistry {
    let units = include_str!("../../../data/demo/units.csv")
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let day = |text: &str| (!text.is_empty()).then(|| text.parse::<Date>().unwrap());
            Unit {
                code: f[0].into(),
                name: f[1].into(),
                level: UnitLevel::parse(f[2]).unwrap(),
                parent: (!f[3].is_empty()).then(|| f[3].into()),
                kind: f[4].into(),
                valid_from: day(f[5]),
                valid_to: day(f[6]),
                point: (!f[7].is_empty()).then(|| Point {
                    lat: f[7].parse().unwrap(),
                    lon: f[8].parse().unwrap(),
                }),
            }
        })
        .collect();
    let crosswalk: Vec<CrosswalkRow> = include_str!("../../../data/demo/lineage.csv")
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            CrosswalkRow {
                old_code: f[0].into(),
                new_code: f[1].into(),
                date: f[2].parse().unwrap(),
            }
        })
        .collect();
    let communes = UnitRegistry::new(units, classify_crosswalk(&crosswalk))
        .expect("the demo units are consistent");
    let mut lineage = communes.lineage().to_vec();
    lineage.extend(communes.derive_lineage(UnitLevel::Province));
    UnitRegistry::new(communes.units().to_vec(), lineage).expect("derived lineage is consistent")
}

fn count(registry: &UnitRegistry, day: Date, level: UnitLevel) -> usize {
    registry
        .as_of(day)
        .iter()
        .filter(|unit| unit.level == level)
        .count()
}

#[test]
fn the_tree_depends_on_the_date() {
    let registry = demo_registry();
    let after = date(2026, 11, 23);
    assert_eq!(count(&registry, after, UnitLevel::Province), 1);
    assert_eq!(count(&registry, after, UnitLevel::District), 0);
    assert_eq!(count(&registry, after, UnitLevel::Commune), 124);
    assert_eq!(registry.children("68", after).len(), 124);
    let before = date(2025, 6, 30);
    assert_eq!(count(&registry, before, UnitLevel::Province), 3);
    assert_eq!(count(&registry, before, UnitLevel::District), 28);
    assert_eq!(count(&registry, before, UnitLevel::Commune), 329);
    assert_eq!(
        registry.children("68", before).len(),
        10,
        "old Lâm Đồng had 10 districts after its January 2025 merger"
    );
}

#[test]
fn a_reused_code_is_resolved_by_date() {
    let registry = demo_registry();
    let old = registry.resolve("68", date(2025, 6, 30)).unwrap();
    let new = registry.resolve("68", REFORM).unwrap();
    assert_eq!(old.valid_to, Some(REFORM));
    assert_eq!(new.valid_from, Some(REFORM));
    assert!(
        registry.resolve("67", REFORM).is_none(),
        "Đắk Nông ended with the reform"
    );
    assert_eq!(registry.history("68").len(), 2);
    assert_eq!(
        registry
            .ancestor_at("24820", UnitLevel::Province, REFORM)
            .map(|unit| unit.code.as_str()),
        Some("68")
    );
}

#[test]
fn province_lineage_is_derived_from_the_commune_crosswalk() {
    let registry = demo_registry();
    let mut provinces: Vec<(&str, &str, LineageKind)> = registry
        .lineage()
        .iter()
        .filter(|edge| edge.old_code.len() == 2)
        .map(|edge| (edge.old_code.as_str(), edge.new_code.as_str(), edge.kind))
        .collect();
    provinces.sort();
    assert_eq!(
        provinces,
        vec![
            ("60", "68", LineageKind::Merge),
            ("67", "68", LineageKind::Merge),
            ("68", "68", LineageKind::Merge)
        ]
    );
}

#[test]
fn sums_follow_weights_and_rates_stop_at_splits_and_merges() {
    let registry = demo_registry();
    let today = date(2026, 11, 23);
    let old_province = registry.index_on("67", date(2025, 6, 30)).unwrap();
    let carried = registry
        .carry(old_province, 100.0, CarryRule::Additive, today)
        .unwrap();
    assert_eq!(carried.len(), 1);
    assert_eq!(registry.get(carried[0].0).code, "68");
    assert_eq!(carried[0].1, 100.0);
    assert!(matches!(
        registry.carry(old_province, 7.5, CarryRule::Intensive, today),
        Err(CarryError::NotCarried { kind: "merged", .. })
    ));
    assert_eq!(
        registry
            .carry(old_province, 7.5, CarryRule::Extremum, today)
            .unwrap()[0]
            .1,
        7.5
    );

    // Phong Phú (22978) was split between 22972 and 22978: half of a count goes to each.
    let split = registry.index_on("22978", date(2025, 6, 30)).unwrap();
    let mut shares: Vec<(String, f64)> = registry
        .carry(split, 10.0, CarryRule::Additive, today)
        .unwrap()
        .into_iter()
        .map(|(index, value)| (registry.get(index).code.clone(), value))
        .collect();
    shares.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        shares,
        vec![("22972".to_owned(), 5.0), ("22978".to_owned(), 5.0)]
    );
    assert!(matches!(
        registry.carry(split, 50.0, CarryRule::Extremum, today),
        Err(CarryError::NotCarried { kind: "split", .. })
    ));

    // A current unit carries onto itself.
    let current = registry.index_on("24820", today).unwrap();
    assert_eq!(
        registry
            .carry(current, 42.0, CarryRule::Intensive, today)
            .unwrap(),
        vec![(current, 42.0)]
    );

    // A district has no successor: the level was abolished.
    let district = registry.index_on("672", date(2025, 6, 30)).unwrap();
    assert!(matches!(
        registry.carry(district, 1.0, CarryRule::Additive, today),
        Err(CarryError::NoSuccessor { .. })
    ));
}

#[test]
fn every_old_commune_with_lineage_lands_on_exactly_its_weight() {
    let registry = demo_registry();
    let today = date(2026, 11, 23);
    for unit in registry
        .as_of(date(2025, 6, 30))
        .into_iter()
        .filter(|unit| unit.level == UnitLevel::Commune)
    {
        let index = registry.index_on(&unit.code, date(2025, 6, 30)).unwrap();
        if let Ok(shares) = registry.carry(index, 1.0, CarryRule::Additive, today) {
            let total: f64 = shares.iter().map(|(_, value)| value).sum();
            assert!((total - 1.0).abs() < 1e-9, "{} carries {total}", unit.code);
            assert!(
                shares
                    .iter()
                    .all(|(index, _)| registry.get(*index).is_valid_on(today))
            );
        }
    }
}

fn unit(
    code: &str,
    level: UnitLevel,
    parent: Option<&str>,
    from: Option<Date>,
    to: Option<Date>,
) -> Unit {
    Unit {
        code: code.into(),
        name: code.into(),
        level,
        parent: parent.map(Into::into),
        kind: "xã".into(),
        valid_from: from,
        valid_to: to,
        point: None,
    }
}

#[test]
fn inconsistent_units_are_all_reported() {
    let errors = UnitRegistry::new(
        vec![
            unit("1", UnitLevel::Province, None, None, None),
            unit("1", UnitLevel::Province, None, Some(REFORM), None),
            unit("100", UnitLevel::Commune, Some("9"), None, None),
            unit("101", UnitLevel::Province, Some("1"), None, None),
            unit(
                "102",
                UnitLevel::Commune,
                Some("1"),
                Some(REFORM),
                Some(REFORM),
            ),
        ],
        vec![],
    )
    .unwrap_err();
    assert!(errors.contains(&UnitError::OverlappingValidity { code: "1".into() }));
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, UnitError::MissingParent { code, .. } if code == "100"))
    );
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, UnitError::ParentLevel { code, .. } if code == "101"))
    );
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, UnitError::EmptyValidity { code, .. } if code == "102"))
    );
}

#[test]
fn lineage_must_join_an_ending_unit_to_a_starting_one() {
    let units = vec![
        unit("1", UnitLevel::Province, None, None, Some(REFORM)),
        unit("2", UnitLevel::Province, None, Some(REFORM), None),
    ];
    let crosswalk = |old: &str, new: &str, day: Date| CrosswalkRow {
        old_code: old.into(),
        new_code: new.into(),
        date: day,
    };
    assert!(
        UnitRegistry::new(
            units.clone(),
            classify_crosswalk(&[crosswalk("1", "2", REFORM)])
        )
        .is_ok()
    );
    let errors = UnitRegistry::new(
        units.clone(),
        classify_crosswalk(&[crosswalk("2", "1", REFORM)]),
    )
    .unwrap_err();
    assert!(matches!(errors[0], UnitError::LineageOldMissing { .. }));
    let errors =
        UnitRegistry::new(units, classify_crosswalk(&[crosswalk("1", "3", REFORM)])).unwrap_err();
    assert!(matches!(errors[0], UnitError::LineageNewMissing { .. }));
}

#[test]
fn crosswalks_are_classified() {
    let day = REFORM;
    let rows = [("a", "x"), ("b", "x"), ("c", "y"), ("c", "z"), ("d", "w")].map(|(old, new)| {
        CrosswalkRow {
            old_code: old.into(),
            new_code: new.into(),
            date: day,
        }
    });
    let kinds: Vec<(LineageKind, f64)> = classify_crosswalk(&rows)
        .iter()
        .map(|edge| (edge.kind, edge.weight))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (LineageKind::Merge, 1.0),
            (LineageKind::Merge, 1.0),
            (LineageKind::Split, 0.5),
            (LineageKind::Split, 0.5),
            (LineageKind::Rename, 1.0)
        ]
    );
}

#[test]
fn split_weights_must_add_up_to_one() {
    let units = vec![
        unit("1", UnitLevel::Province, None, None, Some(REFORM)),
        unit("2", UnitLevel::Province, None, Some(REFORM), None),
        unit("3", UnitLevel::Province, None, Some(REFORM), None),
    ];
    let edge = |new: &str, weight: f64| vantage_model::unit::Lineage {
        old_code: "1".into(),
        new_code: new.into(),
        date: REFORM,
        kind: LineageKind::Split,
        weight,
    };
    assert!(UnitRegistry::new(units.clone(), vec![edge("2", 0.4), edge("3", 0.6)]).is_ok());
    let errors = UnitRegistry::new(units, vec![edge("2", 1.0), edge("3", 1.0)]).unwrap_err();
    assert!(
        matches!(&errors[0], UnitError::SplitWeights { old, total, .. } if old == "1" && total == "2.0000")
    );
}
