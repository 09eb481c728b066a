//! Which alerts a run looks at: the store's alerts that match a rule,
//! grouped by key.

use super::*;
use futures::TryStreamExt;

impl<'a> Engine<'a> {
    /// The store's alerts that match a rule, grouped by key.
    pub(super) async fn groups(&self) -> Result<BTreeMap<String, Group<'a>>> {
        let psa_vendor = self.psa.vendor();
        let mut out: BTreeMap<String, Group<'a>> = BTreeMap::new();
        for (conn, vendor) in self.store.connections().await? {
            if conn == self.psa_connection || vendor == psa_vendor {
                continue;
            }
            // Read as streams, keeping only what the groups need: a large
            // tenant's devices (each with its vendor JSON) never sit in
            // memory all at once.
            let live = |kind: Kind| {
                let filter = vectis_sync::RecordFilter::new()
                    .connection(conn.clone())
                    .kinds([kind]);
                self.store.record_stream(&filter)
            };
            let mut devices: HashMap<String, (String, Option<String>)> = HashMap::new();
            let mut stream = live(Kind::Devices);
            while let Some(r) = stream.try_next().await? {
                if let Record::Device(d) = r.record {
                    devices.insert(d.id, (d.name, d.customer_id));
                }
            }
            let mut customers: HashMap<String, String> = HashMap::new();
            let mut stream = live(Kind::Customers);
            while let Some(r) = stream.try_next().await? {
                if let Record::Customer(c) = r.record {
                    customers.insert(c.id, c.name);
                }
            }
            let mut alerts: Vec<Alert> = Vec::new();
            let mut stream = live(Kind::Alerts);
            while let Some(r) = stream.try_next().await? {
                if let Record::Alert(a) = r.record
                    && self.rules.first_match(&a).is_some()
                {
                    alerts.push(a);
                }
            }
            alerts.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
            for a in alerts {
                let Some(rule) = self.rules.first_match(&a) else {
                    continue;
                };
                let customer_id = a.customer_id.clone().or_else(|| {
                    a.device_id
                        .as_ref()
                        .and_then(|d| devices.get(d))
                        .and_then(|(_, c)| c.clone())
                });
                let key = Key::new(
                    &conn,
                    a.device_id.as_deref(),
                    customer_id.as_deref(),
                    &a.title,
                );
                let reference = key.reference();
                let g = out.entry(reference.clone()).or_insert_with(|| Group {
                    key,
                    reference,
                    rule,
                    alerts: Vec::new(),
                    device: a
                        .device_id
                        .as_ref()
                        .and_then(|d| devices.get(d))
                        .map(|(n, _)| n.clone()),
                    customer: customer_id.as_ref().and_then(|c| customers.get(c).cloned()),
                    customer_id,
                });
                g.alerts.push(a);
            }
        }
        Ok(out)
    }
}
