//! Measures the default [`Matcher`] on a labelled MSP scenario
//! (`tests/data/matching_labelled.tsv`). Its behaviour at scale is
//! `tests/scale.rs`.
//!
//! Run with `cargo test -p vectis-match --test matching_labelled -- --nocapture`
//! to see the precision/recall figures quoted in the crate docs.

use std::collections::{BTreeMap, HashMap, HashSet};

use vectis_match::*;

const DATA: &str = include_str!("data/matching_labelled.tsv");

/// Recall the default matcher reached on the labelled set when it was tuned
/// (0.9557: 194 of 203 links), less about five links, so harmless tuning does
/// not break the build while a real regression does.
const MIN_RECALL: f64 = 0.93;
const MIN_PRECISION: f64 = 0.99;

struct Labelled {
    psa: Vec<Party>,
    rmm: Vec<Party>,
    /// rmm id -> expected PSA id (None = must stay unlinked).
    expected: HashMap<String, Option<String>>,
    /// rmm id -> kind of variation, for per-kind figures.
    kind: HashMap<String, String>,
}

fn load() -> Labelled {
    let mut data = Labelled {
        psa: Vec::new(),
        rmm: Vec::new(),
        expected: HashMap::new(),
        kind: HashMap::new(),
    };
    let mut section = "";
    for (n, line) in DATA.lines().enumerate() {
        let line_no = n + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[psa]" || line == "[rmm]" {
            section = if line == "[psa]" { "psa" } else { "rmm" };
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        match (section, cols.as_slice()) {
            ("psa", [id, name, ..]) => data.psa.push(Party::new(*id, *name)),
            ("rmm", [id, name, expected, rest @ ..]) => {
                data.rmm.push(Party::new(*id, *name));
                let expected = (!expected.is_empty()).then(|| expected.to_string());
                data.expected.insert(id.to_string(), expected);
                let kind = rest.first().copied().unwrap_or("?");
                data.kind.insert(id.to_string(), kind.to_string());
            }
            _ => panic!("line {line_no}: cannot read {line:?} in section {section:?}"),
        }
    }
    data
}

#[derive(Debug, Default)]
struct Figures {
    links_made: usize,
    correct: usize,
    should_exist: usize,
    wrong: Vec<String>,
    missed: Vec<String>,
}

impl Figures {
    fn precision(&self) -> f64 {
        if self.links_made == 0 {
            1.0
        } else {
            self.correct as f64 / self.links_made as f64
        }
    }

    fn recall(&self) -> f64 {
        if self.should_exist == 0 {
            1.0
        } else {
            self.correct as f64 / self.should_exist as f64
        }
    }
}

fn evaluate(data: &Labelled, results: &[MatchResult]) -> Figures {
    let psa_name: HashMap<&str, &str> = data
        .psa
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    let name_of = |id: Option<&str>| id.and_then(|id| psa_name.get(id).copied()).unwrap_or("-");
    let mut f = Figures::default();
    for r in results {
        let expected = data.expected.get(&r.rmm_id).cloned().flatten();
        if expected.is_some() {
            f.should_exist += 1;
        }
        match (&r.psa_id, &expected) {
            (Some(got), Some(want)) if got == want => f.correct += 1,
            (Some(got), _) => f.wrong.push(format!(
                "{:?} -> {:?} ({:?}, {:.3}), expected {:?}",
                r.rmm_name,
                name_of(Some(got)),
                r.reason,
                r.score,
                name_of(expected.as_deref()),
            )),
            (None, Some(want)) => f.missed.push(format!(
                "[{}] {:?} -> expected {:?}; best {:?} at {:.3}",
                data.kind.get(&r.rmm_id).map_or("?", String::as_str),
                r.rmm_name,
                name_of(Some(want)),
                r.best_candidate,
                r.score,
            )),
            (None, None) => {}
        }
        if r.psa_id.is_some() {
            f.links_made += 1;
        }
    }
    f
}

fn assert_one_to_one(results: &[MatchResult]) {
    let mut seen = HashSet::new();
    for r in results {
        if let (Some(psa), Some(reason)) = (&r.psa_id, r.reason)
            && reason != MatchReason::Override
        {
            assert!(
                seen.insert(psa.clone()),
                "PSA {psa} linked twice (again by {})",
                r.rmm_id
            );
        }
    }
}

#[test]
fn labelled_set_is_well_formed() {
    let data = load();
    assert!(data.psa.len() >= 200, "{} PSA rows", data.psa.len());
    assert!(data.rmm.len() >= 250, "{} RMM rows", data.rmm.len());
    let psa_ids: HashSet<&str> = data.psa.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(psa_ids.len(), data.psa.len(), "duplicate PSA ids");
    assert_eq!(data.expected.len(), data.rmm.len(), "duplicate RMM ids");
    let mut claimed = HashSet::new();
    for (rmm, want) in &data.expected {
        if let Some(want) = want {
            assert!(
                psa_ids.contains(want.as_str()),
                "{rmm} expects unknown {want}"
            );
            assert!(
                claimed.insert(want.clone()),
                "{want} expected by two RMM rows"
            );
        }
    }
}

#[test]
fn default_matcher_is_precise_on_the_labelled_set() {
    let data = load();
    let results = Matcher::default().match_customers(&data.rmm, &data.psa);
    assert_eq!(results.len(), data.rmm.len());
    assert_one_to_one(&results);
    let f = evaluate(&data, &results);

    println!(
        "labelled set: {} RMM x {} PSA, {} links expected",
        data.rmm.len(),
        data.psa.len(),
        f.should_exist
    );
    println!(
        "precision {:.4} ({} correct of {} links made)",
        f.precision(),
        f.correct,
        f.links_made
    );
    println!(
        "recall    {:.4} ({} correct of {} links that should exist)",
        f.recall(),
        f.correct,
        f.should_exist
    );
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &results {
        let kind = data.kind.get(&r.rmm_id).map_or("?", String::as_str);
        let want = data.expected.get(&r.rmm_id).cloned().flatten();
        let entry = by_kind.entry(kind).or_default();
        entry.1 += 1;
        if r.psa_id == want {
            entry.0 += 1;
        }
    }
    let by_reason =
        |reason: MatchReason| results.iter().filter(|r| r.reason == Some(reason)).count();
    println!(
        "links by reason: exact {}, fuzzy {}",
        by_reason(MatchReason::Exact),
        by_reason(MatchReason::Fuzzy)
    );
    println!("right answers per kind (linked where expected, unlinked where not):");
    for (kind, (right, all)) in &by_kind {
        println!("  {kind:<12} {right:>3} / {all:<3}");
    }
    for w in &f.wrong {
        println!("WRONG  {w}");
    }
    for m in &f.missed {
        println!("missed {m}");
    }

    assert!(
        f.precision() >= MIN_PRECISION,
        "precision {}: {:#?}",
        f.precision(),
        f.wrong
    );
    assert!(f.recall() >= MIN_RECALL, "recall {}", f.recall());
}

#[test]
fn placeholders_near_misses_and_absent_customers_stay_unlinked() {
    let data = load();
    let results = Matcher::default().match_customers(&data.rmm, &data.psa);
    for r in &results {
        let kind = data.kind.get(&r.rmm_id).map_or("?", String::as_str);
        if matches!(kind, "placeholder" | "near-miss" | "absent") {
            assert_eq!(
                r.psa_id, None,
                "{kind} {:?} linked to {:?}",
                r.rmm_name, r.psa_name
            );
        }
    }
}

#[test]
fn threshold_sweep_shows_the_precision_recall_trade_off() {
    let data = load();
    println!("threshold  precision  recall  wrong");
    let mut previous_links = usize::MAX;
    for step in 0..=14 {
        let t = 0.80 + 0.01 * f64::from(step);
        let results = Matcher::new()
            .with_threshold(t)
            .match_customers(&data.rmm, &data.psa);
        assert_one_to_one(&results);
        let f = evaluate(&data, &results);
        println!(
            "  {t:.2}      {:.4}     {:.4}  {}",
            f.precision(),
            f.recall(),
            f.wrong.len()
        );
        // A higher threshold can only remove fuzzy links.
        assert!(f.links_made <= previous_links);
        previous_links = f.links_made;
    }
}

#[test]
fn margin_sweep_shows_what_the_ambiguity_margin_buys() {
    let data = load();
    println!("margin  precision  recall  wrong");
    for margin in [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.12] {
        let results = Matcher::new()
            .with_ambiguity_margin(margin)
            .match_customers(&data.rmm, &data.psa);
        assert_one_to_one(&results);
        let f = evaluate(&data, &results);
        println!(
            "  {margin:.2}   {:.4}     {:.4}  {}",
            f.precision(),
            f.recall(),
            f.wrong.len()
        );
    }
}

#[test]
fn overrides_fix_what_the_matcher_cannot_know() {
    let data = load();
    let rmm_named = |name: &str| data.rmm.iter().find(|r| r.name == name);
    let psa_named = |name: &str| data.psa.iter().find(|p| p.name == name);
    let (Some(granite), Some(granite_psa), Some(smith), Some(smith_lab)) = (
        rmm_named("Granite State CU"),
        psa_named("Granite State Credit Union"),
        rmm_named("Smith Dental"),
        rmm_named("Smith Dental Lab"),
    ) else {
        panic!("labelled rows missing");
    };
    let overrides = Overrides::new()
        .link(granite.id.clone(), granite_psa.id.clone())
        .keep_separate(smith.id.clone());
    let results = Matcher::new()
        .with_overrides(overrides)
        .match_customers(&data.rmm, &data.psa);
    let by_id: HashMap<&str, &MatchResult> =
        results.iter().map(|r| (r.rmm_id.as_str(), r)).collect();
    let linked = by_id
        .get(granite.id.as_str())
        .map(|r| (r.psa_id.as_deref(), r.reason));
    assert_eq!(
        linked,
        Some((Some(granite_psa.id.as_str()), Some(MatchReason::Override)))
    );
    // "Smith Dental" kept separate frees its PSA company, yet the lab must
    // still not take it.
    assert_eq!(
        by_id
            .get(smith.id.as_str())
            .and_then(|r| r.psa_id.as_deref()),
        None
    );
    assert_eq!(
        by_id
            .get(smith_lab.id.as_str())
            .and_then(|r| r.psa_id.as_deref()),
        None
    );
}
