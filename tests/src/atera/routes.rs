//! What the fake Atera serves: routes (path literals case-insensitive,
//! like ASP.NET routing), the two key styles, and the dispatch to the
//! answers.

use serde_json::Value;
use wiremock::ResponseTemplate;
use wiremock::http::Method;

use super::answers::json_response;
use super::{API_ROOT, ATERA_API_KEY, ATERA_JWT_KEY, Atera, AteraData, id_of};
use crate::fake::{RequestView, Vendor};

/// A request the fake serves.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Account,
    Customers,
    Customer(String),
    Agents,
    AgentsOfCustomer(String),
    Agent(String),
    Alerts,
    Alert(String),
    ResolveAlert(String),
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// Whether the request carries [`ATERA_API_KEY`] in `X-API-KEY` or
/// [`ATERA_JWT_KEY`] as a Bearer token (any of the headers' values).
fn authorized(request: &RequestView<'_>) -> bool {
    let key_ok = request
        .header_values("x-api-key")
        .any(|k| k.trim() == ATERA_API_KEY);
    key_ok || request.bearer_tokens().any(|t| t == ATERA_JWT_KEY)
}

impl Vendor for Atera {
    type Data = AteraData;
    type Route = Route;
    const NAME: &'static str = "vectis-testkit Atera v3";

    fn route(method: &Method, path: &str) -> Option<Route> {
        let rest = strip_prefix_ignore_case(path, API_ROOT)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let rest = rest.strip_prefix('/')?;
        let segs: Vec<&str> = rest.split('/').collect();
        let lit = |i: usize, s: &str| segs.get(i).is_some_and(|x| x.eq_ignore_ascii_case(s));
        let arg = |i: usize| segs.get(i).map(|s| (*s).to_string());
        let get = method == Method::GET;
        match segs.len() {
            1 if get && lit(0, "account") => Some(Route::Account),
            1 if get && lit(0, "customers") => Some(Route::Customers),
            1 if get && lit(0, "agents") => Some(Route::Agents),
            1 if get && lit(0, "alerts") => Some(Route::Alerts),
            2 if get && lit(0, "customers") => arg(1).map(Route::Customer),
            2 if get && lit(0, "agents") => arg(1).map(Route::Agent),
            2 if get && lit(0, "alerts") => arg(1).map(Route::Alert),
            2 if method == Method::PUT && lit(0, "alerts") => arg(1).map(Route::ResolveAlert),
            3 if get && lit(0, "agents") && lit(1, "customer") => {
                arg(2).map(Route::AgentsOfCustomer)
            }
            _ => None,
        }
    }

    fn small() -> AteraData {
        AteraData::small()
    }

    fn answer(
        &mut self,
        data: &mut AteraData,
        route: Route,
        request: &RequestView<'_>,
    ) -> ResponseTemplate {
        if !authorized(request) {
            // Atera: empty body, `Content-Length: 0`, no `WWW-Authenticate`.
            return ResponseTemplate::new(401);
        }
        match route {
            Route::Account => json_response(200, &data.account),
            Route::Customers => self.customers(data, request),
            Route::Customer(raw) => self.one(&data.customers, "CustomerID", &raw, "customerId"),
            Route::Agents => {
                let items: Vec<&Value> = data.agents.iter().collect();
                self.paged(request, &items)
            }
            Route::AgentsOfCustomer(raw) => {
                let id = match self.id(&raw, "customerId") {
                    Ok(id) => id,
                    Err(e) => return *e,
                };
                let items: Vec<&Value> = data
                    .agents
                    .iter()
                    .filter(|a| id_of(a, "CustomerID") == Some(id))
                    .collect();
                self.paged(request, &items)
            }
            Route::Agent(raw) => self.one(&data.agents, "AgentID", &raw, "agentId"),
            Route::Alerts => self.alerts(data, request),
            Route::Alert(raw) => self.one(&data.alerts, "AlertID", &raw, "alertId"),
            Route::ResolveAlert(raw) => self.resolve(data, &raw),
        }
    }
}
