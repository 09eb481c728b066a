//! What a listing is made of: the [`ListRequest`] the driver runs, the
//! [`Page`]s and [`Cursor`]s it yields, and the helpers that decode and
//! map records.

use super::*;

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
