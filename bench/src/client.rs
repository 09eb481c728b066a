//! The two clients the benchmark compares: the real connector, and a naive
//! baseline that asks for each page only after the previous one is parsed
//! and mapped (plain reqwest, the same vendor structs and mapping functions).

use super::server::{CODEBASE, Stats};
use super::{BenchError, BenchVendor};
use futures::TryStreamExt;
use serde::Deserialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use vectis_atera::AteraConnector;
use vectis_connectwise::ConnectWiseConnector;
use vectis_core::{Connector, Device, EngineSettings, ListOptions, Quota, SecretString};
use vectis_datto_rmm::DattoRmmConnector;
use vectis_kaseya::KaseyaConnector;

/// The fake Atera API key (the bench server does not check it).
pub const ATERA_KEY: &str = "bench-atera-key";
/// The fake Kaseya VSA X token id (the bench server does not check it).
pub const KASEYA_TOKEN_ID: &str = "bench-kaseya-token";
/// The fake Kaseya VSA X token secret.
pub const KASEYA_TOKEN_SECRET: &str = "bench-kaseya-secret";
/// The fake Datto RMM API key (the bench server does not check it).
pub const DATTO_KEY: &str = "bench-datto-key";
/// The fake Datto RMM API secret.
pub const DATTO_SECRET: &str = "bench-datto-secret";
/// The Datto RMM platform the connector is built for (the base URL wins).
pub const DATTO_PLATFORM: &str = "merlot";
/// The fake ConnectWise login company.
pub const CW_COMPANY: &str = "bench";
/// The fake ConnectWise public key.
pub const CW_PUBLIC: &str = "pub";
/// The fake ConnectWise private key.
pub const CW_PRIVATE: &str = "priv";
/// The fake ConnectWise clientId.
pub const CW_CLIENT_ID: &str = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";

/// What one sync saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// Devices delivered.
    pub records: u64,
    /// Pages delivered.
    pub pages: u64,
    /// Wall time of the sync, in seconds.
    pub secs: f64,
    /// Order-sensitive FNV-1a digest of the device ids, to compare clients.
    pub digest: u64,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            digest: 0xcbf2_9ce4_8422_2325,
            ..Tally::default()
        }
    }

    /// Counts `d` and hashes its id and OS (so a lost join shows).
    fn add(&mut self, d: &Device) {
        self.records += 1;
        let os = d.os.as_deref().unwrap_or("");
        for b in d.id.bytes().chain([0]).chain(os.bytes()).chain([0]) {
            self.digest = (self.digest ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Where a run's pages are served and with what settings.
#[derive(Debug, Clone)]
pub struct Target {
    /// The vendor.
    pub vendor: BenchVendor,
    /// The server's port on 127.0.0.1.
    pub port: u16,
    /// A name unique to this run (the server counts per run).
    pub run: String,
    /// Devices in the tenant.
    pub devices: u64,
    /// Server latency per response, in milliseconds.
    pub latency_ms: u64,
    /// Server-enforced quota, requests per second (0 = none).
    pub quota: u32,
    /// Items per page to ask for (`None`: the vendor's maximum).
    pub page_size: Option<u32>,
}

impl Target {
    /// The base URL the connectors are given.
    pub fn base(&self) -> String {
        format!(
            "http://127.0.0.1:{}/b/{}/{}/{}/{}",
            self.port, self.run, self.devices, self.latency_ms, self.quota
        )
    }

    /// Items per page this run asks for.
    pub fn page_size(&self) -> u64 {
        let max = self.vendor.max_page();
        self.page_size.map_or(max, u64::from).clamp(1, max)
    }

    /// Device pages a full sync delivers.
    pub fn pages(&self) -> u64 {
        self.devices.div_ceil(self.page_size()).max(1)
    }

    /// Requests a full sync makes: the device pages, Kaseya's asset pages
    /// (always at the largest size) and any setup request.
    pub fn requests(&self) -> u64 {
        let assets = match self.vendor {
            BenchVendor::Kaseya => self.devices.div_ceil(self.vendor.max_page()).max(1),
            _ => 0,
        };
        self.pages() + assets + self.vendor.setup_requests()
    }

    /// What the server counted for this run.
    pub async fn stats(&self) -> Result<Stats, BenchError> {
        let url = format!("http://127.0.0.1:{}/stats/{}", self.port, self.run);
        let body = reqwest::get(url).await?.bytes().await?;
        Ok(serde_json::from_slice(&body)?)
    }
}

/// Syncs every device through the real connector, with `quota` requests
/// per second on the client (`None`: off) and `concurrency` pages at once.
pub async fn sync_connector(
    t: &Target,
    quota: Option<u32>,
    concurrency: usize,
) -> Result<Tally, BenchError> {
    let connector = connector(t, quota, concurrency)?;
    let mut opts = ListOptions::default();
    opts.page_size = t.page_size;
    let started = Instant::now();
    let mut tally = Tally::new();
    let mut pages = connector.device_pages(&opts);
    while let Some(page) = pages.try_next().await? {
        tally.pages += 1;
        for d in &page.items {
            tally.add(d);
        }
    }
    tally.secs = started.elapsed().as_secs_f64();
    Ok(tally)
}

/// The real connector for `t`, with `quota` requests per second on the
/// client (`None`: off) and `concurrency` pages at once.
pub fn connector(
    t: &Target,
    quota: Option<u32>,
    concurrency: usize,
) -> Result<Box<dyn Connector>, BenchError> {
    let settings = EngineSettings::default()
        .quota(quota.map_or(Quota::Off, Quota::per_second))
        .concurrency(concurrency);
    let connector: Box<dyn Connector> = match t.vendor {
        BenchVendor::Atera => Box::new(
            AteraConnector::builder(SecretString::from(ATERA_KEY))
                .base_url(&t.base())
                .settings(settings)
                .build()?,
        ),
        BenchVendor::DattoRmm => Box::new(
            DattoRmmConnector::builder(
                DATTO_PLATFORM,
                SecretString::from(DATTO_KEY),
                SecretString::from(DATTO_SECRET),
            )
            .base_url(&t.base())
            .settings(settings)
            .build()?,
        ),
        BenchVendor::ConnectWise => Box::new(
            ConnectWiseConnector::builder(
                &t.base(),
                CW_COMPANY,
                CW_PUBLIC,
                SecretString::from(CW_PRIVATE),
                CW_CLIENT_ID,
            )
            .codebase(CODEBASE)
            .settings(settings)
            .build()?,
        ),
        BenchVendor::Kaseya => Box::new(
            KaseyaConnector::builder(
                &t.base(),
                KASEYA_TOKEN_ID,
                SecretString::from(KASEYA_TOKEN_SECRET),
            )
            .settings(settings)
            .build()?,
        ),
    };
    Ok(connector)
}

/// Syncs every device the naive way: one page at a time, the next asked for
/// only after this one is parsed and mapped. With a `quota` (requests per
/// second) requests are spaced to it; a 429 is waited out and repeated.
pub async fn sync_naive(t: &Target, quota: Option<u32>) -> Result<Tally, BenchError> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let size = t.page_size();
    let base = t.base();
    let mut bearer = String::new();
    if t.vendor == BenchVendor::DattoRmm {
        bearer = datto_token(&http, &base).await?;
    }
    // Assets at the largest page, as the connector reads them.
    let kaseya_top = |what: &str| {
        if what == "assets" {
            t.vendor.max_page()
        } else {
            size
        }
    };
    let kaseya_list = |what: &str, skip: u64| {
        let top = kaseya_top(what);
        format!("{base}/api/v3/{what}?$orderby=Identifier&$top={top}&$skip={skip}")
    };
    // Kaseya: the asset facts by identifier, read in full before devices.
    let mut assets: HashMap<String, vectis_kaseya::raw::Asset> = HashMap::new();
    let mut reading_assets = t.vendor == BenchVendor::Kaseya;
    let mut next = Some(match t.vendor {
        BenchVendor::Kaseya => kaseya_list("assets", 0),
        BenchVendor::Atera => format!("{base}/api/v3/agents?page=1&itemsInPage={size}"),
        BenchVendor::DattoRmm => format!("{base}/api/v2/account/devices?page=0&max={size}"),
        BenchVendor::ConnectWise => {
            format!("{base}/{CODEBASE}/apis/3.0/company/configurations?pageSize={size}")
        }
    });
    let started = Instant::now();
    let mut sent: u32 = 0;
    let mut tally = Tally::new();
    while let Some(url) = next.take() {
        if let Some(q) = quota {
            let due = started + Duration::from_secs_f64(f64::from(sent) / f64::from(q.max(1)));
            tokio::time::sleep_until(due.into()).await;
        }
        sent += 1;
        let req = match t.vendor {
            BenchVendor::Atera => http.get(&url).header("x-api-key", ATERA_KEY),
            BenchVendor::DattoRmm => http.get(&url).bearer_auth(&bearer),
            BenchVendor::ConnectWise => http
                .get(&url)
                .basic_auth(format!("{CW_COMPANY}+{CW_PUBLIC}"), Some(CW_PRIVATE))
                .header("clientid", CW_CLIENT_ID)
                .header("pagination-type", "forward-only"),
            BenchVendor::Kaseya => http
                .get(&url)
                .basic_auth(KASEYA_TOKEN_ID, Some(KASEYA_TOKEN_SECRET)),
        };
        let resp = req.header("accept", "application/json").send().await?;
        if resp.status().as_u16() == 429 {
            let wait = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            next = Some(url);
            continue;
        }
        if !resp.status().is_success() {
            return Err(BenchError(format!(
                "{url} answered {} to the naive client; the bench server only refuses unknown paths, so this is a bench bug — please report it",
                resp.status()
            )));
        }
        let link = resp
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(vectis_core::paginate::PageMeta::link_next);
        let body = resp.bytes().await?;
        if !reading_assets {
            tally.pages += 1;
        }
        match t.vendor {
            BenchVendor::Kaseya => {
                let env: KaseyaEnvelope = serde_json::from_slice(&body)?;
                let what = if reading_assets { "assets" } else { "devices" };
                let skip = query_u64(&url, "$skip").unwrap_or(0) + kaseya_top(what);
                let more = !env.data.is_empty() && skip < env.meta.total_count.unwrap_or(0);
                if reading_assets {
                    for v in env.data {
                        let a = vectis_kaseya::raw::Asset::deserialize(&v)?;
                        assets.insert(a.identifier.trim().to_ascii_lowercase(), a);
                    }
                    next = Some(if more {
                        kaseya_list("assets", skip)
                    } else {
                        reading_assets = false;
                        kaseya_list("devices", 0)
                    });
                } else {
                    for v in env.data {
                        let d = vectis_kaseya::raw::DeviceItem::deserialize(&v)?;
                        let asset = assets.get(&d.identifier.trim().to_ascii_lowercase());
                        tally.add(&vectis_kaseya::map::device(d, v, asset));
                    }
                    next = more.then(|| kaseya_list("devices", skip));
                }
            }
            BenchVendor::Atera => {
                let env: vectis_atera::raw::PagedResult = serde_json::from_slice(&body)?;
                for v in env.items.unwrap_or_default() {
                    let a = vectis_atera::raw::AteraAgent::deserialize(&v)?;
                    if let Some(d) = vectis_atera::map::device(a, v) {
                        tally.add(&d);
                    }
                }
                next = env.next_link.filter(|l| !l.trim().is_empty());
            }
            BenchVendor::DattoRmm => {
                let mut env: DattoEnvelope = serde_json::from_slice(&body)?;
                for v in env.devices.take().unwrap_or_default() {
                    let d = vectis_datto_rmm::raw::DattoDevice::deserialize(&v)?;
                    if let Some(d) = vectis_datto_rmm::map::device(d, v, false) {
                        tally.add(&d);
                    }
                }
                next = env
                    .page_details
                    .next_page_url
                    .filter(|l| !l.trim().is_empty());
            }
            BenchVendor::ConnectWise => {
                let items: Vec<serde_json::Value> = serde_json::from_slice(&body)?;
                for v in items {
                    let c = vectis_connectwise::raw::Configuration::deserialize(&v)?;
                    tally.add(&vectis_connectwise::map::device(c, v));
                }
                next = link;
            }
        }
    }
    tally.secs = started.elapsed().as_secs_f64();
    Ok(tally)
}

/// Kaseya VSA X's list envelope, as the naive client reads it.
#[derive(Deserialize)]
struct KaseyaEnvelope {
    #[serde(rename = "Data", default)]
    data: Vec<serde_json::Value>,
    #[serde(rename = "Meta")]
    meta: vectis_kaseya::raw::Meta,
}

/// A numeric query parameter of `url`.
fn query_u64(url: &str, name: &str) -> Option<u64> {
    let (_, q) = url.split_once('?')?;
    q.split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

/// Datto RMM's list envelope, as the naive client reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DattoEnvelope {
    page_details: vectis_datto_rmm::raw::PageDetails,
    #[serde(default)]
    devices: Option<Vec<serde_json::Value>>,
}

/// The naive client's Datto RMM token: one password grant, as the
/// connector's credential does it.
async fn datto_token(http: &reqwest::Client, base: &str) -> Result<String, BenchError> {
    #[derive(Deserialize)]
    struct Token {
        access_token: String,
    }
    let resp = http
        .post(format!("{base}{}", vectis_datto_rmm::TOKEN_PATH))
        .basic_auth(
            vectis_datto_rmm::OAUTH_CLIENT_ID,
            Some(vectis_datto_rmm::OAUTH_CLIENT_SECRET),
        )
        .form(&[
            ("grant_type", "password"),
            ("username", DATTO_KEY),
            ("password", DATTO_SECRET),
        ])
        .send()
        .await?;
    if !resp.status().is_success() {
        return Err(BenchError(format!(
            "the bench server's Datto RMM token request answered {}; it accepts any key, so this is a bench bug — please report it",
            resp.status()
        )));
    }
    let token: Token = serde_json::from_slice(&resp.bytes().await?)?;
    Ok(token.access_token)
}

/// The process's peak resident memory (`VmHWM`), in KiB, where Linux tells.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        l.strip_prefix("VmHWM:")?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    })
}
