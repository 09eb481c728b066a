//! What is cut from a name's words before names are compared: flags (`zz`,
//! `OLD`, `do not use`), a leading or trailing `The`, legal forms (repeatedly:
//! `GmbH & Co. KG`), qualifiers that name a past rather than a site, and the
//! split at `dba` / `t/a` into two names for one business.

use crate::lexicon::{
    LEGAL, LEGAL_PHRASES, NOISE_FILLER, NOISE_PHRASES, STOP, STRONG_NOISE, WEAK_NOISE,
    is_connector, legal_family,
};
use crate::tokenize::RawTok;

fn has_noise_phrase(toks: &[RawTok]) -> bool {
    NOISE_PHRASES.iter().any(|phrase| {
        toks.windows(phrase.len())
            .any(|w| w.iter().zip(phrase.iter()).all(|(t, p)| t.text == *p))
    })
}

/// A segment such as "ZZ", "OLD" or "DO NOT USE".
pub(crate) fn is_noise_run(toks: &[RawTok]) -> bool {
    let flagged = toks.iter().any(|t| t.is(STRONG_NOISE | WEAK_NOISE)) || has_noise_phrase(toks);
    flagged
        && toks
            .iter()
            .all(|t| t.is(STRONG_NOISE | WEAK_NOISE | NOISE_FILLER))
}

/// What a bracketed or dash-separated qualifier adds to the name, if anything.
pub(crate) fn clean_qualifier(toks: &[RawTok], noisy: &mut bool) -> Option<Vec<RawTok>> {
    if toks.iter().any(|t| t.is(STRONG_NOISE)) || is_noise_run(toks) {
        *noisy = true;
        return None;
    }
    // "(formerly Acme Widgets)" names a past, not a site.
    if toks.iter().any(|t| {
        matches!(
            t.text.as_str(),
            "formerly" | "fka" | "previously" | "prev" | "was" | "aka" | "dba" | "ta"
        )
    }) {
        return None;
    }
    let kept: Vec<RawTok> = toks
        .iter()
        .filter(|t| !t.is(LEGAL) && t.text != "the")
        .cloned()
        .collect();
    if kept.iter().all(|t| t.is(STOP)) {
        None
    } else {
        Some(kept)
    }
}

/// "Holloway Enterprises LLC dba Holloway Plumbing" is known by both names.
pub(crate) fn split_trading_name(toks: Vec<RawTok>) -> Vec<Vec<RawTok>> {
    let at = toks
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(i, t)| match t.text.as_str() {
            "dba" | "ta" | "aka" | "fka" => Some((i, 1)),
            "trading" if toks.get(i + 1).is_some_and(|n| n.text == "as") => Some((i, 2)),
            _ => None,
        });
    match at {
        Some((i, width)) if i + width < toks.len() => {
            let mut left = toks;
            let right = left.split_off(i + width);
            left.truncate(i);
            vec![left, right]
        }
        _ => vec![toks],
    }
}

pub(crate) fn clean_head(
    mut toks: Vec<RawTok>,
    caps_mark_noise: bool,
    noisy: &mut bool,
) -> (Vec<RawTok>, Option<String>) {
    let mut legal = None;
    // "zzAcme": the flag glued to the name.
    if let Some(first) = toks.first_mut() {
        let rest = first.text.trim_start_matches('z');
        if first.text.starts_with("zz") && rest.len() >= 3 {
            *first = RawTok::new(rest.to_string(), first.upper);
            *noisy = true;
        }
    }
    loop {
        let mut changed = strip_noise_edges(&mut toks, caps_mark_noise);
        *noisy |= changed;
        if toks.len() > 1 && toks.first().is_some_and(|t| t.text == "the") {
            toks.remove(0);
            changed = true;
        }
        // "Acme, The"
        if toks.len() > 1 && toks.last().is_some_and(|t| t.text == "the") {
            toks.pop();
            changed = true;
        }
        if let Some(form) = strip_legal(&mut toks) {
            // The suffix written last is the one people vary least.
            legal.get_or_insert(form);
            changed = true;
        }
        if !changed {
            return (toks, legal);
        }
    }
}

fn strip_noise_edges(toks: &mut Vec<RawTok>, caps_mark_noise: bool) -> bool {
    let edge_noise =
        |t: &RawTok| t.is(STRONG_NOISE) || (t.is(WEAK_NOISE) && t.upper && caps_mark_noise);
    let mut removed = false;
    while toks.len() > 1 {
        let n = toks.len();
        let prefix = NOISE_PHRASES
            .iter()
            .find(|p| p.len() < n && toks.iter().zip(p.iter()).all(|(t, w)| t.text == *w));
        let suffix = NOISE_PHRASES.iter().find(|p| {
            p.len() < n
                && toks[n - p.len()..]
                    .iter()
                    .zip(p.iter())
                    .all(|(t, w)| t.text == *w)
        });
        if let Some(p) = prefix {
            toks.drain(..p.len());
        } else if let Some(p) = suffix {
            toks.truncate(n - p.len());
        } else if toks.first().is_some_and(edge_noise) {
            toks.remove(0);
        } else if toks.last().is_some_and(edge_noise) {
            toks.pop();
        } else {
            break;
        }
        removed = true;
    }
    removed
}

/// Strips legal suffixes; returns the outermost one, canonicalized.
fn strip_legal(toks: &mut Vec<RawTok>) -> Option<String> {
    let mut outermost: Option<String> = None;
    loop {
        let n = toks.len();
        let phrase = LEGAL_PHRASES.iter().find(|p| {
            n > p.len()
                && toks[n - p.len()..]
                    .iter()
                    .zip(p.iter())
                    .all(|(t, w)| t.text == *w)
        });
        let cut = match phrase {
            Some(p) => n - p.len(),
            None if n > 1 && toks.last().is_some_and(|t| t.is(LEGAL)) => n - 1,
            None => return outermost,
        };
        if outermost.is_none() {
            let written: String = toks[cut..].iter().map(|t| t.text.as_str()).collect();
            outermost = Some(legal_family(&written).to_string());
        }
        toks.truncate(cut);
        while toks.len() > 1 && toks.last().is_some_and(|t| is_connector(&t.text)) {
            toks.pop();
        }
    }
}
