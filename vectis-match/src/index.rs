//! Which pairs are scored at all: every PSA name is indexed under its words,
//! their one-deletion variants and neighbouring words written together, and
//! an RMM customer is scored only against the companies it shares one of
//! those with ([`candidate_edges`]), so thousands by thousands stay fast.

use std::collections::{HashMap, HashSet};

use crate::ladder::Outcome;
use crate::lexicon::Class;
use crate::normalize::{Prepared, Tok};
use crate::score::pair_score;

// Highest score a pair sharing one word with a name of three or more
// distinguishing words can reach: 0.85 x (2 + 2g) / (4 + 2g) stays below 0.6
// for any realistic weight g of shared generic words.
pub(crate) const PRUNED_SCORE_CAP: f64 = 0.6;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Edge {
    pub(crate) psa: usize,
    pub(crate) score: f64,
    pub(crate) exact: Option<u8>,
}

/// For every open RMM customer, its PSA candidates worth a look, best first.
/// Only pairs sharing a word, a near-word or a compound are scored, which
/// keeps thousands-by-thousands inputs fast.
pub(crate) fn candidate_edges(
    rmm: &[Prepared],
    psa: &[Prepared],
    outcome: &[Outcome],
    floor: f64,
    prune: bool,
) -> Vec<Vec<Edge>> {
    let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, p) in psa.iter().enumerate() {
        let mut sigs: HashSet<String> = HashSet::new();
        for group in signature_groups(p) {
            sigs.extend(group);
        }
        for sig in sigs {
            postings.entry(sig).or_default().push(j);
        }
    }
    // hits[j]: how many of the current RMM name's groups PSA j shares;
    // group_mark[j] stops one group counting twice.
    let mut hits = vec![0u32; psa.len()];
    let mut group_mark = vec![usize::MAX; psa.len()];
    let mut touched: Vec<usize> = Vec::new();
    let mut group_no = 0usize;
    rmm.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut list = Vec::new();
            if !matches!(outcome.get(i), Some(Outcome::Open)) {
                return list;
            }
            for group in signature_groups(r) {
                group_no += 1;
                for sig in &group {
                    for &j in postings.get(sig).into_iter().flatten() {
                        if group_mark[j] == group_no {
                            continue;
                        }
                        group_mark[j] = group_no;
                        if hits[j] == 0 {
                            touched.push(j);
                        }
                        hits[j] += 1;
                    }
                }
            }
            let needed = if prune && prunable(r) { 2 } else { 1 };
            for j in touched.drain(..) {
                let shared = std::mem::take(&mut hits[j]);
                if shared < needed {
                    continue;
                }
                let (score, exact) = pair_score(r, &psa[j]);
                if score >= floor {
                    list.push(Edge {
                        psa: j,
                        score,
                        exact,
                    });
                }
            }
            list.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.psa.cmp(&b.psa)));
            list
        })
        .collect()
}

/// The strings under which a name is indexed, in groups: one group per word
/// (its spellings and one-deletion variants, so words one edit apart meet)
/// and one per pair of neighbouring words written together ("North Star" /
/// "Northstar").
fn signature_groups(p: &Prepared) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for form in &p.forms {
        add_groups(&form.core, &mut groups, &mut seen);
        if form.qualified {
            add_groups(&form.full, &mut groups, &mut seen);
        }
    }
    groups
}

fn add_groups(toks: &[Tok], groups: &mut Vec<Vec<String>>, seen: &mut HashSet<String>) {
    let any_distinct = toks.iter().any(|t| t.class == Class::Distinct);
    let any_generic = toks.iter().any(|t| t.class == Class::Generic);
    for t in toks {
        // A pair sharing only "services" cannot score high, so such words are
        // indexed only for names made of nothing else.
        let include = match t.class {
            Class::Distinct => true,
            Class::Generic => !any_distinct,
            Class::Stop => !any_distinct && !any_generic,
        };
        if !include || !seen.insert(t.text.clone()) {
            continue;
        }
        let mut group = vec![t.text.clone()];
        if t.raw != t.text {
            group.push(t.raw.clone());
        }
        let chars: Vec<char> = t.text.chars().collect();
        if chars.len() >= 5 {
            for skip in 0..chars.len() {
                group.push(
                    chars
                        .iter()
                        .enumerate()
                        .filter(|&(k, _)| k != skip)
                        .map(|(_, c)| c)
                        .collect(),
                );
            }
        }
        groups.push(group);
    }
    for pair in toks.windows(2) {
        if let [x, y] = pair {
            let joined = format!("{}{}", x.raw, y.raw);
            if seen.insert(joined.clone()) {
                groups.push(vec![joined]);
            }
        }
    }
}

/// Whether pairs sharing a single signature group with this name can be
/// skipped. When every form of the name has three or more distinguishing
/// words, such a pair leaves at least two of them unmatched in every
/// comparison, which caps its score below [`PRUNED_SCORE_CAP`] (and rules out
/// exact). Pruning is used only when the threshold is well above that, so it
/// changes no link, only which weak suggestion an unlinked customer shows.
fn prunable(p: &Prepared) -> bool {
    !p.forms.is_empty()
        && p.forms.iter().all(|form| {
            let distinct: HashSet<&str> = form
                .core
                .iter()
                .filter(|t| t.class == Class::Distinct)
                .map(|t| t.text.as_str())
                .collect();
            distinct.len() >= 3
        })
}
