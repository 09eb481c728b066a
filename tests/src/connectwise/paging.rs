//! How the fake ConnectWise pages a list by number, as every list of the
//! real API does: `page` and `pageSize` (default 25, at most 1,000), and a
//! `Link` header with first/prev and next/last.

use serde_json::Value;
use wiremock::ResponseTemplate;

use super::answers::filter_of;
use super::routes::json_response;
use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::fake::RequestView;
use crate::fake::paging::{Others, Page, link_header, page_url};

/// The request's `pageSize`: ConnectWise's default when absent, within
/// 1 ..= its maximum.
pub(super) fn page_size(request: &RequestView<'_>) -> usize {
    request
        .query_any_case("pageSize")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE)
}

/// Page `page` (from 1) of `rows`, `size` a page, and its `Link` header
/// (`first`/`prev`, `next`/`last`; none when there is one page).
pub(super) fn by_number(
    request: &RequestView<'_>,
    rows: &[&Value],
    size: usize,
    others: Others,
) -> (Vec<Value>, Option<String>) {
    let url = |set: &[(&str, String)]| page_url(request.origin(), request, set, others);
    let number = request
        .query_any_case("page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = Page::count(rows.len(), size).max(1);
    let cut = Page::by_number(rows.len(), number, 1, size);
    let page: Vec<Value> = cut.items(rows).into_iter().cloned().collect();
    let at = |n: usize| url(&[("page", n.to_string()), ("pageSize", size.to_string())]);
    let mut links = Vec::new();
    if last > 1 {
        if number > 1 {
            links.push(("first", at(1)));
            links.push(("prev", at(number - 1)));
        }
        if number < last {
            links.push(("next", at(number + 1)));
            links.push(("last", at(last)));
        }
    }
    (page, (!links.is_empty()).then(|| link_header(&links)))
}

/// The `rows` passing the request's `conditions`, paged by number like
/// every ConnectWise list (`page`, `pageSize`, a `Link` header).
pub(super) fn filtered(
    request: &RequestView<'_>,
    rows: impl Iterator<Item = Value>,
) -> ResponseTemplate {
    let filter = match filter_of(request) {
        Ok(f) => f,
        Err(e) => return *e,
    };
    let rows: Vec<Value> = rows
        .filter(|r| filter.as_ref().is_none_or(|f| f.eval(r)))
        .collect();
    let rows: Vec<&Value> = rows.iter().collect();
    let (page, link) = by_number(request, &rows, page_size(request), Others::Last);
    let resp = json_response(200, &Value::Array(page));
    match link {
        Some(l) => resp.insert_header("Link", l.as_str()),
        None => resp,
    }
}
