//! Agencies: the organisations that own indicators, report data and answer for results.

use serde::{Deserialize, Serialize};

vocabulary!(
    /// A provincial department (*Sở*) or a body of equal rank; a commune People's Committee (*UBND*); a
    /// utility or service company.
    AgencyKind, "an agency kind" {
        Department => "department", PeoplesCommittee => "peoples_committee", Utility => "utility",
    }
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agency {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: AgencyKind,
    /// Root of the unit subtree the agency answers for (the province for a department, the commune for its
    /// People's Committee).
    pub jurisdiction: String,
}
