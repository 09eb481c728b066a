//! Organizations and devices: each once, `$top` at most 100, the asset join
//! that adds OS, online and last-seen, and the tenant URLs that work.

use super::*;

#[tokio::test]
async fn check_counts_the_organizations() {
    let fake = KaseyaFake::start().await;
    let t = RecordingTime::new();
    let info = connector(&fake, &t).check().await.unwrap();
    assert_eq!(info.to_string(), "Connected to Kaseya VSA: 6 organizations");
}

#[tokio::test]
async fn organizations_and_devices_arrive_exactly_once_with_top_at_most_100() {
    let data = KaseyaData::generate(250, 1_030, 0, 5);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    for concurrency in [1, 4] {
        let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
            .settings(settings(&t, concurrency))
            .build()
            .unwrap();
        let orgs: Vec<_> = vsa.all_customers().await.unwrap();
        let want: Vec<String> = data
            .organizations
            .iter()
            .map(|o| o["Id"].to_string())
            .collect();
        let got: Vec<String> = orgs.iter().map(|c| c.id.clone()).collect();
        assert_eq!(got, want, "concurrency {concurrency}: all, once, in order");
        assert_eq!(
            orgs[1].name,
            data.organizations[1]["Name"].as_str().unwrap()
        );

        let devices: Vec<_> = vsa.all_devices().await.unwrap();
        assert_eq!(devices.len(), 1_030, "concurrency {concurrency}");
        let ids: HashSet<&str> = devices.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids.len(), 1_030, "no device twice");
        let orgs_of = device_org(&data);
        for d in &devices {
            assert_eq!(d.customer_id.as_ref(), orgs_of.get(&d.id));
        }
    }
    // A page size above VSA X's maximum is clamped before it is sent.
    let vsa = connector(&fake, &t);
    let big = ListOptions::default().page_size(500);
    let n = vsa.customers(&big).try_collect::<Vec<_>>().await.unwrap();
    assert_eq!(n.len(), 250);

    let received = fake.received().await;
    assert!(!received.is_empty());
    for r in &received {
        let top: usize = query_param(r, "$top")
            .expect("$top on every list")
            .parse()
            .unwrap();
        assert!(top <= 100, "{}", r.url);
        assert!(
            query_param(r, "$orderby").is_some(),
            "stable order: {}",
            r.url
        );
    }
    // 3 + 3 + 3 organization pages and 11 device + 11 asset pages twice.
    assert_eq!(fake.requests_to("/api/v3/organizations").await.len(), 9);
    assert_eq!(fake.requests_to("/api/v3/devices").await.len(), 22);
    assert_eq!(fake.requests_to("/api/v3/assets").await.len(), 22);
}

#[tokio::test]
async fn devices_carry_os_online_and_last_seen_from_the_asset_list() {
    let data = KaseyaData::generate(8, 150, 0, 9);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let devices: Vec<_> = connector(&fake, &t).all_devices().await.unwrap();
    assert_eq!(devices.len(), 150);
    let assets: HashMap<&str, &serde_json::Value> = data
        .assets
        .iter()
        .map(|a| (a["Identifier"].as_str().unwrap(), a))
        .collect();
    let (mut online, mut offline, mut never) = (0, 0, 0);
    for d in &devices {
        let a = assets[d.id.as_str()];
        assert_eq!(d.os.as_deref(), a["Description"].as_str(), "{}", d.id);
        assert!(d.os_family.is_some());
        assert_eq!(d.online, a["IsOnline"].as_bool());
        match a["LastSeenOnline"].as_str().unwrap() {
            "" => {
                never += 1;
                assert_eq!(d.last_seen, None, "\"\" is unknown")
            }
            s => assert_eq!(d.last_seen.unwrap().to_rfc3339(), s.replace('Z', "+00:00")),
        }
        match d.online {
            Some(true) => online += 1,
            _ => offline += 1,
        }
    }
    assert!(
        online > 0 && offline > 0,
        "{online} online, {offline} offline"
    );
    let _ = never;
    // Enrichment is paged: two asset pages for 150 devices, never per device.
    assert_eq!(fake.requests_to("/api/v3/assets").await.len(), 2);
    assert!(
        fake.received()
            .await
            .iter()
            .all(|r| !r.url.path().starts_with("/api/v3/devices/")),
        "no per-device call"
    );

    // Enrichment off: no asset request, and no OS / online / last-seen.
    let fake = KaseyaFake::with_data(data).await;
    let plain = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .enrich_devices(false)
        .build()
        .unwrap();
    let devices: Vec<_> = plain.all_devices().await.unwrap();
    assert_eq!(devices.len(), 150);
    assert!(
        devices
            .iter()
            .all(|d| d.os.is_none() && d.online.is_none() && d.last_seen.is_none())
    );
    assert!(fake.requests_to("/api/v3/assets").await.is_empty());
}

#[tokio::test]
async fn tenant_urls_with_a_trailing_slash_or_api_v3_work_and_plain_http_is_refused() {
    let fake = KaseyaFake::start().await;
    let t = RecordingTime::new();
    let base = fake.uri();
    for url in [
        format!("{base}/"),
        format!("{base}/api/v3"),
        format!("{base}/api/v3/"),
        format!("  {base}//  "),
    ] {
        let info = builder_at(&url, &t, TOKEN_SECRET)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .check()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(info.to_string(), "Connected to Kaseya VSA: 6 organizations");
    }
    for url in [
        "http://acme.vsax.net",
        "acme.vsax.net",
        "https://acme.vsax.net/?x=1",
    ] {
        let e = builder_at(url, &t, TOKEN_SECRET).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{url}");
        assert!(e.to_string().contains("KASEYA_TENANT_URL"), "{url}: {e}");
    }
    let e = builder_at("http://acme.vsax.net", &t, TOKEN_SECRET)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("https"), "{e}");
}

#[tokio::test]
async fn check_without_a_total_count_is_an_error_not_zero_organizations() {
    let fake = KaseyaFake::start().await;
    Mock::given(wiremock::matchers::path("/api/v3/organizations"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"Data": [], "Meta": {"ResponseCode": 200}})),
        )
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).check().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Data, "{e}");
    assert!(e.to_string().contains("TotalCount"), "{e}");
}

/// The device identifiers of `data` in identifier order, letter case aside
/// (the order the join reads them in).
fn identifiers_in_order(data: &KaseyaData) -> Vec<String> {
    let mut ids: Vec<String> = data
        .devices
        .iter()
        .filter_map(|d| d["Identifier"].as_str())
        .map(str::to_string)
        .collect();
    ids.sort_by_key(|id| id.to_lowercase());
    ids
}

/// The device ↔ asset join streams: assets are read in step with devices
/// (not the whole inventory first), a device with no asset still arrives
/// (without OS), and a resumed listing reads assets from where it resumes.
#[tokio::test]
async fn the_asset_join_reads_assets_in_step_and_keeps_a_device_without_one() {
    let mut data = KaseyaData::generate(8, 1000, 0, 5);
    // The device last in identifier order loses its asset.
    let gone = identifiers_in_order(&data).pop().unwrap();
    data.assets.retain(|a| a["Identifier"] != gone.as_str());
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap();
    let mut pages = vsa.device_pages(&ListOptions::default());
    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 100);
    assert!(first.items.iter().all(|d| d.os.is_some()));
    let read = fake.requests_to("/api/v3/assets").await.len();
    assert!(
        read <= 2,
        "{read} asset pages read for the first 100 devices: one and the next one prefetched, not all 10"
    );
    let mut devices = first.items;
    while let Some(page) = pages.try_next().await.unwrap() {
        devices.extend(page.items);
    }
    assert_eq!(
        devices.len(),
        1000,
        "every device, the one without an asset too"
    );
    for d in &devices {
        assert_eq!(d.os.is_none(), d.id == gone, "{}", d.id);
    }
    assert_eq!(fake.requests_to("/api/v3/assets").await.len(), 10);

    // Resumed after the first page: assets are read from the same place.
    let fake = KaseyaFake::with_data(data).await;
    let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap();
    let mut resume = first.resume.unwrap();
    resume.next = resume
        .next
        .replace(&fake_origin_of(&resume.next), &fake.uri());
    let rest: Vec<_> = vsa
        .devices(&ListOptions::default().resume(resume))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest.len(), 900);
    assert!(rest.iter().all(|d| d.os.is_some() || d.id == gone));
    let asset_reqs = fake.requests_to("/api/v3/assets").await;
    assert_eq!(query_param(&asset_reqs[0], "$skip").as_deref(), Some("100"));
    assert_eq!(asset_reqs.len(), 9);
}

/// A device with no asset early in the list: the join reads at most its
/// look-ahead (1,000 assets) past it, gives it up, and every later device
/// still gets its asset.
#[tokio::test]
async fn a_missing_asset_costs_a_bounded_look_ahead_not_the_whole_list() {
    let mut data = KaseyaData::generate(8, 2000, 0, 32);
    let first = identifiers_in_order(&data).remove(0);
    data.assets.retain(|a| a["Identifier"] != first.as_str());
    let fake = KaseyaFake::with_data(data).await;
    let t = RecordingTime::new();
    let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap();
    let mut pages = vsa.device_pages(&ListOptions::default());
    let page = pages.try_next().await.unwrap().unwrap();
    assert!(page.items.iter().any(|d| d.id == first && d.os.is_none()));
    let read = fake.requests_to("/api/v3/assets").await.len();
    assert!(
        (10..=13).contains(&read),
        "{read} asset pages read for the first device page: the 1,000-asset look-ahead, not all 20"
    );
    let mut devices = page.items;
    while let Some(page) = pages.try_next().await.unwrap() {
        devices.extend(page.items);
    }
    assert_eq!(devices.len(), 2000);
    assert!(devices.iter().all(|d| d.os.is_some() || d.id == first));
}
