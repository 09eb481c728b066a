//! The ladder through [`Matcher`]: overrides, exact ties, fuzzy margins,
//! placeholders, sites, and results that do not depend on input order.

use super::*;
use crate::is_placeholder_name;

fn party(id: &str, name: &str) -> Party {
    Party::new(id, name)
}

fn link_of<'a>(results: &'a [MatchResult], rmm_id: &str) -> Option<&'a str> {
    results
        .iter()
        .find(|r| r.rmm_id == rmm_id)
        .and_then(|r| r.psa_id.as_deref())
}

fn result<'a>(results: &'a [MatchResult], rmm_id: &str) -> &'a MatchResult {
    match results.iter().find(|r| r.rmm_id == rmm_id) {
        Some(r) => r,
        None => panic!("no result for {rmm_id}"),
    }
}

#[test]
fn legal_form_breaks_a_tie_between_exact_candidates() {
    let rmm = [party("r1", "Acme Corp")];
    let psa = [party("p1", "Acme Limited"), party("p2", "Acme Corporation")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(link_of(&out, "r1"), Some("p2"));
}

#[test]
fn entry_torn_between_two_sites_does_not_block_the_specific_one() {
    let rmm = [
        party("r1", "Coastal Credit Union"),
        party("r2", "Coastal Credit Union - Harbor"),
    ];
    let psa = [
        party("p1", "Coastal Credit Union - Main Branch"),
        party("p2", "Coastal Credit Union - Harbor Branch"),
    ];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(link_of(&out, "r1"), None);
    assert_eq!(link_of(&out, "r2"), Some("p2"));
}

#[test]
fn trading_name_after_dba_matches_exactly() {
    let rmm = [
        party("r1", "Holloway Plumbing"),
        party("r2", "The Crown Inn"),
    ];
    let psa = [
        party("p1", "Holloway Enterprises LLC dba Holloway Plumbing"),
        party("p2", "Marsh Holdings Ltd t/a The Crown Inn"),
    ];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(link_of(&out, "r1"), Some("p1"));
    assert_eq!(link_of(&out, "r2"), Some("p2"));
    assert!(out.iter().all(|r| r.reason == Some(MatchReason::Exact)));
}

#[test]
fn placeholder_links_only_to_the_same_normalized_name() {
    let rmm = [party("r1", "Internal"), party("r2", "NOC")];
    let psa = [party("p1", "INTERNAL"), party("p2", "NOC Services Ltd")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(link_of(&out, "r1"), Some("p1"));
    assert_eq!(link_of(&out, "r2"), None);
}

#[test]
fn links_do_not_depend_on_input_order() {
    let rmm = vec![
        party("r1", "Magnolia Bakry"),
        party("r2", "Acme Ltd"),
        party("r3", "zz Acme [OLD]"),
        party("r4", "Smith Dental Lab"),
        party("r5", "Smith Dental"),
    ];
    let psa = vec![
        party("p1", "Magnolia Bakery"),
        party("p2", "Acme Limited"),
        party("p3", "Smith Dental"),
        party("p4", "Magnolia Bank"),
    ];
    let links = |rmm: &[Party], psa: &[Party]| {
        let mut l: Vec<(String, Option<String>)> = Matcher::new()
            .match_customers(rmm, psa)
            .into_iter()
            .map(|r| (r.rmm_id, r.psa_id))
            .collect();
        l.sort();
        l
    };
    let forward = links(&rmm, &psa);
    let (mut rmm_rev, mut psa_rev) = (rmm.clone(), psa.clone());
    rmm_rev.reverse();
    psa_rev.reverse();
    assert_eq!(forward, links(&rmm_rev, &psa_rev));
    assert_eq!(forward.iter().filter(|(_, p)| p.is_some()).count(), 3);
}

#[test]
fn exact_beats_a_better_looking_fuzzy_candidate() {
    let rmm = [party("r1", "Northstar")];
    let psa = [party("p1", "North Star"), party("p2", "Northstar Inc")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(link_of(&out, "r1"), Some("p2"));
    assert_eq!(out[0].reason, Some(MatchReason::Exact));
    assert_eq!(out[0].score, 1.0);
}

#[test]
fn override_link_wins_and_reserves_its_psa_company() {
    let rmm = [party("r1", "Totally Different"), party("r2", "Acme Ltd")];
    let psa = [party("p1", "Acme Limited")];
    let overrides = Overrides::new().link("r1", "p1");
    let out = Matcher::new()
        .with_overrides(overrides)
        .match_customers(&rmm, &psa);
    assert_eq!(link_of(&out, "r1"), Some("p1"));
    assert_eq!(result(&out, "r1").reason, Some(MatchReason::Override));
    assert_eq!(result(&out, "r1").psa_name.as_deref(), Some("Acme Limited"));
    // The exact twin must not take a company a person already gave away.
    assert_eq!(link_of(&out, "r2"), None);
    assert_eq!(
        result(&out, "r2").best_candidate.as_deref(),
        Some("Acme Limited")
    );
}

#[test]
fn override_to_unknown_psa_id_still_links_without_a_name() {
    let rmm = [party("r1", "Acme")];
    let out = Matcher::new()
        .with_overrides(Overrides::new().link("r1", "p404"))
        .match_customers(&rmm, &[]);
    assert_eq!(out[0].psa_id.as_deref(), Some("p404"));
    assert_eq!(out[0].psa_name, None);
    assert_eq!(out[0].reason, Some(MatchReason::Override));
}

#[test]
fn keep_separate_wins_over_an_exact_match() {
    let rmm = [party("r1", "Acme Ltd")];
    let psa = [party("p1", "Acme Limited")];
    let out = Matcher::new()
        .with_overrides(Overrides::new().keep_separate("r1"))
        .match_customers(&rmm, &psa);
    assert_eq!(out[0].psa_id, None);
    assert_eq!(out[0].reason, None);
    assert_eq!(out[0].best_candidate, None);
}

#[test]
fn one_psa_company_is_never_given_to_two_rmm_customers() {
    let rmm = [
        party("r1", "Acme Ltd"),
        party("r2", "ACME LIMITED"),
        party("r3", "Acme Ltd - Paris"),
    ];
    let psa = [party("p1", "Acme Limited")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    let linked: Vec<_> = out.iter().filter(|r| r.is_linked()).collect();
    // r1 and r2 are equally good, so neither is picked by coin toss.
    assert!(linked.is_empty(), "{linked:?}");
    assert!(
        out.iter()
            .all(|r| r.best_candidate.as_deref() == Some("Acme Limited"))
    );
}

#[test]
fn clean_entry_wins_exact_tie_against_flagged_and_branch_entries() {
    let rmm = [
        party("r1", "zz Acme [OLD]"),
        party("r2", "Acme Ltd - Paris"),
        party("r3", "Acme Ltd"),
    ];
    let psa = [party("p1", "Acme Limited")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(link_of(&out, "r3"), Some("p1"));
    assert_eq!(link_of(&out, "r1"), None);
    assert_eq!(link_of(&out, "r2"), None);
}

#[test]
fn site_qualifier_picks_the_matching_site() {
    let rmm = [party("r1", "Coastal Credit Union - Harbor")];
    let psa = [
        party("p1", "Coastal Credit Union - Main Branch"),
        party("p2", "Coastal Credit Union - Harbor Branch"),
    ];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(link_of(&out, "r1"), Some("p2"));
}

#[test]
fn two_close_psa_candidates_leave_the_customer_unlinked() {
    let rmm = [party("r1", "Brightwater Dentl")];
    let psa = [
        party("p1", "Brightwater Dental"),
        party("p2", "Brightwater Dental."),
    ];
    // p1 and p2 normalize alike, so r1 cannot tell them apart.
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(out[0].psa_id, None);
    assert!(out[0].best_candidate.is_some());
    assert!(out[0].score > 0.8);
}

#[test]
fn two_close_rmm_contenders_leave_both_unlinked() {
    let rmm = [party("r1", "Magnolia Bakry"), party("r2", "Magnolia Bakey")];
    let psa = [party("p1", "Magnolia Bakery")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert!(out.iter().all(|r| !r.is_linked()), "{out:?}");
}

#[test]
fn fuzzy_link_reports_reason_and_score() {
    let rmm = [party("r1", "Magnolia Bakry")];
    let psa = [party("p1", "Magnolia Bakery"), party("p2", "Magnolia Bank")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    assert_eq!(out[0].psa_id.as_deref(), Some("p1"));
    assert_eq!(out[0].reason, Some(MatchReason::Fuzzy));
    assert!(out[0].score >= DEFAULT_THRESHOLD && out[0].score < 1.0);
    assert_eq!(out[0].best_candidate, None);
}

#[test]
fn threshold_leaves_weak_candidates_for_a_person() {
    let rmm = [party("r1", "Magnolia Bakry")];
    let psa = [party("p1", "Magnolia Bakery")];
    let out = Matcher::new()
        .with_threshold(0.99)
        .match_customers(&rmm, &psa);
    assert_eq!(out[0].psa_id, None);
    assert_eq!(out[0].best_candidate.as_deref(), Some("Magnolia Bakery"));
}

#[test]
fn noise_and_internal_entries_never_link_fuzzily() {
    for name in [
        "Internal",
        "Demo",
        "NOC",
        "Lab",
        "Test",
        "Default",
        "Unassigned",
        "Deleted Devices",
        "Demo Site",
        "zz Internal",
    ] {
        assert!(is_placeholder_name(name), "{name}");
    }
    let rmm = [
        party("r1", "Internal"),
        party("r2", "Demo"),
        party("r3", "Lab"),
        party("r4", "NOC"),
        party("r5", "Deleted Devices"),
    ];
    let psa = [
        party("p1", "Internal Medicine Associates"),
        party("p2", "Demo Construction"),
        party("p3", "LabCorp Diagnostics"),
        party("p4", "NOC Networks"),
        party("p5", "Deleted Devices Recycling"),
    ];
    let out = Matcher::new()
        .with_threshold(0.0)
        .match_customers(&rmm, &psa);
    assert!(out.iter().all(|r| !r.is_linked()), "{out:?}");
    assert!(!is_placeholder_name("Internal Medicine Associates"));
    assert!(!is_placeholder_name("Smith Dental Lab"));
}

#[test]
fn results_follow_rmm_input_order() {
    let rmm = [party("b", "Beta"), party("a", "Alpha"), party("c", "Gamma")];
    let psa = [party("1", "Alpha"), party("2", "Beta")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    let ids: Vec<&str> = out.iter().map(|r| r.rmm_id.as_str()).collect();
    assert_eq!(ids, ["b", "a", "c"]);
    assert_eq!(out[2].score, 0.0);
    assert_eq!(out[2].best_candidate, None);
}

#[test]
fn result_serializes_reason_in_snake_case_and_skips_empty_candidate() {
    let rmm = [party("r1", "Acme Ltd")];
    let psa = [party("p1", "Acme Limited")];
    let out = Matcher::new().match_customers(&rmm, &psa);
    let json = serde_json::to_value(&out[0]).unwrap_or_default();
    assert_eq!(json["reason"], "exact");
    assert!(json.get("best_candidate").is_none());
}

#[test]
fn builder_clamps_threshold_and_margin() {
    let m = Matcher::new()
        .with_threshold(1.7)
        .with_ambiguity_margin(-1.0);
    assert_eq!(m.threshold(), 1.0);
    assert_eq!(m.ambiguity_margin(), 0.0);
    let m = m.with_threshold(f64::NAN);
    assert_eq!(m.threshold(), 1.0);
}
