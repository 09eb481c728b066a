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

mod run;

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

/// One call of a [`Listing`], being set up (see the [module docs](self)).
pub struct ListCall<R> {
    call: Call,
    ids: Option<Ids<R>>,
    unique: bool,
}

/// A mapped call of a listing, ready to run.
pub struct ListRun<T> {
    call: Call,
    map: MapFn<T>,
    unique: Option<IdFn<T>>,
    ids: Option<Arc<IdCheck>>,
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
