//! The run's lease: taken before a kind's first page, renewed as pages
//! commit, released at the end, so two runs of one connection and kind
//! never interleave.

use super::*;

impl Syncer<'_> {
    /// When `kind`'s lease was last taken or renewed by this syncer.
    pub(super) fn renewed_at(&self, kind: Kind) -> Option<DateTime<Utc>> {
        let at = self.renewed.lock().unwrap_or_else(|p| p.into_inner());
        at.get(&kind).copied()
    }

    /// Notes that `kind`'s lease was taken or renewed at `t`.
    pub(super) fn set_renewed_at(&self, kind: Kind, t: DateTime<Utc>) {
        let mut at = self.renewed.lock().unwrap_or_else(|p| p.into_inner());
        at.insert(kind, t);
    }

    /// Takes `kind`'s lease for this syncer, or refuses (another run holds
    /// it and it has not expired) with the busy error.
    pub(super) async fn acquire(&self, kind: Kind) -> Result<()> {
        let s = self.store;
        let now = self.now();
        let until = now + chrono::Duration::from_std(self.opts.lease).unwrap_or_default();
        let done = sqlx::query(&s.sql(
            "INSERT INTO leases (connection, kind, holder, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (connection, kind) DO UPDATE
               SET holder = excluded.holder, expires_at = excluded.expires_at
               WHERE leases.expires_at < $5 OR leases.holder = excluded.holder",
        ))
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .bind(self.holder.clone())
        .bind(rows::ts(until))
        .bind(rows::ts(now))
        .execute(s.pool())
        .await
        .map_err(s.err(format!("take the lease on {} {kind}", self.connection)))?;
        if done.rows_affected() == 1 {
            self.set_renewed_at(kind, now);
            return Ok(());
        }
        let row = sqlx::query(
            &s.sql("SELECT holder, expires_at FROM leases WHERE connection = $1 AND kind = $2"),
        )
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .fetch_optional(s.pool())
        .await
        .map_err(s.err("read the lease"))?;
        let (holder, until) = row
            .map(|r| {
                (
                    r.try_get::<String, _>(0).unwrap_or_default(),
                    r.try_get::<String, _>(1).unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        Err(Error::Busy {
            connection: self.connection.clone(),
            kind,
            holder,
            until,
        })
    }

    /// Gives `kind`'s lease back (only this syncer's).
    pub(super) async fn release(&self, kind: Kind) -> Result<()> {
        let s = self.store;
        sqlx::query(
            &s.sql("DELETE FROM leases WHERE connection = $1 AND kind = $2 AND holder = $3"),
        )
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .bind(self.holder.clone())
        .execute(s.pool())
        .await
        .map_err(s.err("release the lease"))?;
        Ok(())
    }
}
