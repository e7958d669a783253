//! Catalogue validation: each rule, with one helper that builds a small catalogue and lists its errors.

use std::collections::BTreeSet;

use vantage_model::indicator::{
    CatalogContext, Indicator, Polarity, SpaceAggregation, TimeAggregation, validate_catalog,
};
use vantage_model::period::PeriodType;
use vantage_model::unit::UnitLevel;

fn indicator(code: &str, formula: Option<&str>) -> Indicator {
    Indicator {
        code: code.into(),
        name_vi: code.into(),
        name_en: code.into(),
        domain: "BUD".into(),
        measure: "tỷ đồng".into(),
        frequency: PeriodType::Month,
        time_aggregation: TimeAggregation::Sum,
        space_aggregation: if formula.is_some() {
            SpaceAggregation::Formula
        } else {
            SpaceAggregation::Sum
        },
        polarity: Polarity::HigherBetter,
        cumulative: false,
        levels: vec![UnitLevel::Province, UnitLevel::Commune],
        owner_agency: "STC".into(),
        formula: formula.map(Into::into),
        public: true,
        source: String::new(),
        confidence: "D".into(),
        deadline: None,
        computed: None,
    }
}

/// The `(code, field)` of every error in a catalogue.
fn check(indicators: &[Indicator]) -> Vec<(String, &'static str, String)> {
    let domains = BTreeSet::from(["BUD".to_owned()]);
    let agencies = BTreeSet::from(["STC".to_owned()]);
    let context = CatalogContext {
        domains: &domains,
        agencies: &agencies,
    };
    validate_catalog(indicators, &context)
        .into_iter()
        .map(|e| (e.code, e.field, e.message))
        .collect()
}

fn fields(indicators: &[Indicator]) -> Vec<(String, &'static str)> {
    check(indicators)
        .into_iter()
        .map(|(code, field, _)| (code, field))
        .collect()
}

#[test]
fn a_consistent_catalogue_has_no_errors() {
    let catalogue = [
        indicator("A", None),
        indicator("B", None),
        indicator("RATE", Some("100 * A / B")),
    ];
    assert_eq!(check(&catalogue), vec![]);
}

#[test]
fn references_must_exist() {
    let mut unknown = indicator("A", None);
    unknown.domain = "XYZ".into();
    unknown.owner_agency = "NOPE".into();
    assert_eq!(
        fields(&[unknown]),
        vec![("A".into(), "domain"), ("A".into(), "owner_agency")]
    );
    let catalogue = [indicator("A", None), indicator("RATE", Some("A / MISSING"))];
    let errors = check(&catalogue);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].2.contains("unknown indicator `MISSING`"));
}

#[test]
fn formulas_must_parse() {
    let errors = check(&[indicator("A", None), indicator("R", Some("A +"))]);
    assert_eq!(errors[0].1, "formula");
    assert!(errors[0].2.contains("character"), "{}", errors[0].2);
}

#[test]
fn cycles_are_refused() {
    let catalogue = [
        indicator("X", Some("Y + 1")),
        indicator("Y", Some("Z * 2")),
        indicator("Z", Some("X")),
    ];
    let errors = check(&catalogue);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].2.contains("X -> Y -> Z -> X"), "{}", errors[0].2);
    assert!(
        check(&[indicator("SELF", Some("SELF + 1"))])[0]
            .2
            .contains("circular")
    );
}

#[test]
fn operands_must_be_at_least_as_fine_and_as_deep() {
    let mut yearly = indicator("YEARLY", None);
    yearly.frequency = PeriodType::Year;
    yearly.time_aggregation = TimeAggregation::Sum;
    let mut plan = indicator("PLAN", None);
    plan.frequency = PeriodType::Year;
    plan.time_aggregation = TimeAggregation::Last;
    let mut province_only = indicator("PROV", None);
    province_only.levels = vec![UnitLevel::Province];
    let errors = check(&[
        yearly,
        plan,
        province_only,
        indicator("R", Some("YEARLY / PROV + 100 * A / PLAN")),
        indicator("A", None),
    ]);
    let messages: Vec<&str> = errors.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("YEARLY is a year flow, coarser"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("PROV is not reported at commune level"))
    );
}

#[test]
fn aggregation_rules_fit_the_indicator() {
    let mut formula_without_formula = indicator("A", None);
    formula_without_formula.space_aggregation = SpaceAggregation::Formula;
    let mut derived_summed = indicator("B", Some("C + 1"));
    derived_summed.space_aggregation = SpaceAggregation::Sum;
    let mut cumulative_mean = indicator("C", None);
    cumulative_mean.cumulative = true;
    cumulative_mean.time_aggregation = TimeAggregation::Mean;
    let mut yearly_mean = indicator("D", None);
    yearly_mean.frequency = PeriodType::Year;
    yearly_mean.time_aggregation = TimeAggregation::Mean;
    let mut reported_ytd = indicator("E", None);
    reported_ytd.cumulative = true;
    reported_ytd.time_aggregation = TimeAggregation::None;
    assert_eq!(
        fields(&[
            formula_without_formula,
            derived_summed,
            cumulative_mean,
            yearly_mean,
            reported_ytd
        ]),
        vec![
            ("A".into(), "aggregation"),
            ("B".into(), "aggregation"),
            ("C".into(), "aggregation"),
            ("D".into(), "aggregation")
        ]
    );
}

#[test]
fn duplicate_codes_are_refused() {
    assert_eq!(
        fields(&[indicator("A", None), indicator("A", None)]),
        vec![("A".into(), "code")]
    );
}

#[test]
fn values_are_owed_where_they_are_kept() {
    use UnitLevel::{Commune, Province};
    let summed = indicator("BUD.REVENUE", None);
    assert!(summed.is_owed_at(Commune));
    assert!(
        !summed.is_owed_at(Province),
        "the province total is the communes' sum"
    );
    let not_summable = Indicator {
        space_aggregation: SpaceAggregation::None,
        ..indicator("BUD.DEBT", None)
    };
    assert!(not_summable.is_owed_at(Province) && not_summable.is_owed_at(Commune));
    let province_only = Indicator {
        levels: vec![Province],
        ..indicator("BUD.DEFICIT", None)
    };
    assert!(province_only.is_owed_at(Province) && !province_only.is_owed_at(Commune));
    let derived = indicator("BUD.RATE", Some("100 * BUD.REVENUE / BUD.DEBT"));
    assert!(!derived.is_owed_at(Province) && !derived.is_owed_at(Commune));
}
