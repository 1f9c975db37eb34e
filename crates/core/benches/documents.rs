//! Document benchmark: text extraction speed and quality against poppler's `pdftotext` on
//! the shared corpus, and search latency over a page index of at least 10,000 pages.
//!
//! `cargo bench -p commons-core --bench documents -- [PAGES]`
//!
//! Extraction runs pdf-extract in this process on two threads (the app runs one isolated
//! worker per document; the worker's start-up is not counted here), then, as the app does,
//! `pdftotext` on the files or pages pdf-extract left without text; and `pdftotext` alone on
//! two threads over every file, for comparison. Word agreement: the share of pdftotext's
//! words (as a multiset, folded as the index folds them) that our text also has, over the
//! files pdf-extract read itself and over everything Commons read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use commons_core::Store;
use commons_core::documents::extract::{
    Limits, Outcome, combine, extract_in_process, extract_with_pdftotext, needs_second_reading,
};
use commons_core::documents::pages::PageIndex;
use commons_core::search::text::normalized;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pdf")
}

fn pdftotext(file: &Path) -> Option<Vec<String>> {
    let out = Command::new("timeout")
        .args(["-k", "2", "15", "pdftotext", "-q", "-enc", "UTF-8"])
        .arg(file)
        .arg("-")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    (text.chars().filter(|c| c.is_alphanumeric()).count() >= 3).then_some(pages)
}

fn words(pages: &[String]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for p in pages {
        for w in normalized(p).split(' ').filter(|w| !w.is_empty()) {
            *m.entry(w.to_owned()).or_insert(0) += 1;
        }
    }
    m
}

/// Runs `f` over `files` on two threads; returns the results and the wall time.
fn parallel<T: Send>(
    files: &[PathBuf],
    f: impl Fn(&Path) -> T + Sync,
) -> (Vec<(PathBuf, T)>, Duration) {
    let queue = Mutex::new(files.to_vec());
    let out = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let Some(file) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let r = f(&file);
                    out.lock().unwrap().push((file, r));
                }
            });
        }
    });
    (out.into_inner().unwrap(), started.elapsed())
}

fn main() {
    let target_pages: usize = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = corpus();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the shared corpus at ../shared/corpus/pdf")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();

    // Both extractors over every file; then compare on the files both read.
    std::panic::set_hook(Box::new(|_| {}));
    let (first, first_time) = parallel(&files, |f| {
        let bytes = std::fs::read(f).unwrap_or_default();
        extract_in_process(&bytes)
    });
    let alone: HashMap<PathBuf, Vec<String>> = first
        .iter()
        .filter_map(|(f, o)| match o {
            Outcome::Pages(p) => Some((f.clone(), p.clone())),
            Outcome::Rejected { .. } => None,
        })
        .collect();
    let first: HashMap<PathBuf, Outcome> = first.into_iter().collect();
    let again: Vec<PathBuf> = files
        .iter()
        .filter(|f| needs_second_reading(&first[*f]))
        .cloned()
        .collect();
    let (second, second_time) = parallel(&again, |f| {
        extract_with_pdftotext(f, Limits::default()).expect("pdftotext is installed")
    });
    let mut combined = first;
    for (f, outcome) in second {
        let mine = combined.remove(&f).expect("read once");
        combined.insert(f, combine(mine, outcome));
    }
    let ours: HashMap<PathBuf, Vec<String>> = combined
        .into_iter()
        .filter_map(|(f, o)| match o {
            Outcome::Pages(p) => Some((f, p)),
            Outcome::Rejected { .. } => None,
        })
        .collect();
    let ours_time = first_time + second_time;
    let (theirs, theirs_time) = parallel(&files, pdftotext);
    let theirs: HashMap<PathBuf, Vec<String>> = theirs
        .into_iter()
        .filter_map(|(f, p)| p.map(|p| (f, p)))
        .collect();
    let alone_pages: usize = alone.values().map(Vec::len).sum();
    let our_pages: usize = ours.values().map(Vec::len).sum();
    let their_pages: usize = theirs
        .values()
        .map(|p| p.len().saturating_sub(1).max(1))
        .sum();
    let agreement = |ours: &HashMap<PathBuf, Vec<String>>| {
        let (mut shared, mut total, mut files) = (0usize, 0usize, 0usize);
        for (f, their) in &theirs {
            let Some(mine) = ours.get(f) else { continue };
            files += 1;
            let (a, b) = (words(mine), words(their));
            for (w, n) in &b {
                total += n;
                shared += (*n).min(a.get(w).copied().unwrap_or(0));
            }
        }
        (files, 100.0 * shared as f64 / total.max(1) as f64)
    };
    println!("## Documents benchmark\n");
    println!("| extractor | files with text | pages | time (2 threads) | pages/s |");
    println!("|---|---|---|---|---|");
    let row = |name: &str, n: usize, pages: usize, time: Duration| {
        println!(
            "| {name} | {n} of {} | {pages} | {:.1} s | {:.0} |",
            files.len(),
            time.as_secs_f64(),
            pages as f64 / time.as_secs_f64()
        );
    };
    row("pdf-extract alone", alone.len(), alone_pages, first_time);
    row(
        &format!(
            "Commons (pdf-extract, then pdftotext on {} files)",
            again.len()
        ),
        ours.len(),
        our_pages,
        ours_time,
    );
    row(
        "pdftotext (poppler) alone",
        theirs.len(),
        their_pages,
        theirs_time,
    );
    let (alone_files, alone_agreement) = agreement(&alone);
    let (both_files, both_agreement) = agreement(&ours);
    println!(
        "\nspeed ratio (Commons / pdftotext, pages/s): {:.2}; word agreement: {alone_agreement:.1}% on the {alone_files} files pdf-extract read, {both_agreement:.1}% on the {both_files} files Commons read",
        (our_pages as f64 / ours_time.as_secs_f64())
            / (their_pages as f64 / theirs_time.as_secs_f64()),
    );

    // Search latency: the extracted pages, repeated under new ids until there are enough.
    let temp = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(&temp.path().join("commons.db")).expect("cache");
    let pages: Vec<String> = ours
        .values()
        .flatten()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect();
    {
        let tx = store.write().expect("write");
        let mut n = 0usize;
        let mut copy = 0usize;
        while n < target_pages && !pages.is_empty() {
            let sha = format!("{copy:064x}");
            tx.execute(
                "INSERT INTO documents(sha256, title, file_name, bytes, pages, added_at) VALUES (?1, ?2, 'x.pdf', 1, 1, 'now')",
                (&sha, format!("Document {copy}")),
            )
            .expect("document");
            for (i, text) in pages.iter().take(200).enumerate() {
                tx.execute(
                    "INSERT INTO document_pages(sha256, page, text) VALUES (?1, ?2, ?3)",
                    (&sha, i as i64 + 1, text),
                )
                .expect("page");
                n += 1;
            }
            copy += 1;
        }
        tx.commit().expect("commit");
    }
    let started = Instant::now();
    let index = PageIndex::open(&temp.path().join("index"), &store).expect("index");
    let built = started.elapsed();
    let indexed: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM document_pages", [], |r| r.get(0))
        .expect("count");
    let queries = [
        "the",
        "data",
        "pdf",
        "font",
        "table",
        "page 1",
        "\"of the\"",
        "inter",
        "xy",
        "text layer",
        "adobe",
        "unicode",
        "image",
        "version",
        "文",
        "a",
        "th",
        "encrypt",
        "\"the pdf\"",
        "zzzz",
    ];
    let mut times = Vec::new();
    for _ in 0..5 {
        for q in queries {
            let t = Instant::now();
            let _ = index.search(&store, q, 20).expect("search");
            times.push(t.elapsed());
        }
    }
    times.sort();
    let at = |p: f64| {
        times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
    };
    println!(
        "\nsearch over {indexed} pages (index built in {:.1} s): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms ({} queries, warm)",
        built.as_secs_f64(),
        at(0.5),
        at(0.95),
        at(0.99),
        times.len()
    );
}
