//! How the fake ConnectWise answers: lists filtered by `conditions`, sorted
//! by `orderBy` and paged navigably (`Link` with first/prev/next/last) or
//! forward-only (`pageId`), single records, ticket creation (with scripted
//! failures), status patches and notes.

use chrono::Duration;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use super::conditions::{self, Expr};
use super::data::company_ref;
use super::paging::{by_number, page_size};
use super::routes::{error, json_response};
use super::{
    API_MEMBER, CODEBASE, COMPANY_ID, ConnectWise, ConnectWiseData, PostFailure, Table, data_now,
    insert_sorted, iso, next_id, note, set,
};
use crate::fake::RequestView;
use crate::fake::paging::{Others, Page, link_header, page_url};

/// The request's `conditions`, parsed (`None` when absent or blank); `Err`
/// is the 400 `InvalidObject` a bad one gets.
pub(super) fn filter_of(request: &RequestView<'_>) -> Result<Option<Expr>, Box<ResponseTemplate>> {
    match request
        .query_any_case("conditions")
        .filter(|c| !c.trim().is_empty())
    {
        Some(c) => conditions::parse(c).map(Some).map_err(|why| {
            Box::new(error(
                400,
                "InvalidObject",
                &format!("conditions: {why}"),
                Value::Null,
            ))
        }),
        None => Ok(None),
    }
}

impl ConnectWise {
    pub(super) fn company_info(company: &str) -> ResponseTemplate {
        if company.eq_ignore_ascii_case(COMPANY_ID) {
            json_response(
                200,
                &json!({"CompanyName": "Contoso MSP", "Codebase": format!("{CODEBASE}/"), "VersionCode": "v2025.1",
                    "VersionNumber": "v4.6", "CompanyID": COMPANY_ID, "IsCloud": true, "SiteUrl": "na.myconnectwise.net"}),
            )
        } else {
            json_response(200, &Value::Null)
        }
    }

    pub(super) fn list(
        &mut self,
        data: &mut ConnectWiseData,
        request: &RequestView<'_>,
        table: Table,
    ) -> ResponseTemplate {
        let filter = match filter_of(request) {
            Ok(f) => f,
            Err(e) => return *e,
        };
        let size = page_size(request);
        let mut rows: Vec<&Value> = data
            .table(table)
            .iter()
            .filter(|r| filter.as_ref().is_none_or(|f| f.eval(r)))
            .collect();
        let others = if self.links_drop_query {
            Others::Dropped
        } else {
            Others::Last
        };
        let url = |set: &[(&str, String)]| page_url(request.origin(), request, set, others);
        let forward_only = request
            .header("pagination-type")
            .is_some_and(|v| v.eq_ignore_ascii_case("forward-only"));
        let (page, link) = if forward_only {
            let after = request
                .query_any_case("pageId")
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            rows.retain(|r| r["id"].as_i64().unwrap_or(0) > after);
            let cut = Page::by_offset(rows.len(), 0, size);
            let page: Vec<Value> = cut.items(&rows).into_iter().cloned().collect();
            let link = match page.last().and_then(|r| r["id"].as_i64()) {
                Some(last) if cut.has_next() => {
                    link_header(&[("next", url(&[("pageId", last.to_string())]))])
                }
                _ => String::new(),
            };
            (page, Some(link))
        } else {
            if let Some(order) = request.query_any_case("orderBy") {
                let mut parts = order.split_whitespace();
                let field = parts.next().unwrap_or("id").to_string();
                let desc = parts.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                rows.sort_by(|a, b| {
                    let o = conditions::compare_fields(a, b, &field);
                    if desc { o.reverse() } else { o }
                });
            }
            by_number(request, &rows, size, others)
        };
        // Count the page and apply inserts due after it.
        let i = table as usize;
        self.pages_served[i] += 1;
        let served = self.pages_served[i];
        let due: Vec<Value> = self
            .inserts
            .iter()
            .filter(|(t, at, _)| *t == table && *at == served)
            .map(|(_, _, r)| r.clone())
            .collect();
        self.inserts
            .retain(|(t, at, _)| !(*t == table && *at == served));
        for r in due {
            insert_sorted(data.table_mut(table), r);
        }
        let mut resp = json_response(200, &Value::Array(page));
        if let Some(l) = link {
            resp = resp.insert_header("Link", l.as_str());
        }
        resp
    }

    pub(super) fn create_ticket(
        &mut self,
        data: &mut ConnectWiseData,
        request: &RequestView<'_>,
    ) -> ResponseTemplate {
        let failure = self.post_failures.pop_front();
        if let Some(PostFailure::StatusBeforeCreate(s)) = failure {
            return error(s, "ServerError", "An error occurred.", Value::Null);
        }
        let Ok(body) = serde_json::from_slice::<Value>(request.body()) else {
            return error(
                400,
                "InvalidObject",
                "ticket object is invalid",
                json!([{"code": "InvalidJson", "message": "The request body is not valid JSON.", "resource": "ticket"}]),
            );
        };
        let invalid = |code: &str, message: String, field: &str| {
            error(
                400,
                "InvalidObject",
                "ticket object is invalid",
                json!([{"code": code, "message": message, "resource": "ticket", "field": field}]),
            )
        };
        let summary = body["summary"].as_str().unwrap_or("").to_string();
        if summary.trim().is_empty() {
            return invalid(
                "MissingRequiredField",
                "The summary field is required.".into(),
                "summary",
            );
        }
        if summary.chars().count() > 100 {
            return invalid(
                "MaxLengthField",
                "The field summary must be a string with a maximum length of 100.".into(),
                "summary",
            );
        }
        let company = data.companies.iter().find(|c| {
            (body["company"]["id"].is_i64() && c["id"] == body["company"]["id"])
                || body["company"]["identifier"].as_str().is_some_and(|i| {
                    c["identifier"]
                        .as_str()
                        .is_some_and(|ci| ci.eq_ignore_ascii_case(i))
                })
        });
        let Some(company) = company.cloned() else {
            return invalid(
                "NotFound",
                format!("Company {} not found", body["company"]),
                "company",
            );
        };
        // `Err` holds the field that names nothing known.
        let pick = |list: &[Value], key: &str| -> Result<Option<Value>, String> {
            let r = &body[key];
            if r.is_null() {
                return Ok(None);
            }
            list.iter()
                .find(|x| {
                    (r["id"].is_i64() && x["id"] == r["id"])
                        || r["name"].as_str().is_some_and(|n| {
                            x["name"]
                                .as_str()
                                .is_some_and(|xn| xn.eq_ignore_ascii_case(n))
                        })
                })
                .cloned()
                .map(Some)
                .ok_or_else(|| key.to_string())
        };
        let missing = |key: String| {
            invalid(
                "NotFound",
                format!("{key} {} not found", body[key.as_str()]),
                &format!("{key}/id"),
            )
        };
        let board = match pick(&data.boards, "board") {
            Ok(b) => b.unwrap_or_else(|| json!({"id": 1, "name": "Help Desk"})),
            Err(key) => return missing(key),
        };
        let status = match pick(&data.statuses, "status") {
            Ok(s) => s.unwrap_or_else(|| json!({"id": 16, "name": "New", "sort": 0})),
            Err(key) => return missing(key),
        };
        let priority = match pick(&data.priorities, "priority") {
            Ok(p) => p.unwrap_or_else(|| json!({"id": 4, "name": "Priority 3 - Normal Response", "sort": 6, "level": "Medium"})),
            Err(key) => return missing(key),
        };
        let id = next_id(&data.tickets).max(4201);
        let now = iso(data_now() + Duration::seconds(self.created.len() as i64 + 1));
        let ticket = json!({
            "id": id,
            "summary": summary,
            "recordType": "ServiceTicket",
            "board": {"id": board["id"], "name": board["name"], "_info": {"board_href": format!("https://na.myconnectwise.net/v4_6_release/apis/3.0/service/boards/{}", board["id"])}},
            "status": {"id": status["id"], "name": status["name"], "sort": status["sort"], "_info": null},
            "company": company_ref(&company, false),
            "priority": {"id": priority["id"], "name": priority["name"], "sort": priority["sort"], "level": priority["level"], "_info": null},
            "severity": "Medium",
            "impact": "Medium",
            "externalXRef": body["externalXRef"].clone(),
            "closedFlag": false,
            "closedDate": null,
            "customFields": [],
            "_info": {"lastUpdated": now, "updatedBy": "apiuser", "dateEntered": now, "enteredBy": "apiuser",
                "notes_href": format!("https://na.myconnectwise.net/v4_6_release/apis/3.0/service/tickets/{id}/notes")},
        });
        data.tickets.push(ticket.clone());
        self.created.push(id);
        match failure {
            Some(PostFailure::StatusAfterCreate(s)) => ResponseTemplate::new(s).set_body_raw(
                "<html><body><h1>504 Gateway Time-out</h1></body></html>",
                "text/html",
            ),
            Some(PostFailure::DelayAfterCreate(d)) => json_response(201, &ticket).set_delay(d),
            Some(PostFailure::TruncatedAfterCreate) => {
                let text = ticket.to_string();
                let mut cut = text.len() / 2;
                while cut > 0 && !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                ResponseTemplate::new(201).set_body_raw(
                    text.get(..cut).unwrap_or_default().to_owned(),
                    "application/json",
                )
            }
            _ => json_response(201, &ticket),
        }
    }
}

impl ConnectWiseData {
    /// The index of the ticket `id` (a path segment), if there is one.
    pub(super) fn ticket_index(&self, id: &str) -> Option<usize> {
        let n = id.parse::<i64>().ok()?;
        self.tickets
            .iter()
            .position(|t| t["id"].as_i64() == Some(n))
    }

    pub(super) fn one(&self, table: Table, raw: &str) -> ResponseTemplate {
        let noun = match table {
            Table::Companies => "Company",
            Table::Configurations => "Configuration",
            Table::Tickets => "Ticket",
        };
        let found = raw.parse::<i64>().ok().and_then(|id| {
            self.table(table)
                .iter()
                .find(|r| r["id"].as_i64() == Some(id))
        });
        match found {
            Some(r) => json_response(200, r),
            None => error(
                404,
                "NotFound",
                &format!("{noun} with id {raw} not found."),
                Value::Null,
            ),
        }
    }

    pub(super) fn add_note(&mut self, request: &RequestView<'_>, id: &str) -> ResponseTemplate {
        let Some(i) = self.ticket_index(id) else {
            return ticket_not_found(id);
        };
        let body: Value = serde_json::from_slice(request.body()).unwrap_or(Value::Null);
        let text = body["text"].as_str().unwrap_or("");
        if text.trim().is_empty() {
            return error(
                400,
                "InvalidObject",
                "note object is invalid",
                json!([{"code": "MissingRequiredField", "message": "The text field is required.", "resource": "note", "field": "text"}]),
            );
        }
        let flags = [
            "detailDescriptionFlag",
            "internalAnalysisFlag",
            "resolutionFlag",
        ];
        if !flags.iter().any(|f| body[*f] == json!(true)) {
            return error(
                400,
                "InvalidObject",
                "note object is invalid",
                json!([{"code": "InvalidField", "message": "One of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.", "resource": "note", "field": "detailDescriptionFlag"}]),
            );
        }
        let ticket_id = self.tickets[i]["id"].as_i64().unwrap_or(0);
        let nid = next_id(&self.notes).max(1);
        let n = note(nid, ticket_id, API_MEMBER, text);
        self.notes.push(n.clone());
        json_response(201, &n)
    }

    pub(super) fn patch_ticket(&mut self, request: &RequestView<'_>, id: &str) -> ResponseTemplate {
        let Some(i) = self.ticket_index(id) else {
            return ticket_not_found(id);
        };
        let Ok(Value::Array(ops)) = serde_json::from_slice::<Value>(request.body()) else {
            return error(
                400,
                "InvalidObject",
                "The request body must be a JSON Patch array.",
                Value::Null,
            );
        };
        let mut ticket = self.tickets[i].clone();
        for op in &ops {
            let path = op["path"].as_str().unwrap_or("").trim_start_matches('/');
            if op["op"] != json!("replace") || !path.eq_ignore_ascii_case("status") {
                return error(
                    400,
                    "InvalidObject",
                    "ticket object is invalid",
                    json!([{"code": "InvalidField", "message": format!("Unsupported patch {op}"), "resource": "ticket"}]),
                );
            }
            let v = &op["value"];
            let found = self.statuses.iter().find(|x| {
                (v["id"].is_i64() && x["id"] == v["id"])
                    || v["name"].as_str().is_some_and(|n| {
                        x["name"]
                            .as_str()
                            .is_some_and(|xn| xn.eq_ignore_ascii_case(n))
                    })
            });
            let Some(status) = found.cloned() else {
                return error(
                    400,
                    "InvalidObject",
                    "ticket object is invalid",
                    json!([{"code": "NotFound", "message": format!("Service Status {} not found for Service Board {}", v["id"], ticket["board"]["id"]), "resource": "ticket", "field": "status/id"}]),
                );
            };
            let closed = status["closed"] == json!(true);
            set(
                &mut ticket,
                "status",
                json!({"id": status["id"], "name": status["name"], "sort": status["sort"], "_info": null}),
            );
            set(&mut ticket, "closedFlag", json!(closed));
            set(
                &mut ticket,
                "closedDate",
                if closed {
                    json!(iso(data_now()))
                } else {
                    Value::Null
                },
            );
        }
        if let Some(info) = ticket["_info"].as_object_mut() {
            info.insert("lastUpdated".into(), json!(iso(data_now())));
            info.insert("updatedBy".into(), json!(API_MEMBER));
        }
        self.tickets[i] = ticket.clone();
        json_response(200, &ticket)
    }
}

pub(super) fn ticket_not_found(id: &str) -> ResponseTemplate {
    error(
        404,
        "NotFound",
        &format!("Ticket with id {id} not found."),
        Value::Null,
    )
}
