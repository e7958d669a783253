//! When to try a failed exchange with another system again (a notification, a connector's fetch): after
//! a minute, then twice as long each time, never longer than a ceiling.

use jiff::SignedDuration;

/// The wait before the first retry.
pub const FIRST_RETRY: SignedDuration = SignedDuration::from_mins(1);

/// How long to wait after `attempts` failed attempts, at most `ceiling`.
pub fn retry_after(attempts: u32, ceiling: SignedDuration) -> SignedDuration {
    let factor = 2i32.saturating_pow(attempts.saturating_sub(1).min(16));
    (FIRST_RETRY * factor).min(ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_ceiling() {
        let hour = SignedDuration::from_hours(1);
        let minutes: Vec<i64> = (1..=9).map(|n| retry_after(n, hour).as_mins()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(retry_after(100, hour), hour);
        assert_eq!(retry_after(3, SignedDuration::from_mins(3)).as_mins(), 3);
    }
}
