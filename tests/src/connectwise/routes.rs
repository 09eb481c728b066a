//! What the fake ConnectWise serves: routes under either codebase, the
//! unauthenticated company lookup, the `clientId` header and Basic
//! `company+public:private`, denied tables, and the dispatch to the answers.

use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::http::Method;

use super::answers::{filter_of, ticket_not_found};
use super::paging::filtered;
use super::{
    CLIENT_ID, CODEBASE, CODEBASE_ALIAS, COMPANY_ID, ConnectWise, ConnectWiseData, PRIVATE_KEY,
    PUBLIC_KEY, Table, VERSION, set,
};
use crate::fake::{RequestView, Vendor};

const CONTENT_TYPE: &str = "application/vnd.connectwise.com+json; version=2025.8; charset=utf-8";

/// A request the fake serves.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    CompanyInfo(String),
    SystemInfo,
    Boards,
    BoardStatuses(String),
    Priorities,
    Notes(String),
    AddNote(String),
    TimeEntries,
    PatchTicket(String),
    List(Table),
    Count(Table),
    One(Table, String),
    CreateTicket,
}

fn table_of(a: &str, b: &str) -> Option<Table> {
    match (
        a.to_ascii_lowercase().as_str(),
        b.to_ascii_lowercase().as_str(),
    ) {
        ("company", "companies") => Some(Table::Companies),
        ("company", "configurations") => Some(Table::Configurations),
        ("service", "tickets") => Some(Table::Tickets),
        _ => None,
    }
}

pub(super) fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    let ct = if status < 300 {
        CONTENT_TYPE
    } else {
        "application/json; charset=utf-8"
    };
    ResponseTemplate::new(status)
        .set_body_raw(body.to_string(), ct)
        .insert_header("api-current-version", "2025.8")
}

/// ConnectWise's error envelope.
pub(super) fn error(status: u16, code: &str, message: &str, errors: Value) -> ResponseTemplate {
    let mut body = json!({"code": code, "message": message});
    if !errors.is_null() {
        set(&mut body, "errors", errors);
    }
    json_response(status, &body)
}

impl Vendor for ConnectWise {
    type Data = ConnectWiseData;
    type Route = Route;
    const NAME: &'static str = "vectis-testkit ConnectWise Manage 3.0";

    fn route(method: &Method, path: &str) -> Option<Route> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let get = method == Method::GET;
        if get
            && segs.len() == 3
            && segs[0].eq_ignore_ascii_case("login")
            && segs[1].eq_ignore_ascii_case("companyinfo")
        {
            return Some(Route::CompanyInfo(segs[2].to_string()));
        }
        if segs.len() < 5 {
            return None;
        }
        let codebase_ok =
            segs[0].eq_ignore_ascii_case(CODEBASE) || segs[0].eq_ignore_ascii_case(CODEBASE_ALIAS);
        if !codebase_ok || !segs[1].eq_ignore_ascii_case("apis") || segs[2] != "3.0" {
            return None;
        }
        let rest = &segs[3..];
        if get
            && rest.len() == 2
            && rest[0].eq_ignore_ascii_case("system")
            && rest[1].eq_ignore_ascii_case("info")
        {
            return Some(Route::SystemInfo);
        }
        let lower: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        let post = method == Method::POST;
        let patch = method == Method::PATCH;
        match lower.as_slice() {
            ["service", "boards"] if get => return Some(Route::Boards),
            ["service", "boards", id, "statuses"] if get => {
                return Some(Route::BoardStatuses(id.to_string()));
            }
            ["service", "priorities"] if get => return Some(Route::Priorities),
            ["service", "tickets", id, "notes"] if get => {
                return Some(Route::Notes(id.to_string()));
            }
            ["service", "tickets", id, "notes"] if post => {
                return Some(Route::AddNote(id.to_string()));
            }
            ["time", "entries"] if get => return Some(Route::TimeEntries),
            ["service", "tickets", id] if patch => return Some(Route::PatchTicket(id.to_string())),
            _ => {}
        }
        let table = table_of(rest[0], rest.get(1)?)?;
        match (rest.len(), get) {
            (2, true) => Some(Route::List(table)),
            (2, false) if method == Method::POST && table == Table::Tickets => {
                Some(Route::CreateTicket)
            }
            (3, true) if rest[2].eq_ignore_ascii_case("count") => Some(Route::Count(table)),
            (3, true) => Some(Route::One(table, rest[2].to_string())),
            _ => None,
        }
    }

    fn small() -> ConnectWiseData {
        ConnectWiseData::small()
    }

    fn answer(
        &mut self,
        data: &mut ConnectWiseData,
        route: Route,
        request: &RequestView<'_>,
    ) -> ResponseTemplate {
        if let Route::CompanyInfo(company) = &route {
            // Unauthenticated, as in ConnectWise.
            return Self::company_info(company);
        }
        match request.header("clientid") {
            Some(c) if c.trim().eq_ignore_ascii_case(CLIENT_ID) => {}
            Some(_) => {
                return error(
                    400,
                    "InvalidClientId",
                    "The clientId header is not a registered client id. Register your integration at developer.connectwise.com.",
                    Value::Null,
                );
            }
            None => {
                return error(
                    400,
                    "InvalidClientId",
                    "clientId header is required.",
                    Value::Null,
                );
            }
        }
        let member = (
            format!("{COMPANY_ID}+{PUBLIC_KEY}"),
            PRIVATE_KEY.to_string(),
        );
        if request.basic() != Some(member) {
            return error(401, "Unauthorized", "UserNotAuthenticated", Value::Null);
        }
        let table = match &route {
            Route::List(t) | Route::Count(t) | Route::One(t, _) => Some(*t),
            Route::CreateTicket | Route::PatchTicket(_) | Route::AddNote(_) | Route::Notes(_) => {
                Some(Table::Tickets)
            }
            _ => None,
        };
        if table.is_some_and(|t| self.denied.contains(&t)) {
            return error(
                403,
                "Security",
                "You do not have security permission to perform this action.",
                Value::Null,
            );
        }
        match route {
            Route::CompanyInfo(_) => ResponseTemplate::new(500),
            Route::SystemInfo => json_response(
                200,
                &json!({"version": VERSION, "isCloud": true, "serverTimeZone": "Eastern Standard Time",
                "licenseBits": [], "cloudRegion": "NA", "maxWorkFlowRecordsAllowed": 1000}),
            ),
            Route::List(t) => self.list(data, request, t),
            Route::Count(t) => {
                let n = match filter_of(request) {
                    Ok(Some(f)) => data.table(t).iter().filter(|r| f.eval(r)).count(),
                    Ok(None) => data.table(t).len(),
                    Err(e) => return *e,
                };
                json_response(200, &json!({"count": n}))
            }
            Route::One(t, raw) => data.one(t, &raw),
            Route::CreateTicket => self.create_ticket(data, request),
            Route::Boards => filtered(
                request,
                data.boards.iter().map(|b| {
                    let mut b = b.clone();
                    set(&mut b, "inactiveFlag", json!(false));
                    b
                }),
            ),
            Route::BoardStatuses(board) => {
                let Some(b) = data
                    .boards
                    .iter()
                    .find(|b| b["id"].as_i64().map(|i| i.to_string()) == Some(board.clone()))
                    .cloned()
                else {
                    return error(
                        404,
                        "NotFound",
                        &format!("Board with id {board} not found."),
                        Value::Null,
                    );
                };
                filtered(request, data.statuses.iter().map(|x| {
                    json!({"id": x["id"], "name": x["name"], "board": {"id": b["id"], "name": b["name"]},
                        "sortOrder": x["sort"], "displayOnBoard": true, "inactive": false,
                        "closedStatus": x["closed"], "defaultFlag": x["id"] == json!(16)})
                }))
            }
            Route::Priorities => filtered(request, data.priorities.iter().cloned()),
            Route::Notes(id) => {
                if data.ticket_index(&id).is_none() {
                    return ticket_not_found(&id);
                }
                filtered(
                    request,
                    data.notes
                        .iter()
                        .filter(|n| {
                            n["ticketId"].as_i64().map(|i| i.to_string()) == Some(id.clone())
                        })
                        .cloned(),
                )
            }
            Route::AddNote(id) => data.add_note(request, &id),
            Route::TimeEntries => filtered(request, data.time_entries.iter().cloned()),
            Route::PatchTicket(id) => data.patch_ticket(request, &id),
        }
    }
}
