//! What the fake VSA X serves and how it answers: routes, Basic auth, the
//! `{"Data", "Meta"}` envelope, OData `$top` / `$skip` / `$orderby`.

use chrono::DateTime;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::http::Method;

use super::{Kaseya, KaseyaData, MAX_TOP, TOKEN_ID, TOKEN_SECRET};
use crate::fake::paging::Page;
use crate::fake::{RequestView, Vendor, basic_header, decode_segment};

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

/// A request the fake serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
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

/// JSON as VSA X labels it.
fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    crate::fake::json_as(status, body, "application/json; charset=utf-8")
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
fn page(request: &RequestView<'_>, mut items: Vec<Value>, sortable: &[&str]) -> ResponseTemplate {
    if request.query("$filter").is_some() {
        return error_body(
            400,
            "vectis-testkit: the Kaseya fake does not evaluate $filter",
        );
    }
    let top = match request.query("$top").map(|t| t.trim().parse::<usize>()) {
        None => MAX_TOP,
        Some(Ok(t)) => t.min(MAX_TOP),
        Some(Err(_)) => return error_body(400, "The request is invalid: $top"),
    };
    let skip = match request.query("$skip").map(|s| s.trim().parse::<usize>()) {
        None => 0,
        Some(Ok(s)) => s,
        Some(Err(_)) => return error_body(400, "The request is invalid: $skip"),
    };
    if let Some(order) = request.query("$orderby") {
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
    let page = Page::by_offset(items.len(), skip, top);
    json_response(
        200,
        &json!({"Data": page.items(&items), "Meta": {"ResponseCode": 200, "TotalCount": page.total}}),
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

impl Vendor for Kaseya {
    type Data = KaseyaData;
    type Route = Route;
    const NAME: &'static str = "vectis-testkit Kaseya VSA X API v3";

    fn route(method: &Method, path: &str) -> Option<Route> {
        let rest = path.strip_prefix("/api/v3/")?;
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let get = *method == Method::GET;
        Some(match (get, parts.as_slice()) {
            (true, ["organizations"]) => Route::Organizations,
            (true, ["organizations", id]) => Route::Organization(decode_segment(id)),
            (true, ["devices"]) => Route::Devices,
            (true, ["devices", id]) => Route::Device(decode_segment(id)),
            (true, ["devices", id, "notifications"]) => {
                Route::DeviceNotifications(decode_segment(id))
            }
            (true, ["assets"]) => Route::Assets,
            (true, ["notifications"]) => Route::Notifications,
            (true, ["notifications", id]) => Route::Notification(decode_segment(id)),
            (false, ["notifications", id]) if *method == Method::DELETE => {
                Route::DeleteNotification(decode_segment(id))
            }
            _ => return None,
        })
    }

    fn small() -> KaseyaData {
        KaseyaData::small()
    }

    fn answer(
        &mut self,
        data: &mut KaseyaData,
        route: Route,
        request: &RequestView<'_>,
    ) -> ResponseTemplate {
        let expected = basic_header(TOKEN_ID, TOKEN_SECRET);
        if request.header("authorization") != Some(expected.as_str()) {
            return error_body(401, "Unauthorized");
        }
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
                    .map(|n| notification_list_item(n, !self.iso_in_list))
                    .collect(),
                NOTIFICATION_LIST_FIELDS,
            ),
            Route::Notification(id) => data
                .notifications
                .iter()
                .find(|n| id_is(&n["Id"], &id))
                .map_or_else(not_found, |n| one(n.clone())),
            Route::DeleteNotification(id) => {
                let Some(pos) = data.notifications.iter().position(|n| id_is(&n["Id"], &id)) else {
                    return not_found();
                };
                let removed = data.notifications.remove(pos);
                if let Some(n) = removed["Id"].as_i64() {
                    self.deleted.push(n);
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
