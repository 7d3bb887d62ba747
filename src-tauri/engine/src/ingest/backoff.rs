//! The reconnect schedule: a quick first retry, then retries at most
//! [`FAST_CAP`] apart while the outage is young (a server restart: the tile
//! is back within about a second of the server), then capped exponential
//! growth for a source that stays down. Jitter only ever shortens a delay,
//! by at most a quarter, so many cameras dropping at once do not reconnect
//! in lockstep and no delay exceeds its nominal value.
use std::time::Duration;

use rand::{rngs::StdRng, Rng, SeedableRng};

/// Longest delay while the outage is younger than [`FAST_WINDOW`].
pub const FAST_CAP: Duration = Duration::from_secs(1);
/// How long retries stay at most [`FAST_CAP`] apart.
pub const FAST_WINDOW: Duration = Duration::from_secs(10);
/// The largest share of a delay the jitter takes off (1/4).
const JITTER_DIV: u32 = 4;

pub struct Backoff {
    base: Duration,
    cap: Duration,
    /// Attempts in the fast phase and after it, since the last reset.
    fast: u32,
    slow: u32,
    /// Delays handed out since the last reset (the outage's age).
    waited: Duration,
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
            fast: 0,
            slow: 0,
            waited: Duration::ZERO,
            rng,
        }
    }

    /// The delay before the next attempt without jitter: doubling from the
    /// base up to `FAST_CAP` while the outage is young, then doubling from
    /// there up to the cap.
    fn nominal(&self) -> Duration {
        let fast = FAST_CAP.max(self.base).min(self.cap);
        if self.waited < FAST_WINDOW {
            self.base
                .saturating_mul(1u32 << self.fast.min(20))
                .min(fast)
        } else {
            fast.saturating_mul(1u32 << (self.slow + 1).min(20))
                .min(self.cap)
        }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let nominal = self.nominal();
        if self.waited < FAST_WINDOW {
            self.fast = self.fast.saturating_add(1);
        } else {
            self.slow = self.slow.saturating_add(1);
        }
        let most = nominal / JITTER_DIV;
        let d = nominal - Duration::from_micros(self.rng.gen_range(0..=most.as_micros() as u64));
        self.waited = self.waited.saturating_add(d);
        d
    }

    pub fn reset(&mut self) {
        self.fast = 0;
        self.slow = 0;
        self.waited = Duration::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn backoff(seed: u64) -> Backoff {
        Backoff::with_rng(
            ms(250),
            Duration::from_secs(15),
            StdRng::seed_from_u64(seed),
        )
    }

    #[test]
    fn quick_first_retry_then_fast_while_young_then_capped_growth() {
        let mut b = backoff(7);
        let d: Vec<_> = (0..30).map(|_| b.next_delay()).collect();
        let mut at = Duration::ZERO;
        for (i, d) in d.iter().enumerate() {
            let nominal = match i {
                0 => ms(250),
                1 => ms(500),
                _ if at < FAST_WINDOW => FAST_CAP,
                _ => *d, // checked below
            };
            if at < FAST_WINDOW {
                assert!(
                    *d <= nominal && *d >= nominal * 3 / 4,
                    "attempt {i} at {at:?}: {d:?} not in [3/4, 1] x {nominal:?}"
                );
            }
            at += *d;
        }
        // past the fast window: growing, never above the cap
        let late: Vec<_> = d.iter().skip(12).collect();
        assert!(late.iter().all(|d| **d <= Duration::from_secs(15)));
        assert!(*late[late.len() - 1] >= Duration::from_secs(15) * 3 / 4);
        assert!(late.windows(2).all(|w| *w[1] >= *w[0] * 3 / 4));
        let mut other = backoff(8);
        let d2: Vec<_> = (0..8).map(|_| other.next_delay()).collect();
        assert_ne!(d[..8], d2[..], "jitter differs between cameras");
        b.reset();
        assert!(b.next_delay() <= ms(250));
    }

    /// The soak's slow returns: a server down for 1-2.5 s came back to a
    /// tile after up to 6 s, because the delays had doubled to 2-4 s. Over
    /// any outage shorter than the fast window, consecutive attempts are
    /// now at most `FAST_CAP` apart (the old schedule: 1-2 s by the third
    /// retry, 2-4 s by the fourth).
    #[test]
    fn a_young_outage_is_retried_at_least_every_second() {
        for seed in 0..50 {
            let mut b = backoff(seed);
            let mut at = Duration::ZERO;
            while at < FAST_WINDOW {
                let d = b.next_delay();
                assert!(d <= FAST_CAP, "seed {seed}: {d:?} at {at:?}");
                at += d;
            }
        }
    }

    #[test]
    fn a_small_cap_or_a_large_base_is_respected() {
        let mut b = Backoff::with_rng(ms(200), ms(300), StdRng::seed_from_u64(1));
        assert!((0..40).all(|_| b.next_delay() <= ms(300)));
        let mut b = Backoff::with_rng(ms(2_000), ms(8_000), StdRng::seed_from_u64(1));
        let d: Vec<_> = (0..10).map(|_| b.next_delay()).collect();
        assert!(d[0] <= ms(2_000) && d[0] >= ms(1_500), "{d:?}");
        assert!(d.iter().all(|d| *d <= ms(8_000)), "{d:?}");
    }
}
