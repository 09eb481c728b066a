//! [`OsFamily`]: the operating-system family read from a vendor's OS text.

use super::*;

/// The operating-system family of a device, derived from the vendor's OS text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OsFamily {
    /// Microsoft Windows (desktop or server).
    Windows,
    /// Apple macOS.
    Macos,
    /// Linux of any distribution.
    Linux,
    /// Anything else, or unknown.
    Other,
}

impl OsFamily {
    /// Guesses the family from a vendor's free-text OS name
    /// (`Windows Server 2019 Standard`, `macOS 14.4`, `Ubuntu 22.04`).
    pub fn from_os_name(os: &str) -> OsFamily {
        let os = os.to_ascii_lowercase();
        if os.contains("windows") {
            OsFamily::Windows
        } else if os.contains("mac") || os.contains("os x") || os.contains("darwin") {
            OsFamily::Macos
        } else if [
            "linux", "ubuntu", "debian", "centos", "red hat", "rhel", "fedora", "suse",
        ]
        .iter()
        .any(|k| os.contains(k))
        {
            OsFamily::Linux
        } else {
            OsFamily::Other
        }
    }
}
