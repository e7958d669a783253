//! The audit log's chain: each entry's hash covers the previous entry's hash and every field of its own,
//! each field length-prefixed so that no two different entries hash alike.

use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    pub at: jiff::Timestamp,
    /// Username, or `-` for an anonymous party.
    pub actor: String,
    /// What happened, e.g. `session.sign_in`, `observations.write`.
    pub action: String,
    /// What it happened to, e.g. a username or `observations`.
    pub object: String,
    /// More about it, as JSON text.
    pub detail: String,
    pub hash: String,
}

/// What `verify_audit` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditCheck {
    Intact {
        entries: u64,
    },
    /// The first entry whose sequence number, predecessor or content does not match its hash.
    Broken {
        seq: i64,
        reason: String,
    },
}

pub(crate) fn chain_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> String {
    let mut hasher = Sha256::new();
    for field in [
        prev_hash,
        &seq.to_string(),
        &at.to_string(),
        actor,
        action,
        object,
        detail,
    ] {
        hasher.update(field.len().to_string().as_bytes());
        hasher.update(b":");
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}
