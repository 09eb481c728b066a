//! The decisions a person made ([`Overrides`]): links and keep-separates,
//! applied before anything automatic.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Decisions a person made; they always win over automatic matching.
///
/// For one RMM id the later call wins: `link` undoes `keep_separate` and the
/// other way round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    /// RMM customer id -> PSA company id.
    #[serde(default)]
    links: BTreeMap<String, String>,
    /// RMM customer ids that must never be linked.
    #[serde(default)]
    keep_separate: BTreeSet<String>,
}

impl Overrides {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder form of [`Overrides::add_link`].
    pub fn link(mut self, rmm_id: impl Into<String>, psa_id: impl Into<String>) -> Self {
        self.add_link(rmm_id, psa_id);
        self
    }

    /// Builder form of [`Overrides::add_keep_separate`].
    pub fn keep_separate(mut self, rmm_id: impl Into<String>) -> Self {
        self.add_keep_separate(rmm_id);
        self
    }

    /// Always link RMM customer `rmm_id` to PSA company `psa_id`. Several RMM
    /// customers may be linked to one PSA company this way.
    pub fn add_link(&mut self, rmm_id: impl Into<String>, psa_id: impl Into<String>) -> &mut Self {
        let rmm_id = rmm_id.into();
        self.keep_separate.remove(&rmm_id);
        self.links.insert(rmm_id, psa_id.into());
        self
    }

    /// Never link RMM customer `rmm_id` to anything.
    pub fn add_keep_separate(&mut self, rmm_id: impl Into<String>) -> &mut Self {
        let rmm_id = rmm_id.into();
        self.links.remove(&rmm_id);
        self.keep_separate.insert(rmm_id);
        self
    }

    /// The PSA id a person linked `rmm_id` to, if any.
    pub fn linked_psa(&self, rmm_id: &str) -> Option<&str> {
        self.links.get(rmm_id).map(String::as_str)
    }

    /// Whether a person said `rmm_id` must stay unlinked.
    pub fn is_kept_separate(&self, rmm_id: &str) -> bool {
        self.keep_separate.contains(rmm_id)
    }

    /// Whether there are no overrides at all.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty() && self.keep_separate.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_override_for_the_same_rmm_id_replaces_the_earlier() {
        let o = Overrides::new().link("r1", "p1").keep_separate("r1");
        assert!(o.is_kept_separate("r1"));
        assert_eq!(o.linked_psa("r1"), None);
        let mut o = o;
        o.add_link("r1", "p2");
        assert!(!o.is_kept_separate("r1"));
        assert_eq!(o.linked_psa("r1"), Some("p2"));
    }
}
