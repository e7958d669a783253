//! A small deterministic generator. Every draw is keyed by what it is for (an indicator, a unit, a period), so a
//! value never depends on how many values were drawn before it or in which order cells are visited.

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// FNV-1a: stable across platforms and Rust versions, unlike the hasher of `std`.
pub(crate) fn hash_str(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The SplitMix64 output function: spreads nearby inputs (consecutive period keys) over the whole range.
fn finalise(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A key for `b` within the scope of `a`; `mix(a, b)` and `mix(b, a)` differ.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    finalise(a ^ finalise(b ^ GOLDEN))
}

/// SplitMix64.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(key: u64) -> Rng {
        Rng(key)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        finalise(self.0)
    }

    /// Uniform in (0, 1): never 0, so its logarithm is finite.
    pub(crate) fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub(crate) fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Each order of magnitude between `low` and `high` equally likely: typical values of a kind of quantity
    /// span several of them.
    pub(crate) fn log_between(&mut self, low: f64, high: f64) -> f64 {
        self.between(low.ln(), high.ln()).exp()
    }

    /// Close to a standard normal: the sum of four uniforms, rescaled (Irwin–Hall). Far cheaper than an exact
    /// normal, which matters at millions of draws, and its tails stop at ±3.5, which spares the demo
    /// absurd outliers.
    pub(crate) fn normal(&mut self) -> f64 {
        let sum = self.uniform() + self.uniform() + self.uniform() + self.uniform();
        (sum - 2.0) * 3.0_f64.sqrt()
    }

    /// A whole number with the given mean. Poisson while the mean is small, so rare events come out as an
    /// occasional 1 among 0s rather than always rounding to 0, and totals over many units stay right.
    pub(crate) fn count(&mut self, mean: f64) -> f64 {
        if mean.is_nan() || mean <= 0.0 {
            return 0.0;
        }
        if mean >= 30.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0);
        }
        let limit = (-mean).exp();
        let mut product = self.uniform();
        let mut count = 0.0;
        while product > limit {
            count += 1.0;
            product *= self.uniform();
        }
        count
    }

    /// How many of `trials` (rounded) succeed with probability `p`: the part of a counted whole, such as the
    /// dossiers resolved on time among those resolved, which can never exceed the whole.
    pub(crate) fn binomial(&mut self, trials: f64, p: f64) -> f64 {
        let trials = trials.round().max(0.0);
        let p = p.clamp(0.0, 1.0);
        if trials <= 30.0 {
            let mut successes = 0.0;
            for _ in 0..trials as u32 {
                if self.uniform() < p {
                    successes += 1.0;
                }
            }
            return successes;
        }
        let mean = trials * p;
        (mean + (mean * (1.0 - p)).sqrt() * self.normal())
            .round()
            .clamp(0.0, trials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_their_distributions() {
        let mut rng = Rng::new(7);
        let n = 20_000;
        let normals: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = normals.iter().sum::<f64>() / n as f64;
        let variance = normals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.03 && (variance - 1.0).abs() < 0.05,
            "{mean} {variance}"
        );
        for expected in [0.2, 4.0, 250.0] {
            let total: f64 = (0..n).map(|_| rng.count(expected)).sum();
            assert!(
                (total / n as f64 / expected - 1.0).abs() < 0.05,
                "{expected}"
            );
        }
        for (trials, p) in [(12.0, 0.9), (4000.0, 0.3)] {
            let draws: Vec<f64> = (0..n).map(|_| rng.binomial(trials, p)).collect();
            assert!(draws.iter().all(|d| (0.0..=trials).contains(d)));
            let mean = draws.iter().sum::<f64>() / n as f64;
            assert!((mean / (trials * p) - 1.0).abs() < 0.02, "{trials} {p}");
        }
    }

    #[test]
    fn keys_are_order_sensitive_and_stable() {
        assert_ne!(mix(1, 2), mix(2, 1));
        assert_eq!(hash_str("ECO.GRDP_CURRENT"), hash_str("ECO.GRDP_CURRENT"));
        assert_ne!(hash_str("68"), hash_str("67"));
        assert_eq!(Rng::new(5).uniform(), Rng::new(5).uniform());
    }
}
