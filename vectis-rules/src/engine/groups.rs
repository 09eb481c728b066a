//! Which alerts a run looks at: the store's alerts that match a rule,
//! grouped by key.

use super::*;

impl<'a> Engine<'a> {
    /// The store's alerts that match a rule, grouped by key.
    pub(super) async fn groups(&self) -> Result<BTreeMap<String, Group<'a>>> {
        let psa_vendor = self.psa.vendor();
        let mut out: BTreeMap<String, Group<'a>> = BTreeMap::new();
        for (conn, vendor) in self.store.connections().await? {
            if conn == self.psa_connection || vendor == psa_vendor {
                continue;
            }
            let mut devices: HashMap<String, (String, Option<String>)> = HashMap::new();
            for r in self.store.live(&conn, Kind::Devices).await? {
                if let Record::Device(d) = r {
                    devices.insert(d.id, (d.name, d.customer_id));
                }
            }
            let mut customers: HashMap<String, String> = HashMap::new();
            for r in self.store.live(&conn, Kind::Customers).await? {
                if let Record::Customer(c) = r {
                    customers.insert(c.id, c.name);
                }
            }
            let mut alerts: Vec<Alert> = self
                .store
                .live(&conn, Kind::Alerts)
                .await?
                .into_iter()
                .filter_map(|r| match r {
                    Record::Alert(a) => Some(a),
                    _ => None,
                })
                .collect();
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
