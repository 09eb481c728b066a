//! Unit tests of `paginate`.

use super::strategy::follow;
use super::*;

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Agent {
    #[serde(rename = "AgentID")]
    id: u64,
}

#[test]
fn a_decode_error_names_the_path_and_keeps_the_decoder_error_as_its_source() {
    let v = serde_json::json!({"AgentID": "seven"});
    let e = decode_item::<Agent>(Vendor::Atera, "/api/v3/agents", 3, &v).unwrap_err();
    let Error::Decode { path, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, "items[3].AgentID");
    let source = std::error::Error::source(&e).expect("a source");
    let json = source
        .downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>()
        .and_then(|a| a.downcast_ref::<serde_json::Error>());
    assert!(json.is_some(), "{source:?}");
}

fn u(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn meta(items: usize) -> PageMeta {
    PageMeta {
        items,
        ..PageMeta::default()
    }
}

#[test]
fn page_number_ends_at_total_pages_or_an_empty_page() {
    let p = PageNumber {
        page_param: "page",
        size_param: "itemsInPage",
        size: 50,
        first_page: 1,
    };
    let first = p.first(&u("https://h/api/v3/alerts?alertStatus=Open"));
    assert_eq!(
        first.as_str(),
        "https://h/api/v3/alerts?alertStatus=Open&page=1&itemsInPage=50"
    );
    let m = PageMeta {
        total_pages: Some(3),
        ..meta(50)
    };
    let second = p.next(&first, &m).unwrap().unwrap();
    assert_eq!(
        second.as_str(),
        "https://h/api/v3/alerts?alertStatus=Open&itemsInPage=50&page=2"
    );
    let third = p.next(&second, &m).unwrap().unwrap();
    assert_eq!(p.next(&third, &m).unwrap(), None);
    assert_eq!(p.next(&first, &meta(0)).unwrap(), None);
    // Without totals a short page is the last.
    assert_eq!(p.next(&first, &meta(49)).unwrap(), None);
    assert!(p.next(&first, &meta(50)).unwrap().is_some());
    // Fan-out when the total is known.
    let rest = p.remaining(&first, &m).unwrap();
    assert_eq!(rest.len(), 2);
    assert!(rest[1].as_str().ends_with("page=3"));
}

#[test]
fn zero_based_pages_count_from_zero() {
    let p = PageNumber {
        page_param: "page",
        size_param: "max",
        size: 250,
        first_page: 0,
    };
    let first = p.first(&u("https://h/api/v2/account/devices"));
    let m = PageMeta {
        total_items: Some(751),
        ..meta(250)
    };
    let rest = p.remaining(&first, &m).unwrap();
    let pages: Vec<String> = rest.iter().map(|u| query_get(u, "page").unwrap()).collect();
    assert_eq!(pages, vec!["1", "2", "3"]);
}

#[test]
fn offset_pages_until_the_total() {
    let p = Offset {
        skip_param: "$skip",
        top_param: "$top",
        size: 100,
    };
    let first = p.first(&u("https://h/api/v3/devices"));
    let m = PageMeta {
        total_items: Some(250),
        ..meta(100)
    };
    let n = p.next(&first, &m).unwrap().unwrap();
    assert_eq!(query_get(&n, "$skip").as_deref(), Some("100"));
    let n = p.next(&n, &m).unwrap().unwrap();
    assert_eq!(query_get(&n, "$skip").as_deref(), Some("200"));
    let last = PageMeta {
        total_items: Some(250),
        ..meta(50)
    };
    assert_eq!(p.next(&n, &last).unwrap(), None);
    assert_eq!(p.remaining(&first, &m).unwrap().len(), 2);
}

#[test]
fn next_url_ends_on_empty_or_null_and_refuses_other_origins() {
    let p = NextUrl {
        first: PageNumber {
            page_param: "page",
            size_param: "itemsInPage",
            size: 50,
            first_page: 1,
        },
    };
    let sent = u("https://app.atera.com/api/v3/customers?page=1&itemsInPage=50");
    let with = |next: Option<&str>| PageMeta {
        next_url: next.map(str::to_string),
        ..meta(50)
    };
    assert_eq!(p.next(&sent, &with(Some(""))).unwrap(), None);
    assert_eq!(p.next(&sent, &with(None)).unwrap(), None);
    let n = p
        .next(
            &sent,
            &with(Some(
                "https://app.atera.com/api/v3/customers?page=2&itemsInPage=50",
            )),
        )
        .unwrap()
        .unwrap();
    assert_eq!(query_get(&n, "page").as_deref(), Some("2"));
    assert_eq!(
        p.next(
            &sent,
            &with(Some("https://evil.example/api/v3/customers?page=2"))
        ),
        Err(PageError::ForeignOrigin("https://evil.example".into()))
    );
    // Same host, other scheme or port is another origin too.
    assert!(
        p.next(&sent, &with(Some("http://app.atera.com/x")))
            .is_err()
    );
}

#[test]
fn dropped_query_parameters_are_put_back() {
    let sent = u("https://h/api/v2/account/devices?max=250&page=0&filter=x");
    let n = follow(&sent, "https://h/api/v2/account/devices?page=1")
        .unwrap()
        .unwrap();
    assert_eq!(query_get(&n, "max").as_deref(), Some("250"));
    assert_eq!(query_get(&n, "filter").as_deref(), Some("x"));
    assert_eq!(query_get(&n, "page").as_deref(), Some("1"));
}

#[test]
fn link_header_parsing_finds_rel_next() {
    let h = r#"<https://h/v4_6_release/apis/3.0/company/companies?page=2&pageSize=1000>; rel="next", <https://h/x?page=9>; rel="last""#;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("link", h.parse().unwrap());
    let resp = Response {
        status: reqwest::StatusCode::OK,
        headers,
        body: Vec::new(),
        endpoint: "/company/companies".into(),
        url: u("https://h/"),
        vendor: Vendor::ConnectWise,
    };
    assert_eq!(
        PageMeta::link_next_from(&resp).as_deref(),
        Some("https://h/v4_6_release/apis/3.0/company/companies?page=2&pageSize=1000")
    );
    let mut resp2 = resp.clone();
    resp2.headers.insert("link", "".parse().unwrap());
    assert_eq!(PageMeta::link_next_from(&resp2), None);
}

#[test]
fn link_header_commas_inside_the_target_do_not_split_it() {
    assert_eq!(
        PageMeta::link_next(r#"<https://h/x?fields=id,name&page=2>; rel="next""#).as_deref(),
        Some("https://h/x?fields=id,name&page=2")
    );
    assert_eq!(
            PageMeta::link_next(
                r#"<https://h/x?page=1>; rel="prev"; title="a, b; c", <https://h/x?fields=a,b&page=3>; rel=next"#
            )
            .as_deref(),
            Some("https://h/x?fields=a,b&page=3")
        );
}

#[test]
fn link_header_rel_may_list_several_types() {
    assert_eq!(
        PageMeta::link_next(r#"<https://h/x?page=2>; rel="prev next""#).as_deref(),
        Some("https://h/x?page=2")
    );
    assert_eq!(
        PageMeta::link_next(r#"<https://h/x?page=2>; REL="Next Last""#).as_deref(),
        Some("https://h/x?page=2")
    );
    assert_eq!(
        PageMeta::link_next(r#"<https://h/x?page=2>; rel="nextish""#),
        None
    );
    assert_eq!(PageMeta::link_next(r#"<https://h/x>; rel="last""#), None);
}

#[test]
fn link_header_garbage_is_no_link_and_no_panic() {
    for h in [
        "<",
        "<>",
        ";;;",
        "<a>;",
        "<a>; rel=\"",
        "x, <b>; rel=next",
        "é<ü>; rel=\"ñext\"",
    ] {
        let _ = PageMeta::link_next(h);
    }
    assert_eq!(
        PageMeta::link_next("x, <b>; rel=next").as_deref(),
        Some("b")
    );
}

#[test]
fn offsets_and_page_numbers_near_u64_max_are_errors_not_panics() {
    let o = Offset {
        skip_param: "$skip",
        top_param: "$top",
        size: 100,
    };
    let sent = u(&format!("https://h/d?$skip={}&$top=100", u64::MAX - 5));
    let m = PageMeta {
        total_items: Some(u64::MAX),
        ..meta(100)
    };
    assert!(matches!(o.next(&sent, &m), Err(PageError::Overflow(_))));
    let _ = o.remaining_iter(&sent, &m).map(|mut it| it.next());
    let p = PageNumber {
        page_param: "page",
        size_param: "pageSize",
        size: 10,
        first_page: 1,
    };
    let sent = u(&format!("https://h/c?page={}", u64::MAX));
    assert!(matches!(
        p.next(&sent, &meta(10)),
        Err(PageError::Overflow(_))
    ));
    let huge = PageMeta {
        total_pages: Some(u64::MAX),
        ..meta(10)
    };
    assert_eq!(p.next(&sent, &huge).unwrap(), None);
    assert_eq!(
        p.remaining_iter(&sent, &huge).map(|mut it| it.next()),
        Some(None)
    );
    let huge_items = PageMeta {
        total_items: Some(u64::MAX),
        ..meta(10)
    };
    assert!(
        p.remaining_iter(&u("https://h/c?page=1"), &huge_items)
            .is_some()
    );
}
