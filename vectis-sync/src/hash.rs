//! Content hashes of records: equal hashes mean nothing to rewrite.
//!
//! A hash covers everything stored for a record (the normalized fields and
//! the vendor's JSON). It is computed by walking the record's `Serialize`
//! implementation with a serializer that writes each value, tagged with its
//! type (strings with their length), into a reused buffer, and hashing that
//! with XXH3-128 (a fixed specification: stable across builds, versions and
//! platforms), written as `h2:` and 32 hex digits. Nothing is formatted as
//! JSON or escaped on the way: a whole record costs about as much as
//! copying it.
//!
//! Stores written before version 2 hold the first definition: FNV-1a over
//! the record's JSON text (`serde_json::to_vec`), 32 hex digits with no
//! prefix ([`legacy`]). A stored hash of that form is compared with
//! [`legacy`]; when it matches, the sync writes the new hash without
//! counting the record as changed.

mod walk;

use serde::Serialize;
use vectis_core::Record;
use walk::Walker;

/// The prefix of the current hash definition.
const PREFIX: &str = "h2:";

thread_local! {
    /// The walk's buffer, reused: one record's tagged bytes at a time.
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The hash of `rec` (current definition).
pub(crate) fn hash(rec: &Record) -> String {
    let h = BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.clear();
        if rec.serialize(&mut Walker(&mut buf)).is_err() {
            // Unreachable for the model's types; a record that cannot be
            // walked hashes as no bytes, as the first definition did.
            buf.clear();
        }
        let h = xxhash_rust::xxh3::xxh3_128(&buf);
        if buf.capacity() > 1 << 20 {
            // One huge record does not keep its buffer for the thread's life.
            *buf = Vec::new();
        }
        h
    });
    format!("{PREFIX}{h:032x}")
}

/// Whether a stored hash is of the first definition (see [`legacy`]).
pub(crate) fn is_legacy(stored: &str) -> bool {
    !stored.starts_with(PREFIX)
}

/// The first definition: FNV-1a over `serde_json::to_vec(rec)`, two
/// offsets, 32 hex digits.
pub(crate) fn legacy(rec: &Record) -> String {
    let mut h = Fnv2::new();
    if serde_json::to_writer(&mut h, rec).is_err() {
        h = Fnv2::new();
    }
    format!("{:016x}{:016x}", h.a, h.b)
}

/// Two FNV-1a states fed the same bytes.
struct Fnv2 {
    a: u64,
    b: u64,
}

impl Fnv2 {
    fn new() -> Fnv2 {
        Fnv2 {
            a: 0xcbf2_9ce4_8422_2325,
            b: 0x6c62_272e_07bb_0142,
        }
    }

    fn feed(&mut self, buf: &[u8]) {
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        let (mut a, mut b) = (self.a, self.b);
        for &byte in buf {
            a = (a ^ u64::from(byte)).wrapping_mul(PRIME);
            b = (b ^ u64::from(byte)).wrapping_mul(PRIME);
        }
        self.a = a;
        self.b = b;
    }
}

/// Where the walk writes.
trait Sink {
    fn feed(&mut self, bytes: &[u8]);

    fn tag(&mut self, t: u8) {
        self.feed(&[t]);
    }

    /// A length-prefixed string: `"ab" "c"` and `"a" "bc"` differ.
    fn text(&mut self, t: u8, s: &[u8]) {
        self.tag(t);
        self.feed(&(s.len() as u64).to_le_bytes());
        self.feed(s);
    }
}

impl Sink for Vec<u8> {
    fn feed(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl std::io::Write for Fnv2 {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.feed(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vectis_core::{Customer, Device, Vendor};

    fn device() -> Record {
        let mut d = Device::new(Vendor::DattoRmm, "6f1c2a3b", "WS-0000001");
        d.customer_id = Some("site-1".into());
        d.os = Some("Windows 11".into());
        d.online = Some(true);
        d.raw = serde_json::json!({"hostname": "WS-0000001", "udf": {"udf1": "é\"x"}, "n": [1, 2.5, null, -3]});
        Record::Device(d)
    }

    #[test]
    fn hashes_are_stable_and_see_every_change() {
        let rec = device();
        let h = hash(&rec);
        assert_eq!(h.len(), 35);
        assert!(h.starts_with("h2:"));
        assert!(!is_legacy(&h));
        assert_eq!(h, hash(&rec.clone()));
        // A value pinned for this definition: a change here rewrites every
        // stored row once, so it must be deliberate.
        assert_eq!(h, "h2:82ae515cf5dd4f1ded75dcc8cc64a261");
        let changes: Vec<fn(&mut Device)> = vec![
            |d| d.raw["udf"]["udf1"] = "é\"y".into(),
            |d| d.raw["n"][1] = 2.5000001.into(),
            |d| d.raw["n"][3] = 3.into(),
            |d| d.raw["n"][2] = serde_json::json!(false),
            |d| d.raw["extra"] = serde_json::Value::Null,
            |d| d.online = Some(false),
            |d| d.online = None,
            |d| d.os = None,
            |d| d.name.push('x'),
        ];
        for (i, change) in changes.into_iter().enumerate() {
            let mut changed = rec.clone();
            if let Record::Device(d) = &mut changed {
                change(d);
            }
            assert_ne!(hash(&changed), h, "change {i} went unseen");
        }
        // Boundaries between strings count: "ab"+"c" differs from "a"+"bc".
        let mut a = Customer::new(Vendor::Atera, "1", "ab");
        a.raw = serde_json::json!({"c": 1});
        let mut b = Customer::new(Vendor::Atera, "1", "a");
        b.raw = serde_json::json!({"bc": 1});
        assert_ne!(hash(&Record::Customer(a)), hash(&Record::Customer(b)));
    }

    #[test]
    fn the_legacy_hash_is_fnv_over_the_serialized_record() {
        // The definition stores before version 2 hold.
        let rec = device();
        let bytes = serde_json::to_vec(&rec).unwrap();
        let fnv = |offset: u64| {
            bytes.iter().fold(offset, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
            })
        };
        let want = format!(
            "{:016x}{:016x}",
            fnv(0xcbf2_9ce4_8422_2325),
            fnv(0x6c62_272e_07bb_0142)
        );
        assert_eq!(legacy(&rec), want);
        assert!(is_legacy(&want));
    }
}
