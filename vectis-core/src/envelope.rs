//! Where a vendor's list answer keeps its records, its total and its next
//! link: an [`Envelope`], declared as data and read by one parser.
//!
//! | vendor | envelope |
//! | --- | --- |
//! | Atera | `Envelope::object("items").total("totalItemCount").pages("totalPages").next("nextLink")` |
//! | Kaseya VSA X | `Envelope::object("Data").total("Meta.TotalCount")` |
//! | Datto RMM | `Envelope::object("sites").require("pageDetails").count("pageDetails.count")…` |
//! | ConnectWise | `Envelope::array()` (paging facts in the `Link` header) |
//!
//! A missing or `null` record list is an empty page when nothing says there
//! are records (no count, no total above zero, no next link), and an
//! [`Error::UnexpectedResponse`] when something does. A paging field of the
//! wrong type is an [`Error::Decode`] naming its path (`pageDetails.count`);
//! fields paging never reads never fail a page. A vendor's quirk is a
//! [`Hook`] that adjusts the page after it was read.

use crate::error::{Error, Result};
use crate::http::Response;
use crate::paginate::{PageMeta, RawPage};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A quirk: adjusts a page read from `resp` (Datto's capped page size,
/// ConnectWise's list without a `Link` header).
pub type Hook = fn(&Response, &mut RawPage) -> Result<()>;

/// Where the records are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Items {
    /// Under this key of a JSON object.
    Key(&'static str),
    /// The body is a bare JSON array.
    Array,
}

/// A list answer's shape (see the [module docs](self)). Paths are
/// dot-separated keys (`Meta.TotalCount`).
#[derive(Debug, Clone, Copy)]
pub struct Envelope {
    /// Where the records are.
    pub items: Items,
    /// Records across all pages.
    pub total_items: Option<&'static str>,
    /// Pages in all.
    pub total_pages: Option<&'static str>,
    /// The next page's URL, in the body (`""` and `"null"` mean none).
    pub next: Option<&'static str>,
    /// Records on this page, as the vendor states it.
    pub count: Option<&'static str>,
    /// An object the answer must have (`pageDetails`).
    pub required: Option<&'static str>,
    /// The vendor's quirk, run on every page read.
    pub hook: Option<Hook>,
}

impl Envelope {
    /// A JSON object with the records under `items`.
    pub const fn object(items: &'static str) -> Envelope {
        Envelope {
            items: Items::Key(items),
            total_items: None,
            total_pages: None,
            next: None,
            count: None,
            required: None,
            hook: None,
        }
    }

    /// A bare JSON array of records.
    pub const fn array() -> Envelope {
        Envelope {
            items: Items::Array,
            ..Envelope::object("")
        }
    }

    /// The same envelope with the records under `key` (one envelope, many
    /// lists: Datto's `sites`, `devices`, `alerts`).
    pub const fn items(mut self, key: &'static str) -> Envelope {
        self.items = Items::Key(key);
        self
    }

    /// The total number of records is at `path`.
    pub const fn total(mut self, path: &'static str) -> Envelope {
        self.total_items = Some(path);
        self
    }

    /// The total number of pages is at `path`.
    pub const fn pages(mut self, path: &'static str) -> Envelope {
        self.total_pages = Some(path);
        self
    }

    /// The next page's URL is at `path`.
    pub const fn next(mut self, path: &'static str) -> Envelope {
        self.next = Some(path);
        self
    }

    /// The number of records on this page is at `path`.
    pub const fn count(mut self, path: &'static str) -> Envelope {
        self.count = Some(path);
        self
    }

    /// The answer must have a non-null `key`.
    pub const fn require(mut self, key: &'static str) -> Envelope {
        self.required = Some(key);
        self
    }

    /// Runs `hook` on every page read.
    pub const fn hook(mut self, hook: Hook) -> Envelope {
        self.hook = Some(hook);
        self
    }

    /// Splits an answer into its records and paging facts.
    pub fn parse(&self, resp: &Response) -> Result<RawPage> {
        let mut page = match self.items {
            Items::Array => array_page(resp)?,
            Items::Key(key) => self.object_page(resp, key)?,
        };
        if page.meta.link_next.is_none() {
            page.meta.link_next = PageMeta::link_next_from(resp);
        }
        if let Some(hook) = self.hook {
            hook(resp, &mut page)?;
        }
        Ok(page)
    }

    fn object_page(&self, resp: &Response, key: &str) -> Result<RawPage> {
        let mut body: Map<String, Value> = resp.json()?;
        if let Some(required) = self.required
            && body.get(required).is_none_or(Value::is_null)
        {
            return Err(resp.unexpected(format!("the answer has no `{required}`")));
        }
        let total_items: Option<u64> = field(resp, &body, self.total_items)?;
        let total_pages: Option<u64> = field(resp, &body, self.total_pages)?;
        let count: Option<u64> = field(resp, &body, self.count)?;
        let next: Option<String> = field::<String>(resp, &body, self.next)?
            .filter(|u| !u.trim().is_empty() && !u.trim().eq_ignore_ascii_case("null"));
        let items = match body.remove(key) {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => {
                let stated = count.or(total_items).unwrap_or(0);
                if stated > 0 {
                    return Err(resp.unexpected(format!(
                        "the answer has no `{key}` list although it says there are {stated} records"
                    )));
                }
                if next.is_some() {
                    return Err(resp.unexpected(format!(
                        "the answer has no `{key}` list although it links a next page"
                    )));
                }
                Vec::new()
            }
            Some(_) => return Err(resp.unexpected(format!("the answer has no `{key}` list"))),
        };
        Ok(RawPage {
            meta: PageMeta {
                items: items.len(),
                total_items,
                total_pages,
                next_url: next,
                link_next: None,
            },
            items,
        })
    }
}

fn array_page(resp: &Response) -> Result<RawPage> {
    let first = resp.body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return Err(resp.unexpected(
            "expected a JSON array of records (this list has no envelope) but got an object",
        ));
    }
    let items: Vec<Value> = resp.json()?;
    Ok(RawPage {
        meta: PageMeta {
            items: items.len(),
            ..PageMeta::default()
        },
        items,
    })
}

/// The value at `path` (`Meta.TotalCount`): `None` when absent or `null`, an
/// [`Error::Decode`] naming the path when of the wrong type.
fn field<T: DeserializeOwned>(
    resp: &Response,
    body: &Map<String, Value>,
    path: Option<&str>,
) -> Result<Option<T>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let mut keys = path.split('.');
    let mut at = keys.next().and_then(|k| body.get(k));
    for k in keys {
        at = at.and_then(|v| v.get(k));
    }
    match at {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::deserialize(v).map(Some).map_err(|e| Error::Decode {
            vendor: resp.vendor,
            endpoint: resp.endpoint.clone(),
            path: path.to_string(),
            message: e.to_string(),
            source: crate::error::decode_source(e),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vendor;
    use crate::http::StatusCode;

    fn resp(body: serde_json::Value) -> Response {
        Response::new(
            Vendor::Atera,
            "/api/v3/customers",
            url::Url::parse("https://h/api/v3/customers?page=1").unwrap(),
            StatusCode::OK,
            body.to_string(),
        )
    }

    const ATERA: Envelope = Envelope::object("items")
        .total("totalItemCount")
        .pages("totalPages")
        .next("nextLink");

    #[test]
    fn reads_items_totals_and_the_next_link() {
        let p = ATERA
            .parse(&resp(
                serde_json::json!({"items": [1, 2], "totalItemCount": 7,
                "totalPages": 4, "nextLink": "https://h/n", "page": -1}),
            ))
            .unwrap();
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.meta.total_items, Some(7));
        assert_eq!(p.meta.total_pages, Some(4));
        assert_eq!(p.meta.next_url.as_deref(), Some("https://h/n"));
        let end = ATERA
            .parse(&resp(serde_json::json!({"items": [], "nextLink": ""})))
            .unwrap();
        assert_eq!(end.meta.next_url, None);
    }

    #[test]
    fn null_items_are_empty_only_when_nothing_says_there_are_records() {
        let empty = ATERA
            .parse(&resp(
                serde_json::json!({"items": null, "totalItemCount": 0}),
            ))
            .unwrap();
        assert!(empty.items.is_empty());
        let e = ATERA
            .parse(&resp(
                serde_json::json!({"items": null, "totalItemCount": 3}),
            ))
            .unwrap_err();
        assert!(e.to_string().contains("there are 3 records"), "{e}");
    }

    #[test]
    fn a_paging_field_of_the_wrong_type_is_named_by_its_path() {
        let datto = Envelope::object("sites")
            .require("pageDetails")
            .count("pageDetails.count");
        let e = datto
            .parse(&resp(
                serde_json::json!({"pageDetails": {"count": "many"}, "sites": []}),
            ))
            .unwrap_err();
        let Error::Decode { path, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(path, "pageDetails.count");
        let e = datto
            .parse(&resp(serde_json::json!({"sites": []})))
            .unwrap_err();
        assert!(e.to_string().contains("no `pageDetails`"), "{e}");
    }

    #[test]
    fn an_array_envelope_refuses_an_object() {
        let e = Envelope::array()
            .parse(&resp(serde_json::json!({"items": []})))
            .unwrap_err();
        assert!(e.to_string().contains("JSON array"), "{e}");
        let p = Envelope::array()
            .parse(&resp(serde_json::json!([{"id": 1}])))
            .unwrap();
        assert_eq!(p.meta.items, 1);
    }
}
