//! Text extraction that never takes the app down: pdf-extract runs in a separate process
//! (the `commons` binary started as `commons extract-worker`, which reads one document after
//! another; see [`Extractor`]), with a time limit per document and, where `prlimit` exists, a
//! memory limit. A panic in the extractor is caught in the worker; a crash, a hang or an
//! exhausted memory limit ends only the worker (the next document gets a fresh one), and the
//! document is reported with a specific reason.
//!
//! pdf-extract is fast and hands over every character with its position (which is how
//! words the PDF places without spaces are told apart), but it reads nothing from fonts it
//! does not decode and gives up on cross-reference tables it cannot parse. Where it leaves a
//! document or a page without text, poppler's `pdftotext` reads the file too, as a process
//! under the same limits, and the pages it reads fill the gaps ([`extract_isolated`]).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
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
            detail: NOT_A_PDF.into(),
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
            } else if !pages.iter().any(|p| has_text(p)) {
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

/// The serving worker's main (`commons extract-worker` without a file): reads one file path
/// per line on stdin (as a JSON string) and answers each with one JSON outcome line on
/// stdout, until stdin closes.
pub fn serve_main() -> i32 {
    use std::io::{BufRead as _, Write as _};
    std::panic::set_hook(Box::new(|_| {}));
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return 1 };
        let outcome = match serde_json::from_str::<std::path::PathBuf>(&line) {
            Ok(file) => match std::fs::read(&file) {
                Ok(bytes) => extract_in_process(&bytes),
                Err(e) => Outcome::Rejected {
                    reason: Reason::Damaged,
                    detail: format!("cannot read the file: {e}"),
                },
            },
            Err(_) => return 1,
        };
        let Ok(answer) = serde_json::to_string(&outcome) else {
            return 1;
        };
        if writeln!(stdout, "{ANSWER}{answer}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return 1;
        }
    }
    0
}

/// What starts every answer of a serving worker (anything else the extractor might write on
/// stdout is skipped).
const ANSWER: &str = "outcome ";

/// Documents one serving worker reads before it is replaced by a fresh one (bounds what
/// memory fragmentation or a leak in the extractor can add up to).
const DOCUMENTS_PER_WORKER: usize = 200;

/// Extracts documents one after another through a long-lived worker process (`exe
/// extract-worker`, under `prlimit` for memory), so the worker's start (about 70 ms: the
/// `commons` binary links the GUI libraries) is paid once rather than per document. A
/// document that takes longer than the time limit, or a worker that crashes or runs out of
/// memory, ends that worker: the document is reported with its reason and the next one gets
/// a fresh worker. Where pdf-extract leaves text missing, `pdftotext` reads the file too.
#[derive(Debug)]
pub struct Extractor {
    exe: std::path::PathBuf,
    limits: Limits,
    worker: Option<Serving>,
    /// The longest answer read from a worker.
    answer_cap: u64,
    /// What the worker may read (the documents it is given lie beneath): it is confined to
    /// these and the system's programs (see `confine`).
    reads: Vec<std::path::PathBuf>,
}

/// The longest answer a worker may give for one document (its pages' text as JSON); a
/// longer one ends the worker and the document is reported as crashing it.
pub const WORKER_ANSWER_BYTES_MAX: u64 = 256 * 1024 * 1024;

#[derive(Debug)]
struct Serving {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    answers: std::sync::mpsc::Receiver<String>,
    served: usize,
}

impl Serving {
    fn stop(mut self) -> Option<std::process::ExitStatus> {
        drop(self.stdin);
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Extractor {
    pub fn new(exe: &Path, limits: Limits) -> Self {
        Extractor {
            exe: exe.to_owned(),
            limits,
            worker: None,
            answer_cap: WORKER_ANSWER_BYTES_MAX,
            reads: Vec::new(),
        }
    }

    /// The same extractor whose worker may read what lies beneath `roots` (the document
    /// store), and nothing else but the system's programs. Without roots it can read nothing.
    pub fn reading_from(mut self, roots: Vec<std::path::PathBuf>) -> Self {
        self.reads = roots;
        self
    }

    /// The same extractor reading answers up to `cap` bytes (tests use a small one).
    pub fn with_answer_cap(mut self, cap: u64) -> Self {
        self.answer_cap = cap;
        self
    }

    /// The text of `file`: pdf-extract, then `pdftotext` where that left text missing.
    pub fn extract(&mut self, file: &Path) -> Outcome {
        match self.extract_unless(file, &AtomicBool::new(false)) {
            Ok(outcome) => outcome,
            Err(Cancelled) => unreachable_cancel(),
        }
    }

    /// As [`Extractor::extract`], but gives up as soon as `cancel` is set (checked every
    /// 50 ms): the process reading the file is stopped and the document left as it was.
    pub fn extract_unless(
        &mut self,
        file: &Path,
        cancel: &AtomicBool,
    ) -> Result<Outcome, Cancelled> {
        let first = self.reading(file, cancel)?;
        if !needs_second_reading(&first) {
            return Ok(first);
        }
        Ok(
            match pdftotext_reading(Some(&self.exe), file, self.limits, cancel)? {
                Some(second) => combine(first, second),
                None => first,
            },
        )
    }

    fn start(&self) -> std::io::Result<Serving> {
        let mut command = limited(&self.exe, self.limits);
        command.arg("extract-worker");
        for r in &self.reads {
            command.arg("--read").arg(r);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        let (send, answers) = std::sync::mpsc::channel();
        let cap = self.answer_cap;
        std::thread::spawn(move || {
            use std::io::{BufRead as _, Read as _};
            let mut reader = std::io::BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match (&mut reader).take(cap + 1).read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if line.len() as u64 > cap {
                    // Not an answer Commons reads: an empty one fails to parse, and the
                    // worker is stopped.
                    let _ = send.send(String::new());
                    break;
                }
                let line = String::from_utf8_lossy(&line);
                let line = line.trim_end_matches(['\n', '\r']);
                if let Some(answer) = line.strip_prefix(ANSWER)
                    && send.send(answer.to_owned()).is_err()
                {
                    break;
                }
            }
        });
        Ok(Serving {
            child,
            stdin,
            answers,
            served: 0,
        })
    }

    /// pdf-extract's reading alone, in the worker.
    pub fn with_pdf_extract(&mut self, file: &Path) -> Outcome {
        match self.reading(file, &AtomicBool::new(false)) {
            Ok(outcome) => outcome,
            Err(Cancelled) => unreachable_cancel(),
        }
    }

    fn reading(&mut self, file: &Path, cancel: &AtomicBool) -> Result<Outcome, Cancelled> {
        use std::io::Write as _;
        use std::sync::mpsc::RecvTimeoutError;
        if self
            .worker
            .as_ref()
            .is_some_and(|w| w.served >= DOCUMENTS_PER_WORKER)
            && let Some(w) = self.worker.take()
        {
            w.stop();
        }
        let mut worker = match self.worker.take() {
            Some(w) => w,
            None => match self.start() {
                Ok(w) => w,
                Err(e) => {
                    return Ok(Outcome::Rejected {
                        reason: Reason::Crashed,
                        detail: format!("the extraction worker could not start: {e}"),
                    });
                }
            },
        };
        let Ok(request) = serde_json::to_string(file) else {
            return Ok(Outcome::Rejected {
                reason: Reason::Damaged,
                detail: "the file's name is not valid Unicode".into(),
            });
        };
        let sent = writeln!(worker.stdin, "{request}").and_then(|()| worker.stdin.flush());
        let started = Instant::now();
        let answer = match sent {
            Ok(()) => loop {
                if cancel.load(Ordering::SeqCst) {
                    worker.stop();
                    return Err(Cancelled);
                }
                let left = self.limits.time.saturating_sub(started.elapsed());
                match worker.answers.recv_timeout(left.min(CANCEL_CHECK)) {
                    Err(RecvTimeoutError::Timeout) if !left.is_zero() => continue,
                    other => break other,
                }
            },
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        Ok(match answer {
            Ok(line) => match serde_json::from_str::<Outcome>(&line) {
                Ok(outcome) => {
                    worker.served += 1;
                    self.worker = Some(worker);
                    outcome
                }
                Err(_) => {
                    let status = worker.stop();
                    stopped(status)
                }
            },
            Err(RecvTimeoutError::Timeout) => {
                worker.stop();
                time_limit(self.limits)
            }
            Err(RecvTimeoutError::Disconnected) => {
                // The worker ended (a crash, the memory limit): wait for its status.
                let status = worker.child.wait().ok();
                stopped(status)
            }
        })
    }
}

/// Extraction given up because it was asked to stop; the document stays as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// How often a waiting extraction looks whether it was asked to stop.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

/// The flag behind the calls that cannot be cancelled is never set.
fn unreachable_cancel() -> Outcome {
    Outcome::Rejected {
        reason: Reason::Crashed,
        detail: "extraction was stopped".into(),
    }
}

fn stopped(status: Option<std::process::ExitStatus>) -> Outcome {
    Outcome::Rejected {
        reason: Reason::Crashed,
        detail: match status {
            Some(s) => format!("the extraction worker stopped ({s})"),
            None => "the extraction worker stopped".into(),
        },
    }
}

impl Drop for Extractor {
    fn drop(&mut self) {
        if let Some(w) = self.worker.take() {
            w.stop();
        }
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

/// What a process run under [`Limits`] left behind.
struct Finished {
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Most text one extraction may hand back (a bound on what a hostile file can make a
/// process write).
const MAX_OUTPUT: u64 = 256 * 1024 * 1024;

/// `program` under the memory limit (through `prlimit`, where it exists), without a display.
fn limited(program: &Path, limits: Limits) -> Command {
    let prlimit = Path::new("/usr/bin/prlimit");
    let mut command = if prlimit.exists() {
        let mut c = Command::new(prlimit);
        c.arg(format!("--as={}", limits.memory_bytes))
            .arg("--")
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    command.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    command
}

/// Runs `program args…` with the memory limit (through `prlimit`, where it exists) and the
/// time limit; `Ok(None)` when the time limit ended it, `Err(Cancelled)` when `cancel` did.
fn run_limited(
    program: &Path,
    args: &[&std::ffi::OsStr],
    limits: Limits,
    cancel: &AtomicBool,
) -> Result<std::io::Result<Option<Finished>>, Cancelled> {
    let mut command = limited(program, limits);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let drain = |pipe: Option<Box<dyn Read + Send>>, cap: u64| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(cap).read_to_end(&mut out);
            }
            out
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        MAX_OUTPUT,
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        64 * 1024,
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Err(e) => return Ok(Err(e)),
            Ok(Some(status)) => break Some(status),
            Ok(None) if cancel.load(Ordering::SeqCst) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Cancelled);
            }
            Ok(None) if started.elapsed() > limits.time => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(Ok(status.map(|status| Finished {
        status,
        stdout,
        stderr,
    })))
}

/// Extracts one file with a worker of its own (see [`Extractor`] for many).
pub fn extract_isolated(exe: &Path, file: &Path, limits: Limits) -> Outcome {
    Extractor::new(exe, limits)
        .reading_from(vec![file.to_owned()])
        .extract(file)
}

fn has_text(page: &str) -> bool {
    page.chars().filter(|c| c.is_alphanumeric()).count() >= 3
}

/// Whether a second extractor may find what the first did not: a page without text, or any
/// rejection but "this is not a PDF at all".
pub fn needs_second_reading(first: &Outcome) -> bool {
    match first {
        Outcome::Pages(pages) => !pages.iter().all(|p| has_text(p)),
        Outcome::Rejected { detail, .. } => detail != NOT_A_PDF,
    }
}

const NOT_A_PDF: &str = "the file does not start like a PDF";

fn time_limit(limits: Limits) -> Outcome {
    Outcome::Rejected {
        reason: Reason::TimeLimit,
        detail: format!("no result within {} s", limits.time.as_secs()),
    }
}

/// Where poppler's `pdftotext` is installed, if it is (searched on `PATH`).
pub fn pdftotext_path() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("pdftotext"))
        .find(|p| p.is_file())
}

/// Poppler's `pdftotext`, under the same limits, as the second extractor: it rebuilds broken
/// cross-reference tables, decodes fonts and predefined CJK CMaps pdf-extract does not, and
/// opens AES-encrypted files with an empty password. Its pages come separated by form feeds.
/// `None` when `pdftotext` is not installed.
/// Not confined: for benchmarks and tests of poppler itself; the app reads through
/// [`Extractor`], which confines `pdftotext` to the one file.
pub fn extract_with_pdftotext(file: &Path, limits: Limits) -> Option<Outcome> {
    pdftotext_reading(None, file, limits, &AtomicBool::new(false)).unwrap_or(None)
}

/// `pdftotext` on `file`; with `confine_with` (the `commons` binary) it runs confined to
/// reading that one file.
fn pdftotext_reading(
    confine_with: Option<&Path>,
    file: &Path,
    limits: Limits,
    cancel: &AtomicBool,
) -> Result<Option<Outcome>, Cancelled> {
    let Some(program) = pdftotext_path() else {
        return Ok(None);
    };
    let mut args: Vec<std::ffi::OsString> = match confine_with {
        Some(exe) => super::confine::command(exe, &[file], &program),
        None => vec![program.into()],
    };
    args.extend(
        ["-enc", "UTF-8", "-eol", "unix"]
            .iter()
            .map(std::ffi::OsString::from),
    );
    args.push(file.into());
    args.push("-".into());
    let (program, args) = args.split_first().expect("the program is always there");
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsString::as_os_str).collect();
    let finished = match run_limited(Path::new(program), &args, limits, cancel)? {
        Ok(Some(f)) => f,
        Ok(None) => return Ok(Some(time_limit(limits))),
        Err(e) => {
            return Ok(Some(Outcome::Rejected {
                reason: Reason::Crashed,
                detail: format!("pdftotext could not start: {e}"),
            }));
        }
    };
    let stderr = String::from_utf8_lossy(&finished.stderr);
    if let Some(why) = stderr.lines().find(|l| l.starts_with("commons confine:")) {
        return Ok(Some(Outcome::Rejected {
            reason: Reason::Crashed,
            detail: format!("pdftotext was not started: {why}"),
        }));
    }
    let first_error = stderr
        .lines()
        .find(|l| l.contains("Error"))
        .unwrap_or("")
        .trim()
        .to_owned();
    if !finished.status.success() {
        let reason = if stderr.contains("Incorrect password") {
            Reason::PasswordProtected
        } else if finished.status.code().is_none() {
            Reason::Crashed
        } else {
            Reason::Damaged
        };
        let detail = if first_error.is_empty() {
            format!("pdftotext stopped ({})", finished.status)
        } else {
            format!("pdftotext: {first_error}")
        };
        return Ok(Some(Outcome::Rejected { reason, detail }));
    }
    let text = String::from_utf8_lossy(&finished.stdout);
    let mut pages: Vec<String> = text.split('\u{c}').map(normalize_page).collect();
    // Every page ends with a form feed: the piece after the last one is not a page.
    if pages.len() > 1 {
        pages.pop();
    }
    Ok(Some(if pages.iter().any(|p| has_text(p)) {
        Outcome::Pages(pages)
    } else {
        Outcome::Rejected {
            reason: Reason::NoText,
            detail: format!("{} pages without a text layer", pages.len()),
        }
    }))
}

/// The better of two readings of one document: pdf-extract's pages where they have text,
/// the second reading's where they do not (when both count the same pages), the second
/// reading whole when the first gave nothing; a rejection keeps the more telling reason
/// (a file poppler opens is not damaged but without text; one it cannot open for a
/// password is password protected).
pub fn combine(first: Outcome, second: Outcome) -> Outcome {
    match (first, second) {
        (Outcome::Pages(mut mine), Outcome::Pages(theirs)) => {
            if mine.len() == theirs.len() {
                for (m, t) in mine.iter_mut().zip(theirs) {
                    if !has_text(m) && has_text(&t) {
                        *m = t;
                    }
                }
            }
            Outcome::Pages(mine)
        }
        (first @ Outcome::Pages(_), Outcome::Rejected { .. }) => first,
        (Outcome::Rejected { .. }, second @ Outcome::Pages(_)) => second,
        (
            first @ Outcome::Rejected { .. },
            second @ Outcome::Rejected {
                reason: Reason::NoText | Reason::PasswordProtected,
                ..
            },
        ) => {
            if matches!(
                first,
                Outcome::Rejected {
                    reason: Reason::PasswordProtected | Reason::NoText,
                    ..
                }
            ) {
                first
            } else {
                second
            }
        }
        (first, Outcome::Rejected { .. }) => first,
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

    fn pages(list: &[&str]) -> Outcome {
        Outcome::Pages(list.iter().map(|p| (*p).to_owned()).collect())
    }

    fn rejected(reason: Reason) -> Outcome {
        Outcome::Rejected {
            reason,
            detail: reason.as_str().into(),
        }
    }

    #[test]
    fn two_readings_combine_into_the_better_one() {
        use Reason::*;
        for (first, second, expected) in [
            // Pages without text are filled from the second reading, page by page.
            (
                pages(&["one page", "", "three"]),
                pages(&["1 page", "second page", "3"]),
                pages(&["one page", "second page", "three"]),
            ),
            // Different page counts: the pages cannot be matched, the first is kept.
            (
                pages(&["one page", ""]),
                pages(&["a", "b", "c"]),
                pages(&["one page", ""]),
            ),
            (
                pages(&["one page", ""]),
                rejected(Damaged),
                pages(&["one page", ""]),
            ),
            (rejected(Crashed), pages(&["", "two"]), pages(&["", "two"])),
            (rejected(TimeLimit), pages(&["text"]), pages(&["text"])),
            // Poppler opens it and finds no text: not damaged, without a text layer.
            (rejected(Damaged), rejected(NoText), rejected(NoText)),
            (
                rejected(Crashed),
                rejected(PasswordProtected),
                rejected(PasswordProtected),
            ),
            (
                rejected(PasswordProtected),
                rejected(NoText),
                rejected(PasswordProtected),
            ),
            (rejected(NoText), rejected(Damaged), rejected(NoText)),
            (rejected(Crashed), rejected(Damaged), rejected(Crashed)),
        ] {
            let label = format!("{first:?} + {second:?}");
            assert_eq!(combine(first, second), expected, "{label}");
        }
    }

    #[test]
    fn a_second_reading_is_asked_for_only_where_text_is_missing() {
        assert!(!needs_second_reading(&pages(&["one page", "two"])));
        assert!(needs_second_reading(&pages(&["one page", " "])));
        assert!(needs_second_reading(&rejected(Reason::Damaged)));
        assert!(needs_second_reading(&rejected(Reason::NoText)));
        assert!(!needs_second_reading(&extract_in_process(b"hello")));
    }

    #[test]
    fn pdftotext_reads_pages_under_the_limits() {
        if pdftotext_path().is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "the setup installs poppler-utils"
            );
            return;
        }
        let demo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../assets/demo/documents/reference-desk-questions.pdf");
        match extract_with_pdftotext(&demo, Limits::default()) {
            Some(Outcome::Pages(pages)) => {
                assert_eq!(pages.len(), 6, "{pages:?}");
                assert!(
                    pages[0].contains("reference desks of the Meridian Library Consortium"),
                    "{}",
                    pages[0]
                );
            }
            other => panic!("{other:?}"),
        }
        let dir = tempfile::tempdir().unwrap();
        let broken = dir.path().join("broken.pdf");
        std::fs::write(&broken, b"%PDF-1.4\nnothing else").unwrap();
        match extract_with_pdftotext(&broken, Limits::default()) {
            Some(Outcome::Rejected { reason, detail }) => {
                assert_eq!(reason, Reason::Damaged, "{detail}");
                assert!(detail.starts_with("pdftotext"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A stand-in worker (a shell script) that answers, crashes or hangs as the file's name
    /// says, and names its process in every answer, to tell a restarted worker apart.
    fn stand_in_worker(dir: &Path) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let exe = dir.join("worker.sh");
        std::fs::write(
            &exe,
            r#"#!/bin/sh
[ "$1" = extract-worker ] || exit 3
echo "noise the protocol skips"
while read -r line; do
  case "$line" in
    *crash*) exit 9 ;;
    *hang*) sleep 30 ;;
    *huge*) printf 'outcome {"pages":["'; head -c 100000 /dev/zero | tr '\0' x; echo '"]}' ;;
    *) echo "outcome {\"pages\":[\"pid $$ page of the document\"]}" ;;
  esac
done
"#,
        )
        .unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        exe
    }

    #[test]
    fn a_worker_serves_many_documents_and_is_replaced_when_it_fails() {
        let dir = tempfile::tempdir().unwrap();
        let exe = stand_in_worker(dir.path());
        let limits = Limits {
            time: Duration::from_millis(500),
            memory_bytes: 1 << 30,
        };
        let mut ex = Extractor::new(&exe, limits);
        let pid = |o: &Outcome| match o {
            Outcome::Pages(p) => p[0].split(' ').nth(1).unwrap().to_owned(),
            other => panic!("{other:?}"),
        };
        let a = ex.with_pdf_extract(Path::new("/a.pdf"));
        let b = ex.with_pdf_extract(Path::new("/b.pdf"));
        assert_eq!(pid(&a), pid(&b), "one worker for both documents");

        let crashed = ex.with_pdf_extract(Path::new("/crash.pdf"));
        assert!(
            matches!(&crashed, Outcome::Rejected { reason: Reason::Crashed, detail } if detail.contains("stopped")),
            "{crashed:?}"
        );
        let c = ex.with_pdf_extract(Path::new("/c.pdf"));
        assert_ne!(pid(&c), pid(&a), "a fresh worker after the crash");

        let started = Instant::now();
        let hung = ex.with_pdf_extract(Path::new("/hang.pdf"));
        assert!(
            matches!(
                hung,
                Outcome::Rejected {
                    reason: Reason::TimeLimit,
                    ..
                }
            ),
            "{hung:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        let d = ex.with_pdf_extract(Path::new("/d.pdf"));
        assert_ne!(pid(&d), pid(&c), "a fresh worker after the time limit");
        assert!(
            matches!(ex.with_pdf_extract(Path::new("/e.pdf")), Outcome::Pages(_)),
            "and it goes on serving"
        );

        // An answer longer than the cap ends the worker; the next document gets a new one.
        let mut capped = Extractor::new(&exe, limits).with_answer_cap(10_000);
        let small = capped.with_pdf_extract(Path::new("/small.pdf"));
        let huge = capped.with_pdf_extract(Path::new("/huge.pdf"));
        assert!(
            matches!(
                huge,
                Outcome::Rejected {
                    reason: Reason::Crashed,
                    ..
                }
            ),
            "{huge:?}"
        );
        let after = capped.with_pdf_extract(Path::new("/after.pdf"));
        assert_ne!(
            pid(&after),
            pid(&small),
            "a fresh worker after the long answer"
        );

        let missing = Extractor::new(&dir.path().join("absent"), limits)
            .with_pdf_extract(Path::new("/a.pdf"));
        assert!(
            matches!(
                &missing,
                Outcome::Rejected {
                    reason: Reason::Crashed,
                    ..
                }
            ),
            "{missing:?}"
        );
    }

    #[test]
    fn a_pause_stops_the_document_being_read_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let exe = stand_in_worker(dir.path());
        let limits = Limits {
            time: Duration::from_secs(20),
            memory_bytes: 1 << 30,
        };
        let mut ex = Extractor::new(&exe, limits);
        let cancel = AtomicBool::new(false);
        let started = Instant::now();
        let result = std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(300));
                cancel.store(true, Ordering::SeqCst);
            });
            ex.extract_unless(Path::new("/hang.pdf"), &cancel)
        });
        assert_eq!(result, Err(Cancelled));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        // Not cancelled: the next document is read by a fresh worker.
        cancel.store(false, Ordering::SeqCst);
        assert!(matches!(
            ex.extract_unless(Path::new("/a.pdf"), &cancel),
            Ok(Outcome::Pages(_))
        ));
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
