//! A fake of Kaseya VSA X's REST API v3 that speaks VSA X as far as the
//! Pulseway/VSA X reference and the research tell: HTTP Basic with an API
//! token's id and secret, PascalCase records in the
//! `{"Data": …, "Meta": {"ResponseCode", "TotalCount"}}` envelope, OData
//! `$top` (default and maximum 100, larger values clamped) / `$skip` /
//! `$orderby`, error bodies `{"Data": null, "Meta": {"ResponseCode",
//! "ErrorMessage"}}`, a device list without OS, online flag or last-seen
//! (the asset list has them), a notification list without the device (the
//! detail adds `ComputerIdentifier` and `Read`), lower-case priorities, and
//! `DateTime` as epoch seconds in the global notification list but ISO 8601
//! elsewhere, as the reference's own examples disagree.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/v3/organizations` (`$top`, `$skip`, `$orderby`) | organizations page |
//! | `GET /api/v3/organizations/{id}` | one organization |
//! | `GET /api/v3/devices` | device list items |
//! | `GET /api/v3/devices/{identifier}` | device detail (OS, `IsOnline`, counts) |
//! | `GET /api/v3/devices/{identifier}/notifications` | that device's notifications |
//! | `GET /api/v3/assets` | assets (`Description` = OS, `IsOnline`, `LastSeenOnline`) |
//! | `GET /api/v3/notifications` | notifications, without the device |
//! | `GET /api/v3/notifications/{id}` | detail with `ComputerIdentifier` and `Read` |
//! | `DELETE /api/v3/notifications/{id}` | deletes it (recorded: Vectis must never send it) |
//!
//! Unknown ids answer `404 "Entity is not found."`; a `$filter` answers 400
//! (the fake does not evaluate OData filters — it says so rather than
//! ignoring one). Anything else reaches [`crate::fake::mount_catch_all`]'s
//! loud 418. Tests script failures with
//! [`mount_sequence`](crate::fake::mount_sequence) on [`KaseyaFake::server`]:
//! its steps outrank the fake.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use wiremock::http::Method;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fake::{Rng, decode_segment, mount_catch_all, query_param};
use crate::names::{customer_names, device_name};

/// The API token id the fake accepts (the Basic user name).
pub const TOKEN_ID: &str = "7d3c9a41-5be2-4f0e-9a6c-2b8e1f4d7c30";
/// The API token secret the fake accepts (the Basic password).
pub const TOKEN_SECRET: &str = "vsax-SECRET-4e8b1c7f92a04d36b5e0";
/// The largest page VSA X serves (`$top` is clamped to it).
pub const MAX_TOP: usize = 100;

/// The "now" of generated data (2026-05-01T12:00:00Z).
pub fn data_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_777_636_800, 0).unwrap_or_default()
}

/// The records a [`KaseyaFake`] serves, as VSA X's JSON.
#[derive(Debug, Clone)]
pub struct KaseyaData {
    /// `Organization`s.
    pub organizations: Vec<Value>,
    /// Device details (`GET devices/{id}`); the list serves the list fields
    /// of each.
    pub devices: Vec<Value>,
    /// `Asset`s, one per device (same `Identifier`).
    pub assets: Vec<Value>,
    /// Notification details (with `ComputerIdentifier` and `Read`); lists
    /// serve `Id`, `Message`, `DateTime`, `Priority` of each.
    pub notifications: Vec<Value>,
}

const PRIORITIES: &[&str] = &["critical", "elevated", "normal", "low"];
const OSES: &[(&str, &str)] = &[
    ("Windows 11 Pro", "windows"),
    ("Windows 10 Enterprise", "windows"),
    ("Windows Server 2022 Standard", "windows"),
    ("Windows Server 2019 Standard", "windows"),
    ("macOS 14.5 Sonoma", "mac"),
    ("Ubuntu 22.04.4 LTS", "linux"),
];
const GROUPS: &[&str] = &["Servers", "Workstations", "Laptops"];

/// The fields of a device detail that the device list also carries.
const DEVICE_LIST_FIELDS: &[&str] = &[
    "Identifier",
    "Name",
    "GroupId",
    "GroupName",
    "IsAgentInstalled",
    "IsMdmEnrolled",
    "SiteId",
    "SiteName",
    "OrganizationId",
    "OrganizationName",
    "HasCustomFields",
];

/// The fields of a notification that lists carry (no device, no `Read`).
const NOTIFICATION_LIST_FIELDS: &[&str] = &["Id", "Message", "DateTime", "Priority"];

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl KaseyaData {
    /// Realistic, deterministic data: `organizations` organizations named by
    /// [`customer_names`], `devices` devices spread over them (each gets one
    /// before any gets a second), one asset per device (about a third
    /// offline, a few never seen: `LastSeenOnline: ""`), and `notifications`
    /// notifications on those devices, every priority.
    pub fn generate(organizations: usize, devices: usize, notifications: usize, seed: u64) -> Self {
        let n = if devices + notifications > 0 {
            organizations.max(1)
        } else {
            organizations
        };
        Self::generate_for(&customer_names(n, seed), devices, notifications, seed)
    }

    /// Like [`generate`](Self::generate), with organizations named exactly
    /// `names`.
    pub fn generate_for(names: &[String], devices: usize, notifications: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x5653_4158_5F76_3300); // "VSAX_v3"
        let names: Vec<String> = if names.is_empty() && devices + notifications > 0 {
            customer_names(1, seed)
        } else {
            names.to_vec()
        };
        let now = data_now();
        let organizations: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mapped = rng.chance(0.3);
                json!({
                    "Id": 101 + i as i64,
                    "Name": name,
                    "HasCustomFields": rng.chance(0.2),
                    "PsaMappingId": if mapped { Value::from(rng.between(10, 900)) } else { Value::Null },
                    "PsaMappingType": if mapped { Value::from("ConnectWise") } else { Value::Null },
                })
            })
            .collect();
        let mut per_org = vec![0usize; organizations.len()];
        let mut out_devices = Vec::with_capacity(devices);
        let mut assets = Vec::with_capacity(devices);
        for d in 0..devices {
            let o = if d < organizations.len() {
                d
            } else {
                rng.below(organizations.len())
            };
            let org = &organizations[o];
            let org_id = org["Id"].as_i64().unwrap_or_default();
            let org_name = org["Name"].as_str().unwrap_or_default().to_string();
            let i = per_org[o];
            per_org[o] += 1;
            let name = device_name(&org_name, i);
            let identifier = rng.guid();
            let (os, kind) = *rng.pick(OSES);
            let group = if i == 0 || os.contains("Server") {
                0
            } else {
                1 + rng.below(2)
            };
            let online = rng.chance(0.65);
            let never_seen = !online && rng.chance(0.05);
            let last_seen = if online {
                now - Duration::seconds(rng.between(0, 300))
            } else {
                now - Duration::seconds(rng.between(3_600, 90 * 86_400))
            };
            let site_id = 1000 + org_id;
            let site_name = format!("{org_name} HQ");
            out_devices.push(json!({
                "Identifier": identifier,
                "Name": name,
                "GroupId": 3000 + org_id * 10 + group as i64,
                "GroupName": GROUPS[group],
                "IsAgentInstalled": true,
                "IsMdmEnrolled": false,
                "SiteId": site_id,
                "SiteName": site_name,
                "OrganizationId": org_id,
                "OrganizationName": org_name,
                "HasCustomFields": false,
                "Description": os,
                "Uptime": if online { format!("Up for {} days", rng.between(0, 40)) } else { format!("Offline since {} days ago", rng.between(1, 90)) },
                "IsOnline": online,
                "ComputerType": kind,
                "InMaintenance": rng.chance(0.03),
                "ExternalIpAddress": format!("203.0.113.{}", rng.between(1, 254)),
                "CriticalNotifications": 0,
                "ElevatedNotifications": 0,
                "NormalNotifications": 0,
                "LowNotifications": 0,
                "ClientVersion": "9.12.3",
            }));
            assets.push(json!({
                "Identifier": identifier,
                "Name": name,
                "GroupName": GROUPS[group],
                "Description": os,
                "Tags": [],
                "Type": kind,
                "ClientVersion": "9.12.3",
                "LastUpdated": iso(now - Duration::seconds(rng.between(0, 86_400))),
                "LastSeenOnline": if never_seen { Value::from("") } else { Value::from(iso(last_seen)) },
                "LastReboot": if rng.chance(0.2) { Value::from("") } else { Value::from(iso(last_seen - Duration::days(rng.between(1, 30)))) },
                "IsOnline": online,
                "SiteId": site_id,
                "IpAddresses": [format!("10.{}.{}.{}", org_id % 250, rng.between(0, 254), rng.between(1, 254))],
                "CpuUsage": rng.between(1, 99),
                "MemoryUsage": rng.between(10, 95),
                "FirewallEnabled": rng.chance(0.9),
                "AntivirusEnabled": "yes",
                "AntivirusUpToDate": if rng.chance(0.85) { "yes" } else { "no" },
            }));
        }
        // Notifications hang off devices: none without one.
        let notifications = if out_devices.is_empty() {
            0
        } else {
            notifications
        };
        let mut out_notifications = Vec::with_capacity(notifications);
        for k in 0..notifications {
            let d = rng.below(out_devices.len());
            let priority = PRIORITIES[k % PRIORITIES.len()];
            let device = &mut out_devices[d];
            let counter = match priority {
                "critical" => "CriticalNotifications",
                "elevated" => "ElevatedNotifications",
                "normal" => "NormalNotifications",
                _ => "LowNotifications",
            };
            device[counter] = Value::from(device[counter].as_i64().unwrap_or(0) + 1);
            let name = device["Name"].as_str().unwrap_or_default().to_string();
            let org = device["OrganizationName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let message = match k % 5 {
                0 => format!(
                    "The free space on disk drive C: on the computer '{name}' in group '{org} - {org} HQ - Servers' is below 5% ({:.2} GB free of 120.00 GB).",
                    rng.between(100, 599) as f64 / 100.0
                ),
                1 => format!("{name} has been offline for more than 24 hours."),
                2 => format!(
                    "The CPU usage on the computer '{name}' is above 95% for more than 15 minutes."
                ),
                3 => format!("The service 'Spooler' on the computer '{name}' is stopped."),
                _ => format!("Windows updates are pending on the computer '{name}'."),
            };
            let at = now - Duration::seconds(rng.between(60, 30 * 86_400));
            out_notifications.push(json!({
                "Id": 2001 + k as i64,
                "Message": message,
                "DateTime": iso(at),
                "Priority": priority,
                "ComputerIdentifier": device["Identifier"].clone(),
                "Read": rng.chance(0.2),
            }));
        }
        Self {
            organizations,
            devices: out_devices,
            assets,
            notifications: out_notifications,
        }
    }

    /// A small tenant: 6 organizations, 24 devices, 20 notifications.
    pub fn small() -> Self {
        Self::generate(6, 24, 20, 11)
    }

    /// The organization id of the device `identifier`, when the device is
    /// known.
    pub fn organization_of(&self, identifier: &str) -> Option<i64> {
        self.devices
            .iter()
            .find(|d| d["Identifier"] == identifier)
            .and_then(|d| d["OrganizationId"].as_i64())
    }
}

// -------------------------------------------------------------------- server

#[derive(Debug)]
struct State {
    data: KaseyaData,
    epoch_in_list: bool,
    deleted: Vec<i64>,
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake VSA X tenant. See the [module docs](self).
pub struct KaseyaFake {
    server: MockServer,
    state: Shared,
    latency: crate::fake::Latency,
}

impl std::fmt::Debug for KaseyaFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KaseyaFake")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl KaseyaFake {
    /// A fake serving [`KaseyaData::small`].
    pub async fn start() -> Self {
        Self::with_data(KaseyaData::small()).await
    }

    /// A fake serving `data`.
    pub async fn with_data(data: KaseyaData) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            data,
            epoch_in_list: true,
            deleted: Vec::new(),
        }));
        let latency = crate::fake::Latency::default();
        Mock::given(Routes)
            .respond_with(crate::fake::Delayed {
                inner: Api {
                    state: Arc::clone(&state),
                },
                latency: latency.clone(),
            })
            .named("vectis-testkit Kaseya VSA X API v3")
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        Self {
            server,
            state,
            latency,
        }
    }

    /// The tenant URL, `http://127.0.0.1:PORT` (stands in for
    /// `https://<name>.vsax.net`); the API is under `/api/v3`.
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
    pub fn data(&self) -> KaseyaData {
        lock(&self.state).data.clone()
    }

    /// Whether `GET /notifications` gives `DateTime` as epoch seconds on
    /// even ids (as the reference's example does) and ISO on odd ones (the
    /// default), or ISO throughout (`false`). Details and per-device lists
    /// are always ISO.
    pub fn epoch_dates_in_list(&self, yes: bool) {
        lock(&self.state).epoch_in_list = yes;
    }

    /// The ids of the notifications deleted through the API.
    pub fn deleted_notification_ids(&self) -> Vec<i64> {
        lock(&self.state).deleted.clone()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Organizations,
    Organization(String),
    Devices,
    Device(String),
    DeviceNotifications(String),
    Assets,
    Notifications,
    Notification(String),
    DeleteNotification(String),
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/api/v3/")?;
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let get = *method == Method::GET;
    Some(match (get, parts.as_slice()) {
        (true, ["organizations"]) => Route::Organizations,
        (true, ["organizations", id]) => Route::Organization(decode_segment(id)),
        (true, ["devices"]) => Route::Devices,
        (true, ["devices", id]) => Route::Device(decode_segment(id)),
        (true, ["devices", id, "notifications"]) => Route::DeviceNotifications(decode_segment(id)),
        (true, ["assets"]) => Route::Assets,
        (true, ["notifications"]) => Route::Notifications,
        (true, ["notifications", id]) => Route::Notification(decode_segment(id)),
        (false, ["notifications", id]) if *method == Method::DELETE => {
            Route::DeleteNotification(decode_segment(id))
        }
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
}

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(body.to_string())
}

/// `{"Data": null, "Meta": {"ResponseCode": status, "ErrorMessage": message}}`.
pub fn error_body(status: u16, message: &str) -> ResponseTemplate {
    json_response(
        status,
        &json!({"Data": null, "Meta": {"ResponseCode": status, "ErrorMessage": message}}),
    )
}

fn project(v: &Value, fields: &[&str]) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|f| v.get(*f).map(|x| ((*f).to_string(), x.clone())))
            .collect(),
    )
}

/// Compares two JSON values for `$orderby`: numbers numerically, strings
/// case-insensitively, missing last.
fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Greater,
        (_, Value::Null) => std::cmp::Ordering::Less,
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// One page of `items` as the request's `$top`, `$skip` and `$orderby` ask;
/// `sortable` are the fields `$orderby` accepts.
fn page(request: &Request, mut items: Vec<Value>, sortable: &[&str]) -> ResponseTemplate {
    if query_param(request, "$filter").is_some() {
        return error_body(
            400,
            "vectis-testkit: the Kaseya fake does not evaluate $filter",
        );
    }
    let top = match query_param(request, "$top").map(|t| t.trim().parse::<usize>()) {
        None => MAX_TOP,
        Some(Ok(t)) => t.min(MAX_TOP),
        Some(Err(_)) => return error_body(400, "The request is invalid: $top"),
    };
    let skip = match query_param(request, "$skip").map(|s| s.trim().parse::<usize>()) {
        None => 0,
        Some(Ok(s)) => s,
        Some(Err(_)) => return error_body(400, "The request is invalid: $skip"),
    };
    if let Some(order) = query_param(request, "$orderby") {
        let mut words = order.split_whitespace();
        let field = words.next().unwrap_or_default();
        let Some(field) = sortable.iter().find(|f| f.eq_ignore_ascii_case(field)) else {
            return error_body(
                400,
                &format!("The request is invalid: cannot order by '{field}'"),
            );
        };
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return error_body(400, "The request is invalid: $orderby"),
        };
        items.sort_by(|a, b| {
            let o = compare(&a[*field], &b[*field]);
            if desc { o.reverse() } else { o }
        });
    }
    let total = items.len();
    let start = skip.min(total);
    let end = start.saturating_add(top).min(total);
    let data: Vec<Value> = items.drain(start..end).collect();
    json_response(
        200,
        &json!({"Data": data, "Meta": {"ResponseCode": 200, "TotalCount": total}}),
    )
}

/// Whether the numeric id `v` is the path segment `id`.
fn id_is(v: &Value, id: &str) -> bool {
    id.parse::<i64>().is_ok_and(|n| v.as_i64() == Some(n))
}

fn one(v: Value) -> ResponseTemplate {
    json_response(200, &json!({"Data": v, "Meta": {"ResponseCode": 200}}))
}

fn not_found() -> ResponseTemplate {
    error_body(404, "Entity is not found.")
}

fn notification_list_item(n: &Value, epoch: bool) -> Value {
    let mut item = project(n, NOTIFICATION_LIST_FIELDS);
    let even = n["Id"].as_i64().is_some_and(|id| id % 2 == 0);
    if epoch
        && even
        && let Some(t) = n["DateTime"]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    {
        item["DateTime"] = Value::from(t.timestamp());
    }
    item
}

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(route) = route(&request.method, request.url.path()) else {
            return ResponseTemplate::new(crate::fake::UNEXPECTED_STATUS);
        };
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{TOKEN_ID}:{TOKEN_SECRET}"))
        );
        let presented = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if presented != Some(expected.as_str()) {
            return error_body(401, "Unauthorized");
        }
        let mut st = lock(&self.state);
        let data = &st.data;
        match route {
            Route::Organizations => page(
                request,
                data.organizations.clone(),
                &["Id", "Name", "HasCustomFields", "PsaMappingId"],
            ),
            Route::Organization(id) => data
                .organizations
                .iter()
                .find(|o| id_is(&o["Id"], &id))
                .map_or_else(not_found, |o| one(o.clone())),
            Route::Devices => page(
                request,
                data.devices
                    .iter()
                    .map(|d| project(d, DEVICE_LIST_FIELDS))
                    .collect(),
                &[
                    "Identifier",
                    "Name",
                    "GroupId",
                    "SiteId",
                    "OrganizationId",
                    "OrganizationName",
                ],
            ),
            Route::Device(id) => data
                .devices
                .iter()
                .find(|d| d["Identifier"] == id.as_str())
                .map_or_else(not_found, |d| one(d.clone())),
            Route::DeviceNotifications(id) => {
                if !data.devices.iter().any(|d| d["Identifier"] == id.as_str()) {
                    return not_found();
                }
                page(
                    request,
                    data.notifications
                        .iter()
                        .filter(|n| n["ComputerIdentifier"] == id.as_str())
                        .map(|n| project(n, NOTIFICATION_LIST_FIELDS))
                        .collect(),
                    NOTIFICATION_LIST_FIELDS,
                )
            }
            Route::Assets => page(
                request,
                data.assets.clone(),
                &["Identifier", "Name", "GroupName", "SiteId"],
            ),
            Route::Notifications => page(
                request,
                data.notifications
                    .iter()
                    .map(|n| notification_list_item(n, st.epoch_in_list))
                    .collect(),
                NOTIFICATION_LIST_FIELDS,
            ),
            Route::Notification(id) => data
                .notifications
                .iter()
                .find(|n| id_is(&n["Id"], &id))
                .map_or_else(not_found, |n| one(n.clone())),
            Route::DeleteNotification(id) => {
                let Some(pos) = st
                    .data
                    .notifications
                    .iter()
                    .position(|n| id_is(&n["Id"], &id))
                else {
                    return not_found();
                };
                let removed = st.data.notifications.remove(pos);
                if let Some(n) = removed["Id"].as_i64() {
                    st.deleted.push(n);
                }
                json_response(200, &json!({"Meta": {"ResponseCode": 200}}))
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
        let d = KaseyaData::generate_for(&names, 40, 30, 3);
        assert_eq!(d.organizations.len(), 2);
        assert_eq!(d.devices.len(), 40);
        assert_eq!(d.assets.len(), 40);
        assert_eq!(d.notifications.len(), 30);
        for p in PRIORITIES {
            assert!(d.notifications.iter().any(|n| n["Priority"] == *p), "{p}");
        }
        for n in &d.notifications {
            let dev = n["ComputerIdentifier"].as_str().unwrap();
            assert!(d.organization_of(dev).is_some());
        }
        let g = KaseyaData::generate_for(&names, 40, 30, 3);
        assert_eq!(g.notifications, d.notifications, "deterministic");
        assert!(KaseyaData::generate(0, 0, 0, 1).organizations.is_empty());
    }

    #[test]
    fn list_items_carry_only_the_list_fields_and_epoch_on_even_ids() {
        let d = KaseyaData::small();
        let n = d
            .notifications
            .iter()
            .find(|n| n["Id"].as_i64().unwrap() % 2 == 0)
            .unwrap();
        let item = notification_list_item(n, true);
        assert!(item.get("ComputerIdentifier").is_none());
        assert!(item["DateTime"].is_number());
        assert!(notification_list_item(n, false)["DateTime"].is_string());
    }
}
