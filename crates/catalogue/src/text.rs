//! Text normalisation shared by indexing and querying, so both sides agree: compatibility
//! decomposition (ligatures such as "ﬁ" become "fi"), diacritics and case folded, words split
//! on anything that is not a letter or digit, traditional Chinese characters folded to their
//! simplified forms (so 图书馆 finds 圖書館學 and the reverse), and Chinese, Japanese and
//! Korean text turned into overlapping two-character tokens (the usual dictionary-free
//! approach).

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Which folding built an index: an index whose tokens were made by another is rebuilt.
/// Change it whenever `tokens` gives other tokens for some text.
pub const FOLDING: &str = "2";

/// OpenCC's traditional-to-simplified characters (`tools/opencc/tables.py`).
const TRADITIONAL_SIMPLIFIED: &str = include_str!("traditional-simplified.tsv");

fn simplified_table() -> &'static [(char, char)] {
    static TABLE: OnceLock<Vec<(char, char)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: Vec<(char, char)> = TRADITIONAL_SIMPLIFIED
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut chars = l.split('\t').map(|p| p.chars().next());
                Some((chars.next()??, chars.next()??))
            })
            .collect();
        table.sort_unstable();
        table
    })
}

/// The simplified form of a traditional Chinese character (`c` itself for any other).
pub fn simplified(c: char) -> char {
    let table = simplified_table();
    table
        .binary_search_by_key(&c, |&(t, _)| t)
        .map_or(c, |i| table[i].1)
}

/// Whether `c` is kana: a run of CJK text with kana in it is Japanese, whose kanji are not
/// Chinese characters to fold.
fn is_kana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}')
}

/// Whether `c` belongs to a script written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}' // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK Unified Ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{20000}'..='\u{2FA1F}')
}

/// Letters that carry no decomposable diacritic but that readers treat as their base letters.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'ł' => "l",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// A token and whether it ends at the end of the input (for prefix matching while typing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub cjk: bool,
}

/// Splits and folds `text` into index tokens.
pub fn tokens(text: &str) -> Vec<Token> {
    if text.is_ascii() {
        return ascii_tokens(text);
    }
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token {
                text: std::mem::take(word),
                cjk: false,
            });
        }
    };
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<Token>| {
        if !run.iter().copied().any(is_kana) {
            for c in run.iter_mut() {
                *c = simplified(*c);
            }
        }
        match run.len() {
            0 => {}
            1 => out.push(Token {
                text: run[0].to_string(),
                cjk: true,
            }),
            _ => {
                for pair in run.windows(2) {
                    out.push(Token {
                        text: pair.iter().collect(),
                        cjk: true,
                    });
                }
            }
        }
        run.clear();
    };
    for c in text.nfkd() {
        if is_combining_mark(c) || c == '\u{AD}' {
            continue;
        }
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            for lower in c.to_lowercase() {
                match fold(lower) {
                    Some(folded) => word.push_str(folded),
                    None => word.push(lower),
                }
            }
        } else if c == '\'' || c == '’' {
            // "O'Connell" and "children's" stay one word.
        } else {
            flush_word(&mut word, &mut out);
            flush_run(&mut run, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_run(&mut run, &mut out);
    out
}

/// The common case, without Unicode decomposition: ASCII letters and digits, lowercased.
fn ascii_tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            word.push(char::from(b.to_ascii_lowercase()));
        } else if b != b'\'' && !word.is_empty() {
            out.push(Token {
                text: std::mem::take(&mut word),
                cjk: false,
            });
        }
    }
    if !word.is_empty() {
        out.push(Token {
            text: word,
            cjk: false,
        });
    }
    out
}

/// The tokens of `text` joined by spaces, as stored in the index's whitespace-tokenized fields.
pub fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// Appends the tokens of `text` to `out`, each after a space unless `out` is empty: what
/// [`normalized`] returns, without a string per token. Tokens never span a space, so the
/// tokens of `a b` are those of `a` then those of `b`.
pub fn normalize_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        let mut in_word = false;
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() {
                if !in_word && !out.is_empty() {
                    out.push(' ');
                }
                in_word = true;
                out.push(char::from(b.to_ascii_lowercase()));
            } else if b != b'\'' {
                in_word = false;
            }
        }
        return;
    }
    for t in tokens(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(normalized(input), expected, "{input:?}");
    }

    #[test]
    fn the_ascii_fast_path_agrees_with_the_general_one() {
        for s in [
            "O'Connell, Patrick",
            "ISBN 978-0-19",
            "  many   spaces ",
            "a'b'c",
            "'quoted'",
            "x",
        ] {
            let slow: Vec<String> = {
                // Force the general path by appending a non-ASCII separator.
                tokens(&format!("{s}\u{2003}"))
                    .into_iter()
                    .map(|t| t.text)
                    .collect()
            };
            let fast: Vec<String> = tokens(s).into_iter().map(|t| t.text).collect();
            assert_eq!(fast, slow, "{s:?}");
        }
    }

    #[test]
    fn normalizing_into_a_buffer_agrees_with_the_tokens() {
        for s in [
            "O'Connell, Patrick",
            "'quoted' and  spaced ",
            "Café Society",
            "上海图书馆 藏書",
            "",
            "  ",
            "x",
        ] {
            let tokens: Vec<String> = tokens(s).into_iter().map(|t| t.text).collect();
            assert_eq!(normalized(s), tokens.join(" "), "{s:?}");
            let mut out = String::from("before");
            normalize_into(s, &mut out);
            let expected = if tokens.is_empty() {
                "before".to_owned()
            } else {
                format!("before {}", tokens.join(" "))
            };
            assert_eq!(out, expected, "{s:?}");
        }
    }

    #[test]
    fn normalises() {
        check("Café Society", "cafe society");
        check("Brontë's ﬁrst novel", "brontes first novel");
        check("Ærø — Łódź, Straße", "aero lodz strasse");
        check("O'Connell, Patrick", "oconnell patrick");
        check("co\u{AD}operation", "cooperation");
        check("ISBN 978-0-19-852663-6", "isbn 978 0 19 852663 6");
        check("中国哲学史", "中国 国哲 哲学 学史");
        check("红", "红");
        check("唐诗 and Tang poetry", "唐诗 and tang poetry");
        check("東京タワー", "東京 京タ タワ ワー");
        // Traditional characters fold to simplified ones; Japanese (with kana) is left as is.
        check("圖書館學", "图书 书馆 馆学");
        check("图书馆学", "图书 书馆 馆学");
        check("國立臺灣大學", "国立 立台 台湾 湾大 大学");
        check("", "");
        check("!!! ??? 🙂", "");
    }
}
