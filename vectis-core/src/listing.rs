//! Listings declared as data, and the one lister that runs them.
//!
//! A [`Listing`] says everything about one of a vendor's lists that does
//! not change from call to call: its path under the API root, how it pages
//! ([`Pager`]), where its answer keeps records, total and next link
//! ([`Envelope`]), its page size (default and maximum), its fixed query,
//! how a record without its id is recognized ([`Ids`]), and whether a
//! record may arrive twice across pages. [`HttpClient::list`] starts a call
//! of it; the vendor and the endpoint template come from the client, the
//! page size and resume cursor from the [`ListOptions`]; what a call adds
//! (a `since` filter, a path argument, a header) is set on the
//! [`ListCall`]; [`ListCall::map`] names the mapping and gives a
//! [`ListRun`], whose [`pages`](ListRun::pages) are the listing.
//!
//! Building the first request is pure, so it is tested without a server:
//!
//! ```
//! use vectis_core::listing::{Listing, Pager};
//! use vectis_core::envelope::Envelope;
//! use vectis_core::http::{BaseUrl, HttpClient};
//! # use vectis_core::{credential::ApiKeyHeader, EngineSettings, InfoRules, ListOptions, SecretString, Vendor};
//! # use vectis_core::vendor_info::{Hints, VendorInfo, quota_per};
//! # use std::sync::Arc;
//! # static INFO: VendorInfo = VendorInfo { vendor: Vendor::Atera, product: "Atera",
//! #     example_url: "https://app.atera.com", api_root: "/api/v3", api_root_aliases: &[], env: &[],
//! #     consoles: &[], hints: Hints { unauthorized: "", forbidden: "", not_found: "", rate_limited: "", timeout: "" },
//! #     supports: &[], unsupported: &[], since_kinds: &[], default_quota: quota_per(700, 60), error_body: None };
//! # let base = BaseUrl::parse("https://app.atera.com/api/v3", "base URL")?;
//! # let key = Arc::new(ApiKeyHeader::new(Vendor::Atera, "x-api-key", SecretString::from("k")));
//! # let client = HttpClient::new(Arc::new(InfoRules::new(&INFO)), base, key, EngineSettings::default());
//!
//! #[derive(serde::Deserialize)]
//! struct RawAlert { #[serde(rename = "AlertID")] id: i64 }
//!
//! const OPEN_ALERTS: Listing<RawAlert> = Listing::new(
//!     "/alerts",
//!     Pager::next_url("page", "itemsInPage", 1),
//!     Envelope::object("items").total("totalItemCount").next("nextLink"),
//! )
//! .page_size(50, 50)
//! .query(&[("alertStatus", "Open")]);
//!
//! let call = client.list(&OPEN_ALERTS, &ListOptions::default().page_size(500));
//! assert_eq!(call.endpoint(), "/api/v3/alerts");
//! assert_eq!(
//!     call.first_url()?.as_str(),
//!     "https://app.atera.com/api/v3/alerts?alertStatus=Open&page=1&itemsInPage=50"
//! );
//! # Ok::<(), vectis_core::Error>(())
//! ```

use crate::connector::ListOptions;
use crate::envelope::Envelope;
use crate::error::{Error, Result};
use crate::http::{BaseUrl, HttpClient};
use crate::model::{Vendor, VendorId};
use crate::paginate::{
    Cursor, IdFn, LinkHeader, ListRequest, MapFn, NextUrl, Offset, PageNumber, PageStream,
    Paginator, chain_ahead, decode_item, error_stream, page_stream,
};
use crate::record_ids::IdCheck;
use futures::StreamExt;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use url::Url;

/// How a listing pages: which strategy of [`paginate`](crate::paginate), and
/// its parameters' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pager {
    /// Numbered pages: `page` from `first`, `size` records a page.
    PageNumber {
        /// The page parameter.
        page: &'static str,
        /// The page-size parameter.
        size: &'static str,
        /// The first page's number (0 or 1).
        first: u64,
    },
    /// Offset and limit (`$skip`, `$top`).
    Offset {
        /// The offset parameter.
        skip: &'static str,
        /// The limit parameter.
        top: &'static str,
    },
    /// The next page's URL from the body; the first request is numbered.
    NextUrl {
        /// The page parameter.
        page: &'static str,
        /// The page-size parameter.
        size: &'static str,
        /// The first page's number (0 or 1).
        first: u64,
    },
    /// The `Link: <…>; rel="next"` header; the first request asks `size`.
    LinkHeader {
        /// The page-size parameter.
        size: &'static str,
    },
}

impl Pager {
    /// [`Pager::PageNumber`]: `page` from `first`, `size` records a page.
    pub const fn page_number(page: &'static str, size: &'static str, first: u64) -> Pager {
        Pager::PageNumber { page, size, first }
    }

    /// [`Pager::Offset`]: `skip` and `top`.
    pub const fn offset(skip: &'static str, top: &'static str) -> Pager {
        Pager::Offset { skip, top }
    }

    /// [`Pager::NextUrl`]: the body's next link, the first request numbered.
    pub const fn next_url(page: &'static str, size: &'static str, first: u64) -> Pager {
        Pager::NextUrl { page, size, first }
    }

    /// [`Pager::LinkHeader`]: the `Link` header, `size` records a page.
    pub const fn link_header(size: &'static str) -> Pager {
        Pager::LinkHeader { size }
    }

    /// The parameter that carries the page size.
    pub fn size_param(&self) -> &'static str {
        match *self {
            Pager::PageNumber { size, .. }
            | Pager::NextUrl { size, .. }
            | Pager::LinkHeader { size } => size,
            Pager::Offset { top, .. } => top,
        }
    }

    /// The strategy, asking `size` records a page.
    pub fn paginator(&self, size: u32) -> Arc<dyn Paginator> {
        let numbered = |page_param, size_param, first_page| PageNumber {
            page_param,
            size_param,
            size,
            first_page,
        };
        match *self {
            Pager::PageNumber { page, size, first } => Arc::new(numbered(page, size, first)),
            Pager::NextUrl { page, size, first } => Arc::new(NextUrl {
                first: numbered(page, size, first),
            }),
            Pager::Offset { skip, top } => Arc::new(Offset {
                skip_param: skip,
                top_param: top,
                size,
            }),
            Pager::LinkHeader { size: param } => Arc::new(LinkHeader {
                first_params: vec![(param, size.to_string())],
            }),
        }
    }
}

/// How a listing tells a record without its id (see
/// [`record_ids`](crate::record_ids)): the vendor's name for the field, and
/// whether a decoded record has it.
pub struct Ids<R> {
    /// The vendor's name for the id (`AgentID`).
    pub field: &'static str,
    /// Whether the record carries it.
    pub present: fn(&R) -> bool,
}

impl<R> Clone for Ids<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for Ids<R> {}

/// One of a vendor's lists, declared (see the [module docs](self)). `R` is
/// the vendor's record type each item is decoded into.
pub struct Listing<R> {
    /// The path under the API root (`/alerts`); `{name}` is filled by
    /// [`ListCall::path_arg`].
    pub path: &'static str,
    /// How it pages.
    pub pager: Pager,
    /// Where its answer keeps records, total and next link.
    pub envelope: Envelope,
    /// The page size asked when the caller names none.
    pub default_page_size: u32,
    /// The largest page size the vendor accepts.
    pub max_page_size: u32,
    /// Query parameters every request carries.
    pub query: &'static [(&'static str, &'static str)],
    /// How a record without its id is recognized (skipped and counted).
    pub ids: Option<Ids<R>>,
    /// Whether a record that arrives again on an adjacent page (shifted by
    /// an insert) is dropped.
    pub unique: bool,
    raw: PhantomData<fn() -> R>,
}

impl<R> Clone for Listing<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for Listing<R> {}

impl<R> fmt::Debug for Listing<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listing")
            .field("path", &self.path)
            .field("pager", &self.pager)
            .finish_non_exhaustive()
    }
}

impl<R> Listing<R> {
    /// A listing of `path`, paged by `pager`, read with `envelope`; 100
    /// records a page until [`page_size`](Listing::page_size) says otherwise.
    pub const fn new(path: &'static str, pager: Pager, envelope: Envelope) -> Listing<R> {
        Listing {
            path,
            pager,
            envelope,
            default_page_size: 100,
            max_page_size: 100,
            query: &[],
            ids: None,
            unique: false,
            raw: PhantomData,
        }
    }

    /// Asks `default` records a page unless the caller names a size, and
    /// never more than `max`.
    pub const fn page_size(mut self, default: u32, max: u32) -> Listing<R> {
        self.default_page_size = default;
        self.max_page_size = max;
        self
    }

    /// Query parameters every request carries (`$orderby=Id`).
    pub const fn query(mut self, query: &'static [(&'static str, &'static str)]) -> Listing<R> {
        self.query = query;
        self
    }

    /// A record for which `present` is false lacks its id `field`: it is
    /// skipped and counted, and a listing of only such records is an error.
    pub const fn ids(mut self, field: &'static str, present: fn(&R) -> bool) -> Listing<R> {
        self.ids = Some(Ids { field, present });
        self
    }

    /// A record that arrives again on an adjacent page is dropped (offset
    /// and page-number paging shift records when one is inserted).
    pub const fn unique(mut self) -> Listing<R> {
        self.unique = true;
        self
    }
}

/// What a listing had delivered when it failed: the last page's index and
/// its resume cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// 0-based index of the last page delivered.
    pub index: u64,
    /// Where that page said the listing goes on.
    pub resume: Option<Cursor>,
}

/// Explains a listing's error in the vendor's terms, knowing what had been
/// delivered before it.
pub type ExplainFn = Arc<dyn Fn(Error, Option<&Delivered>) -> Error + Send + Sync>;

/// The parts of a call that do not depend on the record type.
#[derive(Clone)]
struct Call {
    client: HttpClient,
    base: BaseUrl,
    path: &'static str,
    pager: Pager,
    envelope: Envelope,
    fixed: &'static [(&'static str, &'static str)],
    args: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    headers: Vec<(&'static str, String)>,
    /// The size the options ask for (not a resume cursor's).
    asked: u32,
    /// A size set with [`ListCall::size`].
    fixed_size: Option<u32>,
    resume: Option<Cursor>,
    explain: Option<ExplainFn>,
}

impl Call {
    /// The page size: one set on the call, else the resume cursor's, else
    /// the one the options ask for.
    fn size(&self) -> u32 {
        self.fixed_size
            .or_else(|| {
                let url = Url::parse(&self.resume.as_ref()?.next).ok()?;
                let param = self.pager.size_param();
                url.query_pairs()
                    .find(|(k, _)| k.eq_ignore_ascii_case(param))
                    .and_then(|(_, v)| v.parse().ok())
                    .filter(|n| *n > 0)
            })
            .unwrap_or(self.asked)
    }

    fn endpoint(&self) -> String {
        self.client.endpoint(self.path)
    }

    /// The listing's URL with its query, before paging parameters.
    fn url(&self) -> Result<Url> {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut url = self.base.join(&crate::endpoint::fill(self.path, &args))?;
        if !self.fixed.is_empty() || !self.query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in self.fixed {
                q.append_pair(k, v);
            }
            for (k, v) in &self.query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Whether `cursor` points into this listing: the same path, and every
    /// fixed query parameter there (names and values in any case).
    fn owns(&self, cursor: &Cursor) -> bool {
        let (Ok(mine), Ok(theirs)) = (self.url(), Url::parse(&cursor.next)) else {
            return false;
        };
        mine.path() == theirs.path()
            && self.fixed.iter().all(|(k, v)| {
                theirs
                    .query_pairs()
                    .any(|(tk, tv)| tk.eq_ignore_ascii_case(k) && tv.eq_ignore_ascii_case(v))
            })
    }
}

/// One call of a [`Listing`], being set up (see the [module docs](self)).
pub struct ListCall<R> {
    call: Call,
    ids: Option<Ids<R>>,
    unique: bool,
}

impl HttpClient {
    /// A call of `listing` at this client's base URL, at the page size and
    /// from the resume cursor `opts` name.
    pub fn list<R>(&self, listing: &Listing<R>, opts: &ListOptions) -> ListCall<R> {
        let max = listing.max_page_size.max(1);
        ListCall {
            call: Call {
                client: self.clone(),
                base: self.base().clone(),
                path: listing.path,
                pager: listing.pager,
                envelope: listing.envelope,
                fixed: listing.query,
                args: Vec::new(),
                query: Vec::new(),
                headers: Vec::new(),
                asked: opts
                    .page_size
                    .unwrap_or(listing.default_page_size)
                    .clamp(1, max),
                fixed_size: None,
                resume: opts.resume.clone(),
                explain: None,
            },
            ids: listing.ids,
            unique: listing.unique,
        }
    }
}

impl<R> fmt::Debug for ListCall<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListCall")
            .field("path", &self.call.path)
            .field("base", &self.call.base)
            .field("size", &self.call.size())
            .finish_non_exhaustive()
    }
}

impl<R> ListCall<R> {
    /// Lists under `base` instead of the client's base URL (an API root
    /// found at run time).
    pub fn at(mut self, base: &BaseUrl) -> Self {
        self.call.base = base.clone();
        self
    }

    /// Fills `{name}` in the path with `value`, percent-encoded.
    pub fn path_arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.call.args.push((name, value.into()));
        self
    }

    /// Adds `name=value` to the query (after the listing's fixed query).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.call.query.push((name.into(), value.into()));
        self
    }

    /// Sends `name: value` with every page request.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.call.headers.push((name, value.into()));
        self
    }

    /// Asks exactly `n` records a page (an account's own maximum).
    pub fn size(mut self, n: u32) -> Self {
        self.call.fixed_size = Some(n.max(1));
        self
    }

    /// Starts from `cursor` instead of the options' (`None`: the first page).
    pub fn resume(mut self, cursor: Option<Cursor>) -> Self {
        self.call.resume = cursor;
        self
    }

    /// Explains this listing's errors in the vendor's terms.
    pub fn explain(
        mut self,
        f: impl Fn(Error, Option<&Delivered>) -> Error + Send + Sync + 'static,
    ) -> Self {
        self.call.explain = Some(Arc::new(f));
        self
    }

    /// The endpoint template, for errors and spans (`/api/v3/alerts`).
    pub fn endpoint(&self) -> String {
        self.call.endpoint()
    }

    /// The page size this call asks.
    pub fn page_size(&self) -> u32 {
        self.call.size()
    }

    /// The first request's URL, paging parameters included (pure).
    pub fn first_url(&self) -> Result<Url> {
        Ok(self
            .call
            .pager
            .paginator(self.call.size())
            .first(&self.call.url()?))
    }

    /// Whether `cursor` points into this listing (its path and fixed query).
    pub fn owns(&self, cursor: &Cursor) -> bool {
        self.call.owns(cursor)
    }

    /// The total the vendor states on the first page, asked for one record
    /// (a cheap count); `None` when it states none.
    pub async fn total(self) -> Result<Option<u64>> {
        Ok(self.first_of_one().await?.0)
    }

    /// [`ListCall::total`], where a list that states no total is an
    /// [`Error::UnexpectedResponse`] naming the field.
    pub async fn stated_total(self) -> Result<u64> {
        let field = self.call.envelope.total_items.unwrap_or("total");
        let (total, resp) = self.first_of_one().await?;
        total.ok_or_else(|| resp.unexpected(format!("the list states no total (`{field}`)")))
    }

    async fn first_of_one(self) -> Result<(Option<u64>, crate::http::Response)> {
        let call = self.call;
        let url = call.pager.paginator(1).first(&call.url()?);
        let spec = crate::http::RequestSpec::get(url, call.endpoint());
        let resp = call.client.execute(spec).await?;
        let total = call.envelope.parse(&resp)?.meta.total_items;
        Ok((total, resp))
    }
}

impl<R: serde::de::DeserializeOwned + 'static> ListCall<R> {
    /// Maps each record with `f` (`None` skips it).
    pub fn map<T, F>(self, f: F) -> ListRun<T>
    where
        T: VendorId + Send + 'static,
        F: Fn(R, serde_json::Value) -> Option<T> + Send + Sync + 'static,
    {
        self.try_map(move |_, r, v| Ok(f(r, v)))
    }

    /// Maps each record with `f`, which also gets the record's index on its
    /// page and may fail the listing.
    pub fn try_map<T, F>(self, f: F) -> ListRun<T>
    where
        T: VendorId + Send + 'static,
        F: Fn(usize, R, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static,
    {
        let unique = self.unique.then_some(T::vendor_id as IdFn<T>);
        let mut run = self.map_items(f);
        run.unique = unique;
        run
    }

    /// Maps each record to an item that is not a record (an id to look up,
    /// a pair to join): no duplicate check, even on a listing declared
    /// [`unique`](Listing::unique).
    pub fn map_items<T, F>(self, f: F) -> ListRun<T>
    where
        T: Send + 'static,
        F: Fn(usize, R, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static,
    {
        let vendor: Vendor = self.call.client.vendor();
        let endpoint = self.call.endpoint();
        let ids = self
            .ids
            .map(|i| (IdCheck::new(vendor, endpoint.clone(), i.field), i.present));
        let check = ids.as_ref().map(|(c, p)| (Arc::clone(c), *p));
        let map: MapFn<T> = Arc::new(move |i, v| {
            let r: R = decode_item(vendor, &endpoint, i, &v)?;
            if let Some((check, present)) = &check
                && !check.keep(i, present(&r))
            {
                return Ok(None);
            }
            f(i, r, v)
        });
        ListRun {
            call: self.call,
            map,
            unique: None,
            ids: ids.map(|(c, _)| c),
        }
    }
}

/// A mapped call of a listing, ready to run.
pub struct ListRun<T> {
    call: Call,
    map: MapFn<T>,
    unique: Option<IdFn<T>>,
    ids: Option<Arc<IdCheck>>,
}

impl<T> fmt::Debug for ListRun<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRun")
            .field("path", &self.call.path)
            .field("size", &self.call.size())
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> ListRun<T> {
    /// The request the engine runs (pure: nothing is sent).
    pub fn request(&self) -> Result<ListRequest<T>> {
        let c = &self.call;
        let envelope = c.envelope;
        Ok(ListRequest {
            endpoint: c.endpoint(),
            url: c.url()?,
            headers: c.headers.clone(),
            paginator: c.pager.paginator(c.size()),
            parse: Arc::new(move |resp| envelope.parse(resp)),
            map: Arc::clone(&self.map),
            resume: c.resume.clone(),
            unique: self.unique,
        })
    }

    /// The listing, page by page.
    pub fn pages(self) -> PageStream<T> {
        let req = match self.request() {
            Ok(r) => r,
            Err(e) => return error_stream(e),
        };
        let mut pages = page_stream(self.call.client.clone(), req);
        if let Some(explain) = self.call.explain.clone() {
            let mut delivered: Option<Delivered> = None;
            pages = pages
                .map(move |r| match r {
                    Ok(page) => {
                        delivered = Some(Delivered {
                            index: page.index,
                            resume: page.resume.clone(),
                        });
                        Ok(page)
                    }
                    Err(e) => Err(explain(e, delivered.as_ref())),
                })
                .boxed();
        }
        match &self.ids {
            Some(ids) => ids.guard(pages),
            None => pages,
        }
    }

    /// Whether `cursor` points into this listing.
    pub fn owns(&self, cursor: &Cursor) -> bool {
        self.call.owns(cursor)
    }

    /// This listing, then `next`, as one (Atera's and Datto's open, then
    /// resolved alerts): a resume cursor `next` [owns](ListRun::owns)
    /// resumes there; any other resumes this one, and `next` follows from
    /// its first page, which is fetched while this one is read
    /// ([`chain_ahead`]).
    pub fn then(self, mut next: ListRun<T>) -> PageStream<T> {
        if self.call.resume.as_ref().is_some_and(|c| next.owns(c)) {
            return next.pages();
        }
        next.call.resume = None;
        let vendor = next.call.client.vendor();
        let endpoint = next.call.endpoint();
        let second = lazy(async move { Ok(next.pages()) });
        chain_ahead(vendor, &endpoint, self.pages(), second)
    }
}

/// A listing built when it is first polled, by `build` (which may ask the
/// vendor something first); its error is the stream's only item.
pub fn lazy<T, F>(build: F) -> PageStream<T>
where
    T: Send + 'static,
    F: Future<Output = Result<PageStream<T>>> + Send + 'static,
{
    futures::stream::once(build)
        .map(|r| r.unwrap_or_else(error_stream))
        .flatten()
        .boxed()
}

#[cfg(test)]
mod tests;
