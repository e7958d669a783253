//! Sign-in throttling: after five failed attempts within fifteen minutes an account is locked for fifteen
//! minutes, and an address that fails thirty times is refused as long; a locked account is refused even
//! with the right password. Counts live in memory: a restart forgives.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const LOCK: Duration = Duration::from_secs(15 * 60);
const PER_ACCOUNT: u32 = 5;
const PER_ADDRESS: u32 = 30;

/// The address a request came from, when the server knows it (it does when started by `serve`).
pub(crate) struct PeerAddress(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PeerAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<PeerAddress, Self::Rejection> {
        let connection = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(PeerAddress(connection.map(|info| info.0.ip())))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Subject {
    Account(u64),
    Address(IpAddr),
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

#[derive(Default)]
pub(crate) struct SignInGuard {
    failures: Mutex<HashMap<Subject, Failures>>,
}

/// Usernames are kept as hashes: the table need not hold what people typed.
fn account(username: &str) -> Subject {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    username.hash(&mut hasher);
    Subject::Account(hasher.finish())
}

impl SignInGuard {
    /// How long the account or the address must wait before trying again, if it must.
    pub(crate) fn wait(&self, username: &str, address: Option<IpAddr>) -> Option<Duration> {
        let now = Instant::now();
        let failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        [Some(account(username)), address.map(Subject::Address)]
            .into_iter()
            .flatten()
            .filter_map(|subject| failures.get(&subject)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a failed attempt; returns whether it locked the account.
    pub(crate) fn failed(&self, username: &str, address: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Forget what has aged out, so the table stays as small as the current attempts.
        failures.retain(|_, f| now - f.since < WINDOW || f.locked_until.is_some_and(|u| u > now));
        let mut locked_account = false;
        let subjects = [
            Some((account(username), PER_ACCOUNT)),
            address.map(|a| (Subject::Address(a), PER_ADDRESS)),
        ];
        for (subject, limit) in subjects.into_iter().flatten() {
            let entry = failures.entry(subject).or_insert(Failures {
                count: 0,
                since: now,
                locked_until: None,
            });
            if now - entry.since >= WINDOW {
                *entry = Failures {
                    count: 0,
                    since: now,
                    locked_until: None,
                };
            }
            entry.count += 1;
            if entry.count >= limit && entry.locked_until.is_none() {
                entry.locked_until = Some(now + LOCK);
                locked_account |= matches!(subject, Subject::Account(_));
            }
        }
        locked_account
    }

    /// A successful sign-in clears the account's failures.
    pub(crate) fn succeeded(&self, username: &str) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.remove(&account(username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_account_not_others() {
        let guard = SignInGuard::default();
        let address = Some("10.0.0.7".parse().unwrap());
        for attempt in 1..=5 {
            assert_eq!(
                guard.wait("lan", address),
                None,
                "attempt {attempt} is allowed"
            );
            assert_eq!(guard.failed("lan", address), attempt == 5);
        }
        let wait = guard.wait("lan", None).expect("locked");
        assert!(wait > Duration::from_secs(14 * 60) && wait <= LOCK);
        assert_eq!(
            guard.wait("minh", address),
            None,
            "the address is not locked yet"
        );
        guard.succeeded("minh");
        assert!(
            guard.wait("lan", None).is_some(),
            "another user's success changes nothing"
        );
    }

    #[test]
    fn an_address_that_keeps_failing_is_refused() {
        let guard = SignInGuard::default();
        let address: Option<IpAddr> = Some("10.0.0.9".parse().unwrap());
        for n in 0..PER_ADDRESS {
            guard.failed(&format!("user{n}"), address);
        }
        assert!(guard.wait("someone-new", address).is_some());
        assert!(guard.wait("someone-new", None).is_none());
    }
}
