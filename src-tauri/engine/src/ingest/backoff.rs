//! Capped exponential backoff with jitter ("equal jitter": half fixed, half
//! random), so many cameras dropping at once do not reconnect in lockstep.
use std::time::Duration;

use rand::{rngs::StdRng, Rng, SeedableRng};

pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
    rng: StdRng,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self::with_rng(base, cap, StdRng::from_entropy())
    }

    pub fn with_rng(base: Duration, cap: Duration, rng: StdRng) -> Self {
        Self {
            base,
            cap,
            attempt: 0,
            rng,
        }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << self.attempt.min(20))
            .min(self.cap);
        self.attempt = self.attempt.saturating_add(1);
        let half = exp / 2;
        half + Duration::from_micros(self.rng.gen_range(0..=half.as_micros() as u64))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_is_capped_jitters_and_resets() {
        let mut b = Backoff::with_rng(
            Duration::from_millis(500),
            Duration::from_secs(10),
            StdRng::seed_from_u64(7),
        );
        let d: Vec<_> = (0..8).map(|_| b.next_delay()).collect();
        for (i, d) in d.iter().enumerate() {
            let exp = Duration::from_millis(500 * (1 << i)).min(Duration::from_secs(10));
            assert!(
                *d >= exp / 2 && *d <= exp,
                "attempt {i}: {d:?} not in [{:?}, {exp:?}]",
                exp / 2
            );
        }
        assert!(d[7] <= Duration::from_secs(10));
        let mut other = Backoff::with_rng(
            Duration::from_millis(500),
            Duration::from_secs(10),
            StdRng::seed_from_u64(8),
        );
        let d2: Vec<_> = (0..8).map(|_| other.next_delay()).collect();
        assert_ne!(d, d2, "jitter differs between cameras");
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(500));
    }
}
