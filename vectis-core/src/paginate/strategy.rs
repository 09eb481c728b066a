//! The four paging strategies ([`PageNumber`], [`Offset`], [`NextUrl`],
//! [`LinkHeader`]) and the URL rules they share: a next URL stays on the
//! origin and keeps the query parameters the server dropped.

use super::*;

pub(super) fn query_get(url: &Url, name: &str) -> Option<String> {
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
pub(super) fn same_request(a: &Url, b: &Url) -> bool {
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
pub(super) fn follow(sent: &Url, next: &str) -> Result<Option<Url>, PageError> {
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
