//! Snapshots: a synced workstation's cache and search index as one compressed, checksummed
//! file, from which IT starts the other workstations of a room without each one's long first
//! sync (`commons snapshot create FILE`, `commons provision … --snapshot FILE`).
//!
//! The file is a magic line, a manifest line (JSON: the format, the Commons version and cache
//! schema that wrote it, the hub it came from, its feed cursor, and the SHA-256 and length
//! of the body), then the body: a gzip stream of entries (a path, a length, the bytes): the
//! cache as `VACUUM INTO` wrote it and the index's files. The manifest is checked before the
//! body is read; the body is checked whole (its checksum, every entry's path and length)
//! before anything of the workstation is touched, and then put in place by renames.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The first line of every snapshot.
pub const MAGIC: &[u8] = b"COMMONS-SNAPSHOT\n";
/// The format this Commons writes and reads.
pub const FORMAT: u32 = 1;
/// The longest manifest line read.
const MANIFEST_MAX: u64 = 64 * 1024;
/// The longest entry path.
const PATH_MAX: usize = 1024;

/// What a snapshot says of itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The Commons version that wrote it.
    pub commons: String,
    /// The cache schema (migrations applied) it holds.
    pub schema: usize,
    /// The hub its cache follows.
    pub hub: String,
    /// The feed cursor its cache has applied: a workstation started from it asks only for
    /// what came after.
    pub cursor: String,
    pub created_at: Timestamp,
    /// Catalogue records it holds.
    pub records: u64,
    pub body_bytes: u64,
    pub body_sha256: String,
}

/// Why a snapshot was not written or not used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a snapshot records the hub it came from: this workstation has none configured")]
    NoHub,
    #[error("this workstation has not synced with its hub yet: sync first (commons sync)")]
    NotSynced,
    #[error("{0} is not a Commons snapshot")]
    NotASnapshot(PathBuf),
    #[error("the snapshot is damaged: {0}; nothing was changed")]
    Damaged(String),
    #[error("the snapshot was made from the hub {snapshot}, not {hub}; nothing was changed")]
    OtherHub { snapshot: String, hub: String },
    #[error(
        "the snapshot was made by a newer Commons ({commons}, cache schema {schema}; this one knows schema {ours}); nothing was changed"
    )]
    Newer {
        commons: String,
        schema: usize,
        ours: usize,
    },
    #[error("the snapshot's format {0} is not one this Commons reads; nothing was changed")]
    Format(u32),
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A writer that hashes and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes and counts what is read through it.
struct Hashed<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// The files under `dir`, relative, sorted (lock files left out).
fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().ends_with(".lock") {
                continue;
            }
            let path = rel.join(&name);
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes a snapshot of a staged directory (`commons.db` and `index/`) to `out`, through a
/// `.partial` file renamed at the end.
pub(crate) fn write(
    staged: &Path,
    out: &Path,
    mut manifest: Manifest,
) -> Result<Manifest, SnapshotError> {
    let body_path = staged.join("body.gz");
    {
        let file = File::create(&body_path).map_err(io(&body_path))?;
        let hashing = Hashing {
            inner: BufWriter::new(file),
            hash: Sha256::new(),
            bytes: 0,
        };
        let mut gz = flate2::write::GzEncoder::new(hashing, flate2::Compression::fast());
        let mut entries = vec![PathBuf::from("commons.db")];
        entries.extend(
            files_under(&staged.join("index"))
                .map_err(io(&staged.join("index")))?
                .into_iter()
                .map(|p| Path::new("index").join(p)),
        );
        for rel in entries {
            let path = staged.join(&rel);
            let name = rel.to_string_lossy().into_owned();
            let mut file = File::open(&path).map_err(io(&path))?;
            let len = file.metadata().map_err(io(&path))?.len();
            let head = (|| {
                gz.write_all(&u16::try_from(name.len()).unwrap_or(u16::MAX).to_le_bytes())?;
                gz.write_all(name.as_bytes())?;
                gz.write_all(&len.to_le_bytes())
            })();
            head.map_err(io(out))?;
            let copied = std::io::copy(&mut (&mut file).take(len), &mut gz).map_err(io(&path))?;
            if copied != len {
                return Err(SnapshotError::Io {
                    path,
                    source: std::io::Error::other("the file changed while it was copied"),
                });
            }
        }
        let mut hashing = gz.finish().map_err(io(&body_path))?;
        hashing.flush().map_err(io(&body_path))?;
        manifest.body_bytes = hashing.bytes;
        manifest.body_sha256 = commons_protocol::hex(&hashing.hash.finalize());
    }
    let partial = out.with_extension("partial");
    {
        let file = File::create(&partial).map_err(io(&partial))?;
        let mut w = BufWriter::new(file);
        let line = serde_json::to_string(&manifest).map_err(|e| SnapshotError::Io {
            path: partial.clone(),
            source: std::io::Error::other(e),
        })?;
        (|| {
            w.write_all(MAGIC)?;
            w.write_all(line.as_bytes())?;
            w.write_all(b"\n")?;
            let mut body = File::open(&body_path)?;
            std::io::copy(&mut body, &mut w)?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()
        })()
        .map_err(io(&partial))?;
    }
    std::fs::rename(&partial, out).map_err(io(out))?;
    Ok(manifest)
}

/// Reads a snapshot's manifest (and leaves the reader at its body).
pub fn read_manifest(file: &Path) -> Result<(Manifest, BufReader<File>), SnapshotError> {
    let f = File::open(file).map_err(io(file))?;
    let mut r = BufReader::new(f);
    let mut magic = vec![0u8; MAGIC.len()];
    if r.read_exact(&mut magic).is_err() || magic != MAGIC {
        return Err(SnapshotError::NotASnapshot(file.to_owned()));
    }
    let mut line = Vec::new();
    (&mut r)
        .take(MANIFEST_MAX)
        .read_until(b'\n', &mut line)
        .map_err(io(file))?;
    if line.last() != Some(&b'\n') {
        return Err(SnapshotError::Damaged("its manifest is cut short".into()));
    }
    let manifest: Manifest = serde_json::from_slice(&line)
        .map_err(|e| SnapshotError::Damaged(format!("its manifest cannot be read: {e}")))?;
    Ok((manifest, r))
}

/// Checks a manifest against this Commons and the hub the workstation will follow.
pub fn check(manifest: &Manifest, hub: &url::Url) -> Result<(), SnapshotError> {
    if manifest.format != FORMAT {
        return Err(SnapshotError::Format(manifest.format));
    }
    let ours = crate::store::MIGRATIONS.len();
    if manifest.schema > ours {
        return Err(SnapshotError::Newer {
            commons: manifest.commons.clone(),
            schema: manifest.schema,
            ours,
        });
    }
    let same = url::Url::parse(&manifest.hub).is_ok_and(|u| {
        u.scheme() == hub.scheme()
            && u.host_str() == hub.host_str()
            && u.port_or_known_default() == hub.port_or_known_default()
            && u.path().trim_end_matches('/') == hub.path().trim_end_matches('/')
    });
    if !same {
        return Err(SnapshotError::OtherHub {
            snapshot: manifest.hub.clone(),
            hub: hub.to_string(),
        });
    }
    Ok(())
}

/// Whether `name` is a path a snapshot may hold: `commons.db`, or a relative path under
/// `index/` with no `..`, root or prefix.
fn allowed(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(name);
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    if !plain || name.contains('\0') {
        return None;
    }
    if name == "commons.db" || (path.starts_with("index") && path.components().count() >= 2) {
        Some(path)
    } else {
        None
    }
}

/// Unpacks a snapshot's body into `into` (a new directory) and checks it whole: every
/// entry's path and length, the checksum and length of the body. On any fault the directory
/// is removed and nothing else was touched.
pub fn unpack(file: &Path, hub: &url::Url, into: &Path) -> Result<Manifest, SnapshotError> {
    let (manifest, body) = read_manifest(file)?;
    check(&manifest, hub)?;
    std::fs::create_dir_all(into).map_err(io(into))?;
    let result = unpack_body(&manifest, body, into);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(into);
    }
    result.map(|()| manifest)
}

fn unpack_body(
    manifest: &Manifest,
    body: BufReader<File>,
    into: &Path,
) -> Result<(), SnapshotError> {
    let damaged = |why: String| SnapshotError::Damaged(why);
    let mut hashed = Hashed {
        inner: body.take(manifest.body_bytes.saturating_add(1)),
        hash: Sha256::new(),
        bytes: 0,
    };
    let mut saw_cache = false;
    {
        let mut gz = flate2::read::GzDecoder::new(&mut hashed);
        loop {
            let mut len = [0u8; 2];
            match gz.read(&mut len[..1]) {
                Ok(0) => break,
                Ok(_) => gz
                    .read_exact(&mut len[1..])
                    .map_err(|e| damaged(format!("an entry is cut short ({e})")))?,
                Err(e) => return Err(damaged(format!("its body cannot be decompressed ({e})"))),
            }
            let n = usize::from(u16::from_le_bytes(len));
            if n == 0 || n > PATH_MAX {
                return Err(damaged("an entry has no usable name".into()));
            }
            let mut name = vec![0u8; n];
            gz.read_exact(&mut name)
                .map_err(|e| damaged(format!("an entry is cut short ({e})")))?;
            let name = String::from_utf8(name)
                .map_err(|_| damaged("an entry's name is not UTF-8".into()))?;
            let rel = allowed(&name).ok_or_else(|| {
                damaged(format!(
                    "it holds `{name}`, which is not a cache or index file"
                ))
            })?;
            let mut size = [0u8; 8];
            gz.read_exact(&mut size)
                .map_err(|e| damaged(format!("an entry is cut short ({e})")))?;
            let size = u64::from_le_bytes(size);
            let path = into.join(&rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io(dir))?;
            }
            let mut out = File::create(&path).map_err(io(&path))?;
            let copied = std::io::copy(&mut (&mut gz).take(size), &mut out)
                .map_err(|e| damaged(format!("{name} cannot be read ({e})")))?;
            if copied != size {
                return Err(damaged(format!("{name} is cut short")));
            }
            saw_cache |= name == "commons.db";
        }
    }
    // What follows the gzip stream (nothing, in a sound file) is part of the checksum too.
    std::io::copy(&mut hashed, &mut std::io::sink())
        .map_err(|e| damaged(format!("its body cannot be read ({e})")))?;
    if hashed.bytes != manifest.body_bytes {
        return Err(damaged(format!(
            "its body is {} bytes, its manifest says {}",
            hashed.bytes, manifest.body_bytes
        )));
    }
    if commons_protocol::hex(&hashed.hash.finalize()) != manifest.body_sha256 {
        return Err(damaged("its checksum does not match".into()));
    }
    if !saw_cache {
        return Err(damaged("it holds no cache".into()));
    }
    Ok(())
}

/// Starts this workstation from a snapshot: checks it (manifest, then the whole body,
/// unpacked beside the cache), and only then puts its cache and index in place of this
/// workstation's (whose previous ones are removed). Returns its manifest.
pub fn install(
    config: &crate::Config,
    file: &Path,
    hub: &url::Url,
) -> Result<Manifest, SnapshotError> {
    let data = &config.data_dir.value;
    std::fs::create_dir_all(data).map_err(io(data))?;
    let staged = data.join(format!(".snapshot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staged);
    let manifest = unpack(file, hub, &staged)?;
    let placed = (|| -> Result<(), SnapshotError> {
        // The unpacked cache must open (and is migrated if it is older) before it replaces
        // anything.
        let store = crate::store::Store::open(&staged.join("commons.db"))?;
        let cursor = crate::sync::cursor(&store)?;
        drop(store);
        if cursor != manifest.cursor {
            return Err(SnapshotError::Damaged(format!(
                "its cache is at cursor {cursor:?}, its manifest says {:?}",
                manifest.cursor
            )));
        }
        let cache = config.cache_path();
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", cache.display()));
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&p)(e)),
            }
        }
        let index = data.join("index");
        match std::fs::remove_dir_all(&index) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&index)(e)),
        }
        std::fs::rename(staged.join("commons.db"), &cache).map_err(io(&cache))?;
        if staged.join("index").exists() {
            std::fs::rename(staged.join("index"), &index).map_err(io(&index))?;
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&staged);
    placed.map(|()| manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cache_and_index_paths_are_taken() {
        assert!(allowed("commons.db").is_some());
        assert!(allowed("index/meta.json").is_some());
        for bad in [
            "../commons.db",
            "/etc/passwd",
            "index/../../x",
            "index",
            "documents/a.pdf",
            "config.toml",
        ] {
            assert!(allowed(bad).is_none(), "{bad}");
        }
    }
}
