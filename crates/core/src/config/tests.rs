use std::collections::HashMap;

use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    env: HashMap<String, String>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let mut env = HashMap::new();
        env.insert("HOME".to_owned(), root.join("home").display().to_string());
        env.insert(
            "COMMONS_SYSTEM_CONFIG".to_owned(),
            root.join("etc/config.toml").display().to_string(),
        );
        Fixture {
            _dir: dir,
            root,
            env,
        }
    }

    fn system(&self, text: &str) -> PathBuf {
        let p = self.root.join("etc/config.toml");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn user(&self, text: &str) -> PathBuf {
        let p = self.root.join("home/.config/commons/config.toml");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn load(&self) -> Result<Config, ConfigError> {
        Config::load_with(&|k| self.env.get(k).cloned())
    }
}

#[test]
fn defaults_follow_xdg() {
    let f = Fixture::new();
    let c = f.load().unwrap();
    assert_eq!(c.data_dir.value, f.root.join("home/.local/share/commons"));
    assert_eq!(c.state_dir, f.root.join("home/.local/state/commons"));
    assert_eq!(c.data_dir.source, Source::Default);
    assert_eq!(c.language.value, Language::English);
    assert!(c.hub_url.value.is_none());
    assert!(c.files_read.is_empty());
}

#[test]
fn layers_override_in_order_and_remember_their_source() {
    let mut f = Fixture::new();
    let system = f.system(
        "# fleet defaults\n[hub]\nurl = \"https://hub.example.org\"\ntimeout_secs = 20\n\n[ui]\nlanguage = \"zh-Hans\"\n",
    );
    let user = f.user("[hub]\ntimeout_secs = 5\n");
    f.env
        .insert("COMMONS_UI_LANGUAGE".to_owned(), "en".to_owned());
    let c = f.load().unwrap();
    assert_eq!(
        c.hub_url.value.as_ref().unwrap().as_str(),
        "https://hub.example.org/"
    );
    assert_eq!(
        c.hub_url.source,
        Source::File {
            path: system.clone(),
            line: 3
        }
    );
    assert_eq!(c.hub_timeout.value, Duration::from_secs(5));
    assert_eq!(
        c.hub_timeout.source,
        Source::File {
            path: user,
            line: 2
        }
    );
    assert_eq!(c.language.value, Language::English);
    assert_eq!(c.language.source, Source::Env("COMMONS_UI_LANGUAGE"));
    assert_eq!(c.files_read.len(), 2);
    let shown = c.entries();
    let token = shown.iter().find(|(k, _, _)| *k == "hub.token").unwrap();
    assert_eq!(token.1, "(none)");
}

#[test]
fn token_is_never_shown() {
    let mut f = Fixture::new();
    f.env
        .insert("COMMONS_HUB_TOKEN".to_owned(), "s3cret-token".to_owned());
    let c = f.load().unwrap();
    let all = format!("{:?}", c.entries());
    assert!(!all.contains("s3cret"), "{all}");
}

/// One invalid file per row: the error must name the line and key and say what is wrong.
#[test]
fn invalid_files_name_file_line_and_key() {
    let cases: &[(&str, usize, Option<&str>, &str)] = &[
        (
            "[hub]\nurl = \"ftp://x.org\"\n",
            2,
            Some("hub.url"),
            "scheme `ftp`",
        ),
        (
            "[hub]\nurl = \"not a url\"\n",
            2,
            Some("hub.url"),
            "is not a URL",
        ),
        (
            "\n[hub]\ntimeout_secs = \"ten\"\n",
            3,
            Some("hub.timeout_secs"),
            "invalid type",
        ),
        (
            "[hub]\ntimeout_secs = 0\n",
            2,
            Some("hub.timeout_secs"),
            "out of range",
        ),
        (
            "[ui]\nlanguage = \"fr\"\n",
            2,
            Some("ui.language"),
            "unknown variant",
        ),
        (
            "[ui]\ncolour = \"blue\"\n",
            2,
            Some("ui.colour"),
            "unknown field `colour`",
        ),
        (
            "[theme]\nenabled = true\n",
            1,
            Some("theme"),
            "unknown field `theme`",
        ),
        (
            "data_dir = \"relative/path\"\n",
            1,
            Some("data_dir"),
            "absolute",
        ),
        (
            "[log]\nlevel = \"loud\"\n",
            2,
            Some("log.level"),
            "unknown variant",
        ),
        (
            "[log]\nkeep_files = 0\n",
            2,
            Some("log.keep_files"),
            "out of range",
        ),
        ("[hub\nurl = 1\n", 1, None, ""),
        ("a = = 1\n", 1, None, ""),
    ];
    for (text, line, key, fragment) in cases {
        let f = Fixture::new();
        let path = f.system(text);
        let err = f.load().expect_err(text);
        let msg = err.to_string();
        match &err {
            ConfigError::Invalid {
                path: p,
                line: l,
                key: k,
                message,
            } => {
                assert_eq!(p, &path, "{text}");
                assert_eq!(l, line, "line for {text:?}: {msg}");
                if key.is_some() {
                    assert_eq!(k.as_deref(), *key, "key for {text:?}: {msg}");
                }
                assert!(message.contains(fragment), "{text:?}: {msg}");
            }
            other => panic!("{text:?}: unexpected {other:?}"),
        }
        assert!(msg.contains(&path.display().to_string()), "{msg}");
    }
}

#[test]
fn a_bad_user_file_fails_even_after_a_good_system_file() {
    let f = Fixture::new();
    f.system("[hub]\nurl = \"https://hub.example.org\"\n");
    let user = f.user("[hub]\ntimeout_secs = -4\n");
    let err = f.load().unwrap_err();
    assert!(
        err.to_string().contains(&user.display().to_string()),
        "{err}"
    );
}

#[test]
fn invalid_environment_names_the_variable() {
    let cases = [
        ("COMMONS_HUB_URL", "javascript:alert(1)"),
        ("COMMONS_HUB_TIMEOUT_SECS", "soon"),
        ("COMMONS_UI_LANGUAGE", "klingon"),
        ("COMMONS_DATA_DIR", "relative"),
        ("COMMONS_LOG_LEVEL", "chatty"),
        ("COMMONS_HUB_TOKEN", "has space"),
        ("COMMONS_KIOSK_HARDWARE_ACCELERATION", "yes please"),
    ];
    for (var, value) in cases {
        let mut f = Fixture::new();
        f.env.insert(var.to_owned(), value.to_owned());
        let err = f.load().unwrap_err();
        assert!(
            matches!(&err, ConfigError::Env { var: v, .. } if *v == var),
            "{var}: {err}"
        );
        assert!(
            err.to_string()
                .starts_with(&format!("environment variable {var}"))
        );
    }
}

/// Software painting unless a file or the environment turns the GPU on.
#[test]
fn the_window_paints_in_software_unless_told() {
    let mut f = Fixture::new();
    let c = f.load().unwrap();
    assert!(!c.kiosk_hardware_acceleration.value);
    let system = f.system("[kiosk]\nfullscreen = true\nhardware_acceleration = true\n");
    let c = f.load().unwrap();
    assert!(c.kiosk_hardware_acceleration.value);
    assert_eq!(
        c.kiosk_hardware_acceleration.source,
        Source::File {
            path: system,
            line: 3
        }
    );
    f.env.insert(
        "COMMONS_KIOSK_HARDWARE_ACCELERATION".to_owned(),
        "0".to_owned(),
    );
    let c = f.load().unwrap();
    assert!(!c.kiosk_hardware_acceleration.value);
    let shown = c.entries();
    let entry = shown
        .iter()
        .find(|(k, _, _)| *k == "kiosk.hardware_acceleration")
        .unwrap();
    assert_eq!(entry.1, "false");
}

#[test]
fn empty_hub_url_in_environment_means_standalone() {
    let mut f = Fixture::new();
    f.system("[hub]\nurl = \"https://hub.example.org\"\n");
    f.env.insert("COMMONS_HUB_URL".to_owned(), String::new());
    assert!(f.load().unwrap().hub_url.value.is_none());
}

#[test]
fn provisioning_writes_the_hub_and_keeps_the_rest() {
    let f = Fixture::new();
    let path = f.system("[ui]\nlanguage = \"zh-Hans\"\n\n[hub]\ntimeout_secs = 20\n");
    let url = provision(&path, "https://hub.example.org/", "t0ken", false).unwrap();
    assert_eq!(url.as_str(), "https://hub.example.org/");
    let c = f.load().unwrap();
    assert_eq!(
        c.hub_url.value.as_ref().map(url::Url::as_str),
        Some("https://hub.example.org/")
    );
    assert_eq!(c.hub_token.value.as_deref(), Some("t0ken"));
    assert_eq!(c.hub_timeout.value, Duration::from_secs(20));
    assert_eq!(c.language.value, Language::SimplifiedChinese);
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Nothing is written when the URL or token is bad.
    let before = std::fs::read(&path).unwrap();
    assert!(
        provision(&path, "javascript:alert(1)", "t", false)
            .unwrap_err()
            .contains("scheme")
    );
    assert!(provision(&path, "https://hub.example.org", "two words", false).is_err());
    // Plain http only when asked for.
    assert!(
        provision(&path, "http://hub.example.org", "t0ken", false)
            .unwrap_err()
            .contains("plain http")
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // A new file in a new directory.
    let fresh = f.root.join("new/dir/config.toml");
    provision(&fresh, "http://10.0.0.5:8470", "abc", true).unwrap();
    let written = std::fs::read_to_string(&fresh).unwrap();
    assert!(written.contains("url = \"http://10.0.0.5:8470/\""));
    assert!(written.contains("allow_insecure_http = true"), "{written}");
}
