//! Catalogue benchmark: import + index throughput, index size, and query latency of the
//! tantivy index against SQLite FTS5 on the same synthetic catalogue and the same query mix.
//!
//! ```text
//! cargo bench -p commons-core --bench catalogue -- [--records N] [--no-fts5] [--no-rebuild]
//! ```
//!
//! N defaults to 1,000,000 (a bare number is read as N too). `--no-rebuild` leaves out the
//! timed rebuild of the index from the cache, which at ten million records takes as long as
//! the import. With `COMMONS_BENCH_DIR` the catalogue is kept, and a later run with the same
//! directory only runs the queries, in a process that did not import: its resident memory is
//! that of searching. Records are generated deterministically (Zipf-distributed
//! title vocabulary, so the commonest words are in about a third of all records; 10% Chinese
//! titles; 1–4 holdings across six libraries), written as one ISO 2709 file and imported with
//! the real importer, then indexed. Every query returns facet counts over all matches and
//! hydrates the first 20 hits from the cache, as the catalogue screen does.

use std::path::Path;
use std::time::{Duration, Instant};

use commons_core::Store;
use commons_core::catalogue::marc::{Field, Record, iso2709};
use commons_core::catalogue::{import_file, originals};
use commons_core::search::query::{Clause, Scope, parse};
use commons_core::search::text::normalized;
use commons_core::search::{SearchIndex, SearchRequest};

/// Records per generated file: an import takes files of up to 2 GiB, and two million of these
/// records take about 940 MiB.
const FILE_RECORDS: usize = 2_000_000;

/// Queries are drawn from their own generator, so a kept catalogue gets the same mix.
const QUERY_SEED: u64 = 0x9e37_79b9;

#[path = "support/generated.rs"]
mod generated;
use generated::{FAMILY, GIVEN, Rng, Vocabulary, capitalise};

const LIBRARIES: &[&str] = &[
    "central",
    "lakeshore",
    "westfield",
    "harbor",
    "desert",
    "shanghai",
];
const FORMATS: &[(char, char, usize)] = &[
    ('a', 'm', 70),
    ('a', 's', 10),
    ('g', 'm', 8),
    ('e', 'm', 4),
    ('j', 'm', 4),
    ('m', 'm', 4),
];

fn record(n: usize, v: &Vocabulary, rng: &mut Rng) -> Record {
    let (title, chinese) = v.title(rng);
    let (kind, level, _) = {
        let mut x = rng.below(100);
        *FORMATS
            .iter()
            .find(|f| {
                if x < f.2 {
                    true
                } else {
                    x -= f.2;
                    false
                }
            })
            .unwrap_or(&FORMATS[0])
    };
    let year = 1900 + rng.below(127);
    let lang = if chinese {
        "chi"
    } else {
        ["eng", "eng", "eng", "ger", "fre", "spa"][rng.below(6)]
    };
    let author = format!(
        "{}, {}",
        FAMILY[rng.below(FAMILY.len())],
        GIVEN[rng.below(GIVEN.len())]
    );
    let sf = |c: char, v: String| (c, v);
    let mut fields = vec![
        Field::Control {
            tag: "001".into(),
            value: format!("b{n}"),
        },
        Field::Control {
            tag: "003".into(),
            value: "BENCH".into(),
        },
        Field::Control {
            tag: "008".into(),
            value: format!("000101s{year}    xx            000 0 {lang} d"),
        },
        Field::Data {
            tag: "020".into(),
            ind1: ' ',
            ind2: ' ',
            subfields: vec![sf('a', isbn(rng))],
        },
        Field::Data {
            tag: "050".into(),
            ind1: '0',
            ind2: '0',
            subfields: vec![
                sf('a', format!("Q{}", rng.below(999))),
                sf('b', format!(".A{}", rng.below(99))),
            ],
        },
        Field::Data {
            tag: "100".into(),
            ind1: '1',
            ind2: ' ',
            subfields: vec![sf('a', author)],
        },
        Field::Data {
            tag: "245".into(),
            ind1: '1',
            ind2: '0',
            subfields: vec![sf('a', title)],
        },
        Field::Data {
            tag: "264".into(),
            ind1: ' ',
            ind2: '1',
            subfields: vec![
                sf('a', "New York".into()),
                sf('b', "Meridian Press".into()),
                sf('c', year.to_string()),
            ],
        },
        Field::Data {
            tag: "650".into(),
            ind1: ' ',
            ind2: '0',
            subfields: vec![
                sf('a', capitalise(v.word(rng))),
                sf('x', capitalise(v.word(rng))),
            ],
        },
    ];
    for c in 0..1 + rng.below(4) {
        let status = rng.below(10) < 7;
        let mut subs = vec![
            sf('b', LIBRARIES[rng.below(LIBRARIES.len())].into()),
            sf(
                'o',
                format!("Q{} .A{} {year} c.{}", rng.below(999), rng.below(99), c + 1),
            ),
            sf('c', "Stacks".into()),
        ];
        if !status {
            subs.push(sf('q', "2026-12-01".into()));
        }
        fields.push(Field::Data {
            tag: "952".into(),
            ind1: ' ',
            ind2: ' ',
            subfields: subs,
        });
    }
    Record {
        leader: format!("00000n{kind}{level} a2200000 a 4500"),
        fields,
    }
}

fn isbn(rng: &mut Rng) -> String {
    let mut d: Vec<u32> = vec![9, 7, 8];
    for _ in 0..9 {
        d.push(rng.below(10) as u32);
    }
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, x)| if i % 2 == 0 { *x } else { 3 * x })
        .sum();
    d.push((10 - sum % 10) % 10);
    d.iter()
        .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
        .collect()
}

/// The query mix: (kind, queries).
fn queries(v: &Vocabulary, store: &Store, rng: &mut Rng) -> Vec<(&'static str, Vec<String>)> {
    let pick = |lo: usize, hi: usize, rng: &mut Rng| v.words[lo + rng.below(hi - lo)].clone();
    let titles: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT title FROM records WHERE language <> 'chi' AND rowid % 4999 = 7 LIMIT 200",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let n = 30;
    let letters = "abcdefghilmnoprstuw";
    let mut mix: Vec<(&'static str, Vec<String>)> = Vec::new();
    mix.push((
        "rare word",
        (0..n).map(|_| pick(20_000, 45_000, rng)).collect(),
    ));
    mix.push(("mid word", (0..n).map(|_| pick(100, 1000, rng)).collect()));
    mix.push(("common word", (0..n).map(|_| pick(0, 4, rng)).collect()));
    mix.push((
        "two words",
        (0..n)
            .map(|i| {
                // Two words of one real title, not next to each other when the title allows.
                let words: Vec<&str> = titles[(i * 7) % titles.len()].split(' ').collect();
                format!("{} {}", words[0], words[words.len() - 1]).to_lowercase()
            })
            .collect(),
    ));
    mix.push((
        "1-letter prefix",
        (0..n)
            .map(|i| {
                letters[i % letters.len()..]
                    .chars()
                    .next()
                    .unwrap_or('a')
                    .to_string()
            })
            .collect(),
    ));
    mix.push((
        "2-letter prefix",
        (0..n)
            .map(|_| pick(0, 200, rng).chars().take(2).collect())
            .collect(),
    ));
    mix.push((
        "3-letter prefix",
        (0..n)
            .map(|_| pick(0, 2000, rng).chars().take(3).collect())
            .collect(),
    ));
    mix.push((
        "word + 1-letter prefix",
        (0..n)
            .map(|i| {
                format!(
                    "{} {}",
                    pick(0, 50, rng),
                    &letters[i % letters.len()..=i % letters.len()]
                )
            })
            .collect(),
    ));
    mix.push((
        "phrase",
        (0..n)
            .map(|i| {
                let words: Vec<&str> = titles[i % titles.len()].split(' ').collect();
                let k = rng.below(words.len().saturating_sub(1).max(1));
                format!("\"{}\"", words[k..(k + 2).min(words.len())].join(" "))
            })
            .collect(),
    ));
    mix.push((
        "author:name",
        (0..n)
            .map(|i| format!("author:{} ", FAMILY[i % FAMILY.len()]))
            .collect(),
    ));
    mix.push((
        "CJK 2 characters",
        (0..n)
            .map(|_| {
                let a = v.hanzi[rng.below(v.hanzi.len())];
                let b = v.hanzi[rng.below(v.hanzi.len())];
                format!("{a}{b}")
            })
            .collect(),
    ));
    mix
}

/// One table row: mean hits and p50/p95/p99 of the timed queries (none timed: no row).
fn print_row(kind: &str, hits: u64, times: &mut [Duration]) {
    if times.is_empty() {
        return;
    }
    times.sort();
    println!(
        "| {kind} | {} | {:.2} | {:.2} | {:.2} |",
        hits / times.len() as u64,
        percentile(times, 0.5),
        percentile(times, 0.95),
        percentile(times, 0.99)
    );
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn fts5_match(query: &str) -> Option<String> {
    let mut parts = Vec::new();
    for clause in parse(query) {
        let column = |scope: Scope| match scope {
            Scope::Author => "author : ",
            Scope::Title => "title : ",
            Scope::Subject => "subject : ",
            _ => "",
        };
        match clause {
            Clause::Words {
                scope,
                tokens,
                prefix,
                cjk,
            } => {
                if cjk {
                    parts.push(format!("{}\"{}\"", column(scope), tokens.join(" ")));
                } else {
                    for (i, t) in tokens.iter().enumerate() {
                        let star = if prefix && i + 1 == tokens.len() {
                            "*"
                        } else {
                            ""
                        };
                        parts.push(format!("{}\"{t}\"{star}", column(scope)));
                    }
                }
            }
            Clause::Phrase { scope, tokens } => {
                parts.push(format!("{}\"{}\"", column(scope), tokens.join(" ")))
            }
            Clause::Identifier(id) => parts.push(format!("\"{id}\"")),
        }
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |a: &String| a.replace(['_', ','], "").parse::<usize>().ok();
    let records: usize = args
        .iter()
        .position(|a| a == "--records")
        .and_then(|i| args.get(i + 1))
        .or_else(|| args.iter().find(|a| number(a).is_some()))
        .and_then(number)
        .unwrap_or(1_000_000);
    let with_fts5 = !args.iter().any(|a| a == "--no-fts5");
    let with_rebuild = !args.iter().any(|a| a == "--no-rebuild");
    // COMMONS_BENCH_DIR keeps the generated catalogue between runs (to study queries).
    let kept = std::env::var_os("COMMONS_BENCH_DIR").map(std::path::PathBuf::from);
    let temp = tempfile::tempdir().expect("temporary directory");
    let dir_path = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir_path).expect("bench directory");
    let mut rng = Rng(0x5eed);
    let vocab = Vocabulary::new(&mut rng);
    if kept.is_some() && dir_path.join("index").is_dir() {
        let store = Store::open(&dir_path.join("commons.db")).expect("cache");
        let started = Instant::now();
        let (index, rebuilt) =
            SearchIndex::open(&dir_path.join("index"), &store, &mut |_, _| {}).expect("index");
        if rebuilt {
            println!(
                "index rebuilt from the kept cache in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        index_by_field(&index, &store);
        run_queries(&vocab, &store, &index, &mut Rng(QUERY_SEED));
        resident_memory();
        return;
    }
    struct Dir<'a>(&'a Path);
    impl Dir<'_> {
        fn path(&self) -> &Path {
            self.0
        }
    }
    let dir = Dir(&dir_path);

    // Generate the ISO 2709 files: one per two million records, as an import takes files of
    // up to 2 GiB (a consortium's ten million records come as several files).
    let started = Instant::now();
    let mut files = Vec::new();
    {
        use std::io::Write as _;
        let mut out = None;
        for n in 0..records {
            if n % FILE_RECORDS == 0 {
                let file = dir
                    .path()
                    .join(format!("catalogue-{}.mrc", n / FILE_RECORDS));
                out = Some(std::io::BufWriter::new(
                    std::fs::File::create(&file).expect("create"),
                ));
                files.push(file);
            }
            let out = out.as_mut().expect("file");
            out.write_all(&iso2709::write(&record(n, &vocab, &mut rng)))
                .expect("write");
        }
    }
    let mib = |p: &Path| -> f64 {
        fn size(p: &Path) -> u64 {
            if p.is_dir() {
                std::fs::read_dir(p)
                    .map(|d| d.flatten().map(|e| size(&e.path())).sum())
                    .unwrap_or(0)
            } else {
                std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
            }
        }
        size(p) as f64 / (1024.0 * 1024.0)
    };
    eprintln!(
        "generated {records} records ({:.0} MiB in {} files) in {:.1} s",
        files.iter().map(|f| mib(f)).sum::<f64>(),
        files.len(),
        started.elapsed().as_secs_f64()
    );

    // Import with the real importer, the search index following the records as they are
    // written (what `commons import` does), then the index alone rebuilt from the cache.
    let store = Store::open(&dir.path().join("commons.db")).expect("cache");
    let index_dir = dir.path().join("index");
    let (index, _) = SearchIndex::open(&index_dir, &store, &mut |_, _| {}).expect("index");
    let started = Instant::now();
    let mut indexing = index.indexing(&store).expect("indexing");
    let mut imported = 0;
    // Until the first thousand records are written: reading and parsing the file, each time.
    let mut parsing = Duration::ZERO;
    for file in &files {
        let file_started = Instant::now();
        let mut first_written = None;
        let report = import_file(
            &store,
            file,
            &mut |_| {
                first_written.get_or_insert_with(|| file_started.elapsed());
            },
            &mut indexing,
        )
        .expect("import");
        parsing += first_written.unwrap_or_default();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected.first());
        imported += report.imported;
    }
    let import_s = started.elapsed().as_secs_f64();
    indexing.commit(&store, &index).expect("index commit");
    let both_s = started.elapsed().as_secs_f64();
    assert_eq!(imported, records);
    let cache_mib = mib(&dir.path().join("commons.db"));
    let index_mib = mib(&index_dir);
    println!("## Catalogue benchmark: {records} records\n");
    println!("| step | time | throughput | size |");
    println!("|---|---|---|---|");
    println!(
        "| import + index (ISO 2709 → cache and index) | {both_s:.1} s | **{:.0} records/s** | cache {cache_mib:.0} MiB, index {index_mib:.0} MiB |",
        records as f64 / both_s
    );
    println!("| of which the cache's transaction | {import_s:.1} s | | |");
    println!(
        "| of which reading and parsing the files, before the first record is written | {:.1} s | | |",
        parsing.as_secs_f64()
    );
    println!(
        "\ncache and index: {:.0} MiB per million records",
        (cache_mib + index_mib) * 1e6 / records as f64
    );
    cache_by_table(&store, records);
    index_by_field(&index, &store);

    // The searches run on the index the import wrote, as the app's do.
    let mix = run_queries(&vocab, &store, &index, &mut Rng(QUERY_SEED));
    resident_memory();
    if !with_rebuild {
        return;
    }
    drop(index);
    let started = Instant::now();
    SearchIndex::rebuild(&index_dir, &store, &mut |_, _| {}).expect("index");
    let rebuild_s = started.elapsed().as_secs_f64();
    println!(
        "\n| index rebuilt from the cache (`commons reindex`) | {rebuild_s:.1} s | {:.0} records/s | index {:.0} MiB |",
        records as f64 / rebuild_s,
        mib(&index_dir)
    );
    if !with_fts5 {
        return;
    }
    fts5(&store, records, &mix);
}

/// This process's resident memory now and at its peak (Linux), after the queries.
fn resident_memory() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
    };
    if let (Some(rss), Some(peak)) = (kib("VmRSS:"), kib("VmHWM:")) {
        println!(
            "\nresident memory after the queries: {:.0} MiB (peak {:.0} MiB)",
            rss / 1024.0,
            peak / 1024.0
        );
    }
}

/// Where the cache's bytes are: each table and index, from SQLite's `dbstat`.
fn cache_by_table(store: &Store, records: usize) {
    let rows: Vec<(String, f64)> = match store.conn().prepare(
        "SELECT name, sum(pgsize) FROM dbstat GROUP BY name HAVING sum(pgsize) > 1048576
         ORDER BY 2 DESC",
    ) {
        Ok(mut stmt) => stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as f64)))
            .and_then(|rows| rows.collect())
            .unwrap_or_default(),
        Err(e) => {
            eprintln!("no dbstat: {e}");
            return;
        }
    };
    let originals: f64 = store
        .conn()
        .query_row("SELECT sum(length(original)) FROM records", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .ok()
        .flatten()
        .unwrap_or(0) as f64;
    println!("\n| table or index | MiB | bytes per record |");
    println!("|---|---|---|");
    for (name, bytes) in rows {
        println!(
            "| {name} | {:.1} | {:.0} |",
            bytes / 1048576.0,
            bytes / records as f64
        );
    }
    println!(
        "| (originals, compressed, within records) | {:.1} | {:.0} |",
        originals / 1048576.0,
        originals / records as f64
    );
}

/// Where the index's bytes are: each field's terms, postings, positions, fast fields and
/// norms, from tantivy's space usage.
fn index_by_field(index: &SearchIndex, store: &Store) {
    let records: f64 = store
        .conn()
        .query_row("SELECT count(*) FROM records", [], |r| r.get::<_, i64>(0))
        .unwrap_or(1)
        .max(1) as f64;
    let fields = match index.space_by_field() {
        Ok(fields) => fields,
        Err(e) => {
            eprintln!("no space usage: {e}");
            return;
        }
    };
    let mib = |b: u64| b as f64 / 1048576.0;
    println!(
        "\n| index field | MiB | bytes per record | terms | postings | positions | fast | norms | stored |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for f in fields.iter().filter(|f| f.total() > 0) {
        println!(
            "| {} | {:.1} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            f.field,
            mib(f.total()),
            f.total() as f64 / records,
            mib(f.terms),
            mib(f.postings),
            mib(f.positions),
            mib(f.fast),
            mib(f.norms),
            mib(f.stored)
        );
    }
}

fn run_queries(
    vocab: &Vocabulary,
    store: &Store,
    index: &SearchIndex,
    rng: &mut Rng,
) -> Vec<(&'static str, Vec<String>)> {
    let mix = queries(vocab, store, rng);
    println!("\n### tantivy (top 20 hydrated + facet counts over all matches), ms\n");
    println!("| kind | mean hits | p50 | p95 | p99 |");
    println!("|---|---|---|---|---|");
    // COMMONS_BENCH_SLOWEST=N lists each kind's N slowest queries after the table.
    let slowest: usize = std::env::var("COMMONS_BENCH_SLOWEST")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut slow = Vec::new();
    for (kind, qs) in &mix {
        let mut times = Vec::new();
        let mut each = Vec::new();
        let mut hits = 0u64;
        for q in qs {
            let req = SearchRequest {
                query: q.clone(),
                limit: 20,
                ..SearchRequest::default()
            };
            let _ = index.search(store, &req); // warm
            let t = Instant::now();
            let r = index.search(store, &req).expect("search");
            times.push(t.elapsed());
            each.push((t.elapsed(), q.as_str(), r.total));
            hits += r.total;
        }
        print_row(kind, hits, &mut times);
        each.sort_by_key(|e| std::cmp::Reverse(e.0));
        for (took, q, total) in each.into_iter().take(slowest) {
            slow.push(format!(
                "| {kind} | `{q}` | {total} | {:.2} |",
                took.as_secs_f64() * 1000.0
            ));
        }
    }
    if !slow.is_empty() {
        println!("\n| kind | slowest queries | hits | ms |\n|---|---|---|---|");
        println!("{}", slow.join("\n"));
    }
    mix
}

fn fts5(store: &Store, records: usize, mix: &[(&'static str, Vec<String>)]) {
    // SQLite FTS5 over the same normalised text, with the same facets computed in SQL.
    let started = Instant::now();
    let conn = store.conn();
    conn.execute_batch(
        "CREATE VIRTUAL TABLE fts USING fts5(title, author, subject, body, tokenize = 'unicode61', prefix = '1 2 3');",
    )
    .expect("fts5");
    {
        let tx = store.write().expect("tx");
        {
            // The same text the tantivy index's `all` field holds (the fields the cache reads
            // from each record's original, as its page does).
            let mut read = tx
                .prepare(
                    "SELECT rowid, id,
                            (SELECT coalesce(group_concat(call_number, ' '), '') FROM holdings h WHERE h.record_id = records.id),
                            original_format, original_packed, original_dictionary, original
                     FROM records",
                )
                .expect("read");
            let mut insert = tx.prepare("INSERT INTO fts(rowid, title, author, subject, body) VALUES (?1, ?2, ?3, ?4, ?5)").expect("insert");
            let mut rows = read.query([]).expect("rows");
            // One unpacker for every record: each dictionary is loaded once.
            let mut unpacker = originals::Unpacker::default();
            while let Some(row) = rows.next().expect("row") {
                let (rowid, id, calls): (i64, String, String) = (
                    row.get(0).unwrap(),
                    row.get(1).unwrap(),
                    row.get(2).unwrap(),
                );
                let stored = (
                    row.get(3).unwrap(),
                    row.get(4).unwrap(),
                    row.get(5).unwrap(),
                    row.get(6).unwrap(),
                );
                let d = originals::described(&tx, &mut unpacker, &id, stored)
                    .expect("a record's original")
                    .description;
                let opt = |s: &Option<String>| s.clone().unwrap_or_default();
                let t = normalized(&format!("{} {}", d.title, opt(&d.subtitle)));
                let a = normalized(&d.authors.join(" "));
                let s = normalized(&d.subjects.join(" "));
                let rest = [
                    opt(&d.responsibility),
                    opt(&d.publisher),
                    d.series.join(" "),
                    opt(&d.summary),
                    opt(&d.contents),
                    opt(&d.lcc),
                    opt(&d.ddc),
                    opt(&d.clc),
                    d.identifiers().join(" "),
                    calls,
                ]
                .join(" ");
                let body = format!("{t} {a} {s} {}", normalized(&rest));
                insert.execute((rowid, t, a, s, body)).expect("insert row");
            }
        }
        tx.commit().expect("commit");
    }
    println!(
        "\nFTS5 build: {:.1} s ({:.0} records/s)",
        started.elapsed().as_secs_f64(),
        records as f64 / started.elapsed().as_secs_f64()
    );
    println!("\n### SQLite FTS5 (`ORDER BY rank LIMIT 20` + the same facets by `GROUP BY`), ms\n");
    println!("| kind | mean hits | p50 | p95 | p99 |");
    println!("|---|---|---|---|---|");
    let facet_sql = [
        "SELECT r.format, count(*) FROM fts JOIN records r ON r.rowid = fts.rowid WHERE fts MATCH ?1 GROUP BY 1",
        "SELECT r.language, count(*) FROM fts JOIN records r ON r.rowid = fts.rowid WHERE fts MATCH ?1 GROUP BY 1",
        "SELECT r.year / 10, count(*) FROM fts JOIN records r ON r.rowid = fts.rowid WHERE fts MATCH ?1 GROUP BY 1",
        "SELECT h.library_id, count(DISTINCT r.id) FROM fts JOIN records r ON r.rowid = fts.rowid JOIN holdings h ON h.record_id = r.id WHERE fts MATCH ?1 GROUP BY 1",
    ];
    for (kind, qs) in mix {
        let mut times = Vec::new();
        let mut hits = 0u64;
        for q in qs {
            let Some(m) = fts5_match(q) else { continue };
            let t = Instant::now();
            let total: i64 = conn
                .query_row("SELECT count(*) FROM fts WHERE fts MATCH ?1", [&m], |r| {
                    r.get(0)
                })
                .unwrap_or(0);
            let mut top = conn.prepare_cached("SELECT r.id, r.title FROM fts JOIN records r ON r.rowid = fts.rowid WHERE fts MATCH ?1 ORDER BY fts.rank LIMIT 20").expect("top");
            let _: Vec<(String, String)> = top
                .query_map([&m], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("q")
                .flatten()
                .collect();
            for sql in facet_sql {
                let mut f = conn.prepare_cached(sql).expect("facet");
                let _: Vec<i64> = f
                    .query_map([&m], |r| r.get(1))
                    .expect("f")
                    .flatten()
                    .collect();
            }
            times.push(t.elapsed());
            hits += total.unsigned_abs();
        }
        print_row(kind, hits, &mut times);
    }
}
