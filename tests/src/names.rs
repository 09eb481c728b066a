//! Realistic MSP customer and machine names for the fakes' generated data.
//!
//! Customer names look like a managed-service provider's real client list:
//! dental practices, law firms, plumbers, accountants, manufacturers,
//! schools, clinics — with the mess real lists have sprinkled in
//! (`Smith & Sons, Inc.`, `The Müller Group GmbH`, `Acme Ltd - London`,
//! `zz Old Customer [OLD]`, `O'Brien Legal LLP`, all-caps entries, branch
//! suffixes, non-ASCII letters). Everything is deterministic by seed.

use std::collections::HashSet;

use crate::fake::Rng;

const SURNAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Patel",
    "Nguyen",
    "García",
    "Müller",
    "O'Brien",
    "Kowalski",
    "Andersen",
    "Rossi",
    "Schmidt",
    "Dubois",
    "Murphy",
    "Chen",
    "Okafor",
    "Williams",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Thompson",
    "Walker",
    "Wright",
    "Hughes",
    "Lewis",
    "Clarke",
    "Fischer",
    "Weber",
    "Becker",
    "Lindqvist",
    "Novak",
    "Fernandes",
    "Kelly",
    "D'Souza",
    "MacLeod",
    "Harrington",
    "Bennett",
    "Carter",
    "Foster",
    "Gallagher",
    "Hoffmann",
    "Jansen",
    "Khan",
    "López",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Quinn",
    "Reyes",
    "Sullivan",
    "Tanaka",
    "Vásquez",
    "Young",
    "Zimmermann",
    "Baker",
    "Cooper",
    "Hayes",
    "Morgan",
    "Price",
    "Russo",
];

const GERMAN_SURNAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Becker",
    "Schäfer",
    "Koch",
    "Krüger",
    "Wagner",
    "Hoffmann",
    "Braun",
    "Zimmermann",
    "Hartmann",
    "Köhler",
    "Lange",
    "Weiß",
];

const IRISH_SURNAMES: &[&str] = &[
    "O'Brien",
    "O'Connor",
    "O'Neill",
    "O'Sullivan",
    "D'Arcy",
    "McCarthy",
    "O'Reilly",
    "Ó Súilleabháin",
];

const PLACES: &[&str] = &[
    "Riverside",
    "Lakeview",
    "Northgate",
    "Oakwood",
    "Maple Grove",
    "Cedar Hill",
    "Harbor",
    "Westfield",
    "Brookside",
    "Pine Valley",
    "Summit",
    "Eastside",
    "Greenfield",
    "Hillcrest",
    "Meadowbrook",
    "Bayside",
    "Silver Creek",
    "Stonebridge",
    "Springfield",
    "Fairview",
    "Kingsway",
    "Ashford",
    "Millbrook",
    "Redwood",
    "Highland",
    "Elmwood",
    "Copper Canyon",
    "Willow Park",
];

const SAINTS: &[&str] = &[
    "Mary",
    "Patrick",
    "Joseph",
    "Andrew",
    "Anne",
    "Bridget",
    "Thomas",
    "Catherine",
    "Michael",
];

const BRANDS: &[&str] = &[
    "Acme",
    "Apex",
    "Pinnacle",
    "Vertex",
    "Bluewater",
    "Ironclad",
    "Keystone",
    "Northstar",
    "Brightline",
    "Cobalt",
    "Evergreen",
    "Falcon",
];

const BRANCH_CITIES: &[&str] = &[
    "London",
    "Manchester",
    "Leeds",
    "Bristol",
    "Dublin",
    "Glasgow",
    "Birmingham",
    "Cardiff",
];

/// Regular names: `{S}` = surname, `{P}` = place, `{T}` = saint.
const REGULAR: &[&str] = &[
    "{S} Dental Practice",
    "{P} Family Dentistry",
    "{S} Orthodontics",
    "{P} Dental Care",
    "{S} & {S} LLP",
    "{S} Law Group",
    "{S} & Associates",
    "{S} Legal Services",
    "{P} Plumbing & Heating",
    "{S} Plumbing Ltd",
    "{P} Heating & Air",
    "{S} Accounting",
    "{S} & {S} CPAs",
    "{P} Tax Services",
    "{S} Bookkeeping LLC",
    "{P} Precision Manufacturing",
    "{S} Machining Inc.",
    "{P} Fabrication LLC",
    "{S} Tool & Die",
    "{P} Elementary School",
    "St. {T}'s Primary School",
    "{P} Academy",
    "{P} Medical Clinic",
    "{P} Family Clinic",
    "{S} Physiotherapy",
    "{P} Veterinary Hospital",
    "{S} Eye Care",
    "{S} Architects",
    "{P} Real Estate",
    "{S} Insurance Agency",
    "{P} Auto Repair",
    "{S} Construction Co.",
    "{P} Community Church",
    "{S} Logistics",
    "{P} Credit Union",
    "{S} Financial Planning",
    "{P} Chamber of Commerce",
    "{S} Pharmacy",
];

/// `n` unique, plausible small-business customer names, deterministic by
/// `seed`. About one in six is one of the messy forms real client lists have
/// (`Smith & Sons, Inc.`, `The Müller Group GmbH`, `Acme Ltd - London`,
/// `zz Old Customer [OLD]`, `O'Brien Legal LLP`, all caps, `(DO NOT USE)`).
pub fn customer_names(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed ^ 0x6E61_6D65_735F_7631); // "names_v1"
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mut name = one_name(&mut rng);
        let mut tries = 0;
        while seen.contains(&name) && tries < 20 {
            name = one_name(&mut rng);
            tries += 1;
        }
        if seen.contains(&name) {
            // The word lists are exhausted for this shape: number it, as
            // people do ("Smith Accounting 2").
            let base = name.clone();
            let mut k = 2;
            while seen.contains(&name) {
                name = format!("{base} {k}");
                k += 1;
            }
        }
        seen.insert(name.clone());
        out.push(name);
    }
    out
}

fn fill(template: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let key = rest.get(start..start + 3).unwrap_or("");
        let word = match key {
            "{S}" => *rng.pick(SURNAMES),
            "{P}" => *rng.pick(PLACES),
            "{T}" => *rng.pick(SAINTS),
            _ => "",
        };
        out.push_str(word);
        rest = rest.get(start + 3..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn regular(rng: &mut Rng) -> String {
    let template = *rng.pick(REGULAR);
    fill(template, rng)
}

fn one_name(rng: &mut Rng) -> String {
    if !rng.chance(1.0 / 6.0) {
        return regular(rng);
    }
    match rng.below(9) {
        0 => format!("{} & Sons, Inc.", rng.pick(SURNAMES)),
        1 => format!("The {} Group GmbH", rng.pick(GERMAN_SURNAMES)),
        2 => format!("{} Ltd - {}", rng.pick(BRANDS), rng.pick(BRANCH_CITIES)),
        3 => {
            if rng.chance(0.3) {
                "zz Old Customer [OLD]".to_string()
            } else {
                format!("zz {} [OLD]", regular(rng))
            }
        }
        4 => format!("{} Legal LLP", rng.pick(IRISH_SURNAMES)),
        5 => regular(rng).to_uppercase(),
        6 => format!("{} (DO NOT USE)", regular(rng)),
        7 => format!("{}'s Hardware & Supply, Inc.", rng.pick(SURNAMES)),
        _ => format!("{} - {}", regular(rng), rng.pick(BRANCH_CITIES)),
    }
}

/// `names` as given, or one generated name (see [`customer_names`]) when
/// there are none but `needed`.
pub fn names_or_one(names: &[String], needed: bool, seed: u64) -> Vec<String> {
    if names.is_empty() && needed {
        customer_names(1, seed)
    } else {
        names.to_vec()
    }
}

/// A Windows-style machine name for the `i`-th device (from 0) of
/// `customer`: a prefix from the customer's first significant word (ASCII,
/// upper case, at most 6 letters) then `DC01` for device 0, `FS01` for
/// device 1, `LT{i:03}` for every seventh, `WS{i:03}` otherwise — e.g.
/// `ACME-DC01`, `ACME-WS014`. Unique within a customer but deliberately not
/// across customers (`Smith Dental` and `Smith & Sons` both have a
/// `SMITH-DC01`), as in real RMM data.
pub fn device_name(customer: &str, i: usize) -> String {
    let prefix = machine_prefix(customer);
    let suffix = match i {
        0 => "DC01".to_string(),
        1 => "FS01".to_string(),
        i if i % 7 == 6 => format!("LT{i:03}"),
        i => format!("WS{i:03}"),
    };
    format!("{prefix}-{suffix}")
}

fn machine_prefix(customer: &str) -> String {
    const SKIP: &[&str] = &["the", "zz", "st", "st."];
    let mut prefix = String::new();
    // Words until the prefix has three letters ("Ó Súilleabháin" → OSUILL).
    for word in customer
        .split_whitespace()
        .filter(|w| !SKIP.contains(&w.to_lowercase().as_str()))
    {
        for c in word.chars() {
            if c.is_ascii_alphanumeric() {
                prefix.push(c.to_ascii_uppercase());
            } else {
                prefix.push_str(fold(c));
            }
        }
        if prefix.len() >= 3 {
            break;
        }
    }
    prefix.truncate(6);
    if prefix.is_empty() {
        prefix.push_str("PC");
    }
    prefix
}

/// Common Latin letters folded to ASCII, the way admins name machines.
fn fold(c: char) -> &'static str {
    match c {
        'ä' | 'á' | 'à' | 'â' | 'ã' | 'å' | 'Ä' | 'Á' | 'À' | 'Â' | 'Ã' | 'Å' => "A",
        'æ' | 'Æ' => "AE",
        'ç' | 'Ç' => "C",
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => "E",
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => "I",
        'ñ' | 'Ñ' => "N",
        'ö' | 'ó' | 'ò' | 'ô' | 'õ' | 'ø' | 'Ö' | 'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ø' => "O",
        'ß' => "SS",
        'ü' | 'ú' | 'ù' | 'û' | 'Ü' | 'Ú' | 'Ù' | 'Û' => "U",
        _ => "",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_deterministic_and_varied() {
        let a = customer_names(500, 1);
        assert_eq!(a, customer_names(500, 1));
        assert_ne!(a, customer_names(500, 2));
        assert_eq!(a.len(), 500);
        let unique: HashSet<_> = a.iter().collect();
        assert_eq!(unique.len(), 500);
        assert!(a.iter().all(|n| !n.trim().is_empty() && n.trim() == n));
        for needle in ["&", "'", "[OLD]", "GmbH", " - ", "Inc."] {
            assert!(
                a.iter().any(|n| n.contains(needle)),
                "no name with {needle:?}"
            );
        }
        assert!(a.iter().any(|n| !n.is_ascii()), "no non-ASCII name");
        assert!(a.iter().any(|n| n.contains("Dental")));
        // The first names of a small list are deterministic too.
        assert_eq!(customer_names(3, 9), customer_names(3, 9));
        assert!(customer_names(0, 9).is_empty());
    }

    #[test]
    fn many_names_stay_unique() {
        let a = customer_names(5_000, 3);
        let unique: HashSet<_> = a.iter().collect();
        assert_eq!(unique.len(), 5_000);
    }

    #[test]
    fn device_names() {
        assert_eq!(device_name("Acme Ltd - London", 0), "ACME-DC01");
        assert_eq!(device_name("Acme Ltd - London", 14), "ACME-WS014");
        assert_eq!(device_name("Acme Ltd - London", 1), "ACME-FS01");
        assert_eq!(device_name("Acme Ltd - London", 6), "ACME-LT006");
        assert_eq!(device_name("The Müller Group GmbH", 2), "MULLER-WS002");
        assert_eq!(device_name("O'Brien Legal LLP", 0), "OBRIEN-DC01");
        assert_eq!(device_name("zz Old Customer [OLD]", 0), "OLD-DC01");
        assert_eq!(device_name("St. Mary's Primary School", 3), "MARYS-WS003");
        assert_eq!(device_name("Harrington & Associates", 3), "HARRIN-WS003");
        assert_eq!(device_name("!!!", 3), "PC-WS003");
        assert_eq!(device_name("Ó Súilleabháin Legal LLP", 0), "OSUILL-DC01");
        assert_eq!(device_name("A B C Dental", 0), "ABC-DC01");
        // Not unique across customers, on purpose.
        assert_eq!(
            device_name("Smith Dental Practice", 0),
            device_name("Smith & Sons, Inc.", 0)
        );
        for i in 0..2000 {
            assert!(device_name("Harrington & Associates", i).len() <= 15);
        }
    }
}
