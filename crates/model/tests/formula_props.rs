//! Properties of derived-indicator formulas over generated input.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::select;
use vantage_model::formula::Formula;

/// Codes used by generated formulas; `E1` checks that a code shaped like an
/// exponent is never mistaken for one.
const CODES: [&str; 5] = ["A", "B.X", "ENT.D_1", "PAR.PROC.2", "E1"];

/// A number as it might be written in a definition.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0_u32..1000).prop_map(|n| n.to_string()),
        (0_u32..100_000, 1_usize..5).prop_map(|(n, decimals)| {
            let text = format!("{n:0>width$}", width = decimals + 1);
            let (whole, fraction) = text.split_at(text.len() - decimals);
            format!("{whole}.{fraction}")
        }),
        (0.0_f64..1e300).prop_map(|n| format!("{n:e}")),
        (0.0_f64..1e20).prop_map(|n| n.to_string()),
        Just("0".to_owned()),
    ]
}

/// A random expression tree, rendered with a bracket around every binary
/// operation so the tree's shape does not depend on the printer under test.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![number(), select(&CODES[..]).prop_map(str::to_owned)];
    leaf.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            4 => (inner.clone(), select(&['+', '-', '*', '/'][..]), inner.clone())
                .prop_map(|(left, op, right)| format!("({left} {op} {right})")),
            1 => inner.clone().prop_map(|operand| format!("-{operand}")),
            1 => (select(&["min", "max"][..]), prop::collection::vec(inner.clone(), 1..4))
                .prop_map(|(name, args)| format!("{name}({})", args.join(", "))),
            1 => inner.clone().prop_map(|operand| format!("abs({operand})")),
            1 => (inner.clone(), prop::option::of(0_u8..=10)).prop_map(|(operand, digits)| {
                match digits {
                    Some(digits) => format!("round({operand}, {digits})"),
                    None => format!("round({operand})"),
                }
            }),
        ]
    })
}

/// Operand values, including missing ones and ones that must never leak
/// into a result (infinities, NaN, extremes).
fn operands() -> impl Strategy<Value = BTreeMap<&'static str, f64>> {
    let value = prop_oneof![
        3 => -1e6_f64..1e6,
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => any::<f64>(),
        1 => select(&[f64::MAX, f64::MIN, f64::MIN_POSITIVE, f64::INFINITY, f64::NAN][..]),
    ];
    prop::collection::btree_map(select(&CODES[..]), value, 0..=CODES.len())
}

fn evaluate(formula: &Formula, operands: &BTreeMap<&str, f64>) -> Option<f64> {
    formula.evaluate(&mut |code: &str| operands.get(code).copied())
}

/// Bracket pairs that are not part of a function call, as character offsets.
fn grouping_brackets(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut open = Vec::new();
    let mut pairs = Vec::new();
    for (index, &c) in chars.iter().enumerate() {
        match c {
            '(' => open.push((index, index > 0 && chars[index - 1].is_ascii_lowercase())),
            ')' => {
                let (start, is_call) = open.pop().expect("balanced display");
                if !is_call {
                    pairs.push((start, index));
                }
            }
            _ => {}
        }
    }
    pairs
}

fn without_chars(text: &str, removed: (usize, usize)) -> String {
    text.chars()
        .enumerate()
        .filter(|&(index, _)| index != removed.0 && index != removed.1)
        .map(|(_, c)| c)
        .collect()
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(source in any::<String>()) {
        let _ = Formula::parse(&source);
    }

    #[test]
    fn parse_never_panics_on_formula_alphabet(
        source in "[A-Za-z0-9_.+*/(), \\-]{0,80}"
    ) {
        if let Err(error) = Formula::parse(&source) {
            prop_assert!(error.position <= source.chars().count());
        }
    }

    #[test]
    fn display_then_parse_gives_the_same_tree(
        source in expression(),
        operands in operands(),
    ) {
        let formula = Formula::parse(&source).unwrap();
        let text = formula.to_string();
        let reparsed = Formula::parse(&text).unwrap();
        prop_assert_eq!(&reparsed, &formula, "{} displayed as {}", source, text);
        prop_assert_eq!(reparsed.to_string(), text);
        prop_assert_eq!(reparsed.references(), formula.references());
        let (before, after) = (evaluate(&formula, &operands), evaluate(&reparsed, &operands));
        prop_assert_eq!(before.map(f64::to_bits), after.map(f64::to_bits));
    }

    #[test]
    fn display_has_no_redundant_brackets(source in expression()) {
        let formula = Formula::parse(&source).unwrap();
        let text = formula.to_string();
        for pair in grouping_brackets(&text) {
            let stripped = Formula::parse(&without_chars(&text, pair)).ok();
            prop_assert_ne!(
                stripped.as_ref(),
                Some(&formula),
                "brackets at {:?} in {} are redundant",
                pair,
                text
            );
        }
    }

    #[test]
    fn evaluation_is_finite_or_none(
        source in expression(),
        operands in operands(),
    ) {
        let formula = Formula::parse(&source).unwrap();
        if let Some(value) = evaluate(&formula, &operands) {
            prop_assert!(value.is_finite(), "{} gave {}", source, value);
        }
    }
}
