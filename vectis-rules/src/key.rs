//! The key of a problem: `(RMM connection, device — or customer —,
//! condition)`, written into the ticket as `vectis:` + 32 hex digits.

use sha2::{Digest, Sha256};

/// What a key is about: a device, or a customer when the alert has no device.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Subject {
    /// The alert's device id.
    Device(String),
    /// The alert's customer id (the alert has no device).
    Customer(String),
    /// Neither is known.
    Unknown,
}

/// One problem: the same condition on the same device (or customer) of the
/// same RMM connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct Key {
    /// The RMM connection's name in the store.
    pub rmm_connection: String,
    /// The device or customer.
    pub subject: Subject,
    /// The normalized title ([`condition`]).
    pub condition: String,
}

impl Key {
    /// The key of an alert.
    pub fn new(
        rmm_connection: &str,
        device: Option<&str>,
        customer: Option<&str>,
        title: &str,
    ) -> Key {
        let nonempty = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let subject = match (nonempty(device), nonempty(customer)) {
            (Some(d), _) => Subject::Device(d),
            (None, Some(c)) => Subject::Customer(c),
            (None, None) => Subject::Unknown,
        };
        Key {
            rmm_connection: rmm_connection.to_string(),
            subject,
            condition: condition(title),
        }
    }

    /// `vectis:` + the first 32 hex digits of the SHA-256 of the parts
    /// (stable across versions and machines; fits ConnectWise `externalXRef`
    /// and needs no quoting).
    pub fn reference(&self) -> String {
        let (kind, id) = match &self.subject {
            Subject::Device(d) => ("device", d.as_str()),
            Subject::Customer(c) => ("customer", c.as_str()),
            Subject::Unknown => ("none", ""),
        };
        let mut h = Sha256::new();
        for part in [
            self.rmm_connection.as_str(),
            kind,
            id,
            self.condition.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let digest = h.finalize();
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("vectis:{hex}")
    }
}

/// An alert title as a condition: case-folded, whitespace collapsed, every
/// run of digits replaced by `#` (`Disk C: 3.1 GB free` → `disk c: #.# gb free`).
pub fn condition(title: &str) -> String {
    let lower = title.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut in_digits = false;
    for word in lower.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        in_digits = false;
        for c in word.chars() {
            if c.is_numeric() {
                if !in_digits {
                    out.push('#');
                }
                in_digits = true;
            } else {
                out.push(c);
                in_digits = false;
            }
        }
    }
    let _ = in_digits;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_case_and_spaces_do_not_change_the_condition() {
        assert_eq!(condition("Disk C: 3.1 GB free"), "disk c: #.# gb free");
        assert_eq!(condition("disk  C:\t2.9 gb FREE "), "disk c: #.# gb free");
        assert_ne!(
            condition("Disk D: 3 GB free"),
            condition("Disk C: 3 GB free")
        );
    }

    #[test]
    fn the_reference_is_stable_and_fits_external_x_ref() {
        let a = Key::new("atera", Some("7"), Some("42"), "Disk C: 3.1 GB free");
        let b = Key::new("atera", Some("7"), None, "disk c: 2.9 gb free");
        assert_eq!(a.reference(), b.reference());
        assert_eq!(a.reference().len(), 7 + 32);
        assert!(a.reference().starts_with("vectis:"));
        assert_ne!(
            a.reference(),
            Key::new("atera-2", Some("7"), None, "Disk C: 3.1 GB free").reference()
        );
        assert_ne!(
            Key::new("atera", None, Some("7"), "x").reference(),
            Key::new("atera", Some("7"), None, "x").reference(),
            "a device and a customer with one id are different subjects"
        );
        // Pinned: a change here would open a second ticket for every open key.
        assert_eq!(
            Key::new("atera", Some("7"), None, "Disk C: 3.1 GB free").reference(),
            "vectis:2460c87e24e9a38653c43e262b9798c9"
        );
    }
}
