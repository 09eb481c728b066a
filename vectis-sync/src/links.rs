//! Links between RMM customers and PSA companies, and the decisions people
//! make about them: a decision wins in every later match and survives every
//! sync.

use crate::error::{Error, Result};
use crate::rows;
use crate::store::Store;
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::BTreeMap;
use vectis_core::{Kind, Record};
use vectis_match::{MatchReason, Matcher, Overrides, Party};

/// A person's decision about one RMM customer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Link it to this PSA company id.
    Link(String),
    /// Never link it automatically.
    KeepSeparate,
}

/// One RMM customer's link (or its absence) as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct StoredLink {
    /// The RMM connection.
    pub connection: String,
    /// The RMM customer's id.
    pub rmm_id: String,
    /// The RMM customer's name.
    pub rmm_name: String,
    /// The PSA connection.
    pub psa_connection: String,
    /// The linked PSA company, `None` when unlinked.
    pub psa_id: Option<String>,
    /// The linked PSA company's name.
    pub psa_name: Option<String>,
    /// 1.0 for override and exact links, the fuzzy score otherwise; for an
    /// unlinked customer, its best candidate's score.
    pub score: f64,
    /// `override`, `exact` or `fuzzy`; `override` with no PSA id means a
    /// person kept it separate; `None` when unlinked by the matcher.
    pub reason: Option<String>,
    /// For an unlinked customer: the PSA company a person should look at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_candidate: Option<String>,
}

fn reason_str(r: MatchReason) -> &'static str {
    match r {
        MatchReason::Override => "override",
        MatchReason::Exact => "exact",
        MatchReason::Fuzzy => "fuzzy",
    }
}

fn parties(records: Vec<Record>) -> Vec<Party> {
    records
        .into_iter()
        .filter_map(|r| match r {
            Record::Customer(c) => Some(Party::new(c.id, c.name)),
            _ => None,
        })
        .collect()
}

impl Store {
    /// Records a person's decision about `rmm_connection`'s customer `rmm_id`
    /// against `psa_connection`. It wins in every later [`Store::match_customers`].
    pub async fn decide(
        &self,
        rmm_connection: &str,
        rmm_id: &str,
        psa_connection: &str,
        decision: Decision,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let psa_id = match decision {
            Decision::Link(id) => Some(id),
            Decision::KeepSeparate => None,
        };
        sqlx::query(&self.sql(
            "INSERT INTO decisions (rmm_connection, rmm_id, psa_connection, psa_id, decided_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (rmm_connection, rmm_id, psa_connection)
             DO UPDATE SET psa_id = excluded.psa_id, decided_at = excluded.decided_at",
        ))
        .bind(rmm_connection.to_string())
        .bind(rmm_id.to_string())
        .bind(psa_connection.to_string())
        .bind(psa_id)
        .bind(rows::ts(at))
        .execute(self.pool())
        .await
        .map_err(self.err("save the decision"))?;
        Ok(())
    }

    async fn overrides(&self, rmm: &str, psa: &str) -> Result<Overrides> {
        let rows = sqlx::query(&self.sql(
            "SELECT rmm_id, psa_id FROM decisions WHERE rmm_connection = $1 AND psa_connection = $2",
        ))
        .bind(rmm.to_string())
        .bind(psa.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(self.err("read the decisions"))?;
        let mut o = Overrides::new();
        for r in rows {
            let rmm_id: String = r.try_get(0).map_err(self.err("read the decisions"))?;
            match r.try_get::<Option<String>, _>(1).ok().flatten() {
                Some(psa_id) => o.add_link(rmm_id, psa_id),
                None => o.add_keep_separate(rmm_id),
            };
        }
        Ok(o)
    }

    async fn require_connection(&self, name: &str) -> Result<()> {
        if self.connection_vendor(name).await?.is_none() {
            let known: Vec<String> = self.connections().await?.into_iter().map(|c| c.0).collect();
            return Err(Error::config(
                format!("connection {name}"),
                format!(
                    "is not in {} (it has: {}); sync it first with `sync <VENDOR> --store … --connection {name}`",
                    self.url(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
        Ok(())
    }

    /// Matches each RMM connection's live customers to the PSA connection's
    /// companies (one-to-one per RMM connection), applies the stored
    /// decisions, and saves the links, replacing the previous ones.
    pub async fn match_customers(
        &self,
        rmm_connections: &[&str],
        psa_connection: &str,
        matcher: &Matcher,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredLink>> {
        self.require_connection(psa_connection).await?;
        let psa = parties(self.live(psa_connection, Kind::Customers).await?);
        let mut out = Vec::new();
        for rmm_conn in rmm_connections {
            self.require_connection(rmm_conn).await?;
            let rmm = parties(self.live(rmm_conn, Kind::Customers).await?);
            let overrides = self.overrides(rmm_conn, psa_connection).await?;
            let m = matcher.clone().with_overrides(overrides.clone());
            let results = m.match_customers(&rmm, &psa);
            let links: Vec<StoredLink> = results
                .into_iter()
                .map(|r| {
                    let decided = overrides.linked_psa(&r.rmm_id).is_some()
                        || overrides.is_kept_separate(&r.rmm_id);
                    StoredLink {
                        connection: rmm_conn.to_string(),
                        rmm_id: r.rmm_id,
                        rmm_name: r.rmm_name,
                        psa_connection: psa_connection.to_string(),
                        psa_id: r.psa_id,
                        psa_name: r.psa_name,
                        score: r.score,
                        reason: if decided {
                            Some("override".to_string())
                        } else {
                            r.reason.map(|x| reason_str(x).to_string())
                        },
                        best_candidate: r.best_candidate,
                    }
                })
                .collect();
            let mut tx = self.write_tx("save the links").await?;
            sqlx::query(
                &self.sql("DELETE FROM links WHERE rmm_connection = $1 AND psa_connection = $2"),
            )
            .bind(rmm_conn.to_string())
            .bind(psa_connection.to_string())
            .execute(&mut *tx)
            .await
            .map_err(self.err("save the links"))?;
            for l in &links {
                sqlx::query(&self.sql(
                    "INSERT INTO links (rmm_connection, rmm_id, psa_connection, psa_id, score, reason, best_candidate, matched_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                ))
                .bind(l.connection.clone())
                .bind(l.rmm_id.clone())
                .bind(l.psa_connection.clone())
                .bind(l.psa_id.clone())
                .bind(l.score)
                .bind(l.reason.clone())
                .bind(l.best_candidate.clone())
                .bind(rows::ts(at))
                .execute(&mut *tx)
                .await
                .map_err(self.err("save the links"))?;
            }
            tx.commit().await.map_err(self.err("save the links"))?;
            out.extend(links);
        }
        Ok(out)
    }

    /// The stored links (and unlinked customers) against `psa_connection`,
    /// names taken from the live records.
    pub async fn links(&self, psa_connection: &str) -> Result<Vec<StoredLink>> {
        let rows = sqlx::query(&self.sql(
            "SELECT rmm_connection, rmm_id, psa_id, score, reason, best_candidate FROM links
             WHERE psa_connection = $1 ORDER BY rmm_connection, rmm_id",
        ))
        .bind(psa_connection.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(self.err("read the links"))?;
        let mut names: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut conns: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .collect();
        conns.push(psa_connection.to_string());
        conns.sort();
        conns.dedup();
        for c in &conns {
            for rec in self.live(c, Kind::Customers).await? {
                if let Record::Customer(cu) = rec {
                    names.insert((c.clone(), cu.id), cu.name);
                }
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let t = |i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
            let conn = t(0).unwrap_or_default();
            let rmm_id = t(1).unwrap_or_default();
            let psa_id = t(2);
            out.push(StoredLink {
                rmm_name: names
                    .get(&(conn.clone(), rmm_id.clone()))
                    .cloned()
                    .unwrap_or_default(),
                psa_name: psa_id
                    .as_ref()
                    .and_then(|p| names.get(&(psa_connection.to_string(), p.clone())).cloned()),
                connection: conn,
                rmm_id,
                psa_connection: psa_connection.to_string(),
                psa_id,
                score: r.try_get::<f64, _>(3).unwrap_or(0.0),
                reason: t(4),
                best_candidate: t(5),
            });
        }
        Ok(out)
    }
}
