//! The word lists: joining words, generic business words, dictionary words,
//! legal forms, flags, bucket words and abbreviations. One lookup
//! ([`lexicon`]) gives every flag a word carries, [`expand`] its one spelling,
//! and [`Class`] what it weighs in a score.

use std::collections::HashMap;
use std::sync::LazyLock;

/// What a word says about which business a name is, for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Stop,
    Generic,
    Distinct,
}

impl Class {
    pub(crate) fn of(flags: u16) -> Self {
        if flags & STOP != 0 {
            Class::Stop
        } else if flags & (GENERIC | LEGAL) != 0 {
            Class::Generic
        } else {
            Class::Distinct
        }
    }
}

/// Words that join a name together and say nothing about it.
const STOP_WORDS: &str = "\
    and of the for at in on by to de du des la le les el der die das van von den y e da \
    do dos di dr mr mrs ms prof";

/// Words that say little about which business it is.
const GENERIC_WORDS: &str = "\
    services solutions group holdings consulting associates partners enterprises \
    international global worldwide systems technology industries management agency \
    ventures trading brothers sons family care center clinic practice office offices it \
    products resources business professional professionals specialists online branch \
    location site campus main headquarters hq department";

/// Common English business words (with [`GENERIC_WORDS`]): a one-letter slip
/// in one of these is a typo, in a surname it may be another family.
const VOCABULARY_WORDS: &str = "\
    academy accounting advisors animal apartments architects automotive bakery bank \
    beauty brewing builders building capital chiropractic church cleaning college \
    community computer computers construction contractors cooling council county credit \
    dental design development diagnostics distribution electrical electronics elementary \
    energy engineering environmental equipment estate farms finance financial fitness \
    florist foods foundation freight furniture garden health healthcare heating homes \
    hospital hotel imaging institute insurance investments kitchen landscaping legal \
    library logistics machining manufacturing marine marketing mechanical medical \
    medicine ministries motors museum nursery optical orthodontics orthopedics \
    outfitters painting pediatrics pharmacy physical plumbing printing properties realty \
    recovery repair restaurant roofing school security senior software storage studio \
    supply surgical therapy title tools transport transportation travel trucking trust \
    university valley veterinary village wealth wellness works";

/// Legal-form suffixes, as they read once dots are gone ("L.L.C." = "llc").
const LEGAL_FORMS: &str = "\
    inc incorporated corp corporation co company cos llc lc pllc llp lllp lp ltd limited \
    ltda lda ltee pty pvt pte plc pc pa psc gmbh mbh gesmbh ag kg kgaa ohg gbr ug ev eg \
    sa sas sasu sarl eurl srl sl slu spa snc bv nv vof cv bvba sprl oy oyj ab as asa aps \
    se kk bhd sdn sro kft zrt ooo ehf cic haftungsbeschrankt";

/// Flags that never belong to a name (so does any run of z or x: "zz", "XXX").
const STRONG_NOISE_WORDS: &str = "\
    dnu donotuse inactive deleted archived archive obsolete duplicate dupe deactivated \
    disabled";

/// Flags that are also ordinary words ("Old Mill Bakery"): noise only when set
/// apart by brackets or a dash, or written in capitals in a mixed-case name.
const WEAK_NOISE_WORDS: &str = "\
    old test testing former closed legacy delete cancelled canceled terminated churned \
    expired unused retired defunct demo trial sandbox template";

/// Words that may stand beside a flag without making it a name ("do not use").
const NOISE_FILLER_WORDS: &str = "\
    do not use dont no longer used please account customer client record entry site \
    anymore in and the of";

/// Words that make a name an RMM bucket rather than a customer ("NOC").
const PLACEHOLDER_WORDS: &str = "\
    internal demo noc soc laboratory test testing default unassigned unknown deleted \
    sandbox staging temp temporary template trial misc miscellaneous spare spares stock \
    bench onboarding quarantine unmanaged uncategorized uncategorised unsorted \
    placeholder dummy sample example none null na tbd helpdesk servicedesk";

/// Words that may accompany them in a bucket name ("Deleted Devices").
const PLACEHOLDER_COMPANION_WORDS: &str = "\
    devices device computers computer machines machine servers server workstations \
    endpoints agents pcs pc laptops site sites customer customers client clients company \
    org organization organisation tenant account it msp office our my new group team \
    staff users home personal use only support help desk services technology environment \
    monitoring queue general shared house own main hq equipment pool inventory assets \
    center data networks infrastructure systems environments old";

/// One spelling for each group of abbreviations and variants: (spelling, variants).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("and", "und et"),
    ("international", "intl internat internatl"),
    ("services", "svc svcs srvc srvcs servs service"),
    ("manufacturing", "mfg manuf mfring"),
    ("associates", "assoc assocs associate"),
    ("association", "assn assns"),
    ("brothers", "bros"),
    ("department", "dept depts"),
    ("management", "mgmt mgt mngmt"),
    ("technology", "tech techs technologies technology"),
    ("group", "grp grps groups"),
    ("center", "ctr cntr centre centres centers"),
    ("systems", "sys system"),
    ("solutions", "soln solns solution"),
    ("holdings", "hldgs hldg holding"),
    ("national", "natl"),
    ("university", "univ"),
    ("hospital", "hosp"),
    ("medical", "med"),
    ("engineering", "eng engr engg"),
    ("construction", "constr"),
    ("accounting", "acct acctg accountants accountancy"),
    ("marketing", "mktg"),
    ("insurance", "ins insur"),
    ("agency", "agcy"),
    ("academy", "acad"),
    ("veterinary", "vet vets"),
    ("properties", "props property"),
    ("communications", "comm comms communication"),
    ("dental", "dentistry dentists dentist"),
    ("consulting", "consultants consultancy consultant"),
    ("laboratory", "lab labs laboratories"),
    ("st", "saint street"),
    ("mount", "mt"),
    ("mountain", "mtn"),
    ("fort", "ft"),
    ("northwest", "nw"),
    ("northeast", "ne"),
    ("southwest", "sw"),
    ("industries", "industry"),
    ("enterprises", "enterprise"),
    ("partners", "partner"),
    ("products", "product"),
    ("networks", "network"),
    ("resources", "resource"),
    ("investments", "investment"),
    ("logistics", "logistic"),
    ("supply", "supplies"),
    ("pharmacy", "pharmacies"),
    ("clinic", "clinics"),
    ("architects", "architecture architect"),
    ("electrical", "electric electricians electrician"),
    ("plumbing", "plumbers plumber"),
    ("building", "bldg"),
    ("government", "govt"),
    ("county", "cnty"),
    ("township", "twp"),
    ("cpa", "cpas"),
];

pub(crate) const STOP: u16 = 1;
pub(crate) const GENERIC: u16 = 1 << 1;
pub(crate) const VOCABULARY: u16 = 1 << 2;
pub(crate) const LEGAL: u16 = 1 << 3;
pub(crate) const STRONG_NOISE: u16 = 1 << 4;
pub(crate) const WEAK_NOISE: u16 = 1 << 5;
pub(crate) const NOISE_FILLER: u16 = 1 << 6;
pub(crate) const PLACEHOLDER: u16 = 1 << 7;
pub(crate) const PLACEHOLDER_COMPANION: u16 = 1 << 8;

/// Every listed word with what it is, so one lookup answers all questions.
static LEXICON: LazyLock<HashMap<&'static str, u16>> = LazyLock::new(|| {
    let lists = [
        (STOP_WORDS, STOP),
        (GENERIC_WORDS, GENERIC),
        (VOCABULARY_WORDS, VOCABULARY),
        (LEGAL_FORMS, LEGAL),
        (STRONG_NOISE_WORDS, STRONG_NOISE),
        (WEAK_NOISE_WORDS, WEAK_NOISE),
        (NOISE_FILLER_WORDS, NOISE_FILLER),
        (PLACEHOLDER_WORDS, PLACEHOLDER),
        (PLACEHOLDER_COMPANION_WORDS, PLACEHOLDER_COMPANION),
    ];
    let mut map = HashMap::new();
    for (words, flag) in lists {
        for word in words.split_whitespace() {
            *map.entry(word).or_insert(0) |= flag;
        }
    }
    map
});

/// Each variant with the spelling it stands for.
static EXPANSIONS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    ABBREVIATIONS
        .iter()
        .flat_map(|&(spelling, variants)| variants.split_whitespace().map(move |v| (v, spelling)))
        .collect()
});

/// Every flag `word` carries; a run of z or x ("zz", "xxx") is a strong flag.
pub(crate) fn lexicon(word: &str) -> u16 {
    let listed = LEXICON.get(word).copied().unwrap_or(0);
    let flag_run =
        word.len() >= 2 && (word.bytes().all(|b| b == b'z') || word.bytes().all(|b| b == b'x'));
    if flag_run {
        listed | STRONG_NOISE
    } else {
        listed
    }
}

/// The one spelling an abbreviation or variant stands for ("intl" -> "international").
pub(crate) fn expand(token: &str) -> Option<&'static str> {
    EXPANSIONS.get(token).copied()
}

/// Legal forms written as several words, as they read once dots are gone.
pub(crate) const LEGAL_PHRASES: &[&[&str]] = &[
    &["limited", "liability", "company"],
    &["limited", "liability", "partnership"],
    &["public", "limited", "company"],
    &["limited", "partnership"],
    &["proprietary", "limited"],
    &["private", "limited"],
    &["spolka", "z", "oo"],
    &["sp", "z", "oo"],
    &["sa", "de", "cv"],
    &["s", "de", "rl"],
    &["sa", "rl"],
];

/// After a legal suffix, a dangling "and"/"de" belonged to it ("Smith & Co").
pub(crate) fn is_connector(t: &str) -> bool {
    matches!(t, "and" | "de" | "y" | "the")
}

/// Flags written as several words.
pub(crate) const NOISE_PHRASES: &[&[&str]] = &[
    &["do", "not", "use"],
    &["dont", "use"],
    &["no", "longer", "used"],
    &["not", "in", "use"],
];

/// The canonical spelling of a legal form as written ("corp" for "Corporation").
pub(crate) fn legal_family(written: &str) -> &str {
    match written {
        "incorporated" => "inc",
        "corporation" => "corp",
        "company" | "cos" => "co",
        "limited" | "proprietarylimited" | "privatelimited" => "ltd",
        "lc" | "limitedliabilitycompany" => "llc",
        "limitedpartnership" => "lp",
        "limitedliabilitypartnership" => "llp",
        "publiclimitedcompany" => "plc",
        "spolkazoo" => "spzoo",
        "sadecv" => "sa",
        "sderl" => "srl",
        "sarl" => "sarl",
        other => other,
    }
}
