//! The default [`Matcher`] on 2,000 generated RMM customers against 2,500
//! PSA companies (legal suffixes, capitals, sites, flags, spacing and `The`
//! varied): one-to-one, no wrong link, and fast enough to show that not
//! every pair is scored.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use vectis_match::{MatchReason, MatchResult, Matcher, Party};

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

/// Deterministic pseudo-random numbers, so the scale test needs no crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

const FIRST: &[&str] = &[
    "Acme",
    "Apex",
    "Atlas",
    "Aurora",
    "Bayside",
    "Beacon",
    "Birch",
    "Blue Ridge",
    "Bright",
    "Cascade",
    "Cedar",
    "Cobalt",
    "Copper",
    "Crescent",
    "Crown",
    "Delta",
    "Eagle",
    "Eastside",
    "Elm",
    "Evergreen",
    "Falcon",
    "Fox",
    "Granite",
    "Greenfield",
    "Harbor",
    "Hawthorne",
    "Highland",
    "Hillside",
    "Horizon",
    "Iron",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Liberty",
    "Lone Star",
    "Maple",
    "Meridian",
    "Mesa",
    "Mission",
    "Northwind",
    "Oak",
    "Orchard",
    "Pacific",
    "Palmetto",
    "Pinnacle",
    "Pioneer",
    "Prairie",
    "Quarry",
    "Redwood",
    "Ridgeline",
    "Riverside",
    "Rocky",
    "Sage",
    "Sequoia",
    "Silver",
    "Summit",
    "Sunrise",
    "Tidewater",
    "Valley",
    "Willow",
];
const SECOND: &[&str] = &[
    "Creek", "Point", "Park", "Bay", "Hill", "Grove", "Stone", "Field", "Brook", "Rock", "View",
    "Gate", "Crest", "Wood", "Harbor", "Springs", "Lake", "Mill", "Bridge", "Haven", "Ford",
    "Vale", "Ridge", "Meadow", "Pine",
];
const TRADE: &[&str] = &[
    "Dental",
    "Plumbing",
    "Roofing",
    "Electrical",
    "Accounting",
    "Legal",
    "Veterinary",
    "Pediatrics",
    "Orthodontics",
    "Landscaping",
    "Construction",
    "Realty",
    "Insurance",
    "Bakery",
    "Brewing",
    "Fitness",
    "Pharmacy",
    "Chiropractic",
    "Marine",
    "Logistics",
    "Imaging",
    "Surgical",
    "Hotel",
    "Florist",
    "Optical",
    "Printing",
    "Storage",
    "Therapy",
    "Academy",
    "Church",
    "Engineering",
    "Manufacturing",
    "Trucking",
    "Catering",
    "Winery",
    "Outfitters",
];
const LEGAL: &[&str] = &[
    "", "", "", " LLC", " Inc.", " Ltd", " Limited", " Corp", " Co.", " GmbH", " Pty Ltd",
];

fn generated(
    n_psa: usize,
    n_shared: usize,
    n_rmm_only: usize,
) -> (Vec<Party>, Vec<Party>, HashMap<String, String>) {
    let mut rng = Lcg(0x5eed);
    let mut used = HashSet::new();
    let mut names = Vec::new();
    while names.len() < n_psa + n_rmm_only {
        let base = format!(
            "{} {} {}",
            FIRST[rng.next(FIRST.len())],
            SECOND[rng.next(SECOND.len())],
            TRADE[rng.next(TRADE.len())]
        );
        if used.insert(base.clone()) {
            names.push(base);
        }
    }
    let psa: Vec<Party> = names[..n_psa]
        .iter()
        .enumerate()
        .map(|(j, base)| {
            Party::new(
                format!("p{j}"),
                format!("{base}{}", LEGAL[rng.next(LEGAL.len())]),
            )
        })
        .collect();
    let mut rmm = Vec::new();
    let mut truth = HashMap::new();
    for (k, base) in names[..n_shared].iter().enumerate() {
        let name = match rng.next(6) {
            0 => base.to_uppercase(),
            1 => format!("{base} - Site {}", rng.next(9) + 1),
            2 => format!("zz {base} [OLD]"),
            3 => base.replacen(' ', "  ", 1),
            4 => format!("The {base}{}", LEGAL[rng.next(LEGAL.len())]),
            _ => base.clone(),
        };
        let id = format!("r{k}");
        truth.insert(id.clone(), format!("p{k}"));
        rmm.push(Party::new(id, name));
    }
    for (k, base) in names[n_psa..].iter().enumerate() {
        rmm.push(Party::new(format!("x{k}"), base.clone()));
    }
    (rmm, psa, truth)
}

#[test]
fn scale_two_thousand_by_two_and_a_half_thousand_stays_one_to_one_and_fast() {
    let (rmm, psa, truth) = generated(2_500, 1_600, 400);
    assert_eq!((rmm.len(), psa.len()), (2_000, 2_500));
    let started = Instant::now();
    let results = Matcher::default().match_customers(&rmm, &psa);
    let elapsed = started.elapsed();
    assert_eq!(results.len(), rmm.len());
    assert_one_to_one(&results);
    let linked = results.iter().filter(|r| r.is_linked()).count();
    let wrong = results
        .iter()
        .filter(|r| r.psa_id.is_some() && r.psa_id.as_ref() != truth.get(&r.rmm_id))
        .count();
    println!(
        "scale: {} RMM x {} PSA in {:?} (debug build): {linked} linked, {wrong} wrong",
        rmm.len(),
        psa.len(),
        elapsed
    );
    assert_eq!(wrong, 0);
    assert!(
        linked >= 1_500,
        "only {linked} of 1600 shared customers linked"
    );
    // About 0.4 s on a quiet two-core machine; the bound leaves room for a
    // loaded CI box while still catching a return to scoring every pair.
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}
