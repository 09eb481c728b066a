//! What the fake Datto RMM serves and how it answers: the OAuth password
//! grant, Bearer tokens, the `pageDetails` envelope with absolute
//! `nextPageUrl`s, Spring error bodies.

use serde_json::{Map, Value, json};
use wiremock::ResponseTemplate;
use wiremock::http::Method;

use super::{API_KEY, API_SECRET, Datto, DattoData, OAUTH_CLIENT, PAGE_MAX, TOKEN_EXPIRES_IN};
use crate::fake::paging::{Others, Page, page_url};
use crate::fake::{RequestView, Vendor, basic_header, data_now, decode_segment};

/// A request the fake serves.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Token,
    Account,
    Pagination,
    List(&'static str),
    Site(String),
    SiteDevices(String),
    Resolve(String),
    Mute(String),
}

/// Spring's JSON, as Datto RMM labels it.
fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    crate::fake::json_as(status, body, "application/json;charset=UTF-8")
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

/// Whether `uid` is what Datto's server takes for a UUID: 36 characters,
/// hyphens at 8, 13, 18 and 23, hex digits elsewhere.
pub(super) fn is_guid(uid: &str) -> bool {
    uid.len() == 36
        && uid.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

impl Datto {
    /// The account's page maximum.
    fn page_max(&self) -> usize {
        self.page_max.unwrap_or(PAGE_MAX) as usize
    }

    fn token(&mut self, request: &RequestView<'_>) -> ResponseTemplate {
        let (client, secret) = OAUTH_CLIENT;
        if request.header("authorization") != Some(basic_header(client, secret).as_str()) {
            return oauth_error(
                401,
                "unauthorized",
                "Full authentication is required to access this resource",
            );
        }
        let form: Map<String, Value> = url::form_urlencoded::parse(request.body())
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
        self.tokens_issued += 1;
        let token = format!("datto-token-{}", self.tokens_issued);
        self.current_token = Some(token.clone());
        self.token_calls_left = None;
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

    /// The 401 to answer unless the request carries the token in force;
    /// a call that passes counts against
    /// [`expire_token_after`](crate::datto::DattoFake::expire_token_after).
    fn refuse_token(&mut self, request: &RequestView<'_>) -> Option<ResponseTemplate> {
        let presented = request.bearer_tokens().next();
        let valid = match (presented, self.current_token.as_deref()) {
            (Some(p), Some(c)) => p == c,
            _ => false,
        };
        if !valid {
            return Some(oauth_error(
                401,
                "invalid_token",
                "Invalid access token: the token is unknown or has expired",
            ));
        }
        match self.token_calls_left {
            Some(0) => {
                self.current_token = None;
                self.token_calls_left = None;
                return Some(oauth_error(
                    401,
                    "invalid_token",
                    "Access token expired: the token has expired",
                ));
            }
            Some(n) => self.token_calls_left = Some(n - 1),
            None => {}
        }
        None
    }

    fn page(&self, data: &DattoData, request: &RequestView<'_>, list: &str) -> ResponseTemplate {
        let path = request.path();
        let invalid = || spring_error(400, "Bad Request", "Request is invalid.", path);
        let number: usize = match request.query("page").map(str::parse::<usize>) {
            None => 0,
            Some(Ok(p)) => p,
            Some(Err(_)) => return invalid(),
        };
        let max: usize = match request.query("max").map(str::parse::<usize>) {
            None => self.page_max(),
            Some(Ok(m)) if m > 0 => m.min(self.page_max()),
            Some(_) => return invalid(),
        };
        let (key, items): (&str, Vec<&Value>) = match list {
            "sites" => ("sites", data.sites.iter().collect()),
            "devices" => ("devices", data.devices.iter().collect()),
            "open" => ("alerts", data.open_alerts()),
            _ => ("alerts", data.resolved_alerts()),
        };
        let page = Page::by_number(items.len(), number, 0, max);
        let origin = self.next_url_origin.as_deref().unwrap_or(request.origin());
        // Datto builds its page URLs afresh: `max` and `page`, nothing else.
        let url_for = |p: usize, with_max: bool| {
            let mut set = vec![("page", p.to_string())];
            if with_max {
                set.insert(0, ("max", max.to_string()));
            }
            page_url(origin, request, &set, Others::Dropped)
        };
        let next = if page.has_next() {
            Value::from(url_for(number + 1, !self.next_url_drops_max))
        } else {
            Value::Null
        };
        let prev = if number > 0 {
            Value::from(url_for(number - 1, true))
        } else {
            Value::Null
        };
        let mut details = json!({
            "count": page.len(),
            "totalCount": page.total,
            "prevPageUrl": prev,
            "nextPageUrl": next,
        });
        if self.omit_total_count
            && let Some(d) = details.as_object_mut()
        {
            d.remove("totalCount");
        }
        let mut body = Map::new();
        body.insert("pageDetails".into(), details);
        body.insert(
            key.into(),
            Value::Array(page.items(&items).into_iter().cloned().collect()),
        );
        json_response(200, &Value::Object(body))
    }
}

impl Vendor for Datto {
    type Data = DattoData;
    type Route = Route;
    const NAME: &'static str = "vectis-testkit Datto RMM API v2";

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

    fn small() -> DattoData {
        DattoData::small()
    }

    fn answer(
        &mut self,
        data: &mut DattoData,
        route: Route,
        request: &RequestView<'_>,
    ) -> ResponseTemplate {
        if route == Route::Token {
            return self.token(request);
        }
        if let Some(unauthorized) = self.refuse_token(request) {
            return unauthorized;
        }
        let path = request.path();
        match route {
            // Answered above, before the Bearer check.
            Route::Token => ResponseTemplate::new(crate::fake::UNEXPECTED_STATUS),
            Route::Account => json_response(200, &data.account),
            Route::Pagination => json_response(200, &json!({"max": self.page_max()})),
            Route::List(list) => self.page(data, request, list),
            Route::Site(uid) | Route::SiteDevices(uid) if !is_guid(&uid) => {
                self.bad_site_calls.push(uid);
                spring_error(500, "Internal Server Error", "Invalid UUID string", path)
            }
            Route::Site(uid) => match data.sites.iter().find(|s| s["uid"] == uid.as_str()) {
                Some(s) => json_response(200, s),
                None => spring_error(404, "Not Found", "Site was not found.", path),
            },
            Route::SiteDevices(uid) => {
                let devices: Vec<Value> = data
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
                match data
                    .alerts
                    .iter_mut()
                    .find(|a| a["alertUid"] == uid.as_str())
                {
                    Some(a) => {
                        a["resolved"] = Value::Bool(true);
                        a["resolvedBy"] = Value::from("API");
                        a["resolvedOn"] = Value::from(now);
                        self.resolved.push(uid);
                        json_response(200, &json!({}))
                    }
                    None => spring_error(404, "Not Found", "Alert was not found.", path),
                }
            }
            Route::Mute(uid) => {
                // Muting was removed in 8.9.0: 200, and nothing happens.
                self.mutes.push(uid);
                json_response(200, &json!({}))
            }
        }
    }
}
