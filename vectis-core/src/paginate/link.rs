//! RFC 8288 `Link` headers, read leniently: [`link_values`].

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
