//! A lean loopback HTTP/1.1 server that speaks just enough of Atera's,
//! Datto RMM's, ConnectWise's and Kaseya VSA X's device listings for the
//! benchmark.
//!
//! Pages are built lazily from the page number (or `pageId`), so a
//! 1M-device tenant costs the server nothing to hold. Everything a scenario
//! needs is in the path, so one server serves every run:
//!
//! ```text
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/api/v3/agents?page=N&itemsInPage=S
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/api/v3/customers?page=N&itemsInPage=S
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/api/v3/alerts?alertStatus=Open|Resolved&page=N&itemsInPage=S
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/v4_6_release/apis/3.0/company/configurations?pageSize=S[&pageId=ID]
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/auth/oauth/token            (Datto; not counted)
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/api/v2/system/pagination    → {"max":250}
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/api/v2/account/devices?page=N&max=S
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/api/v3/devices?$top=S&$skip=K   (Kaseya)
//! /b/{run}/{devices}/{latency_ms}/{quota_per_s}/api/v3/assets?$top=S&$skip=K    (Kaseya)
//! /stats/{run}   → {"requests":N,"throttled":M}
//! ```
//!
//! An Atera tenant of `devices` agents also has `devices / 20` customers
//! and `devices / 8` open and as many resolved alerts (20,000 devices: 1,000
//! customers, 2,500 + 2,500 alerts), so a whole `sync atera` runs against it.
//!
//! `quota_per_s` is enforced over a rolling one-second window (0 = off):
//! a request that would be one too many is answered 429 with
//! `Retry-After: 1` and counted. Every answer, 429s included, is delayed to
//! `latency_ms` after the request arrived. Credentials are not checked: the
//! benchmark measures paging, not authentication.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Atera's largest page.
pub const ATERA_MAX_PAGE: u64 = 50;
/// ConnectWise's largest page.
pub const CONNECTWISE_MAX_PAGE: u64 = 1000;
/// Datto RMM's largest page (what `/system/pagination` answers).
pub const DATTO_MAX_PAGE: u64 = 250;
/// Kaseya VSA X's largest page (`$top`).
pub const KASEYA_MAX_PAGE: u64 = 100;
/// The codebase in the benchmark's ConnectWise URLs.
pub const CODEBASE: &str = "v4_6_release";

/// Requests and 429s the server counted for one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// Requests received (429s included).
    pub requests: u64,
    /// Requests answered 429.
    pub throttled: u64,
}

#[derive(Default)]
struct Tenant {
    window: VecDeque<Instant>,
    stats: Stats,
}

/// The server's counters, one entry per run, and its alarm clock.
#[derive(Default)]
struct State {
    runs: Mutex<HashMap<String, Tenant>>,
    alarm: Alarm,
}

/// Wakes answers at their deadline to within about 0.1 ms, from a thread of
/// its own. tokio's timer rounds a sleep up to its next millisecond tick and
/// wakes on the runtime's next turn: an answer due 50 ms after its request
/// left after 51.5 ms (measured with curl), 3 % that a latency-bound
/// measurement would count against the client.
struct Alarm {
    tx: Mutex<std::sync::mpsc::Sender<(Instant, tokio::sync::oneshot::Sender<()>)>>,
}

impl Default for Alarm {
    fn default() -> Alarm {
        let (tx, rx) = std::sync::mpsc::channel::<(Instant, tokio::sync::oneshot::Sender<()>)>();
        std::thread::spawn(move || {
            let mut due: Vec<(Instant, tokio::sync::oneshot::Sender<()>)> = Vec::new();
            loop {
                let now = Instant::now();
                let mut i = 0;
                while i < due.len() {
                    if due[i].0 <= now {
                        let (_, wake) = due.swap_remove(i);
                        let _ = wake.send(());
                    } else {
                        i += 1;
                    }
                }
                let next = due.iter().map(|(at, _)| *at).min();
                let got = match next {
                    Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
                    None => rx
                        .recv()
                        .map_err(|_| std::sync::mpsc::RecvTimeoutError::Disconnected),
                };
                match got {
                    Ok(entry) => due.push(entry),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
        });
        Alarm { tx: Mutex::new(tx) }
    }
}

impl Alarm {
    /// Resolves at `at` (at once if it has passed or the alarm thread is gone).
    async fn until(&self, at: Instant) {
        if at <= Instant::now() {
            return;
        }
        let (wake, woken) = tokio::sync::oneshot::channel();
        let sent = {
            let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
            tx.send((at, wake)).is_ok()
        };
        if sent {
            let _ = woken.await;
        } else {
            tokio::time::sleep_until(at.into()).await;
        }
    }
}

/// One answer to write.
struct Reply {
    status: u16,
    link: Option<String>,
    body: String,
    delay: Duration,
}

impl Reply {
    fn json(status: u16, body: String) -> Reply {
        Reply {
            status,
            link: None,
            body,
            delay: Duration::ZERO,
        }
    }
}

/// Serves the benchmark's vendors on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener) -> io::Result<()> {
    let state = Arc::new(State::default());
    loop {
        let (sock, _) = listener.accept().await?;
        sock.set_nodelay(true)?;
        let state = state.clone();
        tokio::spawn(async move {
            // A client hanging up mid-request is not the server's problem.
            let _ = connection(sock, state).await;
        });
    }
}

/// Binds a loopback port and serves on the current runtime; returns the
/// port. For tests and in-process use (the benchmark proper runs the server
/// in a child process, so its memory and CPU are not the client's).
pub async fn spawn() -> io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(serve(listener));
    Ok(port)
}

async fn connection(sock: tokio::net::TcpStream, state: Arc<State>) -> io::Result<()> {
    let (read, mut write) = sock.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let _method = parts.next();
        let target = parts.next().unwrap_or("/").to_string();
        let mut host = String::from("127.0.0.1");
        let mut forward_only = false;
        let mut close = false;
        let mut content_length = 0u64;
        loop {
            line.clear();
            if read.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let Some((name, value)) = l.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("host") {
                host = value.to_string();
            } else if name.eq_ignore_ascii_case("pagination-type") {
                forward_only = value.eq_ignore_ascii_case("forward-only");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            } else if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().unwrap_or(0);
            }
        }
        if content_length > 0 {
            let mut sink = tokio::io::sink();
            tokio::io::copy(&mut (&mut read).take(content_length), &mut sink).await?;
        }
        let arrived = Instant::now();
        let reply = state.handle(&target, &host, forward_only, arrived);
        state.alarm.until(arrived + reply.delay).await;
        let mut head = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\n",
            reply.status,
            reason(reply.status),
            reply.body.len()
        );
        if let Some(link) = &reply.link {
            let _ = write!(head, "link: {link}\r\n");
        }
        if reply.status == 429 {
            head.push_str("retry-after: 1\r\n");
        }
        head.push_str("\r\n");
        write.write_all(head.as_bytes()).await?;
        write.write_all(reply.body.as_bytes()).await?;
        if close {
            return Ok(());
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Bad Request",
    }
}

fn query<'a>(q: &'a str, name: &str) -> Option<&'a str> {
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

fn query_u64(q: &str, name: &str) -> Option<u64> {
    query(q, name).and_then(|v| v.parse().ok())
}

/// An OData-style parameter (`$top`), sent as `$top` or `%24top`.
fn query_dollar_u64(q: &str, name: &str) -> Option<u64> {
    query_u64(q, &format!("${name}")).or_else(|| query_u64(q, &format!("%24{name}")))
}

impl State {
    fn handle(&self, target: &str, host: &str, forward_only: bool, arrived: Instant) -> Reply {
        let (path, q) = target.split_once('?').unwrap_or((target, ""));
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segs.as_slice() {
            ["stats", run] => {
                let runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
                let stats = runs.get(*run).map(|t| t.stats).unwrap_or_default();
                Reply::json(
                    200,
                    serde_json::to_string(&stats).unwrap_or_else(|_| "{}".into()),
                )
            }
            ["b", run, devices, latency, quota, rest @ ..] => {
                let (Ok(devices), Ok(latency), Ok(quota)) =
                    (devices.parse(), latency.parse(), quota.parse::<usize>())
                else {
                    return not_found();
                };
                let delay = Duration::from_millis(latency);
                let prefix = format!("http://{host}/b/{run}/{devices}/{latency}/{quota}");
                if rest == ["auth", "oauth", "token"] {
                    // Datto's token endpoint: outside the read quota (as at
                    // Datto) and not counted; the benchmark measures paging.
                    let mut reply = Reply::json(
                        200,
                        r#"{"access_token":"bench-datto-token","token_type":"bearer","expires_in":359999,"scope":"default"}"#.into(),
                    );
                    reply.delay = delay;
                    return reply;
                }
                let mut reply = if self.admit(run, quota, arrived) {
                    match rest {
                        ["api", "v2", "system", "pagination"] => {
                            Reply::json(200, format!(r#"{{"max":{DATTO_MAX_PAGE}}}"#))
                        }
                        ["api", "v2", "account", "devices"] => datto_page(&prefix, q, devices),
                        ["api", "v3", "agents"] => {
                            atera_page(&prefix, "agents", q, devices, 0, atera_agent)
                        }
                        ["api", "v3", "customers"] => atera_page(
                            &prefix,
                            "customers",
                            q,
                            atera_customers(devices),
                            0,
                            atera_customer,
                        ),
                        ["api", "v3", "alerts"] => {
                            let alerts = atera_alerts(devices);
                            match query(q, "alertStatus") {
                                Some("Open") => {
                                    atera_page(&prefix, "alerts", q, alerts, 0, atera_open_alert)
                                }
                                Some("Resolved") => {
                                    atera_page(
                                    &prefix,
                                    "alerts",
                                    q,
                                    alerts,
                                    alerts,
                                    atera_resolved_alert,
                                )
                                }
                                _ => Reply::json(
                                    400,
                                    r#"{"title":"alertStatus must be Open or Resolved","status":400}"#
                                        .into(),
                                ),
                            }
                        }
                        ["api", "v3", "devices"] => kaseya_page(q, devices, kaseya_device),
                        ["api", "v3", "assets"] => kaseya_page(q, devices, kaseya_asset),
                        [_, "apis", "3.0", "company", "configurations"] if forward_only => {
                            connectwise_page(&prefix, path, q, devices)
                        }
                        _ => not_found(),
                    }
                } else {
                    Reply::json(
                        429,
                        r#"{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too Many Requests","status":429}"#.into(),
                    )
                };
                reply.delay = delay;
                reply
            }
            _ => not_found(),
        }
    }

    /// Counts the request; `false` when it exceeds the run's quota.
    fn admit(&self, run: &str, quota: usize, now: Instant) -> bool {
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        let t = runs.entry(run.to_string()).or_default();
        t.stats.requests += 1;
        if quota == 0 {
            return true;
        }
        while t
            .window
            .front()
            .is_some_and(|&at| now.duration_since(at) >= Duration::from_secs(1))
        {
            t.window.pop_front();
        }
        if t.window.len() >= quota {
            t.stats.throttled += 1;
            return false;
        }
        t.window.push_back(now);
        true
    }
}

fn not_found() -> Reply {
    Reply::json(404, r#"{"title":"Not Found","status":404}"#.into())
}

/// Customers in an Atera tenant of `devices` agents.
pub fn atera_customers(devices: u64) -> u64 {
    (devices / 20).max(1)
}

/// Open (and as many resolved) alerts in an Atera tenant of `devices`
/// agents.
pub fn atera_alerts(devices: u64) -> u64 {
    devices / 8
}

/// `GET /api/v3/{list}`: Atera's `*DtoPagedResult` over `count` items whose
/// ids start after `offset`, written by `item`. `nextLink` keeps the
/// request's other parameters (`alertStatus`).
fn atera_page(
    prefix: &str,
    list: &str,
    q: &str,
    count: u64,
    offset: u64,
    item: fn(&mut String, u64),
) -> Reply {
    let page = query_u64(q, "page").unwrap_or(1).max(1);
    let size = query_u64(q, "itemsInPage")
        .unwrap_or(20)
        .clamp(1, ATERA_MAX_PAGE);
    let total_pages = count.div_ceil(size);
    let first = (page - 1) * size + 1;
    let last = (page * size).min(count);
    let mut body = String::with_capacity(700 * size as usize + 512);
    body.push_str(r#"{"items":["#);
    for id in first..=last {
        if id > first {
            body.push(',');
        }
        item(&mut body, offset + id);
    }
    let fixed: String = q
        .split('&')
        .filter(|kv| {
            let k = kv.split_once('=').map_or(*kv, |(k, _)| k);
            !kv.is_empty() && k != "page" && k != "itemsInPage"
        })
        .map(|kv| format!("{kv}&"))
        .collect();
    let link = |p: u64| format!("\"{prefix}/api/v3/{list}?{fixed}page={p}&itemsInPage={size}\"");
    let next = if page < total_pages {
        link(page + 1)
    } else {
        "\"\"".into()
    };
    let prev = if page > 1 {
        link(page - 1)
    } else {
        "\"\"".into()
    };
    let _ = write!(
        body,
        r#"],"page":{page},"itemsInPage":{size},"totalItemCount":{count},"totalPages":{total_pages},"prevLink":{prev},"nextLink":{next}}}"#
    );
    Reply::json(200, body)
}

/// One Atera `CustomerDto`.
fn atera_customer(out: &mut String, id: u64) {
    let _ = write!(
        out,
        concat!(
            r#"{{"CustomerID":{id},"CustomerName":"Customer {id}","CreatedOn":"2023-01-02T03:04:05","#,
            r#""LastModified":"2024-05-06T07:08:09","BusinessNumber":null,"Domain":"customer{id}.example","#,
            r#""Address":"{id} Main Street","City":"Springfield","State":"IL","Country":"United States","#,
            r#""Phone":"+1 555 01{p:02}","Fax":null,"Notes":null,"Logo":null,"Links":null,"#,
            r#""Longitude":null,"Latitude":null,"ZipCodeStr":"62701"}}"#
        ),
        id = id,
        p = id % 100,
    );
}

/// One open Atera `AlertDto`.
fn atera_open_alert(out: &mut String, id: u64) {
    atera_alert(out, id, false);
}

/// One resolved (archived) Atera `AlertDto`.
fn atera_resolved_alert(out: &mut String, id: u64) {
    atera_alert(out, id, true);
}

fn atera_alert(out: &mut String, id: u64, archived: bool) {
    let archived_date = if archived {
        r#""2024-05-07T08:09:10""#
    } else {
        "null"
    };
    let agent = id % 997 + 1;
    let customer = (agent - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"AlertID":{id},"Code":1503,"Source":"Disk Usage","Title":"Disk C: free space below 10%","#,
            r#""Severity":"Warning","Created":"2024-05-06T07:08:09","SnoozedEndDate":null,"#,
            r#""DeviceGuid":"6f1c2a3b-4d5e-4f60-8a7b-{agent:012x}","AgentId":{agent},"#,
            r#""AdditionalInfo":null,"Archived":{archived},"AlertCategoryID":"Disk","ArchivedDate":{archived_date},"#,
            r#""TicketID":null,"AlertMessage":"Free space on C: is {n} GB","DeviceName":"WS-{agent:07}","#,
            r#""CustomerID":{c},"CustomerName":"Customer {c}","FolderID":null,"#,
            r#""PollingCyclesCount":3,"DeviceType":"Agent"}}"#
        ),
        id = id,
        agent = agent,
        c = customer,
        n = id % 9 + 1,
        archived = archived,
        archived_date = archived_date,
    );
}

fn atera_agent(out: &mut String, id: u64) {
    let customer = (id - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"MachineID":{id},"AgentID":{id},"DeviceGuid":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","#,
            r#""FolderID":null,"FolderName":null,"CustomerID":{c},"CustomerName":"Customer {c}","#,
            r#""AgentName":"WS-{id:07}","SystemName":"WS-{id:07}","MachineName":"WS-{id:07}","#,
            r#""DomainName":"contoso.local","CurrentLoggedUsers":"jdoe","ComputerDescription":null,"#,
            r#""Monitored":true,"AgentVersion":"2.0.5.42","Favorite":false,"ThresholdID":null,"#,
            r#""MonitoredAgentID":{id},"Created":"2023-01-02T03:04:05","Modified":"2024-05-06T07:08:09","#,
            r#""Online":{online},"LastSeen":"2024-05-06T07:08:09","OS":"Windows 11 Pro","#,
            r#""OSType":"Work Station","OSVersion":"10.0.22631","OSBuild":"22631","#,
            r#""IpAddresses":["10.0.{a}.{b}"],"MacAddresses":["00:1A:2B:{a:02X}:{b:02X}:01"],"#,
            r#""Processor":"Intel(R) Core(TM) i5-1145G7","Memory":16384,"Vendor":"Dell Inc.","#,
            r#""VendorSerialNumber":"SN{id:08}","ReportedFromIP":"203.0.113.7"}}"#
        ),
        id = id,
        c = customer,
        online = !id.is_multiple_of(3),
        a = (id / 254) % 255,
        b = id % 254 + 1,
    );
}

/// `GET /api/v2/account/devices`: Datto RMM's `pageDetails` envelope,
/// pages numbered from 0, absolute `nextPageUrl` (null on the last page).
fn datto_page(prefix: &str, q: &str, devices: u64) -> Reply {
    let page = query_u64(q, "page").unwrap_or(0);
    let size = query_u64(q, "max")
        .unwrap_or(DATTO_MAX_PAGE)
        .clamp(1, DATTO_MAX_PAGE);
    let first = page.saturating_mul(size).saturating_add(1);
    let last = page.saturating_add(1).saturating_mul(size).min(devices);
    let count = (last + 1).saturating_sub(first);
    let mut body = String::with_capacity(1300 * size as usize + 512);
    let link = |p: u64| format!("\"{prefix}/api/v2/account/devices?max={size}&page={p}\"");
    let next = if last < devices {
        link(page + 1)
    } else {
        "null".into()
    };
    let prev = if page > 0 {
        link(page - 1)
    } else {
        "null".into()
    };
    let _ = write!(
        body,
        r#"{{"pageDetails":{{"count":{count},"totalCount":{devices},"prevPageUrl":{prev},"nextPageUrl":{next}}},"devices":["#
    );
    for id in first..=last {
        if id > first {
            body.push(',');
        }
        datto_device(&mut body, id);
    }
    body.push_str("]}");
    Reply::json(200, body)
}

/// One Datto RMM device as the server serves it (also what `bench store`
/// writes for dlt).
pub fn datto_device(out: &mut String, id: u64) {
    let site = (id - 1) / 25 + 1;
    let seen: u64 = 1_714_979_289_000 - (id % 86_400) * 1000;
    let _ = write!(
        out,
        concat!(
            r#"{{"id":{id},"uid":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","siteId":{s},"#,
            r#""siteUid":"0a1b2c3d-4e5f-4a6b-8c7d-{s:012x}","siteName":"Customer {s}","#,
            r#""deviceType":{{"category":"Desktop","type":"Workstation"}},"hostname":"WS-{id:07}","#,
            r#""intIpAddress":"10.0.{a}.{b}","operatingSystem":"Microsoft Windows 11 Pro 23H2","#,
            r#""lastLoggedInUser":"CORP\\jdoe","domain":"CORP","cagVersion":"4.4.2183.2183","#,
            r#""displayVersion":"23H2","extIpAddress":"203.0.113.7","description":null,"a64Bit":true,"#,
            r#""rebootRequired":false,"online":{online},"suspended":false,"deleted":false,"#,
            r#""lastSeen":{seen},"lastReboot":{reboot},"lastAuditDate":{audit},"creationDate":1680000000000,"#,
            r#""udf":{{"udf1":"Asset-{tag:04}","udf2":null}},"snmpEnabled":false,"deviceClass":"device","#,
            r#""portalUrl":"https://merlot.rmm.datto.com/device/{id}","warrantyDate":"2027-03-31","#,
            r#""antivirus":{{"antivirusProduct":"Datto AV","antivirusStatus":"RunningAndUpToDate"}},"#,
            r#""patchManagement":{{"patchStatus":"FullyPatched","patchesApprovedPending":0,"patchesNotApproved":3,"patchesInstalled":57}}}}"#
        ),
        id = id,
        s = site,
        online = !id.is_multiple_of(5),
        seen = seen,
        reboot = seen - 86_400_000,
        audit = seen - 3_600_000,
        tag = id % 10_000,
        a = (id / 254) % 255,
        b = id % 254 + 1,
    );
}

/// `GET /api/v3/devices` or `/api/v3/assets`: VSA X's `Data`/`Meta`
/// envelope, `$top` (at most 100) from `$skip`, `Meta.TotalCount`.
fn kaseya_page(q: &str, devices: u64, item: fn(&mut String, u64)) -> Reply {
    let size = query_dollar_u64(q, "top")
        .unwrap_or(KASEYA_MAX_PAGE)
        .clamp(1, KASEYA_MAX_PAGE);
    let skip = query_dollar_u64(q, "skip").unwrap_or(0);
    let first = skip.saturating_add(1);
    let last = skip.saturating_add(size).min(devices);
    let mut body = String::with_capacity(700 * size as usize + 128);
    body.push_str(r#"{"Data":["#);
    for id in first..=last {
        if id > first {
            body.push(',');
        }
        item(&mut body, id);
    }
    let _ = write!(
        body,
        r#"],"Meta":{{"ResponseCode":200,"TotalCount":{devices}}}}}"#
    );
    Reply::json(200, body)
}

fn kaseya_device(out: &mut String, id: u64) {
    let org = (id - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"Identifier":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","Name":"WS-{id:07}","#,
            r#""GroupId":{g},"GroupName":"Workstations","IsAgentInstalled":true,"IsMdmEnrolled":false,"#,
            r#""SiteId":{s},"SiteName":"Customer {o} HQ","OrganizationId":{o},"OrganizationName":"Customer {o}","#,
            r#""HasCustomFields":false,"Description":"Windows 11 Pro","Uptime":"Up for 3 days","#,
            r#""IsOnline":{online},"ComputerType":"windows","InMaintenance":false,"#,
            r#""ExternalIpAddress":"203.0.113.7","CriticalNotifications":0,"ElevatedNotifications":0,"#,
            r#""NormalNotifications":0,"LowNotifications":0,"ClientVersion":"9.12.3"}}"#
        ),
        id = id,
        o = org,
        g = 3000 + org * 10,
        s = 1000 + org,
        online = !id.is_multiple_of(4),
    );
}

fn kaseya_asset(out: &mut String, id: u64) {
    let org = (id - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"Identifier":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","Name":"WS-{id:07}","#,
            r#""GroupName":"Workstations","Description":"Microsoft Windows 11 Pro 23H2","Tags":[],"#,
            r#""Type":"windows","ClientVersion":"9.12.3","LastUpdated":"2024-05-06T07:08:09Z","#,
            r#""LastSeenOnline":"2024-05-06T07:08:09Z","LastReboot":"2024-05-01T07:08:09Z","#,
            r#""IsOnline":{online},"SiteId":{s},"IpAddresses":["10.0.{a}.{b}"],"CpuUsage":12,"#,
            r#""MemoryUsage":48,"FirewallEnabled":true,"AntivirusEnabled":"yes","AntivirusUpToDate":"yes"}}"#
        ),
        id = id,
        s = 1000 + org,
        online = !id.is_multiple_of(4),
        a = (id / 254) % 255,
        b = id % 254 + 1,
    );
}

/// `GET /company/configurations` with `pagination-type: forward-only`: a
/// bare JSON array, `Link: <…pageId=…>; rel="next"`, an empty `Link` at
/// the end.
fn connectwise_page(prefix: &str, path: &str, q: &str, devices: u64) -> Reply {
    let size = query_u64(q, "pageSize")
        .unwrap_or(25)
        .clamp(1, CONNECTWISE_MAX_PAGE);
    let after = query_u64(q, "pageId").unwrap_or(0);
    let first = after + 1;
    let last = (after + size).min(devices);
    let mut body = String::with_capacity(800 * size as usize + 16);
    body.push('[');
    for id in first..=last {
        if id > first {
            body.push(',');
        }
        connectwise_configuration(&mut body, id);
    }
    body.push(']');
    let rest = path.split_once("/b/").map(|(_, r)| r).unwrap_or(path);
    // `rest` is run/devices/latency/quota/…: the prefix already has the
    // first four.
    let tail: Vec<&str> = rest.split('/').skip(4).collect();
    let link = if last < devices {
        format!(
            "<{prefix}/{}?pageSize={size}&pageId={last}>; rel=\"next\"",
            tail.join("/")
        )
    } else {
        String::new()
    };
    Reply {
        link: Some(link),
        ..Reply::json(200, body)
    }
}

fn connectwise_configuration(out: &mut String, id: u64) {
    let company = (id - 1) / 25 + 1;
    let _ = write!(
        out,
        concat!(
            r#"{{"id":{id},"name":"WS-{id:07}","#,
            r#""type":{{"id":3,"name":"Managed Workstation","_info":{{"type_href":"https://na.myconnectwise.net/v4_6_release/apis/3.0/company/configurations/types/3"}}}},"#,
            r#""status":{{"id":2,"name":"Active","_info":null}},"#,
            r#""company":{{"id":{c},"identifier":"Cust{c}","name":"Customer {c}","_info":{{"company_href":"https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies/{c}"}}}},"#,
            r#""deviceIdentifier":"6f1c2a3b-4d5e-4f60-8a7b-{id:012x}","serialNumber":"PF{id:06X}","#,
            r#""modelNumber":"ThinkPad T14","tagNumber":"Asset-{tag:04}","macAddress":"00:11:22:{a:02x}:{b:02x}:01","#,
            r#""ipAddress":"10.0.{a}.{b}","osType":"Windows 11","osInfo":"Microsoft Windows 11 Pro 23H2","#,
            r#""lastLoginName":"jdoe","activeFlag":true,"billFlag":false,"#,
            r#""warrantyExpirationDate":"2026-01-31T00:00:00Z","questions":[],"#,
            r#""_info":{{"lastUpdated":"2024-03-02T10:11:12Z","updatedBy":"api"}},"customFields":[]}}"#
        ),
        id = id,
        c = company,
        tag = id % 10_000,
        a = (id / 254) % 255,
        b = id % 254 + 1,
    );
}

#[cfg(test)]
mod tests {
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
}
