//! The demo's customers: how the PSA and each RMM spell each one, and the
//! entries only one tool has.

/// One MSP customer as the PSA and each RMM spell it (`None`: not in that tool).
pub(super) struct Row {
    pub(super) psa: &'static str,
    pub(super) atera: Option<&'static str>,
    pub(super) datto: Option<&'static str>,
    pub(super) kaseya: Option<&'static str>,
}

pub(super) const fn row(
    psa: &'static str,
    atera: Option<&'static str>,
    datto: Option<&'static str>,
    kaseya: Option<&'static str>,
) -> Row {
    Row {
        psa,
        atera,
        datto,
        kaseya,
    }
}

/// The customer list of a small MSP, spelled the way each tool's admins
/// typed it over the years.
pub(super) const ROWS: &[Row] = &[
    row(
        "Acme Ltd",
        Some("ACME Limited"),
        Some("Acme Ltd - London"),
        Some("Acme"),
    ),
    row(
        "Smith & Sons, Inc.",
        Some("Smith and Sons"),
        Some("SMITH & SONS INC"),
        None,
    ),
    row(
        "The Müller Group GmbH",
        Some("Mueller Group"),
        None,
        Some("Müller Group"),
    ),
    row(
        "Smith Dental",
        Some("Smith Dental"),
        Some("Smith Dental PC"),
        None,
    ),
    row("Smith Dental Lab", None, Some("Smith Dental Lab"), None),
    row(
        "O'Brien Legal LLP",
        Some("OBrien Legal"),
        Some("O'Brien Legal, L.L.P."),
        Some("O'Brien Legal LLP"),
    ),
    row(
        "North Star Plumbing",
        Some("North Star Plumbing"),
        None,
        Some("Northstar Plumbing"),
    ),
    row(
        "North Star Electrical",
        None,
        Some("North Star Electrical Co."),
        None,
    ),
    row(
        "Riverside Family Clinic",
        Some("Riverside Family Clinic (Main)"),
        Some("Riverside Family Clinic"),
        None,
    ),
    row(
        "Garcia Accounting Services",
        Some("García Accounting Svcs"),
        Some("Garcia Accounting"),
        Some("Garcia Accounting Services"),
    ),
    row(
        "Patel & Associates",
        Some("Patel and Associates"),
        None,
        Some("Patel & Assoc."),
    ),
    row(
        "Brightwater Manufacturing Corp",
        Some("Brightwater Mfg"),
        Some("Brightwater Manufacturing Corporation"),
        None,
    ),
    row(
        "St. Mary's Primary School",
        Some("St Marys Primary School"),
        None,
        Some("Saint Mary's Primary School"),
    ),
    row(
        "Kowalski Brothers Roofing",
        None,
        Some("Kowalski Bros Roofing"),
        Some("Kowalski Brothers Roofing LLC"),
    ),
    row(
        "Evergreen Veterinary Hospital",
        Some("Evergreen Veterinary Hospital"),
        Some("EVERGREEN VETERINARY HOSPITAL"),
        None,
    ),
    row(
        "Lakeside Dental Care",
        Some("Lakeside Dental Care"),
        None,
        Some("Lakeside Dental"),
    ),
    row(
        "Chen International Trading",
        Some("Chen Intl Trading"),
        Some("Chen International Trading Pty Ltd"),
        None,
    ),
    row(
        "Okafor Pediatrics",
        None,
        Some("Okafor Pediatrics"),
        Some("Okafor Paediatrics"),
    ),
    row(
        "Harbor Point Marina",
        Some("Harbor Point Marina"),
        None,
        None,
    ),
    row(
        "Summit Physical Therapy",
        Some("Summit Physical Therapy"),
        Some("Summit PT"),
        Some("Summit Physical Therapy Inc"),
    ),
    row(
        "Walker & Wright Architects",
        Some("Walker and Wright Architects"),
        Some("Walker & Wright"),
        None,
    ),
    row(
        "Blue Ridge Credit Union",
        None,
        Some("Blue Ridge Credit Union"),
        Some("Blue Ridge CU"),
    ),
    row(
        "Thompson Logistics",
        Some("Thompson Logistics"),
        Some("Thompson Logistics Ltd"),
        None,
    ),
    row(
        "Andersen Engineering AS",
        Some("Andersen Engineering"),
        None,
        Some("Andersen Engineering AS"),
    ),
    row(
        "Rossi Family Restaurants",
        Some("Rossi Family Restaurants"),
        Some("Rossi Restaurants"),
        None,
    ),
    row(
        "Clarke Hughes Solicitors",
        None,
        Some("Clarke Hughes Solicitors"),
        Some("Clarke Hughes"),
    ),
];

/// RMM entries with no PSA company: the MSP's own machines, labs, leftovers.
pub(super) const ATERA_ONLY: &[&str] = &["Internal", "Demo Lab"];
pub(super) const DATTO_ONLY: &[&str] = &["NOC", "zz Old Customer [OLD]"];
pub(super) const KASEYA_ONLY: &[&str] = &["Lab", "Harbor View Veterinary"];

pub(super) fn names(
    pick: impl Fn(&Row) -> Option<&'static str>,
    extra: &[&'static str],
) -> Vec<String> {
    ROWS.iter()
        .filter_map(pick)
        .chain(extra.iter().copied())
        .map(str::to_string)
        .collect()
}
