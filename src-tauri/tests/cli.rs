//! The command line as IT staff use it: `commons config`, `doctor`, `import`, `original` and
//! `compact`, run as real processes with their own configuration and data directories.

use std::path::Path;
use std::process::{Command, Output};

fn commons(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_commons"));
    cmd.args(args)
        .env_clear()
        .env("HOME", dir.join("home"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("COMMONS_SYSTEM_CONFIG", dir.join("etc/config.toml"))
        .env("COMMONS_DATA_DIR", dir.join("data"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the commons binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn config_shows_each_value_and_its_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(
        dir.path().join("etc/config.toml"),
        "[hub]\nurl = \"https://hub.example.org\"\ntoken = \"do-not-print-me\"\n",
    )
    .unwrap();
    let out = commons(
        dir.path(),
        &["config"],
        &[("COMMONS_UI_LANGUAGE", "zh-Hans")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key} line in:\n{text}"))
            .to_owned()
    };
    assert!(line("hub.url").contains("https://hub.example.org/"));
    assert!(line("hub.url").contains("etc/config.toml:2"), "{text}");
    assert!(
        line("ui.language").contains("zh-Hans")
            && line("ui.language").contains("environment COMMONS_UI_LANGUAGE")
    );
    assert!(line("data_dir").contains("environment COMMONS_DATA_DIR"));
    assert!(line("log.level").contains("(default)"));
    assert!(
        !text.contains("do-not-print-me"),
        "the token is never printed"
    );
}

#[test]
fn invalid_config_stops_everything_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(
        dir.path().join("etc/config.toml"),
        "[hub]\nurl = \"https://hub.example.org\"\n\n[log]\nkeep_files = \"lots\"\n",
    )
    .unwrap();
    for args in [&["config"][..], &["doctor"][..], &[][..]] {
        let out = commons(dir.path(), args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("etc/config.toml, line 5, key `log.keep_files`"),
            "{err}"
        );
        assert!(
            stdout(&out).is_empty(),
            "nothing runs on a half-read configuration"
        );
    }
}

#[test]
fn doctor_passes_on_a_healthy_workstation_and_fails_on_a_damaged_cache() {
    let dir = tempfile::tempdir().unwrap();
    let out = commons(dir.path(), &["doctor"], &[]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 5, "one line per check:\n{text}");
    assert!(text.lines().all(|l| l.starts_with("ok")), "{text}");

    // Without pdftotext on the PATH, the check names the package to install.
    let out = commons(dir.path(), &["doctor"], &[("PATH", "/nonexistent")]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let pdf = text.lines().find(|l| l.contains("pdf text")).unwrap();
    assert!(
        pdf.starts_with("FAIL") && pdf.contains("poppler-utils"),
        "{text}"
    );

    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/commons.db"), vec![0xA5u8; 16384]).unwrap();
    let out = commons(dir.path(), &["doctor"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let cache = text.lines().find(|l| l.contains("cache")).unwrap();
    assert!(
        cache.starts_with("FAIL") && cache.contains("damaged"),
        "{text}"
    );
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = commons(dir.path(), &["frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("frobnicate"));
}

#[test]
fn account_add_reads_the_password_from_standard_input() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let add = |username: &str, password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_commons"))
            .args(["account", "add", username, "--name", "Mei Chen"])
            .env_clear()
            .env("HOME", dir.path().join("home"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("COMMONS_SYSTEM_CONFIG", dir.path().join("etc/config.toml"))
            .env("COMMONS_DATA_DIR", dir.path().join("data"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = add("m.chen", "correct horse battery");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("created the account m.chen (Mei Chen)"));
    let again = add("m.chen", "correct horse battery");
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let weak = add("other", "short");
    assert!(!weak.status.success());
    assert!(
        stderr(&weak).contains("at least 12 characters"),
        "{}",
        stderr(&weak)
    );
    // Long enough but common: refused as well.
    let common = add("other", "password1234");
    assert!(!common.status.success());
    assert!(
        stderr(&common).contains("not a common"),
        "{}",
        stderr(&common)
    );
    let bad = add("Not Valid", "correct horse battery");
    assert!(stderr(&bad).contains("user name"), "{}", stderr(&bad));
}

/// A process reading an untrusted PDF can read what it was given and the system's
/// programs, nothing else, and write nothing: not the cache, not the configuration.
#[test]
fn pdf_readers_are_confined_to_their_files() {
    use commons_core::documents::extract::{Extractor, Limits, Outcome};
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("documents");
    std::fs::create_dir_all(&docs).unwrap();
    let pdf = docs.join("citing-sources.pdf");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/documents/citing-sources.pdf"),
        &pdf,
    )
    .unwrap();
    let db = dir.path().join("commons.db");
    std::fs::write(&db, b"SQLite format 3\0 patrons' bookings").unwrap();

    // `commons confine`, as pdftotext is started: its file, yes; the cache, no; no writes.
    let confined = |target: &Path, program: &[&str]| {
        let mut args = vec!["confine", "--read", target.to_str().unwrap(), "--"];
        args.extend_from_slice(program);
        commons(dir.path(), &args, &[])
    };
    let ok = confined(&pdf, &["/bin/cat", pdf.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(ok.stdout.starts_with(b"%PDF-"));
    let refused = confined(&pdf, &["/bin/cat", db.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("Permission denied"),
        "{}",
        stderr(&refused)
    );
    let written = dir.path().join("written");
    let write = confined(
        &pdf,
        &["/bin/sh", "-c", &format!("echo x > {}", written.display())],
    );
    assert!(!write.status.success());
    assert!(!written.exists());

    // The extraction worker, confined to the document store: it reads a document there and
    // cannot open the cache beside it.
    let limits = Limits::default();
    let mut extractor =
        Extractor::new(Path::new(env!("CARGO_BIN_EXE_commons")), limits).reading_from(vec![docs]);
    assert!(
        matches!(extractor.with_pdf_extract(&pdf), Outcome::Pages(_)),
        "a document in the store is read"
    );
    match extractor.with_pdf_extract(&db) {
        Outcome::Rejected { detail, .. } => {
            assert!(detail.contains("Permission denied"), "{detail}");
        }
        other => panic!("the cache was read: {other:?}"),
    }
}

#[test]
fn an_imported_record_gives_back_its_original_byte_for_byte() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/marc/marc4j-185258.mrc");
    assert!(file.exists(), "{} is missing", file.display());
    let sent = std::fs::read(&file).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = commons(dir.path(), &["import", file.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    let out = commons(dir.path(), &["original", "src:185258"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, sent);

    let out = commons(dir.path(), &["original", "src:nowhere"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no original for src:nowhere"),
        "{}",
        stderr(&out)
    );

    let out = commons(dir.path(), &["compact"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("MiB ->"), "{}", stdout(&out));
    let out = commons(dir.path(), &["original", "src:185258"], &[]);
    assert_eq!(out.stdout, sent, "the same bytes after compacting");
}
