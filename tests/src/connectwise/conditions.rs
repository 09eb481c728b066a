//! ConnectWise's `conditions` language, enough of it for tests: `and`,
//! `or`, `not`, parentheses; `= != < <= > >= contains like in` (and `not
//! contains`, `not like`, `not in`); strings in quotes, numbers, `true`,
//! `false`, `null`, dates in `[…]`, lists in `(…)`; nested fields with `/`,
//! `lastUpdated` and `dateEntered` read from `_info`.

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::cmp::Ordering;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Both.
    And(Box<Expr>, Box<Expr>),
    /// Either.
    Or(Box<Expr>, Box<Expr>),
    /// Not.
    Not(Box<Expr>),
    /// `field op value`.
    Cmp(String, String, Lit),
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// `"text"`.
    Str(String),
    /// `42`, `4.5`.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `[2024-01-01T00:00:00Z]`.
    Date(DateTime<Utc>),
    /// `(1, 2, 3)`.
    List(Vec<Lit>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Date(String),
    Op(String),
    Open,
    Close,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < cs.len() {
        let c = cs[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '"' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match cs.get(i) {
                        None => return Err("unterminated string".into()),
                        Some('\\') => {
                            if let Some(n) = cs.get(i + 1) {
                                v.push(*n);
                            }
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            v.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            '[' => {
                let end = cs[i..]
                    .iter()
                    .position(|c| *c == ']')
                    .ok_or("unterminated [date]")?;
                out.push(Tok::Date(cs[i + 1..i + end].iter().collect()));
                i += end + 1;
            }
            '=' | '!' | '<' | '>' => {
                let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
                if ["!=", "<=", ">="].contains(&two.as_str()) {
                    out.push(Tok::Op(two));
                    i += 2;
                } else if c == '!' {
                    return Err("unexpected `!`".into());
                } else {
                    out.push(Tok::Op(c.to_string()));
                    i += 1;
                }
            }
            _ => {
                let start = i;
                while i < cs.len()
                    && (cs[i].is_alphanumeric() || ['/', '_', '.', '-', ':'].contains(&cs[i]))
                {
                    i += 1;
                }
                if i == start {
                    return Err(format!("unexpected `{c}`"));
                }
                out.push(Tok::Word(cs[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.at), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.peek_word("or") {
            self.at += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.atom()?;
        while self.peek_word("and") {
            self.at += 1;
            e = Expr::And(Box::new(e), Box::new(self.atom()?));
        }
        Ok(e)
    }
    fn atom(&mut self) -> Result<Expr, String> {
        if self.peek_word("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.atom()?)));
        }
        match self.next() {
            Some(Tok::Open) => {
                let e = self.or()?;
                match self.next() {
                    Some(Tok::Close) => Ok(e),
                    _ => Err("missing `)`".into()),
                }
            }
            Some(Tok::Word(field)) => {
                let op = match self.next() {
                    Some(Tok::Op(o)) => o,
                    Some(Tok::Word(w))
                        if ["contains", "like", "in"]
                            .contains(&w.to_ascii_lowercase().as_str()) =>
                    {
                        w.to_ascii_lowercase()
                    }
                    Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") => match self.next() {
                        Some(Tok::Word(w2))
                            if ["contains", "like", "in"]
                                .contains(&w2.to_ascii_lowercase().as_str()) =>
                        {
                            format!("not {}", w2.to_ascii_lowercase())
                        }
                        other => return Err(format!("unexpected {other:?} after not")),
                    },
                    other => {
                        return Err(format!(
                            "expected an operator after `{field}`, got {other:?}"
                        ));
                    }
                };
                let lit = self.literal()?;
                Ok(Expr::Cmp(field, op, lit))
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
    fn literal(&mut self) -> Result<Lit, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Date(d)) => vectis_core::timestamp::parse_str(&d)
                .ok()
                .flatten()
                .map(Lit::Date)
                .ok_or_else(|| format!("`[{d}]` is not a date")),
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Ok(Lit::Bool(true)),
                "false" => Ok(Lit::Bool(false)),
                "null" => Ok(Lit::Null),
                _ => w
                    .parse::<f64>()
                    .map(Lit::Num)
                    .map_err(|_| format!("`{w}` is not a value (quote strings)")),
            },
            Some(Tok::Open) => {
                let mut items = Vec::new();
                loop {
                    items.push(self.literal()?);
                    match self.next() {
                        Some(Tok::Comma) => {}
                        Some(Tok::Close) => break,
                        other => return Err(format!("unexpected {other:?} in a list")),
                    }
                }
                Ok(Lit::List(items))
            }
            other => Err(format!("expected a value, got {other:?}")),
        }
    }
}

/// Parses a `conditions` string.
pub fn parse(s: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(s)?,
        at: 0,
    };
    let e = p.or()?;
    if p.at < p.toks.len() {
        return Err(format!("unexpected {:?}", p.toks[p.at]));
    }
    Ok(e)
}

/// A field by `a/b` path; top-level names missing from the record are
/// read from `_info` (`lastUpdated`, `dateEntered`).
pub fn field<'a>(record: &'a Value, path: &str) -> &'a Value {
    let mut v = record;
    for seg in path.split('/') {
        let next = v.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(seg))
                .map(|(_, x)| x)
        });
        v = match next {
            Some(x) => x,
            None if std::ptr::eq(v, record) => {
                match record["_info"].as_object().and_then(|o| o.get(seg)) {
                    Some(x) => x,
                    None => &Value::Null,
                }
            }
            None => &Value::Null,
        };
    }
    v
}

fn cmp(v: &Value, lit: &Lit) -> Option<Ordering> {
    match (v, lit) {
        (Value::Null, Lit::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Lit::Null) => None,
        (Value::String(s), Lit::Date(d)) => vectis_core::timestamp::parse_str(s)
            .ok()
            .flatten()
            .map(|t| t.cmp(d)),
        (Value::String(s), Lit::Str(l)) => Some(s.to_lowercase().cmp(&l.to_lowercase())),
        (Value::Number(n), Lit::Num(l)) => n.as_f64().and_then(|x| x.partial_cmp(l)),
        (Value::Bool(b), Lit::Bool(l)) => Some(b.cmp(l)),
        _ => None,
    }
}

/// `*` (or `%`) matches any run of characters; case-insensitive.
fn like(s: &str, pattern: &str) -> bool {
    let s: Vec<char> = s.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let (mut si, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '*' || p[pi] == '%') {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            si += 1;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*' || *c == '%')
}

impl Expr {
    /// Whether `record` matches.
    pub fn eval(&self, record: &Value) -> bool {
        match self {
            Expr::And(a, b) => a.eval(record) && b.eval(record),
            Expr::Or(a, b) => a.eval(record) || b.eval(record),
            Expr::Not(a) => !a.eval(record),
            Expr::Cmp(f, op, lit) => {
                let v = field(record, f);
                let text = v.as_str().map(str::to_lowercase).unwrap_or_default();
                match (op.as_str(), lit) {
                    ("contains", Lit::Str(s)) => text.contains(&s.to_lowercase()),
                    ("like", Lit::Str(s)) => like(&text, s),
                    ("not contains", Lit::Str(s)) => !text.contains(&s.to_lowercase()),
                    ("not like", Lit::Str(s)) => !like(&text, s),
                    ("in", Lit::List(l)) => l.iter().any(|x| cmp(v, x) == Some(Ordering::Equal)),
                    ("not in", Lit::List(l)) => {
                        !l.iter().any(|x| cmp(v, x) == Some(Ordering::Equal))
                    }
                    ("=", _) => cmp(v, lit) == Some(Ordering::Equal),
                    ("!=", _) => cmp(v, lit) != Some(Ordering::Equal),
                    ("<", _) => cmp(v, lit) == Some(Ordering::Less),
                    ("<=", _) => matches!(cmp(v, lit), Some(Ordering::Less | Ordering::Equal)),
                    (">", _) => cmp(v, lit) == Some(Ordering::Greater),
                    (">=", _) => {
                        matches!(cmp(v, lit), Some(Ordering::Greater | Ordering::Equal))
                    }
                    _ => false,
                }
            }
        }
    }
}

/// Orders two records by a field (numbers, then text).
pub fn compare_fields(a: &Value, b: &Value, path: &str) -> Ordering {
    let (x, y) = (field(a, path), field(b, path));
    match (x.as_f64(), y.as_f64()) {
        (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
        _ => x
            .as_str()
            .unwrap_or("")
            .to_lowercase()
            .cmp(&y.as_str().unwrap_or("").to_lowercase()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evaluates_the_documented_forms() {
        let t = json!({"id": 5, "summary": "xyz", "board": {"id": 3, "name": "Integration"},
            "closedFlag": false, "_info": {"lastUpdated": "2024-03-01T00:00:00Z"}});
        for (c, want) in [
            (
                r#"board/name="Integration" and summary="xyz" or board/id in (3, 2, 4) and lastUpdated > [2016-08-20T18:04:26Z]"#,
                true,
            ),
            ("closedFlag=false", true),
            ("closedFlag = true", false),
            ("lastUpdated > [2024-03-01T00:00:00Z]", false),
            ("(id > 4 and id < 6) AND not summary contains \"q\"", true),
            ("summary like \"x*\"", true),
            ("externalXRef = \"m\"", false),
            ("deletedFlag = false", false),
        ] {
            assert_eq!(parse(c).unwrap().eval(&t), want, "{c}");
        }
        assert!(parse("summary = xyz").is_err());
        assert!(parse("(id = 1").is_err());
    }
}
