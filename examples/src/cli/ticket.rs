//! `ticket`: open a ticket in a PSA.

use super::*;

/// `ticket <VENDOR> --company ID --summary TEXT [...]`: open a ticket in a PSA.
#[derive(Debug, Parser)]
#[command(name = "ticket", about = "Open a ticket in a PSA (ConnectWise)")]
pub struct TicketArgs {
    /// The PSA: connectwise.
    pub vendor: String,
    /// The customer (company) id or identifier.
    #[arg(long)]
    pub company: String,
    /// Summary line (ConnectWise: at most 100 characters).
    #[arg(long)]
    pub summary: String,
    /// Initial description.
    #[arg(long)]
    pub description: Option<String>,
    /// Board, by id or name.
    #[arg(long)]
    pub board: Option<String>,
    /// Status, by id or name.
    #[arg(long)]
    pub status: Option<String>,
    /// Priority, by id or name.
    #[arg(long)]
    pub priority: Option<String>,
    /// Origin to use instead of the vendor's.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Client-side quota: N/s, N/min, N/h or off.
    #[arg(long)]
    pub rate_limit: Option<String>,
}

impl OneShot for TicketArgs {
    fn target(&self) -> (&str, Option<&str>, Option<&str>) {
        let (base_url, rate_limit) = (self.base_url.as_deref(), self.rate_limit.as_deref());
        (&self.vendor, base_url, rate_limit)
    }
}

/// Runs `ticket`; returns the exit code.
pub async fn run_ticket(args: &[String], mut io: Io<'_>) -> i32 {
    let (a, connector) = match start::<TicketArgs>("ticket", args, &mut io) {
        Ok(started) => started,
        Err(code) => return code,
    };
    let mut draft = vectis_core::TicketDraft::new(a.company, a.summary);
    draft.description = a.description;
    draft.board = a.board;
    draft.status = a.status;
    draft.priority = a.priority;
    match connector.create_ticket(&draft).await {
        Ok(t) => {
            let line = format!(
                "{}: ticket #{} created for company {}: {}\n",
                t.vendor.product(),
                t.id,
                t.customer_id.as_deref().unwrap_or(&draft.customer_id),
                t.summary
            );
            finish(&mut io, &line)
        }
        Err(e) => fail(&mut io, &e),
    }
}
