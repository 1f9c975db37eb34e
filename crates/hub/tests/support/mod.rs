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

/// A workstation with its own cache in `root` (seeded from the demo consortium) joined to
/// the hub at `url` with `token`; `extra` are further `COMMONS_*` settings.
pub fn workstation(
    root: &Path,
    url: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> commons_core::Workstation {
    let root = root.display().to_string();
    let config = commons_core::Config::load_with(&|k| match k {
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
    .unwrap();
    let ws = commons_core::Workstation::new(config);
    ws.prepare(&mut |_| {}).unwrap();
    ws
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
