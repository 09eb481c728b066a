//! The server's pages and a whole sync against it.

use super::*;

#[test]
fn pages_are_valid_json_in_the_vendor_shape() {
    let r = atera_page(
        "http://h/b/r/120/0/0",
        "agents",
        "page=3&itemsInPage=50",
        120,
        0,
        atera_agent,
    );
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 20);
    assert_eq!(v["totalPages"], 3);
    assert_eq!(v["nextLink"], "");
    let r = atera_page(
        "http://h/b/r/800/0/0",
        "alerts",
        "alertStatus=Resolved&page=1&itemsInPage=50",
        100,
        100,
        atera_resolved_alert,
    );
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["items"][0]["AlertID"], 101);
    assert_eq!(v["items"][0]["Archived"], true);
    assert_eq!(
        v["nextLink"],
        "http://h/b/r/800/0/0/api/v3/alerts?alertStatus=Resolved&page=2&itemsInPage=50"
    );
    let r = atera_page(
        "http://h/b/r/800/0/0",
        "customers",
        "page=1&itemsInPage=50",
        40,
        0,
        atera_customer,
    );
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["items"][39]["CustomerID"], 40);
    let path = "/b/r/120/0/0/v4_6_release/apis/3.0/company/configurations";
    let r = connectwise_page("http://h/b/r/120/0/0", path, "pageSize=100", 120);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 100);
    assert_eq!(
        r.link.as_deref(),
        Some(
            "<http://h/b/r/120/0/0/v4_6_release/apis/3.0/company/configurations?pageSize=100&pageId=100>; rel=\"next\""
        )
    );
    let r = datto_page("http://h/b/r/600/0/0", "page=2&max=250", 600);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["devices"].as_array().unwrap().len(), 100);
    assert_eq!(v["pageDetails"]["count"], 100);
    assert_eq!(v["pageDetails"]["totalCount"], 600);
    assert!(v["pageDetails"]["nextPageUrl"].is_null());
    assert_eq!(
        v["pageDetails"]["prevPageUrl"],
        "http://h/b/r/600/0/0/api/v2/account/devices?max=250&page=1"
    );
    assert_eq!(v["devices"][0]["hostname"], "WS-0000501");
    for item in [kaseya_device as fn(&mut String, u64), kaseya_asset] {
        let r = kaseya_page("%24orderby=Identifier&%24top=100&%24skip=200", 250, item);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["Data"].as_array().unwrap().len(), 50);
        assert_eq!(v["Meta"]["TotalCount"], 250);
        assert_eq!(v["Data"][0]["Name"], "WS-0000201");
    }
}

/// The real `sync` front end reads a whole Atera tenant from the server:
/// every customer, device, open and resolved alert, once.
#[test]
fn a_whole_atera_sync_reads_every_kind() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let port = spawn().await.unwrap();
        let base = format!("http://127.0.0.1:{port}/b/t/400/0/0");
        let args: Vec<String> = ["atera", "--base-url", &base, "--rate-limit", "off"]
            .map(String::from)
            .to_vec();
        let env = |k: &str| (k == "ATERA_API_KEY").then(|| "k".to_string());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let io = vectis_examples::cli::Io {
            out: &mut out,
            err: &mut err,
            env: &env,
            out_is_terminal: false,
        };
        let code = vectis_examples::cli::run_sync(&args, io).await;
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
        let mut by_type: HashMap<String, Vec<String>> = HashMap::new();
        for line in String::from_utf8(out).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            by_type
                .entry(v["type"].as_str().unwrap_or("?").to_string())
                .or_default()
                .push(v["id"].to_string());
        }
        let count = |t: &str| by_type.get(t).map_or(0, Vec::len) as u64;
        assert_eq!(count("customer"), atera_customers(400));
        assert_eq!(count("device"), 400);
        assert_eq!(count("alert"), 2 * atera_alerts(400));
        let mut alerts = by_type["alert"].clone();
        alerts.sort();
        alerts.dedup();
        assert_eq!(alerts.len() as u64, 2 * atera_alerts(400));
    });
}
