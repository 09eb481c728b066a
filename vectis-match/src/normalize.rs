//! A name taken apart once ([`Prepared`]), so that every comparison is cheap:
//! accents folded (with a second, German spelling for umlauts), split into
//! words (`tokenize`), flags, legal forms and qualifiers cut off (`clean`),
//! each word classed by the `lexicon`. [`normalize_name`] and
//! [`is_placeholder_name`] are its public face.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::clean::{clean_head, clean_qualifier, is_noise_run, split_trading_name};
use crate::lexicon::{Class, GENERIC, PLACEHOLDER, PLACEHOLDER_COMPANION, STOP, VOCABULARY};
use crate::tokenize::{RawTok, split_brackets, split_segments, tokenize};

/// The canonical normalized form (used for exact matching), e.g.
/// `"Smith & Sons, Inc."` -> `"smith and sons"`.
///
/// Case, accents, punctuation, `&`/`+`, a leading "The", legal suffixes, common
/// abbreviations, trailing qualifiers (`(...)`, `[...]`, ` - ...`) and noise
/// markers (`zz`, `[OLD]`, `do not use`, ...) are folded away. Umlauts fold to
/// the plain vowel here (`Müller` -> `muller`); the matcher also tries the
/// `ue` spelling, so `Mueller` still matches exactly.
pub fn normalize_name(name: &str) -> String {
    Prepared::new(name)
        .forms
        .first()
        .map(|f| f.core_key.clone())
        .unwrap_or_default()
}

/// Whether `name` looks like an RMM bucket rather than a customer (`Internal`,
/// `Demo`, `NOC`, `Lab`, `Test`, `Default`, `Unassigned`, `Deleted Devices`,
/// ...). Such names link only exactly or through an override, never fuzzily.
pub fn is_placeholder_name(name: &str) -> bool {
    Prepared::new(name).placeholder
}

#[derive(Debug, Clone)]
pub(crate) struct Tok {
    /// After abbreviation expansion.
    pub(crate) text: String,
    /// Before expansion, so "Med Point" still joins to "MedPoint".
    pub(crate) raw: String,
    pub(crate) class: Class,
    // Worked out once here because every pair comparison needs them.
    pub(crate) chars: usize,
    pub(crate) first: Option<char>,
    pub(crate) has_digit: bool,
    pub(crate) vocabulary: bool,
}

impl Tok {
    fn new(t: &RawTok) -> Self {
        Self {
            class: Class::of(t.flags),
            chars: t.text.chars().count(),
            first: t.text.chars().next(),
            has_digit: t.text.chars().any(|c| c.is_ascii_digit()),
            vocabulary: t.is(GENERIC | VOCABULARY),
            text: t.text.clone(),
            raw: t.raw.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub(crate) core: Vec<Tok>,
    pub(crate) full: Vec<Tok>,
    pub(crate) core_key: String,
    pub(crate) full_key: String,
    pub(crate) qualified: bool,
    /// The legal form the name was written with ("corp" for "Corporation").
    pub(crate) legal: Option<String>,
}

impl Form {
    fn new(core: &[RawTok], qualifiers: &[RawTok], legal: Option<String>) -> Self {
        let core: Vec<Tok> = core.iter().map(Tok::new).collect();
        let mut full = core.clone();
        full.extend(qualifiers.iter().map(Tok::new));
        let key = |toks: &[Tok]| {
            toks.iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        Self {
            core_key: key(&core),
            full_key: key(&full),
            qualified: !qualifiers.is_empty(),
            legal,
            core,
            full,
        }
    }
}

/// A name taken apart once, so every comparison is cheap.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The first is the canonical form; others are spellings such as
    /// "mueller" for "Müller" or the trading name after "dba".
    pub(crate) forms: Vec<Form>,
    /// Marked zz/old/inactive/do-not-use.
    pub(crate) noisy: bool,
    /// An RMM bucket such as "Internal" or "Deleted Devices".
    pub(crate) placeholder: bool,
}

impl Prepared {
    pub(crate) fn legal(&self) -> Option<&str> {
        self.forms.first().and_then(|f| f.legal.as_deref())
    }

    pub(crate) fn new(name: &str) -> Self {
        let trimmed = name.trim();
        let starred = trimmed.starts_with(['*', '~']) || trimmed.ends_with('*');
        // In "Acme Ltd OLD" the capitals mark a flag; in "OLD MILL BAKERY" they do not.
        let caps_mark_noise = name.chars().any(char::is_lowercase);
        let (plain, umlaut) = fold(name);
        let first = analyse(&plain, caps_mark_noise);
        let mut forms = first.forms;
        if let Some(umlaut) = umlaut {
            for form in analyse(&umlaut, caps_mark_noise).forms {
                if !forms.iter().any(|f| f.full_key == form.full_key) {
                    forms.push(form);
                }
            }
        }
        Self {
            forms,
            noisy: first.noisy || starred,
            placeholder: first.placeholder,
        }
    }
}

/// Folds accents and special letters. The second string, present only when the
/// name has an umlaut (or ø), spells it the German way: "Müller" -> "Mueller".
fn fold(raw: &str) -> (String, Option<String>) {
    // Most names are plain ASCII, which decomposition leaves alone.
    if raw.is_ascii() {
        return (raw.to_string(), None);
    }
    let mut pre = String::with_capacity(raw.len() + 4);
    for c in raw.chars() {
        match c {
            'ß' => pre.push_str("ss"),
            'ẞ' => pre.push_str("SS"),
            'æ' => pre.push_str("ae"),
            'Æ' => pre.push_str("AE"),
            'œ' => pre.push_str("oe"),
            'Œ' => pre.push_str("OE"),
            // Written as o + diaeresis so it gets the "oe" spelling as well.
            'ø' => pre.push_str("o\u{308}"),
            'Ø' => pre.push_str("O\u{308}"),
            'ł' => pre.push('l'),
            'Ł' => pre.push('L'),
            'đ' | 'ð' => pre.push('d'),
            'Đ' | 'Ð' => pre.push('D'),
            'þ' => pre.push_str("th"),
            'Þ' => pre.push_str("Th"),
            'ı' => pre.push('i'),
            '™' | '®' | '©' | '℠' => pre.push(' '),
            '–' | '—' | '−' | '‐' | '‑' | '‒' | '―' => pre.push('-'),
            '’' | '‘' | '`' | '´' | 'ʼ' | '′' => pre.push('\''),
            _ => pre.push(c),
        }
    }
    let mut plain = String::with_capacity(pre.len());
    let mut umlaut = String::with_capacity(pre.len() + 4);
    let mut has_umlaut = false;
    let mut last_base = ' ';
    for c in pre.nfkd() {
        if is_combining_mark(c) {
            if c == '\u{308}' && matches!(last_base, 'a' | 'o' | 'u' | 'A' | 'O' | 'U') {
                umlaut.push(if last_base.is_uppercase() { 'E' } else { 'e' });
                has_umlaut = true;
            }
            continue;
        }
        plain.push(c);
        umlaut.push(c);
        last_base = c;
    }
    (plain, has_umlaut.then_some(umlaut))
}

struct Analysis {
    forms: Vec<Form>,
    noisy: bool,
    placeholder: bool,
}

fn analyse(folded: &str, caps_mark_noise: bool) -> Analysis {
    let (main, bracketed) = split_brackets(folded);
    let mut noisy = false;
    let mut head: Option<Vec<RawTok>> = None;
    let mut qualifiers: Vec<RawTok> = Vec::new();
    let mut everything: Vec<RawTok> = Vec::new();
    for segment in split_segments(&main) {
        let toks = tokenize(&segment);
        if toks.is_empty() {
            continue;
        }
        everything.extend(toks.iter().cloned());
        if is_noise_run(&toks) {
            noisy = true;
        } else if head.is_none() {
            head = Some(toks);
        } else if let Some(q) = clean_qualifier(&toks, &mut noisy) {
            qualifiers.extend(q);
        }
    }
    for text in &bracketed {
        let toks = tokenize(text);
        everything.extend(toks.iter().cloned());
        if let Some(q) = clean_qualifier(&toks, &mut noisy) {
            qualifiers.extend(q);
        }
    }
    let head = match head {
        Some(head) => head,
        // Nothing but flags and brackets: keep whatever there is.
        None => {
            qualifiers.clear();
            everything
        }
    };
    let mut placeholder = is_placeholder_tokens(&head);
    let mut forms = Vec::new();
    for (k, part) in split_trading_name(head).into_iter().enumerate() {
        let (core, legal) = clean_head(part, caps_mark_noise, &mut noisy);
        if core.is_empty() {
            continue;
        }
        if k == 0 {
            placeholder |= is_placeholder_tokens(&core);
        }
        forms.push(Form::new(&core, &qualifiers, legal));
    }
    Analysis {
        forms,
        noisy,
        placeholder,
    }
}

fn is_placeholder_tokens(toks: &[RawTok]) -> bool {
    toks.iter().any(|t| t.is(PLACEHOLDER))
        && toks
            .iter()
            .all(|t| t.is(PLACEHOLDER | PLACEHOLDER_COMPANION | STOP))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similarity;

    #[test]
    fn normalize_folds_case_punctuation_ampersand_and_legal_suffix() {
        assert_eq!(normalize_name("Smith & Sons, Inc."), "smith and sons");
        assert_eq!(normalize_name("  ACME   Limited "), "acme");
        assert_eq!(normalize_name("Acme, L.L.C."), "acme");
        assert_eq!(normalize_name("Acme Pty Ltd"), "acme");
        assert_eq!(normalize_name("Acme S.A."), "acme");
        assert_eq!(normalize_name("Acme B.V."), "acme");
        assert_eq!(normalize_name("Acme GmbH & Co. KG"), "acme");
        assert_eq!(normalize_name("Kowalski Sp. z o.o."), "kowalski");
        assert_eq!(normalize_name("Smith & Co"), "smith");
        assert_eq!(normalize_name("Johnson & Johnson"), "johnson and johnson");
        assert_eq!(normalize_name("R+D Labs"), "r and d laboratory");
    }

    #[test]
    fn normalize_folds_accents_and_sharp_s() {
        assert_eq!(normalize_name("Café Lumière SARL"), "cafe lumiere");
        assert_eq!(normalize_name("Bäckerei Weiß"), "backerei weiss");
        assert_eq!(normalize_name("Łukasz Ødegaard"), "lukasz odegaard");
    }

    #[test]
    fn umlaut_matches_both_plain_and_e_spelling() {
        assert_eq!(normalize_name("The Müller Group GmbH"), "muller group");
        assert_eq!(similarity("The Müller Group GmbH", "Mueller Group"), 1.0);
        assert_eq!(similarity("The Müller Group GmbH", "Muller Group"), 1.0);
    }

    #[test]
    fn normalize_drops_leading_the_and_expands_abbreviations() {
        assert_eq!(
            normalize_name("The Wellness Collective"),
            "wellness collective"
        );
        assert_eq!(
            normalize_name("Acme Intl Svcs"),
            "acme international services"
        );
        assert_eq!(
            normalize_name("Greenfield Mfg Co."),
            "greenfield manufacturing"
        );
        assert_eq!(
            normalize_name("Kessler Bros. Roofing"),
            "kessler brothers roofing"
        );
        assert_eq!(
            normalize_name("Blue Ridge Property Mgmt"),
            "blue ridge properties management"
        );
        assert_eq!(normalize_name("Carter Assoc"), "carter associates");
        assert_eq!(normalize_name("Apex Tech Grp"), "apex technology group");
        assert_eq!(
            normalize_name("Coastal Imaging Ctr"),
            "coastal imaging center"
        );
    }

    #[test]
    fn normalize_strips_qualifiers_and_noise_markers() {
        assert_eq!(normalize_name("Acme Ltd - London"), "acme");
        assert_eq!(normalize_name("Acme (UK) Ltd"), "acme");
        assert_eq!(normalize_name("zz Acme [OLD]"), "acme");
        assert_eq!(normalize_name("ZZZ_Acme Ltd"), "acme");
        assert_eq!(normalize_name("*Acme Ltd - DO NOT USE"), "acme");
        assert_eq!(normalize_name("Acme Ltd (inactive)"), "acme");
        assert_eq!(normalize_name("OLD - Acme"), "acme");
        assert_eq!(normalize_name("Acme Ltd OLD"), "acme");
        assert_eq!(normalize_name("TEST Acme"), "acme");
        assert_eq!(
            normalize_name("Smith-Jones Architects"),
            "smith jones architects"
        );
    }

    #[test]
    fn normalize_keeps_ordinary_words_that_look_like_flags() {
        assert_eq!(normalize_name("Old Mill Bakery"), "old mill bakery");
        assert_eq!(normalize_name("OLD MILL BAKERY"), "old mill bakery");
    }

    #[test]
    fn normalize_reads_dotted_initials_and_domains() {
        assert_eq!(normalize_name("A.B.C. Plumbing"), "abc plumbing");
        assert_eq!(normalize_name("A B C Plumbing"), "abc plumbing");
        assert_eq!(normalize_name("acme.com"), "acme");
        assert_eq!(normalize_name("O'Connell Law"), "oconnell law");
    }
}
