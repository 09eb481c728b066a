//! Scoring a pair of prepared names: exact agreement ([`exact_strength`]) or
//! the fuzzy score, a weighted soft Dice over words with compound and typo
//! rules and penalties for words one side lacks ([`similarity`] for two raw
//! names). The crate docs give the weights and why.

use crate::lexicon::Class;
use crate::normalize::{Form, Prepared, Tok};

// Token weights: a shared surname carries the identity, "services" hardly any.
const STOP_WEIGHT: f64 = 0.1;
const GENERIC_WEIGHT: f64 = 0.35;
const DISTINCT_WEIGHT: f64 = 1.0;

// A one-letter slip in a dictionary word ("Bakry") is almost surely a typo; in a
// proper name it may be another family ("Johnston" is not "Johnson").
const TYPO_WORD_SIM: f64 = 0.85;
const TYPO_NAME_SIM: f64 = 0.7;
const TYPO_LONG_WORD_SIM: f64 = 0.75;
const COMPOUND_SIM: f64 = 0.95;

// A distinguishing word on one side only ("Smith Dental" / "Smith Dental Lab")
// means a different business more often than a sloppy name.
const EXTRA_TOKEN_FACTOR: f64 = 0.85;
// Different distinguishing words on both sides ("Plumbing" / "Electrical").
const CONFLICT_FACTOR: f64 = 0.55;
// Different generic words on both sides ("Consulting" / "Solutions").
const GENERIC_CONFLICT_FACTOR: f64 = 0.9;
// Entries marked old/zz/inactive lose ties against clean ones.
const NOISY_FACTOR: f64 = 0.95;
// Keeps 1.0 meaning "override or exact" in the output.
const FUZZY_CEILING: f64 = 0.99;

impl Class {
    pub(crate) fn weight(self) -> f64 {
        match self {
            Class::Stop => STOP_WEIGHT,
            Class::Generic => GENERIC_WEIGHT,
            Class::Distinct => DISTINCT_WEIGHT,
        }
    }
}

/// Similarity of two raw names in `[0, 1]`: 1.0 when they normalize to the same
/// name, otherwise the fuzzy score the matcher uses (at most 0.99).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (Prepared::new(a), Prepared::new(b));
    if exact_strength(&a, &b).is_some() {
        1.0
    } else {
        fuzzy(&a, &b)
    }
}

/// 2: the names agree including qualifiers; 1: the cores agree and at most
/// one side carries a qualifier ("Acme - London" vs "Acme Ltd").
fn exact_strength(a: &Prepared, b: &Prepared) -> Option<u8> {
    let mut best = None;
    for fa in &a.forms {
        for fb in &b.forms {
            if fa.full_key.is_empty() || fb.full_key.is_empty() {
                continue;
            }
            if fa.full_key == fb.full_key {
                return Some(2);
            }
            // "Acme - London" and "Acme - Paris" are different sites.
            if fa.core_key == fb.core_key && !(fa.qualified && fb.qualified) {
                best = Some(1);
            }
        }
    }
    best
}

pub(crate) fn pair_score(a: &Prepared, b: &Prepared) -> (f64, Option<u8>) {
    if let Some(strength) = exact_strength(a, b) {
        return (1.0, Some(strength));
    }
    if a.placeholder || b.placeholder {
        return (0.0, None);
    }
    (fuzzy(a, b), None)
}

fn fuzzy(a: &Prepared, b: &Prepared) -> f64 {
    let mut best: f64 = 0.0;
    for fa in &a.forms {
        for fb in &b.forms {
            best = best.max(form_score(fa, fb));
        }
    }
    if a.noisy || b.noisy {
        best *= NOISY_FACTOR;
    }
    best.clamp(0.0, FUZZY_CEILING)
}

fn form_score(a: &Form, b: &Form) -> f64 {
    if !a.qualified && !b.qualified {
        return token_score(&a.core, &b.core);
    }
    let full = token_score(&a.full, &b.full);
    if a.qualified && b.qualified {
        // Both name a site; the sites must agree too.
        return full;
    }
    full.max(token_score(&a.core, &b.core))
}

/// A token after joining adjacent tokens that the other name writes as one
/// word; a joined pair borrows the other name's token.
struct MergedTok<'a> {
    tok: &'a Tok,
    compound: bool,
}

fn merged<'a>(toks: &'a [Tok], other: &'a [Tok]) -> Vec<MergedTok<'a>> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        if let Some(next) = toks.get(i + 1) {
            let len = t.raw.len() + next.raw.len();
            let joined = other.iter().find(|o| {
                o.raw.len() == len
                    && o.raw.starts_with(t.raw.as_str())
                    && o.raw.ends_with(next.raw.as_str())
            });
            if let Some(o) = joined {
                out.push(MergedTok {
                    tok: o,
                    compound: true,
                });
                i += 2;
                continue;
            }
        }
        out.push(MergedTok {
            tok: t,
            compound: false,
        });
        i += 1;
    }
    out
}

/// Weighted soft Dice over tokens, then penalties for words one name has and
/// the other lacks.
fn token_score(a: &[Tok], b: &[Tok]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let ma = merged(a, b);
    let mb = merged(b, a);
    let total: f64 = ma.iter().chain(&mb).map(|t| t.tok.class.weight()).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, x) in ma.iter().enumerate() {
        for (j, y) in mb.iter().enumerate() {
            let s = token_sim(x, y);
            if s > 0.0 {
                pairs.push((s, i, j));
            }
        }
    }
    pairs.sort_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)).then(p.2.cmp(&q.2)));
    let mut used_a = vec![false; ma.len()];
    let mut used_b = vec![false; mb.len()];
    let mut matched = 0.0;
    for (s, i, j) in pairs {
        if used_a[i] || used_b[j] {
            continue;
        }
        used_a[i] = true;
        used_b[j] = true;
        matched += s * (ma[i].tok.class.weight() + mb[j].tok.class.weight());
    }
    let leftover = |toks: &[MergedTok], used: &[bool], class: Class| {
        toks.iter()
            .zip(used)
            .any(|(t, &u)| !u && t.tok.class == class)
    };
    let extra_a = leftover(&ma, &used_a, Class::Distinct);
    let extra_b = leftover(&mb, &used_b, Class::Distinct);
    let mut score = matched / total;
    if extra_a && extra_b {
        score *= CONFLICT_FACTOR;
    } else if extra_a || extra_b {
        score *= EXTRA_TOKEN_FACTOR;
    } else if leftover(&ma, &used_a, Class::Generic) && leftover(&mb, &used_b, Class::Generic) {
        score *= GENERIC_CONFLICT_FACTOR;
    }
    score
}

fn token_sim(a: &MergedTok, b: &MergedTok) -> f64 {
    if a.tok.text == b.tok.text {
        return if a.compound || b.compound {
            COMPOUND_SIM
        } else {
            1.0
        };
    }
    if a.compound || b.compound {
        return 0.0;
    }
    typo_sim(a.tok, b.tok)
}

fn typo_sim(a: &Tok, b: &Tok) -> f64 {
    // "Unit 5" is not "Unit 6".
    if a.has_digit || b.has_digit {
        return 0.0;
    }
    let shorter = a.chars.min(b.chars);
    // Short words differ by one letter all the time ("Acme"/"Acne"), and
    // people rarely mistype a first letter.
    if shorter < 5 || a.chars.abs_diff(b.chars) > 2 || a.first != b.first {
        return 0.0;
    }
    let word = a.vocabulary || b.vocabulary;
    let (a, b) = (a.text.as_str(), b.text.as_str());
    match strsim::osa_distance(a, b) {
        1 if word || is_transposition(a, b) => TYPO_WORD_SIM,
        1 => TYPO_NAME_SIM,
        2 if word && shorter >= 8 => TYPO_LONG_WORD_SIM,
        _ => 0.0,
    }
}

/// "Pheonix" for "Phoenix": swapped neighbours are a typing slip, not a name.
fn is_transposition(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&k| a[k] != b[k]).collect();
    matches!(diff.as_slice(), [x, y] if *y == x + 1 && a[*x] == b[*y] && a[*y] == b[*x])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_THRESHOLD;

    #[test]
    fn similarity_keeps_extra_distinguishing_words_below_threshold() {
        let t = DEFAULT_THRESHOLD;
        assert!(similarity("Smith Dental", "Smith Dental Lab") < t);
        assert!(similarity("Bright Smile Dental", "Bright Smile Dental Lab") < t);
        assert!(similarity("North Star Plumbing", "North Star Electrical") < t);
        assert!(similarity("Acme Corp", "Acme Logistics") < t);
        assert!(similarity("Acme - London", "Acme - Paris") < t);
    }

    #[test]
    fn similarity_tolerates_typos_spacing_and_generic_words() {
        let t = DEFAULT_THRESHOLD;
        assert!(similarity("Magnolia Bakery", "Magnolia Bakry") >= t);
        assert!(similarity("Northstar Roofing", "North Star Roofing") >= t);
        assert!(similarity("Crown Hospitality Group", "Crown Hospitality") >= t);
        assert!(similarity("Phoenix Rising Therapy", "Pheonix Rising Therapy") >= t);
    }

    #[test]
    fn similarity_stays_in_unit_range_for_empty_and_punctuation_names() {
        for (a, b) in [
            ("", ""),
            ("Acme", ""),
            ("!!!", "???"),
            ("Acme", "Acme"),
            ("x", "y"),
        ] {
            let s = similarity(a, b);
            assert!((0.0..=1.0).contains(&s), "{a:?} {b:?} -> {s}");
        }
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("!!!", "???"), 0.0);
    }

    #[test]
    fn similarity_does_not_depend_on_argument_order() {
        for (a, b) in [
            ("Magnolia Bakery", "Magnolia Bakry"),
            ("North Star Roofing", "Northstar Roofing"),
            ("Smith Dental", "Smith Dental Lab"),
            ("Acme Ltd - London", "Acme London Ltd"),
        ] {
            assert_eq!(similarity(a, b), similarity(b, a), "{a:?} {b:?}");
        }
    }
}
