//! The Vantage domain model. Pure: no I/O, no clocks, no randomness.

#[macro_use]
mod vocabulary;

pub mod access;
pub mod agency;
pub mod alert;
pub mod alert_rule;
pub mod calendar;
pub mod connector;
pub mod dashboard;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod formula;
pub mod geometry;
pub mod indicator;
pub mod notify;
pub mod period;
pub mod record;
pub mod reporting;
pub mod retry;
pub mod text;
pub mod unit;
pub mod wording;
