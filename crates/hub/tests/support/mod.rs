//! A real PostgreSQL for the hub's tests, started in a temporary directory (initdb and
//! pg_ctl, as `nobody` when the tests run as root, since PostgreSQL refuses root) and reached
//! over a Unix socket in that directory only; stopped when dropped.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

fn postgres_bin() -> PathBuf {
    let base = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(base)
        .expect("PostgreSQL is installed (scripts/setup installs it)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an initdb under /usr/lib/postgresql")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

impl Postgres {
    /// Runs a PostgreSQL program, as `nobody` when we are root (PostgreSQL refuses root).
    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let status = if is_root() {
            Command::new("setpriv")
                .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
                .arg(&exe)
                .args(args)
                .stdout(std::process::Stdio::null())
                .status()
        } else {
            Command::new(&exe)
                .args(args)
                .stdout(std::process::Stdio::null())
                .status()
        }
        .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(status.success(), "{program} {args:?} failed");
    }

    /// A server for tests: fsync off (a crash of the test machine loses nothing of value).
    pub fn start() -> Postgres {
        Postgres::start_with(false)
    }

    /// A server that writes as a production one does (fsync on), for benchmarks.
    pub fn start_durable() -> Postgres {
        Postgres::start_with(true)
    }

    fn start_with(durable: bool) -> Postgres {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let status = Command::new("chown")
                .args(["nobody:nogroup"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let pg = Postgres {
            dir,
            bin: postgres_bin(),
        };
        let data = pg.dir.path().join("data");
        let sock = pg.dir.path().display().to_string();
        pg.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "-N",
            ],
        );
        let fsync = if durable { "" } else { " -F" };
        let options = format!("-k {sock} -c listen_addresses={fsync} -c max_connections=60");
        pg.run(
            "pg_ctl",
            &[
                "-D",
                &data.display().to_string(),
                "-o",
                &options,
                "-l",
                &format!("{sock}/log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        pg
    }

    pub fn config(&self) -> String {
        format!(
            "host={} port=5432 user=postgres dbname=postgres",
            self.dir.path().display()
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

/// An HTTP client for talking to the hub under test (reqwest is built without a TLS crypto
/// provider; Commons installs ring).
pub fn http() -> reqwest::Client {
    commons_core::sync::install_tls_provider();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The configuration of a workstation with its own data in `root`, joined to the hub at
/// `url` with `token`; `extra` are further `COMMONS_*` settings.
pub fn config(root: &Path, url: &str, token: &str, extra: &[(&str, &str)]) -> commons_core::Config {
    let root = root.display().to_string();
    commons_core::Config::load_with(&|k| match k {
        "HOME" => Some(format!("{root}/home")),
        "COMMONS_DATA_DIR" => Some(format!("{root}/data")),
        "COMMONS_SYSTEM_CONFIG" => Some(format!("{root}/none.toml")),
        "COMMONS_HUB_URL" => Some(url.to_owned()),
        // The test hub listens on loopback without TLS.
        "COMMONS_HUB_ALLOW_INSECURE_HTTP" => Some("true".to_owned()),
        "COMMONS_HUB_TOKEN" => Some(token.to_owned()),
        _ => extra
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| (*v).to_owned()),
    })
    .unwrap()
}

/// A workstation with its own cache in `root` (seeded from the demo consortium) joined to
/// the hub at `url` with `token`; `extra` are further `COMMONS_*` settings.
pub fn workstation(
    root: &Path,
    url: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> commons_core::Workstation {
    let ws = commons_core::Workstation::new(config(root, url, token, extra));
    ws.prepare(&mut |_| {}).unwrap();
    ws
}

/// A workstation joined to the hub, synced once: it holds the hub's roster (librarians,
/// hours, consultation types) and whatever else the feed carries.
pub fn joined(
    root: &Path,
    url: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> commons_core::Workstation {
    let ws = workstation(root, url, token, extra);
    ws.sync_from(&ws.hub().unwrap().unwrap()).unwrap();
    ws
}

/// The demo consortium's roster (`assets/demo`: its libraries with their time zones, its
/// librarians with their hours, its consultation types), as `commons-hub roster import`
/// takes it.
pub fn demo_roster() -> commons_hub::roster::Roster {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let read = |file: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
    };
    serde_json::from_value(serde_json::json!({
        "libraries": read("consortium.json")["libraries"],
        "librarians": read("librarians.json"),
        "consultation_types": read("consultation_types.json"),
    }))
    .unwrap()
}

/// A roster of one library in UTC whose librarians `ids` are open every day, 00:00–23:59,
/// with the consultation `types` (`TypeForm`s as JSON).
pub fn open_roster(ids: &[&str], types: serde_json::Value) -> commons_hub::roster::Roster {
    let hours: Vec<serde_json::Value> = (1..=7)
        .map(|d| serde_json::json!({"weekday": d, "starts": "00:00", "ends": "23:59"}))
        .collect();
    serde_json::from_value(serde_json::json!({
        "libraries": [{"id": "test", "name": "Test Library", "time_zone": "UTC"}],
        "librarians": ids.iter().map(|id| serde_json::json!({
            "id": id, "name": format!("Librarian {id}"), "library": "test", "hours": hours,
        })).collect::<Vec<_>>(),
        "consultation_types": types,
    }))
    .unwrap()
}

/// A consultation type as JSON, with no notice and a year's window.
pub fn open_type(id: &str, minutes: i64, buffer_after: i64, capacity: i64) -> serde_json::Value {
    serde_json::json!({
        "id": id, "name": id, "name_zh": id, "minutes": minutes, "buffer_before": 0,
        "buffer_after": buffer_after, "min_notice_minutes": 0, "window_days": 366,
        "cancel_cutoff_minutes": 0, "capacity": capacity,
    })
}

/// A booking as a workstation sends it: `minutes` 30 is the `research` type, else `long`
/// (the types of the tests' open rosters).
pub fn booking_request(key: &str, librarian: &str, start: &str, minutes: i64) -> serde_json::Value {
    let starts: jiff::Timestamp = start.parse().unwrap();
    let ends = starts + jiff::SignedDuration::from_mins(minutes);
    serde_json::json!({
        "idempotency_key": key,
        "librarian_id": librarian,
        "type_id": if minutes == 30 { "research" } else { "long" },
        "starts_at": starts.to_string(),
        "ends_at": ends.to_string(),
        "buffer_after_minutes": 10,
        "topic": "Finding sources",
        "student_name": "Ada",
        "student_email": "ada@example.org",
    })
}

/// `HH:MM` UTC, `days` after today, as RFC 3339.
pub fn days_ahead(days: i64, hhmm: &str) -> String {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let date = today.checked_add(jiff::Span::new().days(days)).unwrap();
    format!("{date}T{hhmm}:00Z")
}

/// A hub serving its HTTP API on a free local port over its own PostgreSQL, with one
/// workstation token.
pub struct Hub {
    _pg: Postgres,
    pub db: commons_hub::Db,
    pub url: String,
    pub token: String,
    pub http: reqwest::Client,
}

pub async fn hub() -> Hub {
    let pg = Postgres::start();
    let db = commons_hub::Db::connect(&pg.config(), 16).unwrap();
    db.migrate().await.unwrap();
    let token = commons_hub::tokens::create(&db, "IC-01").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = db.clone();
    tokio::spawn(async move { axum::serve(listener, commons_hub::server::router(served)).await });
    Hub {
        _pg: pg,
        db,
        url: format!("http://{addr}"),
        token,
        http: http(),
    }
}

impl Hub {
    /// Imports a roster, as `commons-hub roster import` does.
    pub async fn import_roster(&self, roster: &commons_hub::roster::Roster) {
        commons_hub::roster::import(&self.db, roster).await.unwrap();
    }

    /// The demo librarian's account on the hub (`librarian` / `meridian-demo`, Adaeze Okafor).
    pub async fn add_demo_librarian(&self) {
        commons_hub::librarians::add(
            &self.db,
            "librarian",
            "Adaeze Okafor",
            "lib-okafor",
            "meridian-demo",
        )
        .await
        .unwrap();
    }

    /// A session of the demo librarian, signed in over HTTP.
    pub async fn demo_session(&self) -> String {
        let (status, body) = self
            .post(
                "/api/v1/sessions",
                &serde_json::json!({"username": "librarian", "password": "meridian-demo"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["session"].as_str().unwrap().to_owned()
    }

    /// `POST`s `body` with the workstation token: the status and the JSON answer.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}
