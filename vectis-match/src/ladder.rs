//! The ladder: [`Matcher`] takes [`Party`] lists and links each RMM customer
//! by override, then by exact name, then by fuzzy score between mutual best
//! candidates, and returns a [`MatchResult`] per RMM customer. The crate docs
//! explain each rung and how the defaults were chosen.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::index::{PRUNED_SCORE_CAP, candidate_edges};
use crate::normalize::Prepared;
use crate::overrides::Overrides;

/// Default lowest fuzzy score that links; the crate docs say [how it was
/// chosen](crate#thresholds-and-the-numbers-behind-them).
pub const DEFAULT_THRESHOLD: f64 = 0.88;

/// Default margin by which the best fuzzy candidate must beat the runner-up,
/// on both the RMM and the PSA side, before it links.
pub const DEFAULT_AMBIGUITY_MARGIN: f64 = 0.03;

/// Lowest score at which an unlinked customer's best candidate is still shown
/// to a person in [`MatchResult::best_candidate`].
pub const SUGGESTION_FLOOR: f64 = 0.5;

/// A customer on one side: its id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The id in the source system (RMM customer id or PSA company id).
    pub id: String,
    /// The display name as the source system spells it.
    pub name: String,
}

impl Party {
    /// A party from its id and display name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// Why an RMM customer was linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// A person linked it through [`Overrides::link`].
    Override,
    /// The normalized names are equal (score 1.0).
    Exact,
    /// The fuzzy score reached the threshold and no other candidate came close.
    Fuzzy,
}

/// One RMM customer and what it was linked to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    /// The RMM customer's id.
    pub rmm_id: String,
    /// The RMM customer's name.
    pub rmm_name: String,
    /// The linked PSA company's id, `None` when unlinked.
    pub psa_id: Option<String>,
    /// The linked PSA company's name; `None` when unlinked, or when an override
    /// names a PSA id that is not in the PSA list.
    pub psa_name: Option<String>,
    /// In `[0, 1]`: 1.0 for override and exact links, the fuzzy score for fuzzy
    /// links, and for unlinked customers the best candidate's score (or 0).
    pub score: f64,
    /// Why it was linked; `None` when unlinked.
    pub reason: Option<MatchReason>,
    /// For unlinked customers only: the PSA company a person should look at, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_candidate: Option<String>,
}

impl MatchResult {
    /// Whether this customer was linked to a PSA company.
    pub fn is_linked(&self) -> bool {
        self.psa_id.is_some()
    }
}

/// Links RMM customers to PSA companies; the crate docs explain [the
/// ladder](crate#the-ladder).
#[derive(Debug, Clone)]
pub struct Matcher {
    threshold: f64,
    ambiguity_margin: f64,
    overrides: Overrides,
}

impl Default for Matcher {
    /// [`DEFAULT_THRESHOLD`], [`DEFAULT_AMBIGUITY_MARGIN`] and no overrides.
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            ambiguity_margin: DEFAULT_AMBIGUITY_MARGIN,
            overrides: Overrides::new(),
        }
    }
}

impl Matcher {
    /// The tuned defaults; same as [`Matcher::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Lowest fuzzy score that links, clamped to `[0, 1]` (NaN is ignored).
    /// Raising it trades recall for precision.
    pub fn with_threshold(mut self, threshold: f64) -> Self {
        if !threshold.is_nan() {
            self.threshold = threshold.clamp(0.0, 1.0);
        }
        self
    }

    /// How far the best fuzzy candidate must beat the runner-up, clamped to
    /// `[0, 1]` (NaN is ignored).
    pub fn with_ambiguity_margin(mut self, margin: f64) -> Self {
        if !margin.is_nan() {
            self.ambiguity_margin = margin.clamp(0.0, 1.0);
        }
        self
    }

    /// Decisions a person made, applied before anything else.
    pub fn with_overrides(mut self, overrides: Overrides) -> Self {
        self.overrides = overrides;
        self
    }

    /// The fuzzy threshold in use.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The ambiguity margin in use.
    pub fn ambiguity_margin(&self) -> f64 {
        self.ambiguity_margin
    }

    /// The overrides in use.
    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    /// One result per RMM customer, in the RMM input order.
    ///
    /// No PSA company is given to two RMM customers, except through overrides.
    pub fn match_customers(&self, rmm: &[Party], psa: &[Party]) -> Vec<MatchResult> {
        let rmm_prep: Vec<Prepared> = rmm.iter().map(|p| Prepared::new(&p.name)).collect();
        let psa_prep: Vec<Prepared> = psa.iter().map(|p| Prepared::new(&p.name)).collect();

        let mut psa_by_id: HashMap<&str, Vec<usize>> = HashMap::new();
        for (j, p) in psa.iter().enumerate() {
            psa_by_id.entry(p.id.as_str()).or_default().push(j);
        }
        let mut taken = vec![false; psa.len()];

        // Rung 1: overrides, which reserve their PSA side before anything else.
        let mut outcome: Vec<Outcome> = Vec::with_capacity(rmm.len());
        for party in rmm {
            if self.overrides.is_kept_separate(&party.id) {
                outcome.push(Outcome::KeptSeparate);
            } else if let Some(psa_id) = self.overrides.linked_psa(&party.id) {
                let found = psa_by_id.get(psa_id);
                for &j in found.into_iter().flatten() {
                    taken[j] = true;
                }
                outcome.push(Outcome::Override {
                    psa_id: psa_id.to_string(),
                    psa: found.and_then(|js| js.first().copied()),
                });
            } else {
                outcome.push(Outcome::Open);
            }
        }

        // Edges below the floor can neither link nor decide a margin.
        let floor = SUGGESTION_FLOOR.min(self.threshold - self.ambiguity_margin);
        let prune = self.threshold - self.ambiguity_margin > PRUNED_SCORE_CAP;
        let edges = candidate_edges(&rmm_prep, &psa_prep, &outcome, floor, prune);

        // Rung 2: exact. An RMM customer proposes to its single best exact
        // candidate; a PSA company accepts the single best proposal.
        let mut proposals: BTreeMap<usize, Vec<(u8, usize)>> = BTreeMap::new();
        for (i, list) in edges.iter().enumerate() {
            if !matches!(outcome[i], Outcome::Open) {
                continue;
            }
            let exact: Vec<(u8, usize)> = list
                .iter()
                .filter_map(|e| {
                    e.exact
                        .map(|s| (exact_quality(s, &rmm_prep[i], &psa_prep[e.psa]), e.psa))
                })
                .collect();
            let Some(top) = exact.iter().map(|&(q, _)| q).max() else {
                continue;
            };
            let best: Vec<usize> = exact
                .iter()
                .filter(|&&(q, _)| q == top)
                .map(|&(_, j)| j)
                .collect();
            // Either way a person must decide: falling through to fuzzy would
            // only find a worse candidate.
            outcome[i] = match best.as_slice() {
                [j] if !taken[*j] => {
                    proposals.entry(*j).or_default().push((top, i));
                    continue;
                }
                [_] => Outcome::Blocked,
                _ => Outcome::Ambiguous,
            };
        }
        for (j, props) in proposals {
            let top = props.iter().map(|&(q, _)| q).max().unwrap_or(0);
            let winners = props.iter().filter(|&&(q, _)| q == top).count();
            for &(q, i) in &props {
                outcome[i] = if winners == 1 && q == top {
                    taken[j] = true;
                    Outcome::Exact(j)
                } else {
                    Outcome::Blocked
                };
            }
        }

        // Rung 3: fuzzy, only between mutual best candidates that clear the
        // margin on both sides, so the order of the inputs never matters. An
        // entry that lost its exact candidate still competes (it is likely a
        // duplicate); one torn between several ("Coastal Credit Union" with
        // two branches) does not stop "Coastal Credit Union - Harbor".
        let mut psa_top: Vec<TopTwo> = vec![TopTwo::default(); psa.len()];
        for (i, list) in edges.iter().enumerate() {
            if matches!(outcome[i], Outcome::Open | Outcome::Blocked) {
                for e in list {
                    psa_top[e.psa].offer(e.score, i);
                }
            }
        }
        let mut fuzzy_links: Vec<(usize, usize, f64)> = Vec::new();
        for (i, list) in edges.iter().enumerate() {
            if !matches!(outcome[i], Outcome::Open) || rmm_prep[i].placeholder {
                continue;
            }
            let Some(best) = list.first() else {
                continue;
            };
            let runner_up = list.get(1).map_or(0.0, |e| e.score);
            let top = &psa_top[best.psa];
            if best.exact.is_none()
                && best.score >= self.threshold
                && !taken[best.psa]
                && best.score - runner_up >= self.ambiguity_margin
                && top.best_rmm == Some(i)
                && best.score - top.second >= self.ambiguity_margin
            {
                fuzzy_links.push((i, best.psa, best.score));
            }
        }
        for (i, j, score) in fuzzy_links {
            taken[j] = true;
            outcome[i] = Outcome::Fuzzy(j, score);
        }

        rmm.iter()
            .zip(outcome)
            .zip(&edges)
            .map(|((party, out), list)| {
                let unlinked = MatchResult {
                    rmm_id: party.id.clone(),
                    rmm_name: party.name.clone(),
                    psa_id: None,
                    psa_name: None,
                    score: 0.0,
                    reason: None,
                    best_candidate: None,
                };
                let linked = |j: usize, score: f64, reason: MatchReason| MatchResult {
                    psa_id: Some(psa[j].id.clone()),
                    psa_name: Some(psa[j].name.clone()),
                    score,
                    reason: Some(reason),
                    ..unlinked.clone()
                };
                match out {
                    Outcome::Override { psa_id, psa: j } => MatchResult {
                        psa_id: Some(psa_id),
                        psa_name: j.map(|j| psa[j].name.clone()),
                        score: 1.0,
                        reason: Some(MatchReason::Override),
                        ..unlinked
                    },
                    Outcome::Exact(j) => linked(j, 1.0, MatchReason::Exact),
                    Outcome::Fuzzy(j, score) => linked(j, score, MatchReason::Fuzzy),
                    Outcome::KeptSeparate => unlinked,
                    Outcome::Open | Outcome::Blocked | Outcome::Ambiguous => match list.first() {
                        Some(e) => MatchResult {
                            score: e.score,
                            best_candidate: (e.score >= SUGGESTION_FLOOR)
                                .then(|| psa[e.psa].name.clone()),
                            ..unlinked
                        },
                        None => unlinked,
                    },
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Open,
    KeptSeparate,
    Override {
        psa_id: String,
        psa: Option<usize>,
    },
    Exact(usize),
    Fuzzy(usize, f64),
    /// Its exact candidate went to someone else (override or a better entry).
    Blocked,
    /// Two or more equally good exact candidates.
    Ambiguous,
}

#[derive(Debug, Clone, Copy, Default)]
struct TopTwo {
    best: f64,
    best_rmm: Option<usize>,
    second: f64,
}

impl TopTwo {
    fn offer(&mut self, score: f64, rmm: usize) {
        if self.best_rmm.is_none() || score > self.best {
            if self.best_rmm.is_some() {
                self.second = self.best;
            }
            self.best = score;
            self.best_rmm = Some(rmm);
        } else if score > self.second {
            self.second = score;
        }
    }
}

/// Ranks exact candidates: full-name agreement (qualifiers included) beats a
/// core-only one; then the same legal form ("Acme Corp" is "Acme Corporation"
/// rather than "Acme Limited"); then clean entries beat ones marked old/zz.
fn exact_quality(strength: u8, rmm: &Prepared, psa: &Prepared) -> u8 {
    let same_legal = matches!(
        (rmm.legal(), psa.legal()),
        (Some(a), Some(b)) if a == b
    );
    strength * 8 + 4 * u8::from(same_legal) + 2 * u8::from(!psa.noisy) + u8::from(!rmm.noisy)
}

#[cfg(test)]
mod tests;
