//! Server-side paging for the fakes: which slice of a list a page holds (by
//! page number or by offset), the URL of another page, and the `Link`
//! header. Page sizes, defaults, limits, envelopes and error answers are
//! each vendor's facts and stay in its fake.

use super::RequestView;

/// Where one page of a list starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Index of the page's first item (`total` when the page is past the end).
    pub start: usize,
    /// Index one past the page's last item.
    pub end: usize,
    /// How many items the whole list has.
    pub total: usize,
}

impl Page {
    /// Page `number` of a list of `total` items cut into pages of `size`,
    /// pages counted from `first` (0 or 1); a number below `first` counts as
    /// `first`. A page past the end is empty.
    pub fn by_number(total: usize, number: usize, first: usize, size: usize) -> Self {
        let offset = number.saturating_sub(first).saturating_mul(size);
        Self::by_offset(total, offset, size)
    }

    /// The (at most) `size` items from index `offset` of a list of `total`.
    pub fn by_offset(total: usize, offset: usize, size: usize) -> Self {
        let start = offset.min(total);
        let end = start.saturating_add(size).min(total);
        Self { start, end, total }
    }

    /// How many pages of `size` a list of `total` items makes (0 for an
    /// empty list).
    pub fn count(total: usize, size: usize) -> usize {
        total.div_ceil(size.max(1))
    }

    /// How many items the page holds.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the page holds nothing.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Whether items follow this page.
    pub fn has_next(&self) -> bool {
        self.end < self.total
    }

    /// The page's items, cloned out of the whole list `items`.
    pub fn items<T: Clone>(&self, items: &[T]) -> Vec<T> {
        items
            .get(self.start..self.end)
            .map(<[T]>::to_vec)
            .unwrap_or_default()
    }
}

/// What a page URL keeps of the request's query besides the parameters it
/// sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Others {
    /// Everything, in order: a parameter being set keeps its place and its
    /// spelling (every occurrence takes the new value); one the request did
    /// not have is appended.
    InPlace,
    /// Everything else, in order, the parameters being set (removed wherever
    /// they were) appended last.
    Last,
    /// Nothing: the URL has only the parameters being set.
    Dropped,
}

/// The absolute URL `{origin}{path}?{query}` of another page: the request's
/// path, its query with `set` applied (names compared case-insensitively)
/// and the rest treated as `others` says, form-encoded.
pub fn page_url(
    origin: &str,
    request: &RequestView<'_>,
    set: &[(&str, String)],
    others: Others,
) -> String {
    let is_set = |k: &str| set.iter().any(|(s, _)| k.eq_ignore_ascii_case(s));
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    match others {
        Others::InPlace => {
            for (k, v) in request.query_pairs() {
                let new = set.iter().find(|(s, _)| k.eq_ignore_ascii_case(s));
                pairs.push((k, new.map_or(v.as_str(), |(_, n)| n.as_str())));
            }
            let had = |s: &str| {
                request
                    .query_pairs()
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(s))
            };
            pairs.extend(
                set.iter()
                    .filter(|(s, _)| !had(s))
                    .map(|(s, v)| (*s, v.as_str())),
            );
        }
        Others::Last | Others::Dropped => {
            if others == Others::Last {
                pairs.extend(
                    request
                        .query_pairs()
                        .iter()
                        .filter(|(k, _)| !is_set(k))
                        .map(|(k, v)| (k.as_str(), v.as_str())),
                );
            }
            pairs.extend(set.iter().map(|(s, v)| (*s, v.as_str())));
        }
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{origin}{}?{query}", request.path())
}

/// An RFC 8288 `Link` header value: `<url>; rel="rel"` for each
/// `(rel, url)`, joined with `, ` (empty for no links).
pub fn link_header(links: &[(&str, String)]) -> String {
    links
        .iter()
        .map(|(rel, url)| format!("<{url}>; rel=\"{rel}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    #[test]
    fn pages_by_number_and_offset() {
        let p = Page::by_number(45, 3, 1, 20);
        assert_eq!((p.start, p.end, p.len(), p.has_next()), (40, 45, 5, false));
        assert!(Page::by_number(45, 2, 1, 20).has_next());
        assert_eq!(Page::by_number(45, 0, 0, 20), Page::by_number(45, 1, 1, 20));
        let past = Page::by_number(45, 9, 1, 20);
        assert!(past.is_empty() && !past.has_next());
        assert_eq!(past.start, 45);
        assert!(Page::by_number(10, usize::MAX, 1, 20).is_empty());
        assert_eq!(
            Page::by_offset(10, 4, 3).items(&(0..10).collect::<Vec<_>>()),
            vec![4, 5, 6]
        );
        assert_eq!(Page::by_offset(10, 8, usize::MAX).len(), 2);
        assert_eq!(
            (Page::count(45, 20), Page::count(0, 20), Page::count(40, 20)),
            (3, 0, 2)
        );
    }

    async fn request(tail: &str) -> Request {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        reqwest::get(format!("{}{tail}", server.uri()))
            .await
            .unwrap();
        server.received_requests().await.unwrap().remove(0)
    }

    #[tokio::test]
    async fn page_urls_keep_set_or_drop_the_rest() {
        let r = request("/l?Page=2&q=a%20b&size=5").await;
        let v = RequestView::new(&r, "http://o");
        let set = |p: usize| vec![("page", p.to_string())];
        assert_eq!(
            page_url("http://o", &v, &set(3), Others::InPlace),
            "http://o/l?Page=3&q=a+b&size=5"
        );
        assert_eq!(
            page_url("http://o", &v, &set(3), Others::Last),
            "http://o/l?q=a+b&size=5&page=3"
        );
        assert_eq!(
            page_url(
                "http://x",
                &v,
                &[("max", "5".into()), ("page", "1".into())],
                Others::Dropped
            ),
            "http://x/l?max=5&page=1"
        );
        let r = request("/l?size=5").await;
        let v = RequestView::new(&r, "http://o");
        assert_eq!(
            page_url("http://o", &v, &set(2), Others::InPlace),
            "http://o/l?size=5&page=2"
        );
        assert_eq!(
            link_header(&[("next", "http://o/a".into()), ("last", "http://o/b".into())]),
            "<http://o/a>; rel=\"next\", <http://o/b>; rel=\"last\""
        );
        assert_eq!(link_header(&[]), "");
    }
}
