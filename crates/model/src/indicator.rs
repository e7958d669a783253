//! Indicators and the catalogue that holds them, with the checks that keep a catalogue computable.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::calendar::DeadlineRule;
use crate::formula::Formula;
use crate::period::PeriodType;
use crate::reporting::ReportCount;
use crate::unit::{CarryRule, UnitLevel};

vocabulary!(
    /// How values of finer periods combine into a coarser period.
    TimeAggregation, "a time aggregation" {
        Sum => "sum", Mean => "mean", Last => "last", Max => "max", Min => "min", None => "none",
    }
);

vocabulary!(
    /// How values of child units combine into their parent.
    SpaceAggregation, "a space aggregation" {
        Sum => "sum", Mean => "mean", Max => "max", Min => "min", None => "none", Formula => "formula",
    }
);

vocabulary!(
    /// Which direction of a value is good news.
    Polarity, "a polarity" {
        HigherBetter => "higher_better", LowerBetter => "lower_better", TargetRange => "target_range",
    }
);

impl SpaceAggregation {
    pub fn carry_rule(self) -> Option<CarryRule> {
        match self {
            SpaceAggregation::Sum => Some(CarryRule::Additive),
            SpaceAggregation::Max | SpaceAggregation::Min => Some(CarryRule::Extremum),
            SpaceAggregation::Mean | SpaceAggregation::None => Some(CarryRule::Intensive),
            // Derived values are recomputed from their carried operands, never carried themselves.
            SpaceAggregation::Formula => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub domain: String,
    /// Unit of measure as written in Vietnamese reports: `%`, `tỷ đồng`, `người`, ...
    pub measure: String,
    pub frequency: PeriodType,
    pub time_aggregation: TimeAggregation,
    pub space_aggregation: SpaceAggregation,
    pub polarity: Polarity,
    /// Shown year to date (*lũy kế*).
    pub cumulative: bool,
    /// Levels at which values are reported, coarse first.
    pub levels: Vec<UnitLevel>,
    /// Code of the agency that owns the indicator.
    pub owner_agency: String,
    pub formula: Option<String>,
    pub public: bool,
    pub source: String,
    /// C: name confirmed in a cited source; P: from a confirmed framework; D: designed for the demo.
    pub confidence: String,
    /// When each period's value is due; `None`: the usual deadline for its frequency.
    pub deadline: Option<DeadlineRule>,
    /// A reporting-rate indicator Vantage counts from the reporting calendar; nobody reports it.
    pub computed: Option<ReportCount>,
}

impl Indicator {
    pub fn is_derived(&self) -> bool {
        self.formula.is_some()
    }

    /// Whether values are counts or amounts that add up over units.
    pub fn is_additive(&self) -> bool {
        self.space_aggregation == SpaceAggregation::Sum
    }

    pub fn is_reported_at(&self, level: UnitLevel) -> bool {
        self.levels.contains(&level)
    }

    /// Whether values are kept on units of `level`: at the finest level the indicator is reported at, and
    /// at a coarser one only where the engine cannot work the value out from the finer units (space
    /// aggregation `none`). A province total of communes' counts is the engine's sum, not a second
    /// figure someone keeps. Derived indicators are computed, never kept.
    pub fn is_recorded_at(&self, level: UnitLevel) -> bool {
        !self.is_derived()
            && self.is_reported_at(level)
            && (self.levels.iter().max() == Some(&level)
                || self.space_aggregation == SpaceAggregation::None)
    }

    /// Whether a value of each period is owed at `level`, the level the value is recorded at: at
    /// province level by the owner agency, at commune level by each commune; Vantage's own counts
    /// (`computed`) are nobody's report.
    pub fn is_owed_at(&self, level: UnitLevel) -> bool {
        self.computed.is_none() && self.is_recorded_at(level)
    }

    /// Whether anyone owes values of this indicator at some level.
    pub fn is_owed(&self) -> bool {
        self.levels.iter().any(|level| self.is_owed_at(*level))
    }

    /// When each period's value is due: the catalogue's rule, or the usual one for the frequency (the day
    /// itself by 17:00; two working days after a week; the 20th of the next month; 15 days after a quarter,
    /// 20 after a half-year, 30 after a year).
    pub fn deadline_rule(&self) -> DeadlineRule {
        self.deadline.unwrap_or_else(|| {
            let rule = match self.frequency {
                PeriodType::Day => "+0d 17:00",
                PeriodType::Week => "+2wd",
                PeriodType::Month => "day 20",
                PeriodType::Quarter => "+15d",
                PeriodType::HalfYear => "+20d",
                PeriodType::Year => "+30d",
            };
            DeadlineRule::parse(rule).expect("the usual rules are written correctly")
        })
    }
}

/// Parses a `levels` cell such as `province+commune`.
pub fn parse_levels(text: &str) -> Result<Vec<UnitLevel>, String> {
    let mut levels = text
        .split('+')
        .map(|part| UnitLevel::parse(part.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    levels.sort();
    levels.dedup();
    if levels.is_empty() {
        return Err("no level given".to_owned());
    }
    Ok(levels)
}

pub fn format_levels(levels: &[UnitLevel]) -> String {
    levels
        .iter()
        .map(|level| level.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("indicator {code}: {field}: {message}")]
pub struct CatalogError {
    pub code: String,
    pub field: &'static str,
    pub message: String,
}

/// What the rest of the catalogue must already hold for an indicator to be valid.
pub struct CatalogContext<'a> {
    pub domains: &'a BTreeSet<String>,
    pub agencies: &'a BTreeSet<String>,
}

/// Checks a whole catalogue; returns every problem found, so a file can be fixed in one pass.
pub fn validate_catalog(
    indicators: &[Indicator],
    context: &CatalogContext<'_>,
) -> Vec<CatalogError> {
    let mut errors = Vec::new();
    let by_code: BTreeMap<&str, &Indicator> =
        indicators.iter().map(|i| (i.code.as_str(), i)).collect();
    let mut seen = BTreeSet::new();
    let mut formulas: BTreeMap<&str, Formula> = BTreeMap::new();
    for indicator in indicators {
        let mut fail = |field: &'static str, message: String| {
            errors.push(CatalogError {
                code: indicator.code.clone(),
                field,
                message,
            })
        };
        if !seen.insert(indicator.code.as_str()) {
            fail("code", "appears more than once".to_owned());
        }
        if !context.domains.contains(&indicator.domain) {
            fail("domain", format!("unknown domain `{}`", indicator.domain));
        }
        if !context.agencies.contains(&indicator.owner_agency) {
            fail(
                "owner_agency",
                format!("unknown agency `{}`", indicator.owner_agency),
            );
        }
        for message in aggregation_problems(indicator) {
            fail("aggregation", message);
        }
        let Some(source) = &indicator.formula else {
            continue;
        };
        let formula = match Formula::parse(source) {
            Ok(formula) => formula,
            Err(error) => {
                fail("formula", error.to_string());
                continue;
            }
        };
        for operand in formula.references() {
            match by_code.get(operand) {
                None => fail(
                    "formula",
                    format!("refers to unknown indicator `{operand}`"),
                ),
                Some(operand) => {
                    // A coarser operand works only as a level that holds through its period (a population,
                    // a year's plan): the formula then takes the value of the period containing its own. A
                    // flow summed over its period cannot be cut into finer ones.
                    let holds_through_period = matches!(
                        operand.time_aggregation,
                        TimeAggregation::Last | TimeAggregation::None
                    );
                    if indicator.frequency.is_finer_than(operand.frequency) && !holds_through_period
                    {
                        fail(
                            "formula",
                            format!(
                                "operand {} is a {} flow, coarser than this indicator's {}; only a level \
                                 (time aggregation last or none) can be used from a coarser period",
                                operand.code, operand.frequency, indicator.frequency
                            ),
                        );
                    }
                    if let Some(level) = indicator
                        .levels
                        .iter()
                        .find(|level| !operand.levels.contains(level))
                    {
                        fail(
                            "formula",
                            format!("operand {} is not reported at {level} level", operand.code),
                        );
                    }
                }
            }
        }
        formulas.insert(indicator.code.as_str(), formula);
    }
    for cycle in formula_cycles(&formulas) {
        errors.push(CatalogError {
            code: cycle[0].to_owned(),
            field: "formula",
            message: format!("circular definition: {}", cycle.join(" -> ")),
        });
    }
    errors
}

/// The rules that make an indicator's aggregation computable: derived indicators aggregate by their formula
/// and nothing else does; year-to-date figures need a sum over time, or a value reported as year to date.
fn aggregation_problems(indicator: &Indicator) -> Vec<String> {
    let mut problems = Vec::new();
    let by_formula = indicator.space_aggregation == SpaceAggregation::Formula;
    if by_formula && !indicator.is_derived() {
        problems.push("space aggregation `formula` needs a formula".to_owned());
    }
    if indicator.is_derived() && !by_formula {
        problems.push(format!(
            "a derived indicator aggregates by its formula, not by `{}`",
            indicator.space_aggregation
        ));
    }
    if indicator.cumulative
        && !indicator.is_derived()
        && !matches!(
            indicator.time_aggregation,
            TimeAggregation::Sum | TimeAggregation::None
        )
    {
        problems.push(format!(
            "a cumulative indicator must sum over time or be reported as year to date (`none`), not `{}`",
            indicator.time_aggregation
        ));
    }
    if indicator.frequency == PeriodType::Year
        && indicator.time_aggregation == TimeAggregation::Mean
    {
        problems.push("a yearly indicator has no coarser period to average into".to_owned());
    }
    if let Some(count) = indicator.computed {
        // Counts of reports add up over units and periods like any other count.
        if indicator.is_derived()
            || indicator.time_aggregation != TimeAggregation::Sum
            || indicator.space_aggregation != SpaceAggregation::Sum
        {
            problems.push(format!(
                "`{count}` is a count: it sums over time and units and has no formula"
            ));
        }
    }
    problems
}

/// Every cycle among formulas, each listed once from its smallest code.
fn formula_cycles<'a>(formulas: &BTreeMap<&'a str, Formula>) -> Vec<Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        code: &'a str,
        formulas: &BTreeMap<&'a str, Formula>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
        cycles: &mut Vec<Vec<&'a str>>,
    ) {
        match marks.get(code) {
            Some(Mark::Done) => return,
            Some(Mark::Visiting) => {
                let start = path.iter().position(|c| *c == code).unwrap_or(0);
                let mut cycle: Vec<&str> = path[start..].to_vec();
                cycle.push(code);
                cycles.push(cycle);
                return;
            }
            None => {}
        }
        let Some((key, formula)) = formulas.get_key_value(code) else {
            return;
        };
        marks.insert(key, Mark::Visiting);
        path.push(key);
        for operand in formula.references() {
            if let Some((operand, _)) = formulas.get_key_value(operand) {
                visit(operand, formulas, marks, path, cycles);
            }
        }
        path.pop();
        marks.insert(key, Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut cycles = Vec::new();
    for code in formulas.keys() {
        visit(code, formulas, &mut marks, &mut Vec::new(), &mut cycles);
    }
    cycles
}
