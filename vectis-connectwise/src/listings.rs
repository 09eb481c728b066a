//! ConnectWise's lists, declared: bare JSON arrays, paged by the `Link`
//! header, 1,000 records a page at most.

use crate::info::MAX_PAGE_SIZE;
use crate::raw::{
    Board, BoardStatus, Company, Configuration, Priority, ServiceNote, Ticket, TimeEntry,
};
use vectis_core::error::Result;
use vectis_core::http::Response;
use vectis_core::paginate::{RawPage, set_query};
use vectis_core::{Envelope, Listing, Pager};

const PAGER: Pager = Pager::link_header("pageSize");

/// No envelope: the records are the body, paging is in the `Link` header.
pub(crate) const ENVELOPE: Envelope = Envelope::array().hook(no_link_header);

/// A full page and no `Link` header at all: this list does not page by link
/// (seen where forward-only paging is not supported), so it goes on by page
/// number; a short or empty page ends it.
fn no_link_header(resp: &Response, page: &mut RawPage) -> Result<()> {
    let query = |name: &str| {
        resp.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let full = query("pageSize").is_some_and(|size| page.items.len() as u64 >= size);
    if page.meta.link_next.is_some() || resp.header("link").is_some() || !full {
        return Ok(());
    }
    let number = query("page").unwrap_or(1);
    // The page number came back from the server: never overflow it.
    let next = number
        .checked_add(1)
        .ok_or_else(|| resp.unexpected(format!("page {number} has no next page number")))?;
    page.meta.link_next = Some(set_query(&resp.url, "page", &next.to_string()).to_string());
    Ok(())
}

const fn list<R>(path: &'static str) -> Listing<R> {
    Listing::new(path, PAGER, ENVELOPE).page_size(MAX_PAGE_SIZE, MAX_PAGE_SIZE)
}

/// `GET /company/companies` (customers).
pub(crate) const COMPANIES: Listing<Company> = list("/company/companies");

/// `GET /company/configurations` (devices).
pub(crate) const CONFIGURATIONS: Listing<Configuration> = list("/company/configurations");

/// `GET /service/tickets`.
pub(crate) const TICKETS: Listing<Ticket> = list("/service/tickets");

/// `GET /service/tickets/{id}/notes` (a ticket's notes).
pub(crate) const NOTES: Listing<ServiceNote> = list("/service/tickets/{id}/notes");

/// `GET /time/entries`.
pub(crate) const TIME_ENTRIES: Listing<TimeEntry> = list("/time/entries");

/// `GET /service/boards`.
pub(crate) const BOARDS: Listing<Board> = list("/service/boards");

/// `GET /service/boards/{id}/statuses` (a board's statuses).
pub(crate) const BOARD_STATUSES: Listing<BoardStatus> = list("/service/boards/{id}/statuses");

/// `GET /service/priorities`.
pub(crate) const PRIORITIES: Listing<Priority> = list("/service/priorities");

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A 200 answer to `url` holding a full page of two companies.
    fn two_companies_from(url: &str) -> Response {
        Response::new(
            vectis_core::Vendor::ConnectWise,
            "/company/companies",
            url::Url::parse(url).unwrap(),
            vectis_core::http::StatusCode::OK,
            br#"[{"id":1},{"id":2}]"#.to_vec(),
        )
    }

    #[test]
    fn a_full_page_at_the_largest_page_number_is_an_error_not_an_overflow() {
        let resp = two_companies_from(&format!(
            "https://h/v4_6_release/apis/3.0/company/companies?pageSize=2&page={}",
            u64::MAX
        ));
        let e = ENVELOPE.parse(&resp).unwrap_err();
        assert!(e.to_string().contains("no next page number"), "{e}");
    }

    #[test]
    fn a_full_page_without_a_link_header_goes_on_by_page_number() {
        let resp = two_companies_from("https://h/apis/3.0/company/companies?pageSize=2");
        let page = ENVELOPE.parse(&resp).unwrap();
        assert_eq!(
            page.meta.link_next.as_deref(),
            Some("https://h/apis/3.0/company/companies?pageSize=2&page=2")
        );
    }
}
