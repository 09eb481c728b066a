//! The end of a run: tombstones (or the mass-delete guard's hold) after a
//! complete full listing, and the run's status.

use super::*;

impl Syncer<'_> {
    pub(super) async fn finish(
        &self,
        kind: Kind,
        run: i64,
        mode: Mode,
        report: &mut KindReport,
    ) -> Result<()> {
        let s = self.store;
        let table = rows::table(kind);
        let now = rows::ts(self.now());
        let mut tx = s.write_tx("finish the run").await?;
        let mut status = RunStatus::Ok;
        let mut message: Option<String> = None;
        if mode == Mode::Full {
            let live: i64 = sqlx::query(&s.sql(&format!(
                "SELECT COUNT(*) FROM {table} WHERE connection = $1 AND deleted_at IS NULL"
            )))
            .bind(self.connection.clone())
            .fetch_one(&mut *tx)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(s.err("count live records"))?;
            // Not seen: in no page of `run_pages` (one JSON array of ids a
            // page), nor in `run_seen` (version 1's one row an id: a run
            // begun before the upgrade; on SQLite also where the pages' ids
            // are gathered now).
            let in_pages = match s.backend() {
                // SQLite: the pages' ids are copied into `run_seen` (on
                // disk, indexed) in one statement, then probed there. A
                // `NOT IN` over the pages built its set of every id seen in
                // memory: 7 MB more peak memory at 150,000 devices, growing
                // with the tenant.
                Backend::Sqlite => {
                    sqlx::query(&s.sql(
                        "INSERT INTO run_seen (run_id, id) SELECT p.run_id, j.value FROM run_pages p, json_each(p.ids) j WHERE p.run_id = $1 ON CONFLICT (run_id, id) DO NOTHING",
                    ))
                    .bind(run)
                    .execute(&mut *tx)
                    .await
                    .map_err(s.err("gather the ids seen"))?;
                    "TRUE".to_string()
                }
                // PostgreSQL hashes them for an anti-join, on the server.
                Backend::Postgres => format!(
                    "NOT EXISTS (SELECT 1 FROM run_pages p CROSS JOIN LATERAL jsonb_array_elements_text(p.ids::jsonb) AS j(id) WHERE p.run_id = $2 AND j.id = {table}.id)"
                ),
            };
            let unseen = format!(
                "connection = $1 AND deleted_at IS NULL AND {in_pages} AND NOT EXISTS
                 (SELECT 1 FROM run_seen s WHERE s.run_id = $2 AND s.id = {table}.id)"
            );
            let gone: i64 =
                sqlx::query(&s.sql(&format!("SELECT COUNT(*) FROM {table} WHERE {unseen}")))
                    .bind(self.connection.clone())
                    .bind(run)
                    .fetch_one(&mut *tx)
                    .await
                    .and_then(|r| r.try_get(0))
                    .map_err(s.err("count records not seen"))?;
            let (gone, live) = (gone.max(0) as u64, live.max(0) as u64);
            // A fraction outside 0 … 1 is taken at the nearer end, and one
            // that is not a number as 0 (hold): never a guard turned off by
            // a bad value.
            let fraction = match self.opts.mass_delete_fraction {
                f if f.is_nan() => 0.0,
                f => f.clamp(0.0, 1.0),
            };
            let over = gone > self.opts.mass_delete_min && (gone as f64) > fraction * (live as f64);
            if over && !self.opts.allow_mass_delete {
                status = RunStatus::Held;
                report.held_back = Some((gone, live));
                message = Some(format!(
                    "held: would mark {gone} of {live} live {kind} gone; confirm with --allow-mass-delete"
                ));
            } else if gone > 0 {
                sqlx::query(&s.sql(&format!(
                    "UPDATE {table} SET deleted_at = $3 WHERE {unseen}"
                )))
                .bind(self.connection.clone())
                .bind(run)
                .bind(now.clone())
                .execute(&mut *tx)
                .await
                .map_err(s.err("mark records gone"))?;
                report.gone = gone;
            }
            for seen in ["run_pages", "run_seen"] {
                sqlx::query(&s.sql(&format!("DELETE FROM {seen} WHERE run_id = $1")))
                    .bind(run)
                    .execute(&mut *tx)
                    .await
                    .map_err(s.err("clear the run's seen ids"))?;
            }
        }
        sqlx::query(&s.sql(
            "UPDATE runs SET status = $1, ended_at = $2, records_gone = $3, error = $4, cursor = NULL
             WHERE id = $5",
        ))
        .bind(status.as_str().to_string())
        .bind(now)
        .bind(report.gone as i64)
        .bind(message)
        .bind(run)
        .execute(&mut *tx)
        .await
        .map_err(s.err("record the run's end"))?;
        tx.commit().await.map_err(s.err("finish the run"))?;
        report.status = status;
        Ok(())
    }
}
