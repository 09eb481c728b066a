//! Pagination: pure strategies, and the stream that drives them.
//!
//! A [`Paginator`] is a small state machine you can test without HTTP: given
//! the request just sent and what its answer said ([`PageMeta`]), it returns
//! the next request or the end. One strategy per style the vendors use:
//!
//! | strategy | vendor |
//! | --- | --- |
//! | [`PageNumber`] | Atera `page`/`itemsInPage` (from 1), Datto `page`/`max` (from 0), ConnectWise `page`/`pageSize` |
//! | [`Offset`] | Kaseya VSA X `$skip`/`$top` |
//! | [`NextUrl`] | Atera `nextLink`, Datto `pageDetails.nextPageUrl` |
//! | [`LinkHeader`] | ConnectWise `Link: <…>; rel="next"`, both navigable and forward-only |
//!
//! The end is: no next / an empty next / an empty page that links no next
//! page / the total reached. An empty page that links a next page is
//! followed, up to [`MAX_EMPTY_PAGES`] in a row; a listing never requests
//! more than [`EngineSettings::max_pages`](field@crate::EngineSettings::max_pages)
//! pages.
//! A next URL on another origin is refused (it would carry our credentials);
//! query parameters the server dropped from a next URL are put back. Any URL
//! requested twice in one listing is a [`Error::PaginationLoop`].
//!
//! The end rule holds on the concurrent path too. A fan-out is a *plan*
//! made from the first page's total; every page that arrives is checked
//! against it with the strategy's own `next`: a page that says it is the
//! last (empty, `nextLink: null`, its total reached) stops the fan-out and
//! cancels what is in flight; a page whose next differs from the plan (a
//! server that returns fewer items than asked, so `$skip` must step by
//! less) drops the plan, and the listing goes on sequentially from what the
//! page says; the last planned page that says there is more (a grown
//! `totalPages`, a `nextLink`) is followed. When a listing that started at
//! its first page ends, the records that arrived are counted against the
//! vendor's last stated total: a mismatch is an [`Error::Inconsistent`]
//! naming the endpoint, never a silently short or padded listing.
//!
//! [`page_stream`] turns a [`ListRequest`] into a lazy `'static` stream of
//! [`Page`]s; when the total is known after the first page and concurrency is
//! above one, the remaining pages are fetched concurrently and still come out
//! in page order: at most `concurrency` requests on the wire (a page frees its
//! place when its answer arrives, before it is parsed) and at most twice that
//! many pages read ahead of the caller. Sequential styles fetch the next page
//! while this one is parsed and mapped; a `Link` listing sends it from the
//! task that read this page's headers, before parsing the body. Each hand-over
//! yields once, so the next request is written before the parse starts, also
//! on a one-thread runtime. Each page carries a serializable [`Cursor`] to
//! resume from. The first error ends the stream.
//!
//! Here: the stream types, [`PageMeta`] and the [`Paginator`] trait; the
//! strategies, `Link` parsing, the request and page types, and the driver
//! are submodules re-exported here.

use crate::error::{Error, Result};
use crate::http::{HttpClient, RequestSpec, Response};
use crate::model::Vendor;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, FuturesOrdered, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

/// A lazy stream of pages.
pub type PageStream<T> = BoxStream<'static, Result<Page<T>>>;
/// A lazy stream of items.
pub type ItemStream<T> = BoxStream<'static, Result<T>>;
/// The remaining requests of a listing, computed as they are needed (a
/// 1M-record tenant at 50 a page is 20,000 URLs: never hold them all).
pub type RemainingUrls = Box<dyn Iterator<Item = Url> + Send>;

/// What a page's answer says about paging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMeta {
    /// Items on this page (before any were skipped by the mapping).
    pub items: usize,
    /// Total items across all pages, if the vendor says.
    pub total_items: Option<u64>,
    /// Total pages, if the vendor says.
    pub total_pages: Option<u64>,
    /// The next page's URL from the body (`nextLink`, `nextPageUrl`).
    pub next_url: Option<String>,
    /// The `rel="next"` target of the `Link` header.
    pub link_next: Option<String>,
}

impl PageMeta {
    /// Reads the `rel="next"` target from a response's `Link` header.
    pub fn link_next_from(resp: &Response) -> Option<String> {
        PageMeta::link_next(resp.header("link")?)
    }

    /// The `rel="next"` target of a `Link` header value, parsed per RFC 8288
    /// (see [`link_values`]): commas inside `<…>` or a quoted parameter do
    /// not split links, `rel` may list several types (`rel="prev next"`),
    /// and types and parameter names are case-insensitive. `None` when no
    /// link has `rel` `next`.
    pub fn link_next(link: &str) -> Option<String> {
        link_values(link).into_iter().find_map(|l| {
            let is_next = l.params.iter().any(|(k, v)| {
                k == "rel"
                    && v.split_ascii_whitespace()
                        .any(|t| t.eq_ignore_ascii_case("next"))
            });
            (is_next && !l.target.trim().is_empty()).then(|| l.target.trim().to_string())
        })
    }
}

/// Why a strategy could not compute the next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// The next URL points at another origin.
    ForeignOrigin(String),
    /// The next URL is not a URL.
    BadUrl(String),
    /// A page number or offset from the server (or a resume cursor) is so
    /// large that the next one cannot be computed.
    Overflow(String),
}

/// A pagination strategy: given the last request and its answer, the next
/// request or the end.
pub trait Paginator: Send + Sync + fmt::Debug {
    /// The first request, from the listing's URL.
    fn first(&self, url: &Url) -> Url;

    /// The next request after `sent`, or `None` at the end.
    fn next(&self, sent: &Url, meta: &PageMeta) -> Result<Option<Url>, PageError>;

    /// When the first page tells the total: every remaining request, in
    /// order, so they can be fetched concurrently. `None` when unknown or
    /// the style is inherently sequential.
    fn remaining(&self, _first: &Url, _meta: &PageMeta) -> Option<Vec<Url>> {
        None
    }

    /// [`Paginator::remaining`], lazily: what [`page_stream`] uses, so memory
    /// stays flat in the number of pages. Override it together with
    /// `remaining`; the default collects `remaining`.
    fn remaining_iter(&self, first: &Url, meta: &PageMeta) -> Option<RemainingUrls> {
        self.remaining(first, meta)
            .map(|v| Box::new(v.into_iter()) as RemainingUrls)
    }

    /// The next request read from the answer's headers alone, before its
    /// body is parsed, so a sequential listing can send it while this page
    /// is still being parsed and mapped. `None` when the headers do not
    /// decide it (the default): the body's [`PageMeta`] is used instead.
    fn next_from_headers(
        &self,
        _sent: &Url,
        _resp: &Response,
    ) -> Option<Result<Option<Url>, PageError>> {
        None
    }
}

mod driver;
mod link;
mod request;
mod strategy;

pub use driver::{chain_ahead, page_stream};
pub use link::{LinkValue, link_values};
pub use request::{
    Cursor, IdFn, ListRequest, MAX_EMPTY_PAGES, MapFn, Page, ParseFn, RawPage, UNIQUE_WINDOW,
    decode_item, error_stream, items, typed, typed_filter,
};
pub use strategy::{LinkHeader, NextUrl, Offset, PageNumber, set_query};
use strategy::{query_get, same_request};

#[cfg(test)]
mod tests;
