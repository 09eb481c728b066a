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

/// One link of a `Link` header: its target and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkValue {
    /// The URI between `<` and `>`, as written.
    pub target: String,
    /// Parameters in order, names lower-cased, quoted values unquoted.
    pub params: Vec<(String, String)>,
}

/// Splits a `Link` header value into its links (RFC 8288 §3):
/// `<uri>; name=token; name="quoted, string", <uri2>; …`. A link that does
/// not start with `<` is skipped up to the next comma outside quotes; never
/// panics on any input.
pub fn link_values(header: &str) -> Vec<LinkValue> {
    let b = header.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    // Skips to just past the next comma outside a quoted string.
    let skip_to_comma = |i: &mut usize| {
        let mut quoted = false;
        while *i < b.len() {
            match b[*i] {
                b'\\' if quoted => *i += 1,
                b'"' => quoted = !quoted,
                b',' if !quoted => {
                    *i += 1;
                    return;
                }
                _ => {}
            }
            *i += 1;
        }
    };
    while i < b.len() {
        skip_ws(&mut i);
        if i < b.len() && b[i] == b',' {
            i += 1;
            continue;
        }
        if i >= b.len() {
            break;
        }
        if b[i] != b'<' {
            skip_to_comma(&mut i);
            continue;
        }
        let Some(close) = header[i + 1..].find('>') else {
            break;
        };
        let target = header[i + 1..i + 1 + close].to_string();
        i += close + 2;
        let mut params = Vec::new();
        loop {
            skip_ws(&mut i);
            if i >= b.len() || b[i] != b';' {
                break;
            }
            i += 1;
            skip_ws(&mut i);
            let start = i;
            while i < b.len() && !matches!(b[i], b'=' | b';' | b',' | b' ' | b'\t') {
                i += 1;
            }
            let name = header[start..i].to_ascii_lowercase();
            skip_ws(&mut i);
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                skip_ws(&mut i);
                if i < b.len() && b[i] == b'"' {
                    i += 1;
                    let mut run = i;
                    while i < b.len() && b[i] != b'"' {
                        if b[i] == b'\\' && i + 1 < b.len() {
                            value.push_str(&header[run..i]);
                            i += 1;
                            run = i;
                        }
                        i += 1;
                    }
                    value.push_str(&header[run..i.min(b.len())]);
                    i = (i + 1).min(b.len());
                } else {
                    let start = i;
                    while i < b.len() && !matches!(b[i], b';' | b',' | b' ' | b'\t') {
                        i += 1;
                    }
                    value = header[start..i].to_string();
                }
            }
            if !name.is_empty() {
                params.push((name, value));
            }
        }
        out.push(LinkValue { target, params });
        skip_ws(&mut i);
        if i < b.len() && b[i] != b',' {
            skip_to_comma(&mut i);
        }
    }
    out
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

fn query_get(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

/// Sets `name=value` on `url`, replacing any existing value (any case).
pub fn set_query(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url.clone();
    {
        let mut q = out.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        q.append_pair(name, value);
    }
    out
}

/// Page number and page size (`page`, `itemsInPage`).
#[derive(Debug, Clone)]
pub struct PageNumber {
    /// Name of the page parameter.
    pub page_param: &'static str,
    /// Name of the size parameter.
    pub size_param: &'static str,
    /// Items per page to ask for.
    pub size: u32,
    /// Number of the first page (0 or 1).
    pub first_page: u64,
}

impl PageNumber {
    fn page_of(&self, url: &Url) -> u64 {
        query_get(url, self.page_param)
            .and_then(|p| p.parse().ok())
            .unwrap_or(self.first_page)
    }

    fn last_page(&self, meta: &PageMeta) -> Option<u64> {
        if let Some(pages) = meta.total_pages {
            return Some(self.first_page.saturating_add(pages.saturating_sub(1)));
        }
        let total = meta.total_items?;
        let pages = total.div_ceil(u64::from(self.size.max(1)));
        Some(self.first_page.saturating_add(pages.saturating_sub(1)))
    }
}

impl Paginator for PageNumber {
    fn first(&self, url: &Url) -> Url {
        let u = set_query(url, self.page_param, &self.first_page.to_string());
        set_query(&u, self.size_param, &self.size.to_string())
    }

    fn next(&self, sent: &Url, meta: &PageMeta) -> Result<Option<Url>, PageError> {
        if meta.items == 0 {
            return Ok(None);
        }
        let page = self.page_of(sent);
        match self.last_page(meta) {
            Some(last) if page >= last => return Ok(None),
            None if meta.items < self.size as usize => return Ok(None),
            _ => {}
        }
        let next = page
            .checked_add(1)
            .ok_or_else(|| PageError::Overflow(format!("page {page} has no next page number")))?;
        Ok(Some(set_query(sent, self.page_param, &next.to_string())))
    }

    fn remaining(&self, first: &Url, meta: &PageMeta) -> Option<Vec<Url>> {
        self.remaining_iter(first, meta).map(Iterator::collect)
    }

    fn remaining_iter(&self, first: &Url, meta: &PageMeta) -> Option<RemainingUrls> {
        let last = self.last_page(meta)?;
        let page = self.page_of(first);
        if meta.items == 0 {
            return Some(Box::new(std::iter::empty()));
        }
        let first = first.clone();
        let param = self.page_param;
        let Some(from) = page.checked_add(1) else {
            return Some(Box::new(std::iter::empty()));
        };
        Some(Box::new(
            (from..=last).map(move |p| set_query(&first, param, &p.to_string())),
        ))
    }
}

/// Offset and limit (`$skip`, `$top`).
#[derive(Debug, Clone)]
pub struct Offset {
    /// Name of the offset parameter.
    pub skip_param: &'static str,
    /// Name of the limit parameter.
    pub top_param: &'static str,
    /// Items per request.
    pub size: u32,
}

impl Offset {
    fn skip_of(&self, url: &Url) -> u64 {
        query_get(url, self.skip_param)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }
}

impl Paginator for Offset {
    fn first(&self, url: &Url) -> Url {
        let u = set_query(url, self.skip_param, "0");
        set_query(&u, self.top_param, &self.size.to_string())
    }

    fn next(&self, sent: &Url, meta: &PageMeta) -> Result<Option<Url>, PageError> {
        if meta.items == 0 {
            return Ok(None);
        }
        let skip = self.skip_of(sent);
        let next = skip.checked_add(meta.items as u64).ok_or_else(|| {
            PageError::Overflow(format!("offset {skip} plus {} items", meta.items))
        })?;
        match meta.total_items {
            Some(total) if next >= total => return Ok(None),
            None if meta.items < self.size as usize => return Ok(None),
            _ => {}
        }
        Ok(Some(set_query(sent, self.skip_param, &next.to_string())))
    }

    fn remaining(&self, first: &Url, meta: &PageMeta) -> Option<Vec<Url>> {
        self.remaining_iter(first, meta).map(Iterator::collect)
    }

    fn remaining_iter(&self, first: &Url, meta: &PageMeta) -> Option<RemainingUrls> {
        let total = meta.total_items?;
        if meta.items == 0 {
            return Some(Box::new(std::iter::empty()));
        }
        let start = self.skip_of(first).saturating_add(u64::from(self.size));
        let first = first.clone();
        let param = self.skip_param;
        Some(Box::new(
            (start..total)
                .step_by(self.size.max(1) as usize)
                .map(move |s| set_query(&first, param, &s.to_string())),
        ))
    }
}

/// Whether two URLs ask for the same thing: same origin and path, and the
/// same query parameters in any order (a `nextLink` may order them unlike
/// the fan-out's plan).
fn same_request(a: &Url, b: &Url) -> bool {
    if a == b {
        return true;
    }
    if a.origin() != b.origin() || a.path() != b.path() {
        return false;
    }
    let pairs = |u: &Url| {
        let mut v: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
            .collect();
        v.sort();
        v
    };
    pairs(a) == pairs(b)
}

/// Resolves a next-page link against the request sent, refuses another
/// origin, and puts back any query parameter the server dropped.
fn follow(sent: &Url, next: &str) -> Result<Option<Url>, PageError> {
    let next = next.trim();
    if next.is_empty() || next.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    let url = sent
        .join(next)
        .map_err(|e| PageError::BadUrl(format!("{e}")))?;
    if url.origin() != sent.origin() {
        return Err(PageError::ForeignOrigin(url.origin().ascii_serialization()));
    }
    let mut out = url.clone();
    let present: HashSet<String> = url
        .query_pairs()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    let missing: Vec<(String, String)> = sent
        .query_pairs()
        .filter(|(k, _)| !present.contains(&k.to_ascii_lowercase()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !missing.is_empty() {
        let mut q = out.query_pairs_mut();
        for (k, v) in &missing {
            q.append_pair(k, v);
        }
    }
    Ok(Some(out))
}

/// Follows a next-page URL from the body; the first request uses `first`
/// (normally a [`PageNumber`]) to set the page size.
#[derive(Debug, Clone)]
pub struct NextUrl {
    /// How the first request is built.
    pub first: PageNumber,
}

impl Paginator for NextUrl {
    fn first(&self, url: &Url) -> Url {
        self.first.first(url)
    }

    /// The page's next link, also from an empty page: a vendor that links a
    /// next page has more to give (the listing stops a run of empty pages
    /// that keep linking, see [`MAX_EMPTY_PAGES`]).
    fn next(&self, sent: &Url, meta: &PageMeta) -> Result<Option<Url>, PageError> {
        match &meta.next_url {
            Some(next) => follow(sent, next),
            None => Ok(None),
        }
    }

    fn remaining(&self, first: &Url, meta: &PageMeta) -> Option<Vec<Url>> {
        self.remaining_iter(first, meta).map(Iterator::collect)
    }

    fn remaining_iter(&self, first: &Url, meta: &PageMeta) -> Option<RemainingUrls> {
        // Only when the vendor also numbers its pages can we fan out.
        if meta.total_pages.is_some() || meta.total_items.is_some() {
            self.first.remaining_iter(first, meta)
        } else {
            None
        }
    }
}

/// Follows the `Link: <…>; rel="next"` header (ConnectWise, both modes).
#[derive(Debug, Clone)]
pub struct LinkHeader {
    /// Parameters of the first request (e.g. `pageSize=1000`, or
    /// `pagination-type` handled by the caller's headers).
    pub first_params: Vec<(&'static str, String)>,
}

impl Paginator for LinkHeader {
    fn first(&self, url: &Url) -> Url {
        self.first_params
            .iter()
            .fold(url.clone(), |u, (k, v)| set_query(&u, k, v))
    }

    fn next(&self, sent: &Url, meta: &PageMeta) -> Result<Option<Url>, PageError> {
        match &meta.link_next {
            Some(next) => follow(sent, next),
            None => Ok(None),
        }
    }

    /// With a `Link` header the header decides: its `rel="next"`, or the end
    /// when it has none. Without one the connector's parser decides.
    fn next_from_headers(
        &self,
        sent: &Url,
        resp: &Response,
    ) -> Option<Result<Option<Url>, PageError>> {
        resp.header("link")?;
        Some(match PageMeta::link_next_from(resp) {
            Some(next) => follow(sent, &next),
            None => Ok(None),
        })
    }
}

/// Where to resume a listing: the next request to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The URL of the next page (no secrets: credentials travel in headers).
    pub next: String,
}

impl Cursor {
    /// A query parameter of the next request (any case), parsed: the page
    /// size or offset a resume cursor was made with (`max`, `$skip`, …).
    /// `None` when the cursor is not a URL, lacks it, or it does not parse.
    pub fn query<V: std::str::FromStr>(&self, name: &str) -> Option<V> {
        let url = Url::parse(&self.next).ok()?;
        query_get(&url, name)?.parse().ok()
    }
}

/// One page of mapped items.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, in the vendor's order.
    pub items: Vec<T>,
    /// 0-based index of this page in the listing.
    pub index: u64,
    /// Total items, if the vendor says.
    pub total: Option<u64>,
    /// Where to resume after this page; `None` after the last.
    pub resume: Option<Cursor>,
}

/// A vendor's envelope split into raw items and paging facts.
#[derive(Debug, Clone, Default)]
pub struct RawPage {
    /// The records, as the vendor sent them.
    pub items: Vec<serde_json::Value>,
    /// Paging facts.
    pub meta: PageMeta,
}

/// Splits a response into a [`RawPage`].
pub type ParseFn = Arc<dyn Fn(&Response) -> Result<RawPage> + Send + Sync>;
/// Maps one raw item (with its index on the page) to a model record;
/// `Ok(None)` skips it on purpose (e.g. a vendor's built-in pseudo-record).
pub type MapFn<T> = Arc<dyn Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync>;

/// A listing declared as data: where, how it pages, how to read it.
pub struct ListRequest<T> {
    /// Path template for errors and spans (`/api/v3/agents`).
    pub endpoint: String,
    /// The listing's URL with its fixed query parameters.
    pub url: Url,
    /// Extra headers on every page request (e.g. ConnectWise's
    /// `pagination-type: forward-only`).
    pub headers: Vec<(&'static str, String)>,
    /// The strategy.
    pub paginator: Arc<dyn Paginator>,
    /// Envelope reader.
    pub parse: ParseFn,
    /// Item mapper.
    pub map: MapFn<T>,
    /// Start from here instead of the first page.
    pub resume: Option<Cursor>,
    /// The vendor id of a record, when the listing must never emit one id
    /// twice (see [`ListRequest::unique_by`]).
    pub unique: Option<IdFn<T>>,
}

/// How many empty pages in a row, each naming a next page, a listing
/// follows before it fails: a server that keeps linking from empty pages
/// would otherwise be followed for ever.
pub const MAX_EMPTY_PAGES: u32 = 5;

/// How many delivered pages [`ListRequest::unique_by`] remembers ids of.
pub const UNIQUE_WINDOW: usize = 2;

/// Reads a record's vendor id (see [`ListRequest::unique_by`]).
pub type IdFn<T> = for<'a> fn(&'a T) -> &'a str;

impl<T> ListRequest<T> {
    /// A listing of `url` (path template `endpoint`), paged by `paginator`,
    /// read by `parse` and mapped item by item by `map` (see [`typed`]).
    pub fn new(
        endpoint: impl Into<String>,
        url: Url,
        paginator: impl Paginator + 'static,
        parse: impl Fn(&Response) -> Result<RawPage> + Send + Sync + 'static,
        map: impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static,
    ) -> ListRequest<T> {
        ListRequest {
            endpoint: endpoint.into(),
            url,
            headers: Vec::new(),
            paginator: Arc::new(paginator),
            parse: Arc::new(parse),
            map: Arc::new(map),
            resume: None,
            unique: None,
        }
    }

    /// Never emits one vendor id twice within [`UNIQUE_WINDOW`] pages: a
    /// record that arrives again because a record inserted before it while
    /// the listing was read shifted it onto the next page (how offset and
    /// page-number paging duplicates) is dropped, with a warning that counts
    /// them. Memory stays flat: only the last pages' id hashes are kept (a
    /// record pushed further by many inserts at once is not caught; the
    /// count check against the vendor's total still reports such a listing).
    pub fn unique_by(mut self, id: IdFn<T>) -> Self {
        self.unique = Some(id);
        self
    }

    /// Sends `name: value` with every page request.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Starts from `cursor` instead of the first page.
    pub fn resume(mut self, cursor: Option<Cursor>) -> Self {
        self.resume = cursor;
        self
    }
}

/// A [`MapFn`] from a plain mapping function: decodes each raw item into the
/// vendor struct `R` (a bad field is an [`Error::Decode`] naming
/// `items[i].Field`), then maps it, keeping the raw JSON.
pub fn typed<R, T>(
    vendor: Vendor,
    endpoint: &'static str,
    f: fn(R, serde_json::Value) -> T,
) -> impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static
where
    R: serde::de::DeserializeOwned + 'static,
    T: 'static,
{
    move |i, v| {
        let r: R = decode_item(vendor, endpoint, i, &v)?;
        Ok(Some(f(r, v)))
    }
}

/// Like [`typed`], for mappings that may skip an item on purpose (`Ok(None)`)
/// or fail.
pub fn typed_filter<R, T>(
    vendor: Vendor,
    endpoint: &'static str,
    f: fn(R, serde_json::Value) -> Result<Option<T>>,
) -> impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static
where
    R: serde::de::DeserializeOwned + 'static,
    T: 'static,
{
    move |i, v| {
        let r: R = decode_item(vendor, endpoint, i, &v)?;
        f(r, v)
    }
}

impl<T> fmt::Debug for ListRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRequest")
            .field("endpoint", &self.endpoint)
            .field("paginator", &self.paginator)
            .finish_non_exhaustive()
    }
}

/// Decodes one raw item into a vendor struct, naming the JSON path on failure
/// (`items[3].AgentID`).
pub fn decode_item<R: serde::de::DeserializeOwned>(
    vendor: Vendor,
    endpoint: &str,
    index: usize,
    value: &serde_json::Value,
) -> Result<R> {
    // Path tracking costs more than the decode itself (2.3x on 1000-record
    // ConnectWise pages); it is only needed to explain a failure.
    if let Ok(r) = R::deserialize(value) {
        return Ok(r);
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        // The item itself is `.`: `items[0]`, not `items[0]..`.
        let at = e.path().to_string();
        let path = match at.as_str() {
            "." | "" => format!("items[{index}]"),
            _ => format!("items[{index}].{at}"),
        };
        Error::Decode {
            vendor,
            endpoint: endpoint.to_string(),
            path,
            message: e.inner().to_string(),
            source: crate::error::decode_source(e.into_inner()),
        }
    })
}

/// Flattens a page stream into an item stream (the first error ends it).
pub fn items<T: Send + 'static>(pages: PageStream<T>) -> ItemStream<T> {
    pages
        .map_ok(|p| futures::stream::iter(p.items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// A stream that yields one error: for listings a connector does not have.
pub fn error_stream<T: Send + 'static>(e: Error) -> BoxStream<'static, Result<T>> {
    futures::stream::once(async move { Err(e) }).boxed()
}

mod driver;
pub use driver::{chain_ahead, page_stream};

#[cfg(test)]
mod tests;
