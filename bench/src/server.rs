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

mod pages;
pub use pages::*;

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

#[cfg(test)]
mod tests;
