//! Our reading of every ISO 2709 record in the corpus against pymarc's, a MARC library
//! nobody here wrote: same leader, fields, indicators, subfields and values for every record
//! pymarc reads. Needs python3 with pymarc (CI installs it; elsewhere the test says it
//! skipped). Records with bytes that no MARC-8 table names are counted apart (Commons
//! keeps them as U+FFFD with a warning, pymarc as spaces) and must be the corpus's broken
//! samples.

use std::path::{Path, PathBuf};
use std::process::Command;

use commons_core::catalogue::marc::{Field, iso2709};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/marc");
    dir.is_dir().then_some(dir)
}

fn pymarc_available() -> bool {
    Command::new("python3")
        .args(["-c", "import pymarc"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn ours(field: &Field) -> Value {
    match field {
        Field::Control { tag, value } => serde_json::json!({ "tag": tag, "value": value }),
        Field::Data {
            tag,
            ind1,
            ind2,
            subfields,
        } => serde_json::json!({
            "tag": tag,
            "ind1": ind1.to_string(),
            "ind2": ind2.to_string(),
            "subfields": subfields.iter().map(|(c, v)| vec![c.to_string(), v.clone()]).collect::<Vec<_>>(),
        }),
    }
}

#[test]
fn every_record_pymarc_reads_we_read_the_same() {
    let Some(dir) = corpus() else {
        eprintln!("skipping: the shared corpus is absent");
        return;
    };
    if !pymarc_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have python3 with pymarc (scripts/setup installs it)"
        );
        eprintln!("skipping: python3 with pymarc is not installed");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pymarc/dump.py");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("mrc" | "dat")))
        .collect();
    files.sort();
    let (mut same, mut invalid_marc8, mut mismatches) = (0, Vec::new(), Vec::new());
    let mut unimarc = Vec::new();
    for path in &files {
        let out = Command::new("python3")
            .arg(&script)
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        let data = std::fs::read(path).unwrap();
        let records: Vec<_> = iso2709::split(&data)
            .map(|raw| iso2709::parse(raw.bytes))
            .collect();
        for (i, their) in theirs.iter().enumerate() {
            if their.is_null() {
                continue;
            }
            let name = format!(
                "{} record {}",
                path.file_name().unwrap().to_string_lossy(),
                i + 1
            );
            let Some(mine) = records.get(i) else {
                mismatches.push(format!("{name}: pymarc reads it, we found fewer records"));
                continue;
            };
            let mine = match mine {
                Ok(m) => m,
                Err(e) => {
                    mismatches.push(format!("{name}: pymarc reads it, we reject it: {e}"));
                    continue;
                }
            };
            if mine.charset == iso2709::Charset::UnimarcUtf8 {
                // UNIMARC naming UTF-8 in its 100 field: pymarc looks at the leader only and
                // reads it as MARC-8; nothing to compare.
                unimarc.push(name);
                continue;
            }
            if mine.unmapped > 0 {
                // Bytes that are not MARC-8: we mark them U+FFFD and warn, pymarc writes a
                // space; nothing to compare.
                invalid_marc8.push(name);
                continue;
            }
            let mine_json = serde_json::json!({
                "leader": mine.record.leader,
                "fields": mine.record.fields.iter().map(ours).collect::<Vec<_>>(),
            });
            if &mine_json == their {
                same += 1;
            } else {
                let theirs_fields = their["fields"].as_array().cloned().unwrap_or_default();
                let mine_fields = mine_json["fields"].as_array().cloned().unwrap_or_default();
                let first_diff = theirs_fields
                    .iter()
                    .zip(&mine_fields)
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("pymarc {a} / ours {b}"))
                    .unwrap_or_else(|| {
                        format!(
                            "leader {} / {}, {} / {} fields",
                            their["leader"],
                            mine_json["leader"],
                            theirs_fields.len(),
                            mine_fields.len()
                        )
                    });
                mismatches.push(format!("{name}: {first_diff}"));
            }
        }
    }
    eprintln!(
        "pymarc comparison: {same} records identical, {} with bytes that are not MARC-8, {} different",
        invalid_marc8.len(),
        mismatches.len()
    );
    assert!(same > 400, "most records compared: {same}");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(unimarc, ["pymarc-testunimarc.dat record 1"]);
    // Every MARC-8 character set is converted: only the corpus's deliberately broken
    // samples (Windows-1251 or UTF-8 labelled MARC-8, damaged EACC, a cut escape) have unmapped bytes.
    let broken = [
        "1251",
        "bad_eacc",
        "bad_marc8_escape",
        "without_leader_flag",
    ];
    let unexpected: Vec<_> = invalid_marc8
        .iter()
        .filter(|n| !broken.iter().any(|b| n.contains(b)))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
}
