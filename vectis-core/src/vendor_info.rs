//! What a vendor is, as data: one [`VendorInfo`] table per vendor crate.
//!
//! A vendor crate states its facts once — product name, API root and the
//! spellings of it users paste, environment variables, console paths, what
//! to say in each [`Situation`], which verbs it has and why it lacks the
//! others, its default quota — and everything that used to restate them
//! reads the table: [`Connector::capabilities`](crate::Connector::capabilities),
//! [`Connector::unsupported`](crate::Connector::unsupported), builder errors,
//! the engine's hints ([`InfoRules`]) and the examples' registry.
//!
//! Texts may name a console path or a value known only at run time as
//! `{name}` (see [`VendorInfo::text`]):
//!
//! ```
//! use vectis_core::vendor_info::{EnvVar, Hints, VendorInfo, quota_per};
//! use vectis_core::{Kind, Vendor, Verb};
//!
//! static INFO: VendorInfo = VendorInfo {
//!     vendor: Vendor::Atera,
//!     product: "Atera",
//!     example_url: "https://app.atera.com",
//!     api_root: "/api/v3",
//!     api_root_aliases: &[],
//!     env: &[EnvVar::new("ATERA_API_KEY", "the API key", "create an API key in {keys}")],
//!     consoles: &[("keys", "Atera → Admin → API")],
//!     hints: Hints {
//!         unauthorized: "the API key is wrong — generate a new one in {keys}",
//!         forbidden: "the key may not read this",
//!         not_found: "no such record; check the id",
//!         rate_limited: "wait a minute, or lower --rate-limit (default {quota})",
//!         timeout: "check outbound HTTPS to {host}",
//!     },
//!     supports: &[Verb::ListCustomers],
//!     since_kinds: &[Kind::Customers],
//!     unsupported: &[(&[Verb::AcknowledgeAlert], "Atera has no acknowledge verb")],
//!     default_quota: quota_per(700, 60),
//!     error_body: None,
//! };
//!
//! assert!(INFO.capabilities().supports(Verb::ListCustomers));
//! assert!(INFO.capabilities().incremental);
//! assert_eq!(
//!     INFO.unsupported(Verb::CreateTicket).to_string(),
//!     "Atera cannot create a ticket: Atera's API has no such verb"
//! );
//! assert_eq!(
//!     INFO.missing("ATERA_API_KEY").to_string(),
//!     "configuration: ATERA_API_KEY: the API key is empty; create an API key in Atera → Admin → API"
//! );
//! assert_eq!(
//!     INFO.text(INFO.hints.rate_limited, &[]),
//!     "wait a minute, or lower --rate-limit (default 700/min)"
//! );
//! ```

use crate::connector::Capabilities;
use crate::error::{Error, Result, Verb};
use crate::http::{BaseUrl, Situation};
use crate::model::{Kind, Vendor};
use crate::rate_limit::Quota;
use secrecy::{ExposeSecret, SecretString};
use std::num::NonZeroU32;
use std::time::Duration;

/// Reads a vendor's error body: `(code, message)`.
pub type ErrorBodyFn = fn(&serde_json::Value) -> Option<(Option<String>, String)>;

/// A vendor's error body as its raw struct: the vendor crate says how to
/// read a code and a message from it, and [`read_error_body`] does the
/// decoding every vendor would otherwise write again.
pub trait VendorErrorBody: serde::de::DeserializeOwned {
    /// The vendor's code, when it sends one, and the message; `None` when
    /// the body carries no message to show.
    fn code_and_message(self) -> Option<(Option<String>, String)>;
}

/// Reads `body` as the error body `B` (an [`ErrorBodyFn`] for a table:
/// `error_body: Some(read_error_body::<raw::ErrorBody>)`); `None` for a body
/// of another shape or one without a message.
pub fn read_error_body<B: VendorErrorBody>(
    body: &serde_json::Value,
) -> Option<(Option<String>, String)> {
    serde_json::from_value::<B>(body.clone())
        .ok()?
        .code_and_message()
}

/// An environment variable a connector is configured from.
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    /// Its name (`ATERA_API_KEY`).
    pub name: &'static str,
    /// What it holds, as a noun phrase (`the API key`).
    pub what: &'static str,
    /// Where the value comes from (`create an API key in {keys}`).
    pub help: &'static str,
    /// What a base URL given instead of the vendor's host (`--base-url`)
    /// does to it.
    pub with_base_url: WithBaseUrl,
}

/// What a base URL given instead of the vendor's host does to an
/// [`EnvVar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithBaseUrl {
    /// Nothing: the variable is still needed (a key, a secret).
    Needed,
    /// The variable holds the base URL itself (Kaseya's tenant URL): the
    /// base URL is its value.
    IsIt,
    /// The variable only picks the host (Datto RMM's platform), which the
    /// base URL replaces: it is not needed, and left empty when unset.
    Replaced,
}

impl EnvVar {
    /// A variable `name` holding `what`, found as `help` says; still
    /// needed with a base URL.
    pub const fn new(name: &'static str, what: &'static str, help: &'static str) -> EnvVar {
        EnvVar {
            name,
            what,
            help,
            with_base_url: WithBaseUrl::Needed,
        }
    }

    /// The same variable, with what a base URL does to it.
    pub const fn with_base_url(mut self, role: WithBaseUrl) -> EnvVar {
        self.with_base_url = role;
        self
    }
}

/// What to tell the user in each [`Situation`], in the vendor's terms.
#[derive(Debug, Clone, Copy)]
pub struct Hints {
    /// 401: the credential was refused.
    pub unauthorized: &'static str,
    /// 403: the credential lacks permission.
    pub forbidden: &'static str,
    /// 404.
    pub not_found: &'static str,
    /// 429, or throttling past the retry budget.
    pub rate_limited: &'static str,
    /// No answer in time.
    pub timeout: &'static str,
}

/// One vendor's facts (see the [module docs](self)).
#[derive(Debug)]
pub struct VendorInfo {
    /// The vendor.
    pub vendor: Vendor,
    /// The product's name as the vendor's own documents write it, used in
    /// explanations (`VSA X`, `ConnectWise Manage`).
    pub product: &'static str,
    /// An address to show as an example of a base URL.
    pub example_url: &'static str,
    /// The API root under the origin (`/api/v3`): endpoint templates start
    /// with it, and a pasted one is cut off a base URL ([`with_api_root`]).
    pub api_root: &'static str,
    /// Other spellings of the API root users paste (`/api`).
    pub api_root_aliases: &'static [&'static str],
    /// The environment variables a connector is configured from, in the
    /// order they are explained.
    pub env: &'static [EnvVar],
    /// Console paths (and other phrases) texts refer to as `{name}`.
    pub consoles: &'static [(&'static str, &'static str)],
    /// What to say in each situation.
    pub hints: Hints,
    /// The verbs the connector has.
    pub supports: &'static [Verb],
    /// The kinds `ListOptions::since` filters at the vendor.
    pub since_kinds: &'static [Kind],
    /// Why it lacks the others, a reason for a group of verbs; a verb in no
    /// group is one "{product}'s API has no such verb".
    pub unsupported: &'static [(&'static [Verb], &'static str)],
    /// The default client-side quota.
    pub default_quota: Quota,
    /// Reads the vendor's error body, when it has a documented one.
    pub error_body: Option<ErrorBodyFn>,
}

/// A quota of `count` requests per `period_secs` seconds, for a table
/// (`quota_per(700, 60)`); `count` and `period_secs` must not be zero
/// (checked when the table is compiled).
pub const fn quota_per(count: u32, period_secs: u64) -> Quota {
    assert!(period_secs > 0, "a quota's period is at least a second");
    match NonZeroU32::new(count) {
        Some(count) => Quota::Limited {
            count,
            period: Duration::from_secs(period_secs),
        },
        None => panic!("a table's quota allows at least one request"),
    }
}

impl VendorInfo {
    /// `template` with each `{name}` filled: console paths first, then
    /// `vars` (values known at run time, such as a tenant URL), then
    /// `{product}` and `{quota}` (the default quota, `700/min`). Unknown
    /// names stay as they are.
    pub fn text(&self, template: &str, vars: &[(&str, &str)]) -> String {
        let mut out = template.to_string();
        let quota = self.default_quota.to_string();
        let fixed = [("product", self.product), ("quota", quota.as_str())];
        for (name, value) in self.consoles.iter().chain(vars).chain(&fixed) {
            let key = format!("{{{name}}}");
            if out.contains(&key) {
                out = out.replace(&key, value);
            }
        }
        out
    }

    /// The hint for `situation`, filled (see [`VendorInfo::text`]).
    pub fn hint(&self, situation: Situation, vars: &[(&str, &str)]) -> String {
        let h = &self.hints;
        let template = match situation {
            Situation::Unauthorized => h.unauthorized,
            Situation::Forbidden => h.forbidden,
            Situation::NotFound => h.not_found,
            Situation::RateLimited => h.rate_limited,
            Situation::Timeout => h.timeout,
        };
        self.text(template, vars)
    }

    /// What the connector can do: [`supports`](field@VendorInfo::supports),
    /// and `incremental` when any kind filters by `since`.
    pub fn capabilities(&self) -> Capabilities {
        let has = |v: Verb| self.supports.contains(&v);
        Capabilities::default()
            .list_customers(has(Verb::ListCustomers))
            .list_devices(has(Verb::ListDevices))
            .list_alerts(has(Verb::ListAlerts))
            .list_tickets(has(Verb::ListTickets))
            .acknowledge_alert(has(Verb::AcknowledgeAlert))
            .resolve_alert(has(Verb::ResolveAlert))
            .create_ticket(has(Verb::CreateTicket))
            .incremental(!self.since_kinds.is_empty())
    }

    /// The [`Error::Unsupported`] for `verb`, with the table's reason.
    pub fn unsupported(&self, verb: Verb) -> Error {
        let reason = self
            .unsupported
            .iter()
            .find(|(verbs, _)| verbs.contains(&verb))
            .map(|(_, why)| self.text(why, &[]))
            .unwrap_or_else(|| format!("{}'s API has no such verb", self.product));
        Error::unsupported(self.vendor, verb, reason)
    }

    /// Whether `ListOptions::since` is applied to `kind` at the vendor.
    pub fn filters_since(&self, kind: Kind) -> bool {
        self.since_kinds.contains(&kind)
    }

    /// The environment variable `name`, if the table has it.
    pub fn env_var(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().find(|e| e.name == name)
    }

    /// Where the value of variable `name` comes from, filled.
    pub fn env_help(&self, name: &str) -> String {
        self.env_var(name)
            .map(|e| self.text(e.help, &[]))
            .unwrap_or_default()
    }

    /// `value` trimmed, or [`VendorInfo::missing`] for variable `name` when
    /// that leaves nothing.
    pub fn required<'a>(&self, name: &str, value: &'a str) -> Result<&'a str> {
        match value.trim() {
            "" => Err(self.missing(name)),
            v => Ok(v),
        }
    }

    /// [`VendorInfo::required`] for a secret.
    pub fn required_secret(&self, name: &str, secret: &SecretString) -> Result<SecretString> {
        let v = self.required(name, secret.expose_secret())?;
        Ok(SecretString::from(v.to_string()))
    }

    /// The configuration error for variable `name` given empty:
    /// `<what> is empty; <help>`.
    pub fn missing(&self, name: &str) -> Error {
        let what = self.env_var(name).map_or("the value", |e| e.what);
        Error::config(name, format!("{what} is empty; {}", self.env_help(name)))
    }

    /// A base URL given by the user, checked for the mistakes people make
    /// (empty, no scheme) before [`with_api_root`] normalizes it; `what`
    /// names the setting in errors (an empty one that is a variable of the
    /// table is [`VendorInfo::missing`]).
    pub fn base_url(&self, raw: &str, what: &str) -> Result<ApiBase> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            if self.env_var(what).is_some() {
                return Err(self.missing(what));
            }
            return Err(Error::config(
                what,
                format!(
                    "it is empty; give the address of your {} API, e.g. {}",
                    self.product, self.example_url
                ),
            ));
        }
        if !trimmed.contains("://") {
            return Err(Error::config(
                what,
                format!(
                    "`{trimmed}` has no scheme; write it as https://{}",
                    trimmed.trim_start_matches('/')
                ),
            ));
        }
        with_api_root(trimmed, self.api_root, self.api_root_aliases, what)
    }
}

/// A base URL split at the vendor's API root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase {
    /// What the API root goes under: the origin, plus any proxy path.
    pub site: BaseUrl,
    /// `site` with the API root appended: what requests are joined to.
    pub api: BaseUrl,
    /// Whether the given URL already ended in the API root or an alias
    /// (which was cut off).
    pub had_root: bool,
}

/// Normalizes a base URL a user gave: validated and tidied by
/// [`BaseUrl::parse`] (https, or http on loopback; no query; no trailing or
/// doubled slashes), with the API `root` — or one of its `aliases` — cut off
/// its end if it was pasted (letter case aside), then `root` appended once.
/// `what` names the setting in errors.
///
/// ```
/// use vectis_core::vendor_info::with_api_root;
///
/// for raw in ["https://acme.vsax.net", " https://acme.vsax.net//API/v3/ ", "https://acme.vsax.net/api"] {
///     let b = with_api_root(raw, "/api/v3", &["/api"], "KASEYA_TENANT_URL")?;
///     assert_eq!(b.site.as_str(), "https://acme.vsax.net");
///     assert_eq!(b.api.as_str(), "https://acme.vsax.net/api/v3");
/// }
/// let proxied = with_api_root("https://proxy.example/datto/api/v2", "/api/v2", &["/api"], "base URL")?;
/// assert_eq!(proxied.site.as_str(), "https://proxy.example/datto");
/// # Ok::<(), vectis_core::Error>(())
/// ```
pub fn with_api_root(raw: &str, root: &str, aliases: &[&str], what: &str) -> Result<ApiBase> {
    let base = BaseUrl::parse(raw, what)?;
    let path = base.path().to_ascii_lowercase();
    let cut = std::iter::once(root)
        .chain(aliases.iter().copied())
        .map(|r| format!("/{}", r.trim_matches('/').to_ascii_lowercase()))
        .filter(|r| r.len() > 1)
        .find(|r| path.ends_with(r.as_str()));
    let site = match &cut {
        Some(r) => {
            let s = base.as_str();
            BaseUrl::parse(&s[..s.len() - r.len()], what)?
        }
        None => base,
    };
    let api = site.with_path_suffix(root);
    Ok(ApiBase {
        site,
        api,
        had_root: cut.is_some(),
    })
}

mod rules;
pub use rules::{ClassifyFn, InfoRules};

#[cfg(test)]
mod tests;
