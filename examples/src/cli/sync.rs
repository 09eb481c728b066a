//! `sync`: every listing of the chosen kinds merged into one stream, written
//! as JSON lines or tables.

use super::*;

/// One item of the merged listings: a record of a kind, or the end of a
/// kind's listing.
pub(super) enum Item {
    Record(Kind, Record),
    End(Kind),
}

/// A kind's records, in the vendor's order, then its end.
pub(super) fn kind_stream(
    connector: &Arc<dyn Connector>,
    kind: Kind,
    opts: &ListOptions,
) -> futures::stream::BoxStream<'static, vectis_core::Result<Item>> {
    use futures::StreamExt;
    let records = match kind {
        Kind::Customers => connector.customers(opts).map_ok(Record::Customer).boxed(),
        Kind::Devices => connector.devices(opts).map_ok(Record::Device).boxed(),
        Kind::Alerts => connector.alerts(opts).map_ok(Record::Alert).boxed(),
        Kind::Tickets => connector.tickets(opts).map_ok(Record::Ticket).boxed(),
    };
    records
        .map_ok(move |r| Item::Record(kind, r))
        .chain(futures::stream::once(async move { Ok(Item::End(kind)) }))
        .boxed()
}

/// Runs `sync`; returns the exit code.
///
/// The kinds are listed side by side (every listing's first page in flight
/// at once, under the one connector's concurrency and quota); each kind's
/// records come in the vendor's order, and each stdout line is one whole
/// record.
pub async fn run_sync(args: &[String], mut io: Io<'_>) -> i32 {
    let a: SyncArgs = match parse("sync", args, &mut io) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if a.check {
        let ignored: Vec<&str> = [
            ("--only", !a.only.is_empty()),
            ("--format", a.format.is_some()),
            ("--since", a.since.is_some()),
            ("--raw", a.raw),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect();
        if !ignored.is_empty() {
            return usage(
                &mut io,
                &format!(
                    "--check only tests the connection; drop {} (or drop --check to sync)",
                    ignored.join(", ")
                ),
            );
        }
    }
    if a.shared_quota_fallback.is_some() && a.shared_quota.is_none() {
        return usage(
            &mut io,
            "--shared-quota-fallback applies to a shared quota; give --shared-quota redis://HOST:PORT too, or drop it",
        );
    }
    let mut settings = match settings_with(a.rate_limit.as_deref(), &mut io) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(url) = a.shared_quota.as_ref().map(crate::url_arg::UrlArg::as_str) {
        let fallback = match a
            .shared_quota_fallback
            .as_deref()
            .unwrap_or("fail")
            .parse::<vectis_core::redis_quota::Fallback>()
        {
            Ok(f) => f,
            Err(e) => return fail(&mut io, &e),
        };
        match vectis_core::redis_quota::RedisQuota::new(url) {
            Ok(store) => settings.shared_quota = Some(Arc::new(store.with_fallback(fallback))),
            Err(e) => return fail(&mut io, &e),
        }
    }
    if let Some(n) = a.concurrency {
        if n == 0 {
            return usage(&mut io, "--concurrency must be at least 1");
        }
        settings.concurrency = n;
    }
    let since = match &a.since {
        None => None,
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&chrono::Utc)),
            Err(_) => {
                return usage(
                    &mut io,
                    &format!(
                        "--since `{s}` is not an RFC 3339 time; write e.g. 2026-05-01T00:00:00Z"
                    ),
                );
            }
        },
    };
    let entry = match lookup(&a.vendor) {
        Ok(e) => e,
        Err(e) => return fail(&mut io, &e),
    };
    let connector = match build(&a.vendor, a.base_url.as_deref(), settings, &mut io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if !a.check
        && let Some(url) =
            crate::store_cmd::store_url(a.store.as_ref().map(crate::url_arg::UrlArg::as_str), &io)
    {
        if since.is_some() {
            return usage(
                &mut io,
                "--since does not go with a store: the store keeps its own watermark (use --full to list everything)",
            );
        }
        if a.format.is_some() || a.raw {
            return usage(
                &mut io,
                "--format and --raw do not go with a store (it prints no records; read them with `store export`)",
            );
        }
        let req = crate::store_cmd::StoreSync {
            url,
            connection: a.connection.clone(),
            kinds: a.only.clone(),
            full: a.full,
            allow_mass_delete: a.allow_mass_delete,
            progress_bar: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        };
        return crate::store_cmd::sync_into_store(req, connector, &mut io).await;
    }
    if a.connection.is_some() || a.full || a.allow_mass_delete {
        return usage(
            &mut io,
            "--connection, --full and --allow-mass-delete go with --store URL (or VECTIS_STORE)",
        );
    }
    let product = connector.vendor().product();
    if a.check {
        return match connector.check().await {
            Ok(info) => finish(&mut io, &format!("{info}\n")),
            Err(e) => fail(&mut io, &e),
        };
    }
    let caps = connector.capabilities();
    let kinds: Vec<Kind> = if a.only.is_empty() {
        [Kind::Customers, Kind::Devices, Kind::Alerts]
            .into_iter()
            .filter(|k| supported(*k, &caps))
            .collect()
    } else {
        let mut kinds: Vec<Kind> = Vec::new();
        for k in &a.only {
            if !kinds.contains(k) {
                kinds.push(*k);
            }
        }
        if let Some(k) = kinds.iter().find(|k| !supported(**k, &caps)) {
            let can: Vec<&str> = [Kind::Customers, Kind::Devices, Kind::Alerts, Kind::Tickets]
                .into_iter()
                .filter(|k| supported(*k, &caps))
                .map(Kind::as_str)
                .collect();
            return usage(
                &mut io,
                &format!(
                    "{product} has no {} to list; --only takes {}",
                    k.as_str(),
                    can.join(", ")
                ),
            );
        }
        kinds
    };
    if since.is_some() {
        let unfiltered: Vec<&str> = kinds
            .iter()
            .map(|k| k.as_str())
            .filter(|k| !entry.filters_since(k))
            .collect();
        if !unfiltered.is_empty() {
            let _ = writeln!(
                io.err,
                "note: {product} cannot filter {} by --since; listing them in full",
                unfiltered.join(", ")
            );
        }
    }
    let format = a.format.unwrap_or(if io.out_is_terminal {
        Format::Table
    } else {
        Format::Jsonl
    });
    let mut opts = ListOptions::default();
    opts.since = since;
    let mut merged =
        futures::stream::select_all(kinds.iter().map(|&k| kind_stream(&connector, k, &opts)));
    let mut counts: Vec<(Kind, u64)> = kinds.iter().map(|&k| (k, 0)).collect();
    let mut table = Table::default();
    loop {
        match merged.try_next().await {
            Ok(Some(Item::Record(kind, mut rec))) => {
                if let Some(c) = counts.iter_mut().find(|(k, _)| *k == kind) {
                    c.1 += 1;
                }
                if !a.raw {
                    strip_raw(&mut rec);
                }
                match format {
                    Format::Jsonl => {
                        let line = match serde_json::to_string(&rec) {
                            Ok(l) => l,
                            Err(e) => {
                                let _ = writeln!(io.err, "error: could not encode a record ({e})");
                                return EXIT_VENDOR;
                            }
                        };
                        if let Err(code) = emit(&mut io, &format!("{line}\n")) {
                            return code;
                        }
                    }
                    Format::Table => table.push(&rec),
                }
            }
            Ok(Some(Item::End(kind))) => {
                let n = counts.iter().find(|(k, _)| *k == kind).map_or(0, |c| c.1);
                let _ = writeln!(io.err, "{product}: {}", count_of(kind, n));
            }
            Ok(None) => break,
            Err(e) => return fail(&mut io, &e),
        }
    }
    if format == Format::Table
        && let Err(code) = emit(&mut io, &table.render())
    {
        return code;
    }
    EXIT_OK
}
