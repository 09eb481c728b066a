//! What every vendor's builder shares: a base URL given instead of the
//! vendor's, the engine settings, and the two setters for them
//! ([`builder_setters!`](crate::builder_setters)), so each builder states
//! only what is its vendor's own.
//!
//! ```
//! use vectis_core::builder::Common;
//!
//! /// Builds a connector for the example vendor.
//! #[derive(Debug, Default)]
//! pub struct ExampleBuilder {
//!     common: Common,
//!     api_key: String,
//! }
//!
//! impl ExampleBuilder {
//!     vectis_core::builder_setters! {
//!         /// Another origin instead of the vendor's (a proxy, a fake).
//!     }
//! }
//!
//! let b = ExampleBuilder::default().base_url("http://127.0.0.1:9");
//! assert_eq!(b.common.url("https://api.example.com", "EXAMPLE_URL", "Example base URL"),
//!     ("http://127.0.0.1:9", "Example base URL"));
//! ```

use crate::EngineSettings;
use crate::error::Result;
use crate::vendor_info::{ApiBase, VendorInfo};

/// The part of a builder every vendor has.
#[derive(Debug, Clone, Default)]
pub struct Common {
    /// A base URL given instead of the vendor's (a proxy, a fake).
    pub base_url: Option<String>,
    /// Engine settings: quota, retries, timeout, concurrency, time.
    pub settings: EngineSettings,
}

impl Common {
    /// The base URL to use and what errors about it call it: the one given
    /// (`given_what`), else `default` (`default_what`).
    pub fn url<'a>(
        &'a self,
        default: &'a str,
        default_what: &'a str,
        given_what: &'a str,
    ) -> (&'a str, &'a str) {
        match &self.base_url {
            Some(url) => (url.as_str(), given_what),
            None => (default, default_what),
        }
    }

    /// [`Common::url`], normalized at `info`'s API root
    /// ([`VendorInfo::base_url`]); a given one is called `<product> base URL`.
    pub fn base(&self, info: &VendorInfo, default: &str, default_what: &str) -> Result<ApiBase> {
        let given = format!("{} base URL", info.product);
        let (url, what) = self.url(default, default_what, &given);
        info.base_url(url, what)
    }
}

/// The `base_url` and `settings` setters of a builder with a
/// [`Common`] field named `common`; the doc comment given is `base_url`'s.
#[macro_export]
macro_rules! builder_setters {
    ($(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn base_url(mut self, url: &str) -> Self {
            self.common.base_url = Some(url.to_string());
            self
        }

        /// Engine settings: quota, retries, timeout, concurrency, time.
        pub fn settings(mut self, settings: $crate::EngineSettings) -> Self {
            self.common.settings = settings;
            self
        }
    };
}

/// The two [`Connector`](crate::Connector) methods every vendor's connector
/// writes the same way, for use inside its `impl Connector` block: `info`
/// (its [`VendorInfo`] table, a path) and `observed` (from its
/// [`HttpClient`](crate::HttpClient), a field path from `self`).
///
/// ```
/// # use vectis_core::vendor_info::{Hints, VendorInfo, quota_per};
/// # use vectis_core::{Vendor, Verb};
/// use vectis_core::{ConnectionInfo, Connector, HttpClient, Result};
///
/// # static INFO: VendorInfo = VendorInfo { vendor: Vendor::Atera, product: "Atera",
/// #     example_url: "https://app.atera.com", api_root: "/api/v3", api_root_aliases: &[],
/// #     env: &[], consoles: &[], hints: Hints { unauthorized: "", forbidden: "", not_found: "",
/// #     rate_limited: "", timeout: "" }, supports: &[], since_kinds: &[],
/// #     unsupported: &[], default_quota: quota_per(700, 60), error_body: None };
/// #[derive(Debug)]
/// struct ExampleConnector {
///     client: HttpClient,
/// }
///
/// #[async_trait::async_trait]
/// impl Connector for ExampleConnector {
///     vectis_core::connector_basics!(INFO, client);
///
///     async fn check(&self) -> Result<ConnectionInfo> {
///         Ok(ConnectionInfo::named(self.vendor(), "example"))
///     }
/// }
/// ```
#[macro_export]
macro_rules! connector_basics {
    ($info:path, $($client:ident).+) => {
        fn info(&self) -> &'static $crate::VendorInfo {
            &$info
        }

        fn observed(&self) -> $crate::Observed {
            self.$($client).+.observed()
        }
    };
}
