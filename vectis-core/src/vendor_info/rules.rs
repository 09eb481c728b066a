//! [`InfoRules`]: the [`VendorRules`] a [`VendorInfo`] table gives.

use super::VendorInfo;
use crate::http::{Outcome, Response, Situation, VendorRules};
use crate::model::Vendor;
use crate::rate_limit::Quota;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Decides how to treat an answer before the default table (see
/// [`VendorRules::classify`]); it may ask the rules for a hint.
pub type ClassifyFn = Arc<dyn Fn(&Response, &InfoRules) -> Option<Outcome> + Send + Sync>;

/// [`VendorRules`] read from a [`VendorInfo`] table, with the values its
/// hints name (`{tenant}`) and, for a vendor that needs one, a classifier.
#[derive(Clone)]
pub struct InfoRules {
    info: &'static VendorInfo,
    vars: Vec<(&'static str, String)>,
    classify: Option<ClassifyFn>,
    throttle_wait: Option<Duration>,
}

impl InfoRules {
    /// The rules of the vendor `info` describes.
    pub fn new(info: &'static VendorInfo) -> InfoRules {
        InfoRules {
            info,
            vars: Vec::new(),
            classify: None,
            throttle_wait: None,
        }
    }

    /// Fills `{name}` in hints with `value`.
    pub fn var(mut self, name: &'static str, value: impl Into<String>) -> InfoRules {
        self.vars.push((name, value.into()));
        self
    }

    /// Waits `d` after a 429 that names no `Retry-After` (see
    /// [`VendorRules::throttle_wait`]).
    pub fn throttle_wait(mut self, d: Duration) -> InfoRules {
        self.throttle_wait = Some(d);
        self
    }

    /// Classifies answers before the default table.
    pub fn classify(
        mut self,
        f: impl Fn(&Response, &InfoRules) -> Option<Outcome> + Send + Sync + 'static,
    ) -> InfoRules {
        self.classify = Some(Arc::new(f));
        self
    }

    /// The table.
    pub fn table(&self) -> &'static VendorInfo {
        self.info
    }

    /// `template` filled with the table's phrases and these rules' values.
    pub fn text(&self, template: &str) -> String {
        let vars: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.info.text(template, &vars)
    }
}

impl fmt::Debug for InfoRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfoRules")
            .field("vendor", &self.info.vendor)
            .field("vars", &self.vars)
            .field("classify", &self.classify.is_some())
            .field("throttle_wait", &self.throttle_wait)
            .finish()
    }
}

impl VendorRules for InfoRules {
    fn vendor(&self) -> Vendor {
        self.info.vendor
    }

    fn default_quota(&self) -> Quota {
        self.info.default_quota
    }

    fn hint(&self, situation: Situation) -> String {
        let vars: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.info.hint(situation, &vars)
    }

    fn error_body(&self, body: &serde_json::Value) -> Option<(Option<String>, String)> {
        self.info.error_body.and_then(|read| read(body))
    }

    fn classify(&self, resp: &Response) -> Option<Outcome> {
        self.classify.as_ref().and_then(|f| f(resp, self))
    }

    fn throttle_wait(&self) -> Option<Duration> {
        self.throttle_wait
    }

    fn info(&self) -> Option<&'static VendorInfo> {
        Some(self.info)
    }
}
