//! Property tests over customer names: normalizing, classifying and scoring
//! any string never panics, scores stay in `[0, 1]` and do not depend on the
//! order of the two names, and matching any lists stays one-to-one.
//!
//! `cargo test` runs 64 cases per property, so the suite stays fast. For a
//! long run, set `PROPTEST_CASES`:
//!
//! ```text
//! PROPTEST_CASES=100000 cargo test -p vectis-match --release --test proptest_names
//! ```

use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn names_for_matching_never_panic_and_scores_stay_in_range(
        a in any::<String>(),
        b in any::<String>(),
    ) {
        let _ = vectis_match::normalize_name(&a);
        let _ = vectis_match::is_placeholder_name(&a);
        let s = vectis_match::similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&s), "{}", s);
        // Symmetric up to float rounding.
        let back = vectis_match::similarity(&b, &a);
        prop_assert!((s - back).abs() < 1e-9, "{} vs {}", s, back);
    }

    #[test]
    fn matching_stays_one_to_one_on_any_names(
        rmm in proptest::collection::vec("[A-Za-z &.,'-]{0,24}", 0..12),
        psa in proptest::collection::vec("[A-Za-z &.,'-]{0,24}", 0..12),
    ) {
        use vectis_match::{Matcher, Party};
        let rmm: Vec<Party> = rmm.iter().enumerate().map(|(i, n)| Party::new(format!("r{i}"), n.clone())).collect();
        let psa: Vec<Party> = psa.iter().enumerate().map(|(i, n)| Party::new(format!("p{i}"), n.clone())).collect();
        let results = Matcher::new().match_customers(&rmm, &psa);
        prop_assert_eq!(results.len(), rmm.len());
        let linked: Vec<&String> = results.iter().filter_map(|r| r.psa_id.as_ref()).collect();
        let unique: std::collections::HashSet<&&String> = linked.iter().collect();
        prop_assert_eq!(unique.len(), linked.len(), "a PSA company linked twice");
        for r in &results {
            prop_assert!((0.0..=1.0).contains(&r.score), "{}", r.score);
        }
    }
}
