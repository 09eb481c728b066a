//! Text that goes into an error: secrets [`redact`]ed, a body cut to a
//! [`snippet`].

use super::*;

/// `text` with every secret (at least 6 characters; shorter ones cannot be
/// told from ordinary words) and its form-urlencoded spelling replaced by
/// `[redacted]`.
pub fn redact(text: &str, secrets: &[SecretString]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        let raw = secret.expose_secret();
        if raw.chars().count() < 6 {
            continue;
        }
        let encoded: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        for form in [raw, encoded.as_str()] {
            if out.contains(form) {
                out = out.replace(form, "[redacted]");
            }
        }
    }
    out
}

/// Truncates a body for inclusion in an error: at most `max` bytes, on a
/// char boundary, whitespace folded. Only the start of the body is read (a
/// 64 MiB body is not converted to keep 300 bytes).
pub fn snippet(body: &[u8], max: usize) -> String {
    // Folding can only shorten the text; 4 bytes a char, plus room for
    // whitespace runs, is plenty to fill `max` after folding.
    let limit = max.saturating_mul(4).saturating_add(1024);
    let cut = body.len() > limit;
    let text = String::from_utf8_lossy(&body[..body.len().min(limit)]);
    let folded: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.len() <= max {
        return if cut { format!("{folded}…") } else { folded };
    }
    let mut end = max;
    while !folded.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &folded[..end])
}
