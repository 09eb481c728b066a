//! Splitting a folded name: bracketed parts and ` - ` segments set apart,
//! then words ([`RawTok`]) with `&`/`+` read as `and`, dotted initials and
//! runs of single letters joined, and web domains stripped of their ending.

use crate::lexicon::{expand, lexicon};

#[derive(Debug, Clone)]
pub(crate) struct RawTok {
    /// Lower case, abbreviations expanded.
    pub(crate) text: String,
    /// Lower case, as written.
    pub(crate) raw: String,
    /// Written in capitals ("OLD", "TEST").
    pub(crate) upper: bool,
    /// What the word lists say about `text`.
    pub(crate) flags: u16,
}

impl RawTok {
    pub(crate) fn new(raw: String, upper: bool) -> Self {
        let text = expand(&raw).map_or_else(|| raw.clone(), str::to_string);
        Self {
            flags: lexicon(&text),
            text,
            raw,
            upper,
        }
    }

    pub(crate) fn is(&self, flags: u16) -> bool {
        self.flags & flags != 0
    }
}

/// Splits off bracketed parts: "Acme (UK) Ltd [OLD]" -> ("Acme  Ltd ", ["UK", "OLD"]).
pub(crate) fn split_brackets(s: &str) -> (String, Vec<String>) {
    let mut main = String::with_capacity(s.len());
    let mut inner = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' | '{' | '<' => {
                depth += 1;
                if depth == 1 {
                    main.push(' ');
                } else {
                    current.push(' ');
                }
            }
            ')' | ']' | '}' | '>' => {
                if depth == 0 {
                    main.push(' ');
                    continue;
                }
                depth -= 1;
                if depth == 0 {
                    inner.push(std::mem::take(&mut current));
                } else {
                    current.push(' ');
                }
            }
            _ if depth > 0 => current.push(c),
            _ => main.push(c),
        }
    }
    if !current.trim().is_empty() {
        inner.push(current);
    }
    (main, inner)
}

/// Splits at " - " (a dash with a space on either side) and "|", which set off
/// sites and flags; "Smith-Jones" stays one segment.
pub(crate) fn split_segments(main: &str) -> Vec<String> {
    let chars: Vec<char> = main.chars().collect();
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '|' {
            segments.push(std::mem::take(&mut current));
            i += 1;
        } else if c == '-' {
            let mut end = i;
            while chars.get(end) == Some(&'-') {
                end += 1;
            }
            let space_before = i == 0 || chars.get(i - 1).is_some_and(|c| c.is_whitespace());
            let space_after = chars.get(end).is_none_or(|c| c.is_whitespace());
            if space_before || space_after {
                segments.push(std::mem::take(&mut current));
            } else {
                current.push(' ');
            }
            i = end;
        } else {
            current.push(c);
            i += 1;
        }
    }
    segments.push(current);
    segments
}

pub(crate) fn tokenize(segment: &str) -> Vec<RawTok> {
    let mut cleaned = String::with_capacity(segment.len() + 8);
    for c in segment.chars() {
        match c {
            '&' | '+' => cleaned.push_str(" and "),
            // "O'Brien" = "OBrien", "Macy's" = "Macys".
            '\'' | '`' => {}
            _ => cleaned.push(c),
        }
    }
    let mut words = Vec::new();
    for chunk in cleaned.split_whitespace() {
        split_chunk(chunk, &mut words);
    }
    // (raw lower case, written in capitals, is a run of single letters)
    let mut joined: Vec<(String, bool, bool)> = Vec::with_capacity(words.len());
    for word in words {
        let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
        let upper = letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase());
        let lower = word.to_lowercase();
        let single = lower.chars().count() == 1 && lower.chars().all(char::is_alphabetic);
        // "A B C Plumbing" is "ABC Plumbing".
        if single && let Some(prev) = joined.last_mut().filter(|p| p.2) {
            prev.0.push_str(&lower);
            continue;
        }
        joined.push((lower, upper, single));
    }
    joined
        .into_iter()
        .map(|(raw, upper, _)| RawTok::new(raw, upper))
        .collect()
}

fn split_chunk(chunk: &str, out: &mut Vec<String>) {
    let chunk = chunk.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
    if chunk.is_empty() {
        return;
    }
    // Dotted initials are one word: "L.L.C." = "LLC", "S.A." = "SA".
    if chunk.contains('.') {
        let parts: Vec<&str> = chunk.split('.').filter(|p| !p.is_empty()).collect();
        let initials = parts.len() >= 2
            && parts.iter().all(|p| {
                let mut cs = p.chars();
                matches!((cs.next(), cs.next()), (Some(c), None) if c.is_alphanumeric())
            });
        if initials {
            out.push(parts.concat());
            return;
        }
    }
    let body = strip_domain(chunk);
    out.extend(
        body.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string),
    );
}

/// "acme.com" and "www.acme.co.uk" name the company "acme".
fn strip_domain(chunk: &str) -> &str {
    // Longer endings first, so "acme.co.uk" loses ".co.uk", not ".uk".
    const TLDS: &str =
        ".co.uk .com.au .co.nz .com .net .org .io .biz .info .us .uk .de .ca .nl .eu .au .co";
    if !chunk.is_ascii() || !chunk.contains('.') {
        return chunk;
    }
    let lower = chunk.to_ascii_lowercase();
    let start = if lower.starts_with("www.") { 4 } else { 0 };
    for tld in TLDS.split_whitespace() {
        if let Some(stem) = lower.strip_suffix(tld) {
            let stem_ok = stem.len() >= start + 2
                && !stem.ends_with('.')
                && stem
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if stem_ok {
                return chunk.get(start..stem.len()).unwrap_or(chunk);
            }
        }
    }
    chunk
}
