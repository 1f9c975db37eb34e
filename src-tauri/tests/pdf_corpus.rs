//! Every PDF of the shared corpus (../shared/corpus/pdf and pdf-hostile) through the real
//! extraction path: the `commons` binary as an isolated worker with a time and memory limit,
//! serving one file after another,
//! then poppler's `pdftotext` for what pdf-extract leaves without text. Each file ends with
//! text or a specific reason; nothing hangs or takes the test down. The app gets text out of
//! at least as many files as `pdftotext` alone does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use commons_core::documents::extract::{
    Extractor, Limits, Outcome, combine, extract_with_pdftotext, needs_second_reading,
};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Whether poppler's `pdftotext` gets text out of `file`, under the same limits as ours
/// (15 s, 1 GiB): some hostile files make it run for ever.
fn pdftotext_reads(file: &Path) -> bool {
    let Ok(out) = Command::new("timeout")
        .args([
            "-k",
            "2",
            "15",
            "prlimit",
            "--as=1073741824",
            "--",
            "pdftotext",
            "-q",
            "-enc",
            "UTF-8",
        ])
        .arg(file)
        .arg("-")
        .stderr(std::process::Stdio::null())
        .output()
    else {
        return false;
    };
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .count()
        >= 3
}

#[test]
fn every_corpus_pdf_is_indexed_or_rejected_with_a_reason() {
    let Some(corpus) = corpus() else {
        eprintln!("skipping: the shared corpus is absent");
        return;
    };
    if std::env::var_os("CI").is_some() {
        assert!(
            Command::new("pdftotext").arg("-v").output().is_ok(),
            "CI installs poppler-utils"
        );
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["pdf", "pdf-hostile"] {
        for e in std::fs::read_dir(corpus.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    files.sort();
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_commons"));
    let limits = Limits {
        time: Duration::from_secs(10),
        memory_bytes: 1024 * 1024 * 1024,
    };
    let queue = Mutex::new(files.clone());
    type Row = (PathBuf, Outcome, bool, bool, Duration);
    let results: Mutex<Vec<Row>> = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                // One serving worker per thread, as the app has: a file that crashes it or
                // runs out of time ends it, and the next file gets a fresh one.
                let mut extractor = Extractor::new(&exe, limits).reading_from(vec![corpus.clone()]);
                loop {
                    let Some(file) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let t = Instant::now();
                    // The steps of `extract_isolated`, to count what pdf-extract read alone.
                    let first = extractor.with_pdf_extract(&file);
                    let alone = matches!(first, Outcome::Pages(_));
                    let outcome = match needs_second_reading(&first) {
                        true => match extract_with_pdftotext(&file, limits) {
                            Some(second) => combine(first, second),
                            None => first,
                        },
                        false => first,
                    };
                    let took = t.elapsed();
                    let poppler = pdftotext_reads(&file);
                    results
                        .lock()
                        .unwrap()
                        .push((file, outcome, alone, poppler, took));
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    assert_eq!(results.len(), files.len(), "every file has an outcome");
    let mut by_reason: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let (mut ours, mut alone, mut theirs, mut both, mut pages) = (0, 0, 0, 0, 0);
    let mut slowest = Duration::ZERO;
    for (file, outcome, first_alone, poppler, took) in &results {
        slowest = slowest.max(*took);
        alone += usize::from(*first_alone);
        // The time limit of each extractor holds (with a margin for starting and stopping).
        assert!(
            *took < 2 * limits.time + Duration::from_secs(5),
            "{}: {took:?}",
            file.display()
        );
        match outcome {
            Outcome::Pages(p) => {
                ours += 1;
                pages += p.len();
                *by_reason.entry("indexed").or_default() += 1;
                if *poppler {
                    both += 1;
                }
            }
            Outcome::Rejected { reason, detail } => {
                assert!(
                    !detail.trim().is_empty(),
                    "{}: a reason is given",
                    file.display()
                );
                *by_reason.entry(reason.as_str()).or_default() += 1;
            }
        }
        if *poppler {
            theirs += 1;
        }
    }
    eprintln!(
        "pdf corpus: {} files in {:.0} s (slowest {:.1} s); outcomes {by_reason:?}; text from {ours} files ({pages} pages; pdf-extract alone {alone}), pdftotext {theirs}, both {both}",
        files.len(),
        started.elapsed().as_secs_f64(),
        slowest.as_secs_f64()
    );
    assert!(
        ours > files.len() / 4,
        "most readable PDFs give text: {ours}"
    );
    if theirs > 0 {
        assert!(
            ours >= theirs,
            "text from at least as many files as pdftotext: {ours} < {theirs}"
        );
    }
}
