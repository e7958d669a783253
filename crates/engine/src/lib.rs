//! Vantage's live analytics engine: every indicator's value at every unit and period, kept current by
//! each write, answered from memory. Pure: the caller loads it from the store and hands it writes.
//!
//! - [`catalog`]: indicators with dense ids and resolved formulas;
//! - [`hierarchy`]: units with parents, children and lineage, validity as period ordinals;
//! - `track`: dense per-(indicator, unit) series of reported values and child aggregates;
//! - [`engine`]: values, writes, aggregates, the cells a write affects;
//! - [`figures`]: the four dashboard figures, status against targets, forecasts, explanations;
//! - [`views`]: breakdowns, rankings, series, scorecards;
//! - [`change`]: the change events a batch produces;
//! - `watch`: alert conditions judged on a cell.

pub mod catalog;
pub mod change;
pub mod engine;
pub mod figures;
pub mod hierarchy;
mod track;
pub mod views;
mod watch;

pub use catalog::{Catalog, CatalogError, IndicatorId};
pub use change::CellChange;
pub use engine::{CellWrite, Engine, ResolveError};
pub use figures::{Explanation, Figures, Forecast, ForecastMethod, Rule, Status, TargetRef};
pub use views::RankOrder;
