//! What a vendor tells the engine: the [`Situation`]s it explains, the
//! [`Outcome`] of a response, and its [`VendorRules`].

use super::*;

/// Situations a vendor explains in its own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Situation {
    /// 401: the credential was refused.
    Unauthorized,
    /// 403: the credential lacks permission.
    Forbidden,
    /// 404.
    NotFound,
    /// 429, or throttling past the retry budget.
    RateLimited,
    /// No answer in time.
    Timeout,
}

/// What to do with an answer.
#[derive(Debug)]
pub enum Outcome {
    /// Hand it to the caller.
    Success,
    /// Try again (if the request is idempotent), after at least `after`.
    Retry {
        /// The server's requested wait.
        after: Option<Duration>,
        /// Whether this is throttling (pauses the whole credential).
        throttled: bool,
    },
    /// Refresh the credential once and try again.
    Refresh,
    /// Give up with this error.
    Fail(Error),
}

/// What a vendor crate tells the engine about its vendor.
pub trait VendorRules: Send + Sync + fmt::Debug {
    /// The vendor.
    fn vendor(&self) -> Vendor;

    /// The default client-side quota.
    fn default_quota(&self) -> Quota;

    /// What to tell the user, in the vendor's terms.
    fn hint(&self, situation: Situation) -> String {
        match situation {
            Situation::Unauthorized => "check the credentials".into(),
            Situation::Forbidden => "the credentials lack permission for this".into(),
            Situation::NotFound => "check the id and the base URL".into(),
            Situation::RateLimited => {
                "wait and try again, or lower the client-side quota (--rate-limit)".into()
            }
            Situation::Timeout => "check the base URL and outbound HTTPS access".into(),
        }
    }

    /// Reads the vendor's error body: `(code, message)`.
    fn error_body(&self, _body: &serde_json::Value) -> Option<(Option<String>, String)> {
        None
    }

    /// How long to wait after a 429 that names no `Retry-After` (the
    /// vendor's throttling window); `None`: the retry policy's backoff.
    fn throttle_wait(&self) -> Option<Duration> {
        None
    }

    /// Classifies a response before the default table; `None` defers to it.
    fn classify(&self, _resp: &Response) -> Option<Outcome> {
        None
    }

    /// The vendor's table, when the rules are read from one
    /// ([`InfoRules`](crate::vendor_info::InfoRules)): where listings take
    /// their endpoint templates' API root from.
    fn info(&self) -> Option<&'static crate::vendor_info::VendorInfo> {
        None
    }
}
