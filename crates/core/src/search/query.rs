//! The query language a user types. Parsing never fails: whatever is typed becomes a
//! (possibly empty) list of clauses.
//!
//! - plain words: every word must match; ranked by BM25, title matches first;
//! - `"a phrase"`: the words in order (an unclosed quote runs to the end);
//! - `title:`, `author:`, `subject:`, `isbn:`, `issn:`, `call:` before a word or phrase;
//! - the last word is also matched as a prefix while the user is still typing it;
//! - an ISBN typed with or without hyphens matches the record's normalised ISBN.

use super::text::{Token, tokens};
use crate::catalogue::ident;

/// Longest input considered; the rest is ignored.
pub const MAX_INPUT_CHARS: usize = 1000;
/// Most clauses considered.
pub const MAX_CLAUSES: usize = 32;

/// Where a clause looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Any,
    Title,
    Author,
    Subject,
    CallNumber,
}

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// Tokens that must appear together (one word may make several CJK tokens).
    Words {
        scope: Scope,
        tokens: Vec<String>,
        /// The last token may be the start of a longer word.
        prefix: bool,
        /// CJK tokens are matched as a phrase of bigrams.
        cjk: bool,
    },
    Phrase {
        scope: Scope,
        tokens: Vec<String>,
    },
    /// A normalised identifier (ISBN-13, ISSN, LCCN) that must match exactly.
    Identifier(String),
}

/// Parses what the user typed.
pub fn parse(input: &str) -> Vec<Clause> {
    let input: String = input.chars().take(MAX_INPUT_CHARS).collect();
    let ends_in_word = input.chars().last().is_some_and(|c| c.is_alphanumeric());
    let mut clauses = Vec::new();
    let mut rest = input.as_str();
    while !rest.is_empty() && clauses.len() < MAX_CLAUSES {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        // An optional field name.
        let (scope, after) = field_prefix(rest);
        rest = after;
        if let Some(quoted) = rest.strip_prefix('"') {
            let (phrase, after) = match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            };
            rest = after;
            push_text(
                &mut clauses,
                scope.unwrap_or(Field::Scope(Scope::Any)),
                phrase,
                true,
                false,
            );
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        let last = rest.trim().is_empty();
        push_text(
            &mut clauses,
            scope.unwrap_or(Field::Scope(Scope::Any)),
            word,
            false,
            last && ends_in_word,
        );
    }
    clauses.truncate(MAX_CLAUSES);
    clauses
}

#[derive(Debug, Clone, Copy)]
enum Field {
    Scope(Scope),
    Isbn,
    Issn,
}

fn field_prefix(s: &str) -> (Option<Field>, &str) {
    let Some((name, rest)) = s.split_once(':') else {
        return (None, s);
    };
    let field = match name.to_ascii_lowercase().as_str() {
        "title" | "ti" => Field::Scope(Scope::Title),
        "author" | "au" | "by" => Field::Scope(Scope::Author),
        "subject" | "su" => Field::Scope(Scope::Subject),
        "call" | "callnumber" | "callno" => Field::Scope(Scope::CallNumber),
        "isbn" => Field::Isbn,
        "issn" => Field::Issn,
        _ => return (None, s),
    };
    (Some(field), rest)
}

fn push_text(clauses: &mut Vec<Clause>, field: Field, text: &str, phrase: bool, prefix: bool) {
    match field {
        Field::Isbn => {
            if let Some(isbn) = ident::isbn13(text) {
                clauses.push(Clause::Identifier(isbn));
                return;
            }
        }
        Field::Issn => {
            if let Some(issn) = ident::issn(text) {
                clauses.push(Clause::Identifier(issn));
                return;
            }
        }
        Field::Scope(Scope::Any) if !phrase => {
            // A bare ISBN, with or without hyphens.
            let digits = text.chars().filter(char::is_ascii_digit).count();
            if (digits == 10 || digits == 13 || (digits == 9 && text.ends_with(['X', 'x'])))
                && let Some(isbn) = ident::isbn13(text)
            {
                clauses.push(Clause::Identifier(isbn));
                return;
            }
        }
        Field::Scope(_) => {}
    }
    let scope = match field {
        Field::Scope(s) => s,
        Field::Isbn | Field::Issn => Scope::Any,
    };
    let toks: Vec<Token> = tokens(text);
    if toks.is_empty() {
        return;
    }
    let cjk = toks.iter().any(|t| t.cjk);
    let texts: Vec<String> = toks.into_iter().map(|t| t.text).collect();
    if phrase && texts.len() > 1 {
        clauses.push(Clause::Phrase {
            scope,
            tokens: texts,
        });
    } else {
        clauses.push(Clause::Words {
            scope,
            tokens: texts,
            prefix: prefix && !cjk,
            cjk,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(scope: Scope, tokens: &[&str], prefix: bool) -> Clause {
        Clause::Words {
            scope,
            tokens: tokens.iter().map(|s| s.to_string()).collect(),
            prefix,
            cjk: false,
        }
    }

    fn check(input: &str, expected: Vec<Clause>) {
        assert_eq!(parse(input), expected, "{input:?}");
    }

    #[test]
    fn parses_what_people_type() {
        use Scope::*;
        check("", vec![]);
        check("   ", vec![]);
        check("history", vec![words(Any, &["history"], true)]);
        check("history ", vec![words(Any, &["history"], false)]);
        check(
            "Modern Hist",
            vec![words(Any, &["modern"], false), words(Any, &["hist"], true)],
        );
        check(
            "\"the silk road\" trade",
            vec![
                Clause::Phrase {
                    scope: Any,
                    tokens: vec!["the".into(), "silk".into(), "road".into()],
                },
                words(Any, &["trade"], true),
            ],
        );
        check(
            "\"unclosed quote runs on",
            vec![Clause::Phrase {
                scope: Any,
                tokens: vec![
                    "unclosed".into(),
                    "quote".into(),
                    "runs".into(),
                    "on".into(),
                ],
            }],
        );
        check("author:Chabon", vec![words(Author, &["chabon"], true)]);
        check(
            "TITLE:\"Kavalier and Clay\"",
            vec![Clause::Phrase {
                scope: Title,
                tokens: vec!["kavalier".into(), "and".into(), "clay".into()],
            }],
        );
        check(
            "isbn:0-19-852663-6",
            vec![Clause::Identifier("9780198526636".into())],
        );
        check(
            "978-0-19-852663-6",
            vec![Clause::Identifier("9780198526636".into())],
        );
        check(
            "issn:0317-8471",
            vec![Clause::Identifier("0317-8471".into())],
        );
        check(
            "isbn:not-a-number",
            vec![words(Any, &["not", "a", "number"], true)],
        );
        check(
            "unknown:field",
            vec![words(Any, &["unknown", "field"], true)],
        );
        check("Café", vec![words(Any, &["cafe"], true)]);
        check(
            "(((AND OR NOT)))",
            vec![
                words(Any, &["and"], false),
                words(Any, &["or"], false),
                words(Any, &["not"], false),
            ],
        );
        check("🙂 ?!", vec![]);
        check(
            "哲学",
            vec![Clause::Words {
                scope: Any,
                tokens: vec!["哲学".into()],
                prefix: false,
                cjk: true,
            }],
        );
    }

    #[test]
    fn hostile_input_is_bounded() {
        let long = "word ".repeat(10_000);
        let clauses = parse(&long);
        assert!(clauses.len() <= MAX_CLAUSES);
        let huge = "x".repeat(100_000);
        assert_eq!(parse(&huge).len(), 1);
        let quotes = "\"".repeat(5000);
        assert!(parse(&quotes).is_empty());
        let colons = ":".repeat(5000);
        assert!(parse(&colons).is_empty());
    }
}
