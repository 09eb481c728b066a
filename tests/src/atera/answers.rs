//! How the fake Atera answers: the `*DtoPagedResult` envelope with
//! absolute links, ASP.NET's query binding and ProblemDetails, the
//! customer and alert filters, resolving an alert.

use std::sync::atomic::Ordering;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use wiremock::ResponseTemplate;

use super::{
    Atera, AteraData, DEFAULT_ITEMS_IN_PAGE, MAX_ITEMS_IN_PAGE, id_of, is_archived,
    parse_timestamp, set,
};
use crate::fake::paging::{Others, Page, page_url};
use crate::fake::{RequestView, Rng};

/// `*DtoPagedResult`, in the spec's property order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PagedResult<'a> {
    /// Borrowed: a page is serialized from the data, not copied first.
    items: Vec<&'a Value>,
    page: i32,
    items_in_page: i32,
    total_item_count: i32,
    total_pages: i32,
    prev_link: Option<String>,
    next_link: Option<String>,
}

pub(super) fn json_response(status: u16, body: &impl Serialize) -> ResponseTemplate {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            ResponseTemplate::new(status).set_body_raw(bytes, "application/json; charset=utf-8")
        }
        Err(_) => ResponseTemplate::new(500),
    }
}

/// The first non-empty value of the query parameter `name`, the name
/// compared case-insensitively: ASP.NET's binding, which takes `?page=` as
/// absent.
fn param<'a>(request: &'a RequestView<'_>, name: &'a str) -> Option<&'a str> {
    request.query_values_any_case(name).find(|v| !v.is_empty())
}

impl Atera {
    fn trace_id(&self) -> String {
        let n = self.trace.fetch_add(1, Ordering::SeqCst) + 1;
        let mut rng = Rng::new(n);
        format!(
            "00-{:016x}{:016x}-{:016x}-00",
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64()
        )
    }

    /// ASP.NET Core `ProblemDetails` with `traceId`.
    fn problem(&self, status: u16, title: &str, extra: Value) -> ResponseTemplate {
        let section = match status {
            400 => "15.5.1",
            404 => "15.5.5",
            409 => "15.5.10",
            _ => "15.6.1",
        };
        let mut body = Map::new();
        body.insert(
            "type".into(),
            Value::from(format!(
                "https://tools.ietf.org/html/rfc9110#section-{section}"
            )),
        );
        body.insert("title".into(), Value::from(title));
        body.insert("status".into(), Value::from(status));
        if let Value::Object(extra) = extra {
            body.extend(extra);
        }
        body.insert("traceId".into(), Value::from(self.trace_id()));
        match serde_json::to_vec(&body) {
            Ok(bytes) => {
                ResponseTemplate::new(status).set_body_raw(bytes, "application/problem+json")
            }
            Err(_) => ResponseTemplate::new(500),
        }
    }

    fn not_found(&self) -> ResponseTemplate {
        self.problem(404, "Not Found", Value::Null)
    }

    fn bad_request(&self, detail: &str) -> ResponseTemplate {
        self.problem(400, "Bad Request", json!({ "detail": detail }))
    }

    /// What ASP.NET's model binding answers for a value it cannot convert.
    fn invalid_value(&self, name: &str, value: &str) -> ResponseTemplate {
        self.problem(
            400,
            "One or more validation errors occurred.",
            json!({ "errors": { name: [format!("The value '{value}' is not valid.")] } }),
        )
    }

    fn int_param(
        &self,
        request: &RequestView<'_>,
        name: &str,
    ) -> Result<Option<i32>, Box<ResponseTemplate>> {
        match param(request, name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i32>()
                .map(Some)
                .map_err(|_| Box::new(self.invalid_value(name, v))),
        }
    }

    pub(super) fn id(&self, raw: &str, name: &str) -> Result<i64, Box<ResponseTemplate>> {
        raw.parse::<i64>()
            .map_err(|_| Box::new(self.invalid_value(name, raw)))
    }

    /// Absolute URL of `page`: this server's origin, the request's path and
    /// query with only `page` changed in place (added if the request had
    /// none).
    fn link(request: &RequestView<'_>, page: i32) -> String {
        let set = [("page", page.to_string())];
        page_url(request.origin(), request, &set, Others::InPlace)
    }

    pub(super) fn paged(&self, request: &RequestView<'_>, items: &[&Value]) -> ResponseTemplate {
        let page = match self.int_param(request, "page") {
            Ok(p) => p.unwrap_or(1),
            Err(e) => return *e,
        };
        let size = match self.int_param(request, "itemsInPage") {
            Ok(s) => s.unwrap_or(DEFAULT_ITEMS_IN_PAGE),
            Err(e) => return *e,
        };
        if page < 1 {
            return self.bad_request("page must be 1 or more.");
        }
        if size < 1 {
            return self.bad_request(&format!(
                "itemsInPage must be between 1 and {MAX_ITEMS_IN_PAGE}."
            ));
        }
        let size = size.min(MAX_ITEMS_IN_PAGE);
        let size_u = size as usize;
        let cut = Page::by_number(items.len(), page as usize, 1, size_u);
        let absent = if self.null_links {
            None
        } else {
            Some(String::new())
        };
        let next_link = if cut.has_next() {
            Some(Self::link(request, page + 1))
        } else {
            absent.clone()
        };
        let prev_link = if page > 1 {
            Some(Self::link(request, page - 1))
        } else {
            absent
        };
        json_response(
            200,
            &PagedResult {
                items: cut.items(items),
                page,
                items_in_page: size,
                total_item_count: i32::try_from(cut.total).unwrap_or(i32::MAX),
                total_pages: i32::try_from(Page::count(cut.total, size_u)).unwrap_or(i32::MAX),
                prev_link,
                next_link,
            },
        )
    }

    pub(super) fn customers(
        &self,
        data: &AteraData,
        request: &RequestView<'_>,
    ) -> ResponseTemplate {
        let since = match param(request, "FromLastModifiedDate") {
            None => None,
            Some(raw) => {
                let parsed = if raw.len() == 10 {
                    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                } else {
                    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok()
                };
                match parsed {
                    Some(t) => Some(t),
                    None => {
                        return self.bad_request(&format!(
                            "Invalid FromLastModifiedDate '{raw}'. Use yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss (no time zone offset)."
                        ));
                    }
                }
            }
        };
        let by_modified = match param(request, "SortBy") {
            None => false,
            Some(s) if s.eq_ignore_ascii_case("Creation") => false,
            Some(s) if s.eq_ignore_ascii_case("LastModified") => true,
            Some(s) => return self.invalid_value("SortBy", s),
        };
        let modified = |c: &Value| {
            c.get("LastModified")
                .and_then(Value::as_str)
                .and_then(parse_timestamp)
        };
        let mut items: Vec<&Value> = data
            .customers
            .iter()
            .filter(|c| match since {
                None => true,
                Some(t) => modified(c).is_some_and(|m| m >= t),
            })
            .collect();
        if by_modified {
            items.sort_by_key(|c| (modified(c), id_of(c, "CustomerID")));
        }
        self.paged(request, &items)
    }

    pub(super) fn alerts(&self, data: &AteraData, request: &RequestView<'_>) -> ResponseTemplate {
        let filter: fn(&Value) -> bool = match param(request, "alertStatus") {
            None => |_| true,
            Some(s) if s.eq_ignore_ascii_case("Open") || s == "0" => |a| !is_archived(a),
            Some(s) if s.eq_ignore_ascii_case("Resolved") || s == "1" => is_archived,
            // The fake never snoozes alerts.
            Some(s) if s.eq_ignore_ascii_case("Snoozed") || s == "2" => |_| false,
            Some(s) => return self.invalid_value("alertStatus", s),
        };
        let items: Vec<&Value> = data.alerts.iter().filter(|a| filter(a)).collect();
        self.paged(request, &items)
    }

    pub(super) fn one(
        &self,
        items: &[Value],
        key: &str,
        raw: &str,
        name: &str,
    ) -> ResponseTemplate {
        let id = match self.id(raw, name) {
            Ok(id) => id,
            Err(e) => return *e,
        };
        match items.iter().find(|v| id_of(v, key) == Some(id)) {
            Some(v) => json_response(200, v),
            None => self.not_found(),
        }
    }

    pub(super) fn resolve(&mut self, data: &mut AteraData, raw: &str) -> ResponseTemplate {
        let id = match self.id(raw, "alertId") {
            Ok(id) => id,
            Err(e) => return *e,
        };
        let Some(alert) = data
            .alerts
            .iter_mut()
            .find(|a| id_of(a, "AlertID") == Some(id))
        else {
            return self.not_found();
        };
        if !is_archived(alert) {
            let now = Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            set(alert, "Archived", Value::from(true));
            set(alert, "ArchivedDate", Value::from(now));
        }
        self.resolved.push(id);
        ResponseTemplate::new(204)
    }
}
