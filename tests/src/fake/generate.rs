//! What the fakes' generated data shares: a deterministic PRNG and the
//! fixed "now" every generated timestamp is measured from.

use chrono::{DateTime, Utc};

/// The "now" of generated data (2026-05-01T12:00:00Z): every generated
/// timestamp is before it, so data is the same whenever it is generated.
pub fn data_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_777_636_800, 0).unwrap_or_default()
}

/// A tiny deterministic PRNG (SplitMix64) for generating test data: the same
/// seed gives the same sequence on every platform and release. Not for
/// anything that needs real randomness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng(pub u64);

impl Rng {
    /// A generator seeded with `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A random version-4 GUID, lower case (`xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx`).
    pub fn guid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for test data, no division.
        let wide = u128::from(self.next_u64()) * (n as u128);
        (wide >> 64) as usize
    }

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        let wide = u128::from(self.next_u64()) * u128::from(span);
        lo.wrapping_add((wide >> 64) as i64)
    }

    /// A float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `true` with probability `p` (`p <= 0` never, `p >= 1` always).
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }

    /// Which of `owners` the `i`-th generated record (from 0) belongs to:
    /// the first `owners` records go to one owner each, in order, so every
    /// owner gets one before any gets a second; later ones to a random owner.
    pub fn owner_of(&mut self, i: usize, owners: usize) -> usize {
        if i < owners { i } else { self.below(owners) }
    }

    /// One element of `items`, uniformly.
    ///
    /// # Panics
    /// If `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        assert!(!items.is_empty(), "Rng::pick on an empty slice");
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_now_is_the_first_of_may_2026() {
        assert_eq!(data_now().to_rfc3339(), "2026-05-01T12:00:00+00:00");
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(42);
        let mut b = Rng(42);
        let xs: Vec<u64> = (0..10).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..10).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(43).next_u64(), xs[0]);

        let mut r = Rng::new(7);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let x = r.below(5);
            seen[x] = true;
            let y = r.between(-3, 3);
            assert!((-3..=3).contains(&y));
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(r.below(0), 0);
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
        let hits = (0..10_000).filter(|_| r.chance(0.3)).count();
        assert!((2_700..3_300).contains(&hits), "{hits}");
        assert!(["a", "b", "c"].contains(r.pick(&["a", "b", "c"])));
    }
}
