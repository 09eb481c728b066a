//! Running a listing: [`HttpClient::list`] makes a [`ListCall`], its map makes a
//! [`ListRun`], and that gives the request or the pages.

use super::*;

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

    /// Every item of every page, in order, held in memory: for lookups
    /// (boards, a ticket's notes, an id per device), where a sync streams
    /// [`ListRun::pages`].
    pub async fn all(self) -> Result<Vec<T>> {
        use futures::TryStreamExt;
        let mut pages = self.pages();
        let mut out = Vec::new();
        while let Some(page) = pages.try_next().await? {
            out.extend(page.items);
        }
        Ok(out)
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
