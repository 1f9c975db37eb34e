//! `commons doctor`: health checks an IT technician or a fleet tool can run on a workstation.
//!
//! Each check yields one [`Check`] line; the whole run fails when any check fails. Checks never
//! modify the cache.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;

use crate::config::Config;
use crate::store::{MIGRATIONS, Store};

/// Free space below this on the data directory's file system fails the check.
pub const MIN_FREE_BYTES: u64 = 200 * 1024 * 1024;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            ok: true,
            detail: detail.into(),
        }
    }
    fn fail(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            ok: false,
            detail: detail.into(),
        }
    }
}

/// Runs every check for `config`.
pub fn run(config: &Config) -> Vec<Check> {
    vec![
        check_cache(&config.cache_path()),
        check_disk(&config.data_dir.value),
        check_hub(config),
        check_pdf_text(),
        check_production(config),
    ]
}

/// A workstation joined to a hub holds no demo data and no account with the published demo
/// password (anyone could sign in with it and open a librarian's desk). A standalone
/// workstation runs the demo by design.
pub fn check_production(config: &Config) -> Check {
    const NAME: &str = "production";
    let production = config.mode.value == crate::config::Mode::Production;
    if config.hub_url.value.is_none() && !production {
        return Check::pass(
            NAME,
            "standalone demo: the demo consortium and its demo account are expected",
        );
    }
    let path = config.cache_path();
    if !path.exists() {
        return Check::pass(NAME, "no cache yet, so no demo data");
    }
    let store = match Store::open(&path) {
        Ok(store) => store,
        Err(e) => return Check::fail(NAME, e.to_string()),
    };
    let mut problems = Vec::new();
    if matches!(
        crate::consortium::meta_value(&store, "source")
            .ok()
            .flatten()
            .as_deref(),
        Some("demo")
    ) {
        problems.push("it still holds the demo consortium's data".to_owned());
    }
    match crate::accounts::with_password(&store, crate::demo::DEMO_PASSWORD) {
        Ok(names) if !names.is_empty() => problems.push(format!(
            "the account {} has the published demo password",
            names.join(", ")
        )),
        Ok(_) => {}
        Err(e) => problems.push(e.to_string()),
    }
    let what = if production {
        "a production workstation"
    } else {
        "joined to a hub"
    };
    if problems.is_empty() {
        Check::pass(NAME, format!("{what}, with no demo data or demo password"))
    } else {
        Check::fail(
            NAME,
            format!(
                "{what}, but {}: set the cache aside and start again, and remove or re-password the account",
                problems.join("; ")
            ),
        )
    }
}

/// PDFs can be read safely: the processes that read them can be confined (Linux Landlock;
/// without it no PDF is read at all), and poppler's `pdftotext`, the second text extractor
/// for the PDFs pdf-extract cannot read, is installed (a dependency of the package).
pub fn check_pdf_text() -> Check {
    const NAME: &str = "pdf text";
    if let Err(e) = crate::documents::confine::available() {
        return Check::fail(
            NAME,
            format!("{e}: PDFs are not read, so their text stays unsearchable"),
        );
    }
    match crate::documents::extract::pdftotext_path() {
        Some(path) => Check::pass(
            NAME,
            format!(
                "read in confined processes (Landlock); {} reads the PDFs pdf-extract cannot",
                path.display()
            ),
        ),
        None => Check::fail(
            NAME,
            "pdftotext is not installed (Debian package poppler-utils): PDFs pdf-extract cannot read stay unsearchable",
        ),
    }
}

/// The cache opens, passes `quick_check` and carries every migration this binary knows.
pub fn check_cache(path: &Path) -> Check {
    const NAME: &str = "cache";
    if !path.exists() {
        return Check::pass(
            NAME,
            format!(
                "{} does not exist yet; it is created on first start",
                path.display()
            ),
        );
    }
    let store = match Store::open(path) {
        Ok(store) => store,
        Err(e) => return Check::fail(NAME, e.to_string()),
    };
    if let Err(e) = store.quick_check() {
        return Check::fail(NAME, e.to_string());
    }
    match store.schema_version() {
        Ok(v) if v == MIGRATIONS.len() as i64 => {
            Check::pass(NAME, format!("{} ok, schema {v} (current)", path.display()))
        }
        Ok(v) => Check::fail(
            NAME,
            format!(
                "{} is at schema {v}, expected {}",
                path.display(),
                MIGRATIONS.len()
            ),
        ),
        Err(e) => Check::fail(NAME, e.to_string()),
    }
}

/// Free space on the file system holding `dir` (or its nearest existing ancestor).
pub fn check_disk(dir: &Path) -> Check {
    const NAME: &str = "disk";
    let existing = dir
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("/"));
    match free_bytes(existing) {
        Some(free) if free >= MIN_FREE_BYTES => Check::pass(
            NAME,
            format!("{} free on {}", human_bytes(free), existing.display()),
        ),
        Some(free) => Check::fail(
            NAME,
            format!(
                "only {} free on {} (needs {})",
                human_bytes(free),
                existing.display(),
                human_bytes(MIN_FREE_BYTES)
            ),
        ),
        None => Check::fail(
            NAME,
            format!("cannot read free space of {}", existing.display()),
        ),
    }
}

/// The configured hub accepts a connection; standalone workstations pass.
pub fn check_hub(config: &Config) -> Check {
    const NAME: &str = "hub";
    let Some(url) = &config.hub_url.value else {
        let what = match config.mode.value {
            crate::config::Mode::Demo => "standalone on the embedded demo data",
            crate::config::Mode::Production => "standalone on what `commons import` brought",
        };
        return Check::pass(NAME, format!("not configured: {what}"));
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return Check::fail(NAME, format!("{url} has no host or port"));
    };
    let timeout = config.hub_timeout.value;
    let addrs = match (host, port).to_socket_addrs() {
        Ok(addrs) => addrs.collect::<Vec<_>>(),
        Err(e) => return Check::fail(NAME, format!("cannot resolve {host}: {e}")),
    };
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Check::pass(NAME, format!("{url} reachable at {addr}")),
            Err(e) => last = Some(e),
        }
    }
    Check::fail(
        NAME,
        match last {
            Some(e) => format!("{url} unreachable: {e}"),
            None => format!("{host} resolved to no address"),
        },
    )
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[allow(unsafe_code)]
fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a valid NUL-terminated string and `stat` is a writable buffer of the
    // right type; statvfs only writes into it.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it initialised the buffer.
    let stat = unsafe { stat.assume_init() };
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(env: &[(&str, String)]) -> Config {
        let map: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Config::load_with(&|k| map.get(k).cloned()).unwrap()
    }

    #[test]
    fn healthy_standalone_workstation_passes() {
        let dir = tempfile::tempdir().unwrap();
        let c = config(&[
            ("HOME", dir.path().display().to_string()),
            ("COMMONS_SYSTEM_CONFIG", "/nonexistent/commons.toml".into()),
            (
                "COMMONS_DATA_DIR",
                dir.path().join("data").display().to_string(),
            ),
        ]);
        Store::open(&c.cache_path()).unwrap();
        let checks = run(&c);
        assert_eq!(checks.len(), 5);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        assert!(checks[0].detail.contains("schema"));
    }

    #[test]
    fn corrupt_cache_and_unreachable_hub_fail() {
        let dir = tempfile::tempdir().unwrap();
        // A port that was free a moment ago: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = config(&[
            ("HOME", dir.path().display().to_string()),
            ("COMMONS_SYSTEM_CONFIG", "/nonexistent/commons.toml".into()),
            (
                "COMMONS_DATA_DIR",
                dir.path().join("data").display().to_string(),
            ),
            ("COMMONS_HUB_URL", format!("http://127.0.0.1:{port}")),
            ("COMMONS_HUB_TIMEOUT_SECS", "2".into()),
        ]);
        std::fs::create_dir_all(&c.data_dir.value).unwrap();
        std::fs::write(c.cache_path(), vec![7u8; 8192]).unwrap();
        let checks = run(&c);
        let cache = &checks[0];
        assert!(!cache.ok && cache.detail.contains("damaged"), "{cache:?}");
        let hub = &checks[2];
        assert!(!hub.ok && hub.detail.contains("unreachable"), "{hub:?}");
        // The corrupt file was not touched by the check.
        assert_eq!(std::fs::read(c.cache_path()).unwrap(), vec![7u8; 8192]);
    }

    #[test]
    fn a_workstation_joined_to_a_hub_with_demo_data_fails() {
        let dir = tempfile::tempdir().unwrap();
        let env = |hub: bool| {
            let mut e = vec![
                ("HOME", dir.path().display().to_string()),
                ("COMMONS_SYSTEM_CONFIG", "/nonexistent/commons.toml".into()),
                (
                    "COMMONS_DATA_DIR",
                    dir.path().join("data").display().to_string(),
                ),
            ];
            if hub {
                e.push(("COMMONS_HUB_URL", "https://hub.example.org/".into()));
            }
            e
        };
        let standalone = config(&env(false));
        let store = Store::open(&standalone.cache_path()).unwrap();
        crate::demo::seed(&store, &standalone.documents_dir(), &mut |_| {}).unwrap();
        drop(store);
        assert!(check_production(&standalone).ok);
        let joined = check_production(&config(&env(true)));
        assert!(!joined.ok);
        assert!(joined.detail.contains("demo consortium"), "{joined:?}");
        assert!(
            joined.detail.contains("librarian") && joined.detail.contains("demo password"),
            "{joined:?}"
        );

        // A production workstation with no hub: no demo data, but a planted account with
        // the published password fails the check.
        let other = tempfile::tempdir().unwrap();
        let production = config(&[
            ("HOME", other.path().display().to_string()),
            ("COMMONS_SYSTEM_CONFIG", "/nonexistent/commons.toml".into()),
            (
                "COMMONS_DATA_DIR",
                other.path().join("data").display().to_string(),
            ),
            ("COMMONS_MODE", "production".into()),
        ]);
        let store = Store::open(&production.cache_path()).unwrap();
        crate::demo::prepare_production(&store).unwrap();
        assert!(check_production(&production).ok);
        crate::accounts::create(&store, "desk", "Desk", crate::demo::DEMO_PASSWORD, None).unwrap();
        drop(store);
        let planted = check_production(&production);
        assert!(
            !planted.ok && planted.detail.contains("desk"),
            "{planted:?}"
        );
    }

    #[test]
    fn reachable_hub_passes() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let c = config(&[
            ("HOME", dir.path().display().to_string()),
            ("COMMONS_SYSTEM_CONFIG", "/nonexistent/commons.toml".into()),
            ("COMMONS_HUB_URL", format!("http://127.0.0.1:{port}/")),
        ]);
        let hub = check_hub(&c);
        assert!(hub.ok, "{hub:?}");
    }

    #[test]
    fn bytes_are_shown_for_people() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(200 * 1024 * 1024), "200.0 MiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
    }
}
