//! Text extraction that never takes the app down: pdf-extract runs in a separate process
//! (the `commons` binary started as `commons extract-worker FILE`), with a time limit and,
//! where `prlimit` exists, a memory limit. A panic in the extractor is caught in the worker;
//! a crash, a hang or an exhausted memory limit ends only the worker, and the document is
//! reported with a specific reason.

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use unicode_normalization::UnicodeNormalization;

/// Why a document has no searchable text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not a readable PDF (broken structure, not a PDF at all).
    Damaged,
    /// Encrypted with a password other than the empty one.
    PasswordProtected,
    /// A valid PDF whose pages carry no text (scanned images).
    NoText,
    /// The extractor did not finish within the time limit.
    TimeLimit,
    /// The extractor stopped (crashed or ran out of memory) on this file.
    Crashed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Damaged => "damaged",
            Reason::PasswordProtected => "password_protected",
            Reason::NoText => "no_text",
            Reason::TimeLimit => "time_limit",
            Reason::Crashed => "crashed",
        }
    }
}

/// What extraction gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Normalised text of every page, in order.
    Pages(Vec<String>),
    Rejected {
        reason: Reason,
        detail: String,
    },
}

/// Normalises one page's text for reading and indexing: compatibility forms (ligatures
/// "ﬁ" → "fi"), soft hyphens removed, words hyphenated at the end of a line joined, and
/// whitespace collapsed.
pub fn normalize_page(text: &str) -> String {
    let text: String = text.nfkc().filter(|c| *c != '\u{00AD}').collect();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // "exam-\n  ple" → "example" (a letter, a hyphen, a line break, a lower-case letter).
        if c == '-' && i > 0 && chars[i - 1].is_alphabetic() {
            let mut j = i + 1;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                j += 1;
            }
            if j < chars.len() && (chars[j] == '\n' || chars[j] == '\r') {
                let mut k = j;
                while k < chars.len() && chars[k].is_whitespace() {
                    k += 1;
                }
                if k < chars.len() && chars[k].is_lowercase() {
                    i = k;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text of one page as pdf-extract hands it over character by character, with their
/// positions. Unlike pdf-extract's own plain-text writer, which looks for the gap before a
/// word only where the PDF starts a new string, every character is checked: PDFs that place
/// words with kerning inside one string, without space characters, no longer come out glued
/// together ("Informationliteracy").
#[derive(Debug, Default)]
struct PageText {
    text: String,
    last_end: f64,
    last_y: f64,
    first_char: bool,
}

impl pdf_extract::OutputDev for PageText {
    fn begin_page(
        &mut self,
        _page: u32,
        _media_box: &pdf_extract::MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &pdf_extract::Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        ch: &str,
    ) -> Result<(), pdf_extract::OutputError> {
        // The font size in page space: the side of the square with the area of the
        // transformed (size, size) vector.
        let vx = font_size * trm.m11 + font_size * trm.m21;
        let vy = font_size * trm.m12 + font_size * trm.m22;
        let size = (vx * vy).abs().sqrt();
        let (x, y) = (trm.m31, trm.m32);
        if !self.text.is_empty() {
            let dy = (y - self.last_y).abs();
            // Lines change between strings, as pdf-extract reads them (inside one, a rise is
            // a superscript, not a new line).
            if self.first_char && (dy > size * 1.5 || (x < self.last_end && dy > size * 0.5)) {
                self.text.push('\n');
            } else {
                // A new string starts a word past a tenth of an em (as pdf-extract); inside a
                // string, a gap past a quarter em is a space the PDF did not write.
                let threshold = if self.first_char { 0.1 } else { 0.25 };
                if x > self.last_end + size * threshold
                    && !ch.starts_with(char::is_whitespace)
                    && !self.text.ends_with(char::is_whitespace)
                {
                    self.text.push(' ');
                }
            }
        }
        self.text.push_str(ch);
        self.first_char = false;
        self.last_y = y;
        self.last_end = x + width * size;
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.first_char = true;
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }
}

/// The text of every page. A page that cannot be read (or makes the extractor panic) is left
/// empty and the next pages are still read, where pdf-extract stops at the first.
fn pages_of(bytes: &[u8]) -> Result<Vec<String>, pdf_extract::OutputError> {
    let mut doc = pdf_extract::Document::load_mem(bytes)?;
    if doc.is_encrypted() {
        // An empty user password opens many "protected" PDFs; others are refused here.
        doc.decrypt("")?;
    }
    let count = doc.get_pages().len();
    let mut pages = Vec::with_capacity(count);
    let mut failures = 0;
    let mut last_error = None;
    let mut panicked = None;
    for n in 1..=u32::try_from(count).unwrap_or(u32::MAX) {
        let page = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut out = PageText::default();
            pdf_extract::output_doc_page(&doc, &mut out, n).map(|()| out.text)
        }));
        match page {
            Ok(Ok(text)) => pages.push(text),
            Ok(Err(e)) => {
                failures += 1;
                last_error = Some(e);
                pages.push(String::new());
            }
            Err(payload) => {
                failures += 1;
                panicked.get_or_insert(payload);
                pages.push(String::new());
            }
        }
    }
    // Nothing readable at all: the document's error (or panic), not a row of empty pages.
    if count > 0 && failures == count {
        if let Some(e) = last_error {
            return Err(e);
        }
        if let Some(payload) = panicked {
            std::panic::resume_unwind(payload);
        }
    }
    Ok(pages)
}

/// Extracts in this process, catching panics (the worker's side).
pub fn extract_in_process(bytes: &[u8]) -> Outcome {
    if !bytes.starts_with(b"%PDF")
        && !bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|w| w == b"%PDF-")
    {
        return Outcome::Rejected {
            reason: Reason::Damaged,
            detail: "the file does not start like a PDF".into(),
        };
    }
    let result = std::panic::catch_unwind(|| pages_of(bytes));
    match result {
        Ok(Ok(pages)) => {
            let pages: Vec<String> = pages.iter().map(|p| normalize_page(p)).collect();
            if pages.is_empty() {
                Outcome::Rejected {
                    reason: Reason::Damaged,
                    detail: "no page could be read".into(),
                }
            } else if pages
                .iter()
                .all(|p| p.chars().filter(|c| c.is_alphanumeric()).count() < 3)
            {
                Outcome::Rejected {
                    reason: Reason::NoText,
                    detail: format!("{} pages without a text layer", pages.len()),
                }
            } else {
                Outcome::Pages(pages)
            }
        }
        Ok(Err(e)) => {
            let detail = e.to_string();
            let lower = detail.to_lowercase();
            let reason = if lower.contains("decrypt")
                || lower.contains("password")
                || lower.contains("encrypt")
            {
                Reason::PasswordProtected
            } else {
                Reason::Damaged
            };
            Outcome::Rejected { reason, detail }
        }
        Err(panic) => Outcome::Rejected {
            reason: Reason::Crashed,
            detail: panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the extractor panicked".into()),
        },
    }
}

/// The worker's main: reads `file`, writes the outcome as one JSON line on stdout.
pub fn worker_main(file: &Path) -> i32 {
    // The extractor's panics are caught and reported; keep its messages off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = match std::fs::read(file) {
        Ok(bytes) => extract_in_process(&bytes),
        Err(e) => Outcome::Rejected {
            reason: Reason::Damaged,
            detail: format!("cannot read the file: {e}"),
        },
    };
    match serde_json::to_string(&outcome) {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(_) => 1,
    }
}

/// Limits of one extraction.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub time: Duration,
    pub memory_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(20),
            memory_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Extracts `file` in a worker process started from `exe` (`exe extract-worker FILE`).
pub fn extract_isolated(exe: &Path, file: &Path, limits: Limits) -> Outcome {
    let prlimit = Path::new("/usr/bin/prlimit");
    let mut command = if prlimit.exists() {
        let mut c = Command::new(prlimit);
        c.arg(format!("--as={}", limits.memory_bytes))
            .arg("--")
            .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    command
        .arg("extract-worker")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // The worker needs no display and no configuration of its own.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome::Rejected {
                reason: Reason::Crashed,
                detail: format!("the extraction worker could not start: {e}"),
            };
        }
    };
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_string(&mut out);
        }
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > limits.time => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    let out = reader.join().unwrap_or_default();
    match status {
        None => Outcome::Rejected {
            reason: Reason::TimeLimit,
            detail: format!("no result within {} s", limits.time.as_secs()),
        },
        Some(status) => match serde_json::from_str::<Outcome>(out.trim()) {
            Ok(outcome) if status.success() => outcome,
            _ => Outcome::Rejected {
                reason: Reason::Crashed,
                detail: format!("the extraction worker stopped ({status})"),
            },
        },
    }
}

#[cfg(test)]
mod page_text_tests {
    use super::PageText;
    use pdf_extract::OutputDev as _;

    /// Characters of a 10-point font placed one by one, each 0.5 em wide, at `x` on line `y`.
    fn place(out: &mut PageText, chars: &[(&str, f64, f64)], new_string: bool) {
        if new_string {
            out.begin_word().unwrap();
        }
        for (c, x, y) in chars {
            let trm = pdf_extract::Transform::row_major(1.0, 0.0, 0.0, 1.0, *x, *y);
            out.output_character(&trm, 0.5, 0.0, 10.0, c).unwrap();
        }
    }

    #[test]
    fn gaps_inside_a_string_are_spaces_kerning_is_not() {
        let mut out = PageText::default();
        // "ab" touching, a kern of 0.1 em, then a word gap of 0.4 em inside the same string.
        place(
            &mut out,
            &[
                ("a", 0.0, 700.0),
                ("b", 5.0, 700.0),
                ("c", 11.0, 700.0),
                ("d", 20.0, 700.0),
            ],
            true,
        );
        assert_eq!(out.text, "abc d");
        // A new string a line lower starts a new line.
        place(&mut out, &[("e", 0.0, 680.0)], true);
        assert_eq!(out.text, "abc d\ne");
        // A raised character inside a string (a superscript) stays on its line.
        place(&mut out, &[("f", 5.0, 680.0), ("2", 10.0, 684.0)], false);
        assert_eq!(out.text, "abc d\nef2");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_text_is_normalised() {
        for (raw, expected) in [
            ("the ﬁrst ﬂoor", "the first floor"),
            ("infor\u{00AD}mation", "information"),
            ("an exam-\nple of it", "an example of it"),
            ("an exam- \r\n  ple", "an example"),
            ("well-known\nthing", "well-known thing"),
            ("New York-\nBased", "New York- Based"),
            ("  many   spaces\n\nand lines ", "many spaces and lines"),
            ("研究数据\n管理", "研究数据 管理"),
            ("ＡＢＣ", "ABC"),
        ] {
            assert_eq!(normalize_page(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn what_is_not_a_pdf_is_damaged() {
        for bytes in [&b""[..], b"hello", b"\x00\x01\x02", b"%PDF-1.4 truncated"] {
            match extract_in_process(bytes) {
                Outcome::Rejected { reason, .. } => {
                    assert!(
                        matches!(reason, Reason::Damaged | Reason::Crashed),
                        "{bytes:?}: {reason:?}"
                    )
                }
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_demo_documents_give_their_text() {
        let bytes =
            include_bytes!("../../../../assets/demo/documents/reference-desk-questions.pdf");
        match extract_in_process(bytes) {
            Outcome::Pages(pages) => {
                assert_eq!(pages.len(), 6);
                assert!(
                    pages[0].contains("reference desks of the Meridian Library Consortium"),
                    "{}",
                    pages[0]
                );
                assert!(
                    pages
                        .iter()
                        .any(|p| p.contains("Book a consultation with the data librarian"))
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
