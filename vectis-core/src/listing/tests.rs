//! Unit tests of `listing`.

use super::*;
use crate::envelope::Envelope;
use crate::vendor_info::{Hints, InfoRules, VendorInfo, quota_per};
use crate::{EngineSettings, SecretString};

static INFO: VendorInfo = VendorInfo {
    vendor: Vendor::Kaseya,
    product: "VSA X",
    example_url: "https://acme.vsax.net",
    api_root: "/api/v3",
    api_root_aliases: &[],
    env: &[],
    consoles: &[],
    hints: Hints {
        unauthorized: "",
        forbidden: "",
        not_found: "",
        rate_limited: "",
        timeout: "",
    },
    supports: &[],
    since_kinds: &[],
    unsupported: &[],
    default_quota: quota_per(3_600, 3_600),
    error_body: None,
};

#[derive(serde::Deserialize)]
struct Device {
    #[serde(rename = "Identifier")]
    id: String,
}

const DEVICES: Listing<Device> = Listing::new(
    "/devices/{org}/items",
    Pager::offset("$skip", "$top"),
    Envelope::object("Data").total("Meta.TotalCount"),
)
.query(&[("$orderby", "Identifier")])
.ids("Identifier", |d: &Device| !d.id.is_empty())
.unique();

fn client() -> HttpClient {
    let base = BaseUrl::parse("https://acme.vsax.net/api/v3", "x").unwrap();
    let cred = Arc::new(crate::credential::Basic::new(
        Vendor::Kaseya,
        "id",
        SecretString::from("secret"),
    ));
    HttpClient::new(
        Arc::new(InfoRules::new(&INFO)),
        base,
        cred,
        EngineSettings::default(),
    )
}

#[test]
fn the_first_request_carries_fixed_query_call_query_and_paging() {
    let call = client()
        .list(&DEVICES, &ListOptions::default().page_size(1_000))
        .path_arg("org", "a/b")
        .query("since", "2024");
    assert_eq!(call.endpoint(), "/api/v3/devices/{org}/items");
    assert_eq!(call.page_size(), 100);
    assert_eq!(
        call.first_url().unwrap().as_str(),
        "https://acme.vsax.net/api/v3/devices/a%2Fb/items?%24orderby=Identifier&since=2024&%24skip=0&%24top=100"
    );
}

#[test]
fn a_resume_cursor_keeps_its_page_size_and_is_recognized() {
    let cursor = Cursor {
        next: "https://acme.vsax.net/api/v3/devices/x/items?$orderby=Identifier&$skip=40&$top=20"
            .into(),
    };
    let opts = ListOptions::default().resume(cursor.clone());
    let call = client().list(&DEVICES, &opts).path_arg("org", "x");
    assert_eq!(call.page_size(), 20);
    assert!(call.owns(&cursor));
    let other = client().list(&DEVICES, &opts).path_arg("org", "y");
    assert!(!other.owns(&cursor));
    assert_eq!(other.size(7).page_size(), 7);
}

#[test]
fn the_request_reads_the_declared_envelope_and_maps_with_ids_checked() {
    let run = client()
        .list(&DEVICES, &ListOptions::default())
        .path_arg("org", "x")
        .map_items(|_, d: Device, _| Ok(Some(d.id)));
    let req = run.request().unwrap();
    assert_eq!(req.endpoint, "/api/v3/devices/{org}/items");
    assert!(req.unique.is_none(), "map_items never dedups");
    let kept = (req.map)(0, serde_json::json!({"Identifier": "g-1"})).unwrap();
    assert_eq!(kept.as_deref(), Some("g-1"));
    let skipped = (req.map)(1, serde_json::json!({"Identifier": ""})).unwrap();
    assert_eq!(skipped, None);
    let e = (req.map)(2, serde_json::json!({"Identifier": 5})).unwrap_err();
    assert!(e.to_string().contains("items[2].Identifier"), "{e}");
}
