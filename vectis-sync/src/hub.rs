//! The customer hub: per PSA company, its linked RMM customers with their
//! device counts and open alerts by severity, and its open tickets; plus the
//! RMM customers nobody linked, with their best candidate.

use crate::error::Result;
use crate::links::StoredLink;
use crate::store::Store;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// One RMM customer in the hub.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct HubCustomer {
    /// The RMM connection.
    pub connection: String,
    /// The RMM customer's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Why it is linked (`override`, `exact`, `fuzzy`).
    pub reason: Option<String>,
    /// The match score (1.0 for exact and override links).
    pub score: f64,
    /// Live devices.
    pub devices: u64,
    /// Open (not resolved) live alerts by severity (`critical`, …).
    pub open_alerts: BTreeMap<String, u64>,
}

/// One PSA company in the hub.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct HubCompany {
    /// The PSA connection.
    pub psa_connection: String,
    /// The company's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its linked RMM customers.
    pub customers: Vec<HubCustomer>,
    /// Its open tickets: live tickets whose status does not read closed,
    /// completed or resolved.
    pub open_tickets: u64,
}

/// The hub.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Hub {
    /// PSA companies with a linked RMM customer or an open ticket, by name.
    pub companies: Vec<HubCompany>,
    /// RMM customers linked to no PSA company.
    pub unlinked: Vec<StoredLink>,
}

impl Store {
    async fn counts(&self, sql: &str) -> Result<HashMap<(String, String), u64>> {
        let rows = sqlx::query(sql)
            .fetch_all(self.pool())
            .await
            .map_err(self.err("build the hub"))?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let conn: String = r.try_get(0).ok()?;
                let id: Option<String> = r.try_get(1).ok()?;
                let n: i64 = r.try_get(2).ok()?;
                Some(((conn, id?), n.max(0) as u64))
            })
            .collect())
    }

    /// Builds the hub over every PSA connection that has links.
    pub async fn hub(&self) -> Result<Hub> {
        let psa_conns: Vec<String> = sqlx::query("SELECT DISTINCT psa_connection FROM links")
            .fetch_all(self.pool())
            .await
            .map_err(self.err("build the hub"))?
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .collect();
        let devices = self
            .counts(
                "SELECT connection, customer_id, COUNT(*) FROM devices
                 WHERE deleted_at IS NULL GROUP BY connection, customer_id",
            )
            .await?;
        let tickets = self
            .counts(
                "SELECT connection, customer_id, COUNT(*) FROM tickets
                 WHERE deleted_at IS NULL
                   AND LOWER(COALESCE(status, '')) NOT LIKE '%closed%'
                   AND LOWER(COALESCE(status, '')) NOT LIKE '%completed%'
                   AND LOWER(COALESCE(status, '')) NOT LIKE '%resolved%'
                 GROUP BY connection, customer_id",
            )
            .await?;
        let mut alerts: HashMap<(String, String), BTreeMap<String, u64>> = HashMap::new();
        for r in sqlx::query(
            "SELECT connection, customer_id, severity, COUNT(*) FROM alerts
             WHERE deleted_at IS NULL AND status <> 'resolved'
             GROUP BY connection, customer_id, severity",
        )
        .fetch_all(self.pool())
        .await
        .map_err(self.err("build the hub"))?
        {
            let (Ok(conn), Ok(Some(id)), Ok(sev), Ok(n)) = (
                r.try_get::<String, _>(0),
                r.try_get::<Option<String>, _>(1),
                r.try_get::<String, _>(2),
                r.try_get::<i64, _>(3),
            ) else {
                continue;
            };
            alerts
                .entry((conn, id))
                .or_default()
                .insert(sev, n.max(0) as u64);
        }

        let mut companies = Vec::new();
        let mut unlinked = Vec::new();
        for psa in psa_conns {
            let links = self.links(&psa).await?;
            let mut by_company: BTreeMap<String, Vec<HubCustomer>> = BTreeMap::new();
            for l in links {
                match &l.psa_id {
                    Some(pid) => by_company
                        .entry(pid.clone())
                        .or_default()
                        .push(HubCustomer {
                            devices: devices
                                .get(&(l.connection.clone(), l.rmm_id.clone()))
                                .copied()
                                .unwrap_or(0),
                            open_alerts: alerts
                                .get(&(l.connection.clone(), l.rmm_id.clone()))
                                .cloned()
                                .unwrap_or_default(),
                            connection: l.connection,
                            id: l.rmm_id,
                            name: l.rmm_name,
                            reason: l.reason,
                            score: l.score,
                        }),
                    None => unlinked.push(l),
                }
            }
            for rec in self.live(&psa, vectis_core::Kind::Customers).await? {
                let vectis_core::Record::Customer(c) = rec else {
                    continue;
                };
                let open_tickets = tickets
                    .get(&(psa.clone(), c.id.clone()))
                    .copied()
                    .unwrap_or(0);
                let customers = by_company.remove(&c.id).unwrap_or_default();
                if customers.is_empty() && open_tickets == 0 {
                    continue;
                }
                companies.push(HubCompany {
                    psa_connection: psa.clone(),
                    id: c.id,
                    name: c.name,
                    customers,
                    open_tickets,
                });
            }
        }
        companies.sort_by_key(|a| a.name.to_lowercase());
        Ok(Hub {
            companies,
            unlinked,
        })
    }
}
