//! The indicators as the engine computes them: dense ids, parsed formulas with their operands resolved
//! to ids, and for each indicator the derived indicators that read it.

use std::collections::HashMap;

use vantage_model::formula::Formula;
use vantage_model::indicator::{Indicator, SpaceAggregation, TimeAggregation};
use vantage_model::period::PeriodType;

/// Index of an indicator in the engine's catalogue (indicators sorted by code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorId(pub u32);

#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    pub(crate) definition: Indicator,
    pub(crate) formula: Option<(Formula, Vec<(String, IndicatorId)>)>,
    /// Derived indicators whose formulas read this one, directly or through another derived indicator.
    pub(crate) readers: Vec<IndicatorId>,
}

impl Compiled {
    pub(crate) fn frequency(&self) -> PeriodType {
        self.definition.frequency
    }

    pub(crate) fn time(&self) -> TimeAggregation {
        self.definition.time_aggregation
    }

    pub(crate) fn space(&self) -> SpaceAggregation {
        self.definition.space_aggregation
    }

    /// Whether the indicator has values for periods of type `kind`: its frequency, or a coarser type
    /// unless its time aggregation is `none`.
    pub(crate) fn has_values_for(&self, kind: PeriodType) -> bool {
        let frequency = self.frequency();
        kind == frequency || (kind > frequency && self.time() != TimeAggregation::None)
    }

    /// Whether values at finer periods read this indicator's value for the period containing them: a
    /// population or a year's plan holds through the year.
    pub(crate) fn holds_through(&self) -> bool {
        matches!(self.time(), TimeAggregation::Last | TimeAggregation::None)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CatalogError {
    #[error("indicator {indicator}: formula `{formula}` does not parse: {message}")]
    Formula {
        indicator: String,
        formula: String,
        message: String,
    },
    #[error("indicator {indicator}: formula refers to unknown indicator {operand}")]
    UnknownOperand { indicator: String, operand: String },
    #[error("indicator {indicator}: formulas refer to each other in a circle")]
    Cycle { indicator: String },
}

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub(crate) indicators: Vec<Compiled>,
    by_code: HashMap<String, IndicatorId>,
}

impl Catalog {
    pub fn new(mut indicators: Vec<Indicator>) -> Result<Catalog, CatalogError> {
        indicators.sort_by(|a, b| a.code.cmp(&b.code));
        let by_code: HashMap<String, IndicatorId> = indicators
            .iter()
            .enumerate()
            .map(|(i, indicator)| (indicator.code.clone(), IndicatorId(i as u32)))
            .collect();
        let mut compiled = Vec::with_capacity(indicators.len());
        for definition in indicators {
            let formula = match &definition.formula {
                None => None,
                Some(text) => {
                    let formula = Formula::parse(text).map_err(|error| CatalogError::Formula {
                        indicator: definition.code.clone(),
                        formula: text.clone(),
                        message: error.to_string(),
                    })?;
                    let operands = formula
                        .references()
                        .into_iter()
                        .map(|code| match by_code.get(code) {
                            Some(id) => Ok((code.to_owned(), *id)),
                            None => Err(CatalogError::UnknownOperand {
                                indicator: definition.code.clone(),
                                operand: code.to_owned(),
                            }),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Some((formula, operands))
                }
            };
            compiled.push(Compiled {
                definition,
                formula,
                readers: Vec::new(),
            });
        }
        let mut catalog = Catalog {
            indicators: compiled,
            by_code,
        };
        catalog.link_readers()?;
        Ok(catalog)
    }

    /// Fills `readers` with every derived indicator reachable through formulas, in an order where each
    /// one comes after the derived indicators it reads.
    fn link_readers(&mut self) -> Result<(), CatalogError> {
        let count = self.indicators.len();
        let direct: Vec<Vec<IndicatorId>> = {
            let mut direct = vec![Vec::new(); count];
            for (i, compiled) in self.indicators.iter().enumerate() {
                for (_, operand) in compiled.formula.iter().flat_map(|(_, ops)| ops) {
                    direct[operand.0 as usize].push(IndicatorId(i as u32));
                }
            }
            direct
        };
        // Depth of each indicator in the formula graph: operands come before their readers.
        let mut depth = vec![0usize; count];
        let mut state = vec![0u8; count];
        fn visit(
            at: usize,
            catalog: &Catalog,
            depth: &mut [usize],
            state: &mut [u8],
        ) -> Result<usize, CatalogError> {
            match state[at] {
                2 => return Ok(depth[at]),
                1 => {
                    return Err(CatalogError::Cycle {
                        indicator: catalog.indicators[at].definition.code.clone(),
                    });
                }
                _ => {}
            }
            state[at] = 1;
            let mut own = 0;
            for (_, operand) in catalog.indicators[at]
                .formula
                .iter()
                .flat_map(|(_, ops)| ops)
            {
                own = own.max(visit(operand.0 as usize, catalog, depth, state)? + 1);
            }
            state[at] = 2;
            depth[at] = own;
            Ok(own)
        }
        for i in 0..count {
            visit(i, self, &mut depth, &mut state)?;
        }
        for i in 0..count {
            let mut seen = vec![false; count];
            let mut stack = direct[i].clone();
            let mut readers = Vec::new();
            while let Some(reader) = stack.pop() {
                if !std::mem::replace(&mut seen[reader.0 as usize], true) {
                    readers.push(reader);
                    stack.extend(direct[reader.0 as usize].iter().copied());
                }
            }
            readers.sort_by_key(|reader| (depth[reader.0 as usize], *reader));
            self.indicators[i].readers = readers;
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    pub fn id(&self, code: &str) -> Option<IndicatorId> {
        self.by_code.get(code).copied()
    }

    pub fn get(&self, id: IndicatorId) -> &Indicator {
        &self.indicators[id.0 as usize].definition
    }

    pub fn ids(&self) -> impl Iterator<Item = IndicatorId> + '_ {
        (0..self.indicators.len() as u32).map(IndicatorId)
    }

    /// The indicators of a domain, in code order.
    pub fn domain(&self, domain: &str) -> Vec<IndicatorId> {
        self.ids()
            .filter(|id| self.get(*id).domain == domain)
            .collect()
    }

    pub(crate) fn compiled(&self, id: IndicatorId) -> &Compiled {
        &self.indicators[id.0 as usize]
    }
}
