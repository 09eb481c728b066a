//! Quotas: tenants under their own limiters, and a sync that says when its
//! quota paced it.

use super::*;

/// Customers, devices and alerts of two tenants sync at once (six spawned
/// streams): every record arrives, each tenant's listings go through that
/// tenant's limiter (shared by every connector on the same key), and the
/// tenants do not hold each other back.
#[tokio::test]
async fn three_kinds_of_two_tenants_sync_at_once_each_tenant_under_its_own_limiter() {
    let data_a = AteraData::generate(60, 70, 80, 21);
    let data_b = AteraData::generate(90, 55, 45, 22);
    let (fake_a, fake_b) = (
        AteraFake::with_data(data_a.clone()).await,
        AteraFake::with_data(data_b.clone()).await,
    );
    let t = RecordingTime::new();
    let build = |fake: &AteraFake, key: &str| {
        AteraConnector::builder(SecretString::from(key))
            .base_url(&fake.uri())
            .settings(
                EngineSettings::default()
                    .quota(Quota::per_minute(700))
                    .time(t.time())
                    .concurrency(4),
            )
            .build()
            .unwrap()
    };
    let (a, b) = (build(&fake_a, ATERA_API_KEY), build(&fake_b, ATERA_JWT_KEY));
    let a_again = build(&fake_a, ATERA_API_KEY);
    assert!(Arc::ptr_eq(
        a.client().limiter(),
        a_again.client().limiter()
    ));
    assert!(!Arc::ptr_eq(a.client().limiter(), b.client().limiter()));
    let opts = ListOptions::default();
    let count = |s: vectis_core::ItemStream<_>| {
        tokio::spawn(s.try_fold(0usize, |n, _| async move { Ok(n + 1) }))
    };
    let tasks = [
        count(a.customers(&opts).map_ok(|_| ()).boxed()),
        count(a.devices(&opts).map_ok(|_| ()).boxed()),
        count(a.alerts(&opts).map_ok(|_| ()).boxed()),
        count(b.customers(&opts).map_ok(|_| ()).boxed()),
        count(b.devices(&opts).map_ok(|_| ()).boxed()),
        count(b.alerts(&opts).map_ok(|_| ()).boxed()),
    ];
    let mut got = Vec::new();
    for task in tasks {
        got.push(task.await.unwrap().unwrap());
    }
    assert_eq!(got, vec![60, 70, 80, 90, 55, 45]);
    // Each fake saw only its own tenant's key.
    for (fake, key) in [(&fake_a, ATERA_API_KEY), (&fake_b, ATERA_JWT_KEY)] {
        for r in fake.received().await {
            let auth = format!("{:?}", r.headers);
            assert!(auth.contains(key), "{} without its key", r.url);
        }
    }
}

#[tokio::test]
async fn a_sync_paced_by_its_quota_says_so() {
    let (_guard, capture) = vectis_testkit::trace::capture();
    // 200 customers at 50 a page under 2/min: pages 3 and 4 wait ~30 s each.
    let fake = AteraFake::with_data(AteraData::generate(200, 0, 0, 1)).await;
    let t = RecordingTime::new();
    let atera = AteraConnector::builder(SecretString::from(ATERA_API_KEY))
        .base_url(&fake.uri())
        .settings(
            EngineSettings::default()
                .quota(Quota::per_minute(2))
                .limiter(Arc::new(vectis_core::rate_limit::GovernorLimit::with_time(
                    Quota::per_minute(2),
                    t.time(),
                )))
                .time(t.time())
                .concurrency(1),
        )
        .build()
        .unwrap();
    let all: Vec<_> = atera.all_customers().await.unwrap();
    assert_eq!(all.len(), 200);
    assert_slept_at_least(&t, Duration::from_secs(30));
    let logs = capture.text();
    assert!(
        logs.contains("Atera is paced by its quota (2/min)"),
        "no note of the wait:\n{logs}"
    );
}

#[tokio::test]
async fn a_sync_within_its_quota_says_nothing_about_it() {
    let (_guard, capture) = vectis_testkit::trace::capture();
    let fake = AteraFake::with_data(AteraData::generate(200, 0, 0, 1)).await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let _: Vec<_> = atera.all_customers().await.unwrap();
    assert!(!capture.text().contains("paced by its quota"));
}
