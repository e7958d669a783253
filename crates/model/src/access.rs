//! Who may do what: roles and the scope a user's grant covers.

use serde::{Deserialize, Serialize};

vocabulary!(
    /// What a user may do. Admin: everything. Leader: reads everything, decides on explanations. Operator:
    /// reads everything, runs the operations centre. Data owner: writes the indicators of its domains for units
    /// in its subtree. Viewer: reads within its scope.
    Role, "a role" {
        Admin => "admin", Leader => "leader", Operator => "operator", DataOwner => "data_owner", Viewer => "viewer",
    }
);

/// A user as the rest of the system sees it; the password hash stays in the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    pub role: Role,
    pub agency: String,
    /// Root of the unit subtree the grant covers; `None` means the whole province.
    pub unit: Option<String>,
    /// Domains the grant covers; empty means every domain.
    pub domains: Vec<String>,
}
