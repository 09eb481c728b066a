//! Unit tests of `rate_limit`.

use super::*;
use crate::time::ManualTime;

#[test]
fn parses_quota_specs() {
    assert_eq!("700/min".parse::<Quota>().unwrap(), Quota::per_minute(700));
    assert_eq!("10/s".parse::<Quota>().unwrap(), Quota::per_second(10));
    assert_eq!("3600/h".parse::<Quota>().unwrap(), Quota::per_hour(3600));
    assert_eq!("off".parse::<Quota>().unwrap(), Quota::Off);
    let err = "fast".parse::<Quota>().unwrap_err().to_string();
    assert!(err.contains("N/s, N/min, N/h or off"), "{err}");
    assert!("0/s".parse::<Quota>().is_err());
    assert_eq!(Quota::per_minute(700).to_string(), "700/min");
}

fn even(quota: Quota, time: Time) -> GovernorLimit {
    GovernorLimit::with_pacing(quota, Pacing::Even, time)
}

/// Largest number of grants in any window `[t, t + period)`.
fn most_in_any_window(grants: &[Duration], period: Duration) -> usize {
    (0..grants.len())
        .map(|i| {
            grants[i..]
                .iter()
                .take_while(|h| **h < grants[i] + period)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn ten_requests_under_3600_an_hour_go_out_without_waiting() {
    let m = ManualTime::new();
    let lim = GovernorLimit::with_time(Quota::per_hour(3600), m.time());
    for _ in 0..10 {
        lim.acquire().await.unwrap();
    }
    assert!(m.sleeps().is_empty(), "waited {:?}", m.sleeps());
    // Evenly paced, the same ten requests take nine seconds.
    let m = ManualTime::new();
    let lim = even(Quota::per_hour(3600), m.time());
    for _ in 0..10 {
        lim.acquire().await.unwrap();
    }
    assert!(
        m.total_slept() >= Duration::from_secs(9),
        "{:?}",
        m.total_slept()
    );
}

#[tokio::test]
async fn bursting_never_puts_more_than_the_quota_in_any_window() {
    let m = ManualTime::new();
    let lim = GovernorLimit::with_time(Quota::per_second(10), m.time());
    let mut grants = Vec::new();
    for _ in 0..100 {
        lim.acquire().await.unwrap();
        grants.push(m.time().now());
    }
    assert_eq!(grants[9], Duration::ZERO, "the first ten at once");
    // Even counting from grant times plus the margin, a window holds ten.
    let span = Duration::from_secs(1) + arrival_margin(Duration::from_secs(1));
    assert_eq!(most_in_any_window(&grants, span), 10);
    // Ten windows of 1.05 s: the whole quota minus the 50 ms margin.
    let elapsed = m.time().now();
    assert_eq!(elapsed, span * 9, "{elapsed:?}");
}

#[tokio::test]
async fn concurrent_waiters_share_the_window() {
    let m = ManualTime::new();
    let lim = Arc::new(GovernorLimit::with_time(Quota::per_minute(3), m.time()));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (lim, m) = (lim.clone(), m.clone());
            tokio::spawn(async move {
                lim.acquire().await.unwrap();
                m.time().now()
            })
        })
        .collect();
    let mut grants = Vec::new();
    for t in tasks {
        grants.push(t.await.unwrap());
    }
    grants.sort();
    // Three at once, three a window (60 s + 240 ms) later.
    assert_eq!(&grants[..3], &[Duration::ZERO; 3]);
    assert!(grants[3] >= Duration::from_millis(60_240), "{grants:?}");
    assert_eq!(most_in_any_window(&grants, Duration::from_secs(60)), 3);
}

#[test]
fn the_arrival_margin_has_a_floor() {
    assert_eq!(
        arrival_margin(Duration::from_secs(1)),
        Duration::from_millis(50)
    );
    assert_eq!(
        arrival_margin(Duration::from_secs(60)),
        Duration::from_millis(240)
    );
    assert_eq!(
        arrival_margin(Duration::from_secs(3600)),
        Duration::from_millis(14_400)
    );
    assert_eq!(
        arrival_margin(Duration::from_millis(100)),
        Duration::from_millis(10)
    );
}

#[test]
fn a_zero_quota_is_clamped_never_unlimited() {
    assert_eq!(Quota::per_minute(0), Quota::per_minute(1));
    assert_ne!(Quota::per_second(0), Quota::Off);
    assert!(matches!(
        Quota::per(5, Duration::ZERO),
        Quota::Limited { .. }
    ));
}

#[tokio::test]
async fn a_huge_pause_saturates_instead_of_overflowing() {
    let m = ManualTime::new();
    let lim = GovernorLimit::with_time(Quota::Off, m.time());
    m.advance(Duration::from_secs(5));
    lim.pause_for(Duration::MAX);
    assert!(lim.paused_for().is_some());
}

#[tokio::test]
async fn holds_requests_to_the_quota() {
    let m = ManualTime::new();
    let lim = even(Quota::per_second(10), m.time());
    let mut grants = Vec::new();
    for _ in 0..100 {
        lim.acquire().await.unwrap();
        grants.push(m.time().now());
    }
    for (i, g) in grants.iter().enumerate() {
        let in_window = grants[i..]
            .iter()
            .take_while(|h| **h < *g + Duration::from_secs(1))
            .count();
        assert!(
            in_window <= 10,
            "{in_window} requests within a second of {g:?}"
        );
    }
    // One at once, then one every 100 ms: 99 more need 9.9 s — and no
    // window of one second ever holds more than 10.
    let elapsed = m.time().now();
    assert!(elapsed >= Duration::from_millis(9_850), "{elapsed:?}");
    assert!(elapsed <= Duration::from_millis(9_950), "{elapsed:?}");
}

/// A sleeper that wakes 3 ms late, as a busy runtime thread does.
#[derive(Debug)]
struct Oversleeper(ManualTime);

impl crate::time::Sleeper for Oversleeper {
    fn sleep(&self, d: Duration) -> futures::future::BoxFuture<'static, ()> {
        crate::time::Sleeper::sleep(&self.0, d + Duration::from_millis(3))
    }
}

#[tokio::test]
async fn waking_late_does_not_push_later_requests_back() {
    let m = ManualTime::new();
    let time = Time::new(Arc::new(m.clone()), Arc::new(Oversleeper(m.clone())));
    let lim = even(Quota::per_second(10), time);
    for _ in 0..100 {
        lim.acquire().await.unwrap();
    }
    // Re-checking the quota after each late wake would add 3 ms a
    // request (10.2 s); reserved slots keep the schedule: 9.9 s, plus
    // the 0.4 % margin and one late wake.
    let elapsed = m.time().now();
    assert!(elapsed <= Duration::from_millis(9_950), "{elapsed:?}");
}

/// A sleeper whose first sleep ends 60 ms late (one busy moment).
#[derive(Debug)]
struct OnceLate(ManualTime, std::sync::atomic::AtomicBool);

impl crate::time::Sleeper for OnceLate {
    fn sleep(&self, d: Duration) -> futures::future::BoxFuture<'static, ()> {
        let late = !self.1.swap(true, std::sync::atomic::Ordering::SeqCst);
        let extra = if late {
            Duration::from_millis(60)
        } else {
            Duration::ZERO
        };
        crate::time::Sleeper::sleep(&self.0, d + extra)
    }
}

#[tokio::test]
async fn a_late_grant_never_puts_more_than_the_quota_in_one_rolling_window() {
    let m = ManualTime::new();
    let time = Time::new(
        Arc::new(m.clone()),
        Arc::new(OnceLate(m.clone(), Default::default())),
    );
    let lim = even(Quota::per_second(10), time);
    let mut grants = Vec::new();
    for _ in 0..40 {
        lim.acquire().await.unwrap();
        grants.push(m.time().now());
    }
    // The second request was granted 60 ms late; the slots after it are
    // not, so without the window guard the twelfth would come 944 ms
    // after the second: eleven requests inside one second.
    for w in grants.windows(11) {
        assert!(
            w[10] - w[0] >= Duration::from_secs(1),
            "11 grants within {:?}",
            w[10] - w[0]
        );
    }
}

#[tokio::test]
async fn a_pause_holds_back_every_caller() {
    let m = ManualTime::new();
    let lim = Arc::new(GovernorLimit::with_time(Quota::Off, m.time()));
    lim.pause_for(Duration::from_secs(2));
    assert_eq!(lim.paused_for(), Some(Duration::from_secs(2)));
    lim.acquire().await.unwrap();
    assert!(m.total_slept() >= Duration::from_secs(2));
    // A shorter pause never shortens a longer one.
    lim.pause_for(Duration::from_secs(5));
    lim.pause_for(Duration::from_secs(1));
    assert_eq!(lim.paused_for(), Some(Duration::from_secs(5)));
}

#[tokio::test]
async fn off_never_waits() {
    let m = ManualTime::new();
    let lim = GovernorLimit::with_time(Quota::Off, m.time());
    for _ in 0..1000 {
        lim.acquire().await.unwrap();
    }
    assert!(m.sleeps().is_empty());
}

#[test]
fn one_limiter_per_credential() {
    let t = Time::real();
    let a = shared_limiter("atera|https://x|k1", Quota::per_minute(700), &t);
    let b = shared_limiter("atera|https://x|k1", Quota::per_minute(700), &t);
    let c = shared_limiter("atera|https://x|k2", Quota::per_minute(700), &t);
    assert!(Arc::ptr_eq(&a, &b));
    assert!(!Arc::ptr_eq(&a, &c));
}
