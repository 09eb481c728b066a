//! A fake of Datto RMM's REST API v2 that speaks Datto as far as its
//! OpenAPI 3.1 document and the research tell: an OAuth2 password grant at
//! `/auth/oauth/token` (Basic `public-client:public`, Spring Security OAuth
//! error bodies), Bearer tokens on `/api/v2`, camelCase records, the
//! `pageDetails {count, totalCount, prevPageUrl, nextPageUrl}` envelope with
//! **absolute** `nextPageUrl`s and `null` at the end, `page` from 0 and `max`
//! clamped to the account's maximum, timestamps as epoch milliseconds, a
//! polymorphic `alertContext` (known and unknown `@class`es), the built-in
//! "Deleted Devices" site whose uid is not a GUID, and a mute endpoint that
//! answers 200 and does nothing (Datto removed muting in 8.9.0).
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /auth/oauth/token` | token, `400 invalid_grant`, or `401` without the client's Basic |
//! | `GET /api/v2/account` | `Account` |
//! | `GET /api/v2/system/pagination` | `{"max": …}` |
//! | `GET /api/v2/account/sites` (`page`, `max`) | sites page (Deleted Devices included) |
//! | `GET /api/v2/account/devices` (`page`, `max`) | devices page (deleted ones included) |
//! | `GET /api/v2/account/alerts/open` and `/resolved` | alerts pages |
//! | `GET /api/v2/site/{siteUid}` and `/site/{siteUid}/devices` | site / devices, `500` for a non-GUID uid |
//! | `POST /api/v2/alert/{alertUid}/resolve` | `200`, the alert becomes resolved; `404` if unknown |
//! | `POST /api/v2/alert/{alertUid}/mute` | `200`, nothing changes |
//!
//! Anything else reaches [`crate::fake::mount_catch_all`]'s loud 418. Tests
//! script failures with [`mount_sequence`](crate::fake::mount_sequence) on
//! [`DattoFake::server`]: its steps outrank the fake.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use wiremock::http::Method;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fake::{Rng, decode_segment, mount_catch_all, query_param};
use crate::names::{customer_names, device_name};

/// The platform the fake stands in for (its connector is built with it).
pub const PLATFORM: &str = "merlot";
/// The API key the fake accepts (the OAuth `username`).
pub const API_KEY: &str = "K7QH2M9XRTV4C8LPWN3B6DYF5JZA";
/// The API secret the fake accepts (the OAuth `password`).
pub const API_SECRET: &str = "s3cr3t-DATTO-7f9c2e41b8d04a6e9c1f";
/// The account name `GET /api/v2/account` answers.
pub const ACCOUNT_NAME: &str = "Northwind MSP";
/// The uid of the built-in "Deleted Devices" site (not a GUID).
pub const DELETED_DEVICES_UID: &str = "deleted-devices-4821";
/// The account's page maximum (`GET /api/v2/system/pagination`) by default.
pub const PAGE_MAX: u32 = 250;
/// `expires_in` of the tokens the fake hands out (100 hours, less a second).
pub const TOKEN_EXPIRES_IN: u64 = 359_999;

const OAUTH_BASIC: &str = "public-client:public";

/// The "now" of generated data (2026-05-01T12:00:00Z).
pub fn data_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_777_636_800, 0).unwrap_or_default()
}

/// The records a [`DattoFake`] serves, as Datto's JSON.
#[derive(Debug, Clone)]
pub struct DattoData {
    /// `Account` for `GET /api/v2/account`.
    pub account: Value,
    /// `Site`s, the built-in "Deleted Devices" site last.
    pub sites: Vec<Value>,
    /// `Device`s; those in the Deleted Devices site have `deleted: true`.
    pub devices: Vec<Value>,
    /// `Alert`s, open and resolved.
    pub alerts: Vec<Value>,
}

const PRIORITIES: &[&str] = &["Critical", "High", "Moderate", "Low", "Information"];
const OSES: &[(&str, &str, &str)] = &[
    ("Microsoft Windows 11 Pro 23H2", "Desktop", "Desktop"),
    ("Microsoft Windows 10 Pro 22H2", "Laptop", "Laptop"),
    ("Microsoft Windows Server 2022 Standard", "Server", "Server"),
    (
        "Microsoft Windows Server 2019 Datacenter",
        "Server",
        "Server",
    ),
    ("macOS Sonoma 14.5", "Laptop", "Laptop"),
    ("Ubuntu 22.04.4 LTS", "Server", "Server"),
];

impl DattoData {
    /// Realistic, deterministic data: `sites` sites named by
    /// [`customer_names`] plus the Deleted Devices site, `devices` devices
    /// spread over the real sites (each site gets one before any gets a
    /// second) plus a few deleted ones, and `alerts` alerts on those devices,
    /// every priority, about a third resolved, with several `alertContext`
    /// classes including ones this SDK has never heard of.
    pub fn generate(sites: usize, devices: usize, alerts: usize, seed: u64) -> Self {
        let n = if devices + alerts > 0 {
            sites.max(1)
        } else {
            sites
        };
        Self::generate_for(&customer_names(n, seed), devices, alerts, seed)
    }

    /// Like [`generate`](Self::generate), with sites named exactly `names`.
    /// `devices` counts live devices; `devices / 20` deleted ones (at least
    /// one when there are devices) sit in the Deleted Devices site on top.
    pub fn generate_for(names: &[String], devices: usize, alerts: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x4441_5454_4F5F_7632); // "DATTO_v2"
        let names: Vec<String> = if names.is_empty() && devices + alerts > 0 {
            customer_names(1, seed)
        } else {
            names.to_vec()
        };
        let now_ms = data_now().timestamp_millis();
        let mut sites: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                json!({
                    "id": 101 + i as i64,
                    "uid": rng.guid(),
                    "accountUid": ACCOUNT_UID,
                    "name": name,
                    "description": if rng.chance(0.5) { Value::from("Head office") } else { Value::Null },
                    "notes": null,
                    "onDemand": rng.chance(0.05),
                    "splashtopAutoInstall": rng.chance(0.7),
                    "proxySettings": null,
                    "devicesStatus": {"numberOfDevices": 0, "numberOfOnlineDevices": 0, "numberOfOfflineDevices": 0},
                    "autotaskCompanyName": null,
                    "autotaskCompanyId": null,
                    "portalUrl": format!("https://{PLATFORM}.rmm.datto.com/site/{}", 101 + i),
                })
            })
            .collect();
        let deleted_site_id = 101 + sites.len() as i64;
        let mut out_devices = Vec::with_capacity(devices + devices / 20 + 1);
        let n_deleted = if devices > 0 {
            (devices / 20).max(1)
        } else {
            0
        };
        for i in 0..devices + n_deleted {
            let deleted = i >= devices;
            let (site_id, site_uid, site_name, ordinal) = if deleted || sites.is_empty() {
                (
                    deleted_site_id,
                    DELETED_DEVICES_UID.to_string(),
                    "Deleted Devices".to_string(),
                    i,
                )
            } else {
                let s = if i < sites.len() {
                    i
                } else {
                    rng.below(sites.len())
                };
                (
                    sites[s]["id"].as_i64().unwrap_or_default(),
                    sites[s]["uid"].as_str().unwrap_or_default().to_string(),
                    sites[s]["name"].as_str().unwrap_or_default().to_string(),
                    i / sites.len(),
                )
            };
            let (os, category, kind) = *rng.pick(OSES);
            let id = 90_000 + i as i64;
            let online = !deleted && rng.chance(0.8);
            let last_seen = now_ms - rng.between(0, 30 * 86_400) * 1000;
            out_devices.push(json!({
                "id": id,
                "uid": rng.guid(),
                "siteId": site_id,
                "siteUid": site_uid,
                "siteName": site_name,
                "deviceType": {"category": category, "type": kind},
                "hostname": device_name(&site_name, ordinal),
                "intIpAddress": format!("10.0.{}.{}", rng.between(0, 254), rng.between(1, 254)),
                "operatingSystem": os,
                "lastLoggedInUser": "CORP\\user",
                "domain": "CORP",
                "cagVersion": "4.4.2183.2183",
                "displayVersion": "23H2",
                "extIpAddress": "203.0.113.7",
                "description": null,
                "a64Bit": true,
                "rebootRequired": rng.chance(0.1),
                "online": online,
                "suspended": false,
                "deleted": deleted,
                "lastSeen": last_seen,
                "lastReboot": last_seen - 86_400_000,
                "lastAuditDate": last_seen - 3_600_000,
                "creationDate": last_seen - 400 * 86_400_000,
                "udf": {"udf1": format!("Asset-{:04}", i), "udf2": null},
                "snmpEnabled": false,
                "deviceClass": "device",
                "portalUrl": format!("https://{PLATFORM}.rmm.datto.com/device/{id}"),
                "warrantyDate": "2027-03-31",
                "antivirus": {"antivirusProduct": "Datto AV", "antivirusStatus": "RunningAndUpToDate"},
                "patchManagement": {"patchStatus": "FullyPatched", "patchesApprovedPending": 0, "patchesNotApproved": 3, "patchesInstalled": 57},
                "softwareStatus": "Compliant",
                "webRemoteUrl": format!("https://{PLATFORM}.rmm.datto.com/web-remote/{id}"),
                "networkProbe": false,
                "onboardedViaNetworkMonitor": false,
            }));
        }
        for s in &mut sites {
            let uid = s["uid"].clone();
            let on_site: Vec<&Value> = out_devices.iter().filter(|d| d["siteUid"] == uid).collect();
            let online = on_site.iter().filter(|d| d["online"] == true).count();
            s["devicesStatus"] = json!({
                "numberOfDevices": on_site.len(),
                "numberOfOnlineDevices": online,
                "numberOfOfflineDevices": on_site.len() - online,
            });
        }
        if !sites.is_empty() || n_deleted > 0 {
            sites.push(json!({
                "id": deleted_site_id,
                "uid": DELETED_DEVICES_UID,
                "accountUid": ACCOUNT_UID,
                "name": "Deleted Devices",
                "description": null,
                "notes": null,
                "onDemand": false,
                "splashtopAutoInstall": false,
                "proxySettings": null,
                "devicesStatus": {"numberOfDevices": n_deleted, "numberOfOnlineDevices": 0, "numberOfOfflineDevices": n_deleted},
                "autotaskCompanyName": null,
                "autotaskCompanyId": null,
                "portalUrl": format!("https://{PLATFORM}.rmm.datto.com/site/{deleted_site_id}"),
            }));
        }
        let live: Vec<&Value> = out_devices
            .iter()
            .filter(|d| d["deleted"] != true)
            .collect();
        let mut out_alerts = Vec::with_capacity(alerts);
        for i in 0..alerts {
            let Some(d) = (if live.is_empty() {
                None
            } else {
                Some(live[rng.below(live.len())])
            }) else {
                break;
            };
            let priority = PRIORITIES[i % PRIORITIES.len()];
            let resolved = if alerts >= 2 && i < 2 {
                i == 1
            } else {
                rng.chance(0.33)
            };
            let raised = now_ms - rng.between(60, 20 * 86_400) * 1000;
            let (context, diagnostics) = context(&mut rng, i);
            out_alerts.push(json!({
                "alertUid": rng.guid(),
                "priority": priority,
                "diagnostics": diagnostics,
                "resolved": resolved,
                "resolvedBy": if resolved { Value::from("tech@northwind.example") } else { Value::Null },
                "resolvedOn": if resolved { Value::from(raised + 3_600_000) } else { Value::Null },
                "muted": false,
                "ticketNumber": null,
                "timestamp": raised,
                "alertMonitorInfo": {"sendsEmails": true, "createsTicket": false},
                "alertContext": context,
                "alertSourceInfo": {
                    "deviceUid": d["uid"],
                    "deviceName": d["hostname"],
                    "siteUid": d["siteUid"],
                    "siteName": d["siteName"],
                },
                "responseActions": [],
                "autoresolveMins": null,
            }));
        }
        let online = out_devices.iter().filter(|d| d["online"] == true).count();
        DattoData {
            account: json!({
                "id": 4821,
                "uid": ACCOUNT_UID,
                "name": ACCOUNT_NAME,
                "currency": "USD",
                "descriptor": {"billingEmail": "billing@northwind.example", "deviceLimit": 5000, "timeZone": "Europe/London"},
                "devicesStatus": {
                    "numberOfDevices": out_devices.len(),
                    "numberOfOnlineDevices": online,
                    "numberOfOfflineDevices": out_devices.len() - online,
                    "numberOfOnDemandDevices": 0,
                    "numberOfManagedDevices": out_devices.len(),
                },
            }),
            sites,
            devices: out_devices,
            alerts: out_alerts,
        }
    }

    /// A small data set: `generate(3, 7, 6, 1)`.
    pub fn small() -> Self {
        Self::generate(3, 7, 6, 1)
    }

    /// Alerts with `resolved: false`.
    pub fn open_alerts(&self) -> Vec<&Value> {
        self.alerts
            .iter()
            .filter(|a| a["resolved"] != true)
            .collect()
    }

    /// Alerts with `resolved: true`.
    pub fn resolved_alerts(&self) -> Vec<&Value> {
        self.alerts
            .iter()
            .filter(|a| a["resolved"] == true)
            .collect()
    }

    /// Sites that are customers (a GUID uid: all but Deleted Devices).
    pub fn real_sites(&self) -> Vec<&Value> {
        self.sites
            .iter()
            .filter(|s| s["uid"] != DELETED_DEVICES_UID)
            .collect()
    }

    /// Devices not marked `deleted`.
    pub fn live_devices(&self) -> Vec<&Value> {
        self.devices
            .iter()
            .filter(|d| d["deleted"] != true)
            .collect()
    }
}

const ACCOUNT_UID: &str = "a1b2c3d4-0000-4000-8000-000000004821";

fn context(rng: &mut Rng, i: usize) -> (Value, Value) {
    match i % 6 {
        0 => (
            json!({"@class": "online_offline_status_ctx", "status": "OFFLINE"}),
            Value::from("Device has been offline for 15 minutes"),
        ),
        1 => (
            json!({"@class": "resource_usage_ctx", "processName": "sqlservr.exe", "sample": rng.between(85, 99), "type": "CPU"}),
            Value::from("CPU usage above 85% for 10 minutes\nsqlservr.exe"),
        ),
        2 => (
            json!({"@class": "disk_usage_ctx", "diskName": "C:", "totalVolume": 256, "freeSpace": rng.between(1, 9), "unitOfMeasure": "GB"}),
            Value::from("Disk C: has less than 10% free space"),
        ),
        3 => (
            json!({"@class": "perf_resource_usage_ctx", "percentage": 97.5, "metric": "memory"}),
            Value::Null,
        ),
        4 => (
            json!({"@class": "srvc_status_ctx", "serviceName": "Spooler", "status": "STOPPED"}),
            Value::from("Service Print Spooler is stopped"),
        ),
        _ => (
            json!({"@class": "eventlog_ctx", "logName": "System", "code": 7031, "type": "Error", "source": "Service Control Manager"}),
            Value::from("Event 7031 in System"),
        ),
    }
}

// -------------------------------------------------------------------- server

#[derive(Debug)]
struct State {
    data: DattoData,
    page_max: u32,
    tokens_issued: u64,
    /// The token API calls must carry; `None` until one is issued.
    current_token: Option<String>,
    /// API calls left before the current token expires (`None`: never).
    token_calls_left: Option<u64>,
    next_url_drops_max: bool,
    next_url_origin: Option<String>,
    omit_total_count: bool,
    resolved: Vec<String>,
    mutes: Vec<String>,
    bad_site_calls: Vec<String>,
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake Datto RMM account. See the [module docs](self).
pub struct DattoFake {
    server: MockServer,
    state: Shared,
    latency: crate::fake::Latency,
}

impl std::fmt::Debug for DattoFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DattoFake")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl DattoFake {
    /// A fake serving [`DattoData::small`].
    pub async fn start() -> Self {
        Self::with_data(DattoData::small()).await
    }

    /// A fake serving `data`.
    pub async fn with_data(data: DattoData) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            data,
            page_max: PAGE_MAX,
            tokens_issued: 0,
            current_token: None,
            token_calls_left: None,
            next_url_drops_max: false,
            next_url_origin: None,
            omit_total_count: false,
            resolved: Vec::new(),
            mutes: Vec::new(),
            bad_site_calls: Vec::new(),
        }));
        let latency = crate::fake::Latency::default();
        Mock::given(Routes)
            .respond_with(crate::fake::Delayed {
                inner: Api {
                    state: Arc::clone(&state),
                    origin: server.uri(),
                },
                latency: latency.clone(),
            })
            .named("vectis-testkit Datto RMM API v2")
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        Self {
            server,
            state,
            latency,
        }
    }

    /// The origin, `http://127.0.0.1:PORT` (stands in for
    /// `https://merlot-api.centrastage.net`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every later answer waits `d` first (the network's round trip, for
    /// runs that measure what latency costs); zero by default.
    pub fn set_latency(&self, d: std::time::Duration) {
        self.latency.set(d);
    }

    /// The underlying server, for extra mocks (they answer first).
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// Every request received so far, in order.
    pub async fn received(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// A snapshot of the data as it is now.
    pub fn data(&self) -> DattoData {
        lock(&self.state).data.clone()
    }

    /// How many tokens the token endpoint has handed out.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.state).tokens_issued
    }

    /// The current token expires after `calls` more API calls: the next one
    /// answers `401 invalid_token` until a new token is requested.
    pub fn expire_token_after(&self, calls: u64) {
        lock(&self.state).token_calls_left = Some(calls);
    }

    /// Sets the account's page maximum (`GET /api/v2/system/pagination`);
    /// larger `max` values are clamped to it.
    pub fn set_page_max(&self, max: u32) {
        lock(&self.state).page_max = max.max(1);
    }

    /// `nextPageUrl`s leave out `max` (the bug DattoRMM.Core works around).
    pub fn next_url_drops_max(&self, yes: bool) {
        lock(&self.state).next_url_drops_max = yes;
    }

    /// `nextPageUrl`s point at `origin` instead of the fake.
    pub fn next_url_origin(&self, origin: &str) {
        lock(&self.state).next_url_origin = Some(origin.trim_end_matches('/').to_string());
    }

    /// `pageDetails` has no `totalCount` (older Datto builds).
    pub fn omit_total_count(&self, yes: bool) {
        lock(&self.state).omit_total_count = yes;
    }

    /// Alert uids resolved by `POST /alert/{uid}/resolve`, in order (a
    /// repeated POST appears twice).
    pub fn resolved_alert_uids(&self) -> Vec<String> {
        lock(&self.state).resolved.clone()
    }

    /// Alert uids sent to the (no-op) mute endpoint.
    pub fn muted_alert_uids(&self) -> Vec<String> {
        lock(&self.state).mutes.clone()
    }

    /// Site uids of per-site calls made with a non-GUID uid.
    pub fn bad_site_calls(&self) -> Vec<String> {
        lock(&self.state).bad_site_calls.clone()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Route {
    Token,
    Account,
    Pagination,
    List(&'static str),
    Site(String),
    SiteDevices(String),
    Resolve(String),
    Mute(String),
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let path = path.trim_end_matches('/');
    if *method == Method::POST && path == "/auth/oauth/token" {
        return Some(Route::Token);
    }
    let rest = path.strip_prefix("/api/v2")?;
    let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    Some(match parts.as_slice() {
        ["account"] if get => Route::Account,
        ["system", "pagination"] if get => Route::Pagination,
        ["account", "sites"] if get => Route::List("sites"),
        ["account", "devices"] if get => Route::List("devices"),
        ["account", "alerts", "open"] if get => Route::List("open"),
        ["account", "alerts", "resolved"] if get => Route::List("resolved"),
        ["site", uid] if get => Route::Site(decode_segment(uid)),
        ["site", uid, "devices"] if get => Route::SiteDevices(decode_segment(uid)),
        ["alert", uid, "resolve"] if post => Route::Resolve(decode_segment(uid)),
        ["alert", uid, "mute"] if post => Route::Mute(decode_segment(uid)),
        _ => return None,
    })
}

struct Routes;

impl Match for Routes {
    fn matches(&self, request: &Request) -> bool {
        route(&request.method, request.url.path()).is_some()
    }
}

struct Api {
    state: Shared,
    origin: String,
}

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json;charset=UTF-8")
        .set_body_string(body.to_string())
}

fn oauth_error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    json_response(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

fn spring_error(status: u16, error: &str, message: &str, path: &str) -> ResponseTemplate {
    json_response(
        status,
        &json!({
            "timestamp": data_now().timestamp_millis(),
            "status": status,
            "error": error,
            "message": message,
            "path": path,
        }),
    )
}

fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl Api {
    fn token(&self, request: &Request) -> ResponseTemplate {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(OAUTH_BASIC)
        );
        if header(request, "authorization") != Some(basic.as_str()) {
            return oauth_error(
                401,
                "unauthorized",
                "Full authentication is required to access this resource",
            );
        }
        let form: Map<String, Value> = url::form_urlencoded::parse(&request.body)
            .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
            .collect();
        if form.get("grant_type").and_then(Value::as_str) != Some("password") {
            return oauth_error(400, "unsupported_grant_type", "Unsupported grant type");
        }
        if form.get("username").and_then(Value::as_str) != Some(API_KEY)
            || form.get("password").and_then(Value::as_str) != Some(API_SECRET)
        {
            return oauth_error(400, "invalid_grant", "Bad credentials");
        }
        let mut st = lock(&self.state);
        st.tokens_issued += 1;
        let token = format!("datto-token-{}", st.tokens_issued);
        st.current_token = Some(token.clone());
        st.token_calls_left = None;
        json_response(
            200,
            &json!({
                "access_token": token,
                "token_type": "bearer",
                "expires_in": TOKEN_EXPIRES_IN,
                "scope": "default",
                "jti": "3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f",
            }),
        )
    }

    fn page(&self, st: &State, request: &Request, list: &str) -> ResponseTemplate {
        let path = request.url.path();
        let page: usize = match query_param(request, "page").map(|p| p.parse::<usize>()) {
            None => 0,
            Some(Ok(p)) => p,
            Some(Err(_)) => {
                return spring_error(400, "Bad Request", "Request is invalid.", path);
            }
        };
        let max: usize = match query_param(request, "max").map(|m| m.parse::<usize>()) {
            None => st.page_max as usize,
            Some(Ok(m)) if m > 0 => m.min(st.page_max as usize),
            Some(_) => {
                return spring_error(400, "Bad Request", "Request is invalid.", path);
            }
        };
        let (key, items): (&str, Vec<&Value>) = match list {
            "sites" => ("sites", st.data.sites.iter().collect()),
            "devices" => ("devices", st.data.devices.iter().collect()),
            "open" => ("alerts", st.data.open_alerts()),
            _ => ("alerts", st.data.resolved_alerts()),
        };
        let total = items.len();
        let start = page.saturating_mul(max).min(total);
        let end = (start + max).min(total);
        let origin = st.next_url_origin.as_deref().unwrap_or(&self.origin);
        let url_for = |p: usize, with_max: bool| {
            if with_max {
                format!("{origin}{path}?max={max}&page={p}")
            } else {
                format!("{origin}{path}?page={p}")
            }
        };
        let next = if end < total {
            Value::from(url_for(page + 1, !st.next_url_drops_max))
        } else {
            Value::Null
        };
        let prev = if page > 0 {
            Value::from(url_for(page - 1, true))
        } else {
            Value::Null
        };
        let mut details = json!({
            "count": end - start,
            "totalCount": total,
            "prevPageUrl": prev,
            "nextPageUrl": next,
        });
        if st.omit_total_count
            && let Some(d) = details.as_object_mut()
        {
            d.remove("totalCount");
        }
        let mut body = Map::new();
        body.insert("pageDetails".into(), details);
        body.insert(
            key.into(),
            Value::Array(items[start..end].iter().map(|v| (*v).clone()).collect()),
        );
        json_response(200, &Value::Object(body))
    }
}

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(route) = route(&request.method, request.url.path()) else {
            return ResponseTemplate::new(crate::fake::UNEXPECTED_STATUS);
        };
        if route == Route::Token {
            return self.token(request);
        }
        let path = request.url.path().to_string();
        let mut st = lock(&self.state);
        let presented = header(request, "authorization").and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        });
        let valid = match (presented, st.current_token.as_deref()) {
            (Some(p), Some(c)) => p == c,
            _ => false,
        };
        if !valid {
            return oauth_error(
                401,
                "invalid_token",
                "Invalid access token: the token is unknown or has expired",
            );
        }
        match st.token_calls_left {
            Some(0) => {
                st.current_token = None;
                st.token_calls_left = None;
                return oauth_error(
                    401,
                    "invalid_token",
                    "Access token expired: the token has expired",
                );
            }
            Some(n) => st.token_calls_left = Some(n - 1),
            None => {}
        }
        match route {
            // Answered above, before the Bearer check.
            Route::Token => ResponseTemplate::new(crate::fake::UNEXPECTED_STATUS),
            Route::Account => json_response(200, &st.data.account),
            Route::Pagination => json_response(200, &json!({"max": st.page_max})),
            Route::List(list) => self.page(&st, request, list),
            Route::Site(uid) | Route::SiteDevices(uid) if !is_guid(&uid) => {
                st.bad_site_calls.push(uid);
                spring_error(500, "Internal Server Error", "Invalid UUID string", &path)
            }
            Route::Site(uid) => match st.data.sites.iter().find(|s| s["uid"] == uid.as_str()) {
                Some(s) => json_response(200, s),
                None => spring_error(404, "Not Found", "Site was not found.", &path),
            },
            Route::SiteDevices(uid) => {
                let devices: Vec<Value> = st
                    .data
                    .devices
                    .iter()
                    .filter(|d| d["siteUid"] == uid.as_str())
                    .cloned()
                    .collect();
                json_response(
                    200,
                    &json!({
                        "pageDetails": {"count": devices.len(), "totalCount": devices.len(), "prevPageUrl": null, "nextPageUrl": null},
                        "devices": devices,
                    }),
                )
            }
            Route::Resolve(uid) => {
                let now = data_now().timestamp_millis();
                match st
                    .data
                    .alerts
                    .iter_mut()
                    .find(|a| a["alertUid"] == uid.as_str())
                {
                    Some(a) => {
                        a["resolved"] = Value::Bool(true);
                        a["resolvedBy"] = Value::from("API");
                        a["resolvedOn"] = Value::from(now);
                        st.resolved.push(uid);
                        json_response(200, &json!({}))
                    }
                    None => spring_error(404, "Not Found", "Alert was not found.", &path),
                }
            }
            Route::Mute(uid) => {
                // Muting was removed in 8.9.0: 200, and nothing happens.
                st.mutes.push(uid);
                json_response(200, &json!({}))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_data_has_the_shape_tests_rely_on() {
        let names: Vec<String> = ["Acme Ltd", "Smith & Sons"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let d = DattoData::generate_for(&names, 40, 30, 3);
        assert_eq!(d.real_sites().len(), 2);
        assert_eq!(d.sites.len(), 3);
        assert_eq!(d.live_devices().len(), 40);
        assert_eq!(d.devices.len(), 42);
        assert_eq!(d.alerts.len(), 30);
        assert!(!d.open_alerts().is_empty() && !d.resolved_alerts().is_empty());
        for p in PRIORITIES {
            assert!(d.alerts.iter().any(|a| a["priority"] == *p), "{p}");
        }
        assert!(
            d.real_sites()
                .iter()
                .all(|s| is_guid(s["uid"].as_str().unwrap_or("")))
        );
        assert!(!is_guid(DELETED_DEVICES_UID));
        let g = DattoData::generate_for(&names, 40, 30, 3);
        assert_eq!(g.alerts, d.alerts, "deterministic");
    }
}
