//! The record as its source sent it, kept compressed in its row of `records`.
//!
//! Each original is one zstd frame (`original_packed = 1`), or the bytes as sent for the
//! originals an earlier Commons stored (`original_packed = 0`, until [`repack`] compresses
//! them). Catalogue records are short and alike: the same MARC tags, indicators and fixed
//! fields, the same JSON keys from the hub. Compressed one by one they shrink by a third;
//! with a dictionary trained on the cache's own records, by about 70%. A write that brings
//! [`TRAIN_AT`] records of a format the cache has no dictionary for trains one from them,
//! keeps it in `original_dictionaries` and recompresses those first records with it; a
//! dictionary is never changed or removed while a record names it (the foreign key).
//!
//! Nothing is stored that can be derived: no checksum (an unchanged original is found by
//! comparing the bytes), no import time (the row's `updated_at` is it).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction};

use super::record::CatalogueRecord;

/// Records of one format a write collects before it trains a dictionary for it.
pub const TRAIN_AT: usize = 1000;
/// The most bytes of samples a dictionary is trained on.
const SAMPLE_BYTES_MAX: usize = 8 * 1024 * 1024;
/// A dictionary's size: for records of a few hundred bytes, larger ones gain under 3%.
const DICTIONARY_BYTES: usize = 32 * 1024;
/// zstd's level: higher levels gain 5–10% at several times the cost on an import's path.
const LEVEL: i32 = 3;
/// The most bytes an original is allowed to decompress to (a MARC record is at most 99,999;
/// the hub's records are far below this).
const ORIGINAL_BYTES_MAX: u64 = 16 * 1024 * 1024;

/// An original as it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Packed {
    /// The dictionary the frame was compressed with.
    pub dictionary: Option<i64>,
    pub bytes: Vec<u8>,
}

/// An original's columns as a row holds them: format, packed, dictionary, bytes (all NULL
/// for a record without one).
pub type Stored = (Option<String>, Option<bool>, Option<i64>, Option<Vec<u8>>);

/// A record's original, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    /// `marc21`, `marcxml`, `marc-in-json`, `oai_dc` or `hub`.
    pub format: String,
    pub body: Vec<u8>,
}

/// Why an original could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum OriginalError {
    #[error(transparent)]
    Open(#[from] crate::store::StoreError),
    #[error("cache error: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("the original of {id} cannot be decompressed: {detail}")]
    Damaged { id: String, detail: String },
}

enum Slot {
    /// Compressing with the cache's dictionary `id`.
    Trained {
        id: i64,
        compressor: zstd::bulk::Compressor<'static>,
    },
    /// No dictionary yet: compressing without one, collecting samples (`id`, original,
    /// what was stored) to train one from.
    Learning {
        samples: Vec<(String, Vec<u8>, Vec<u8>)>,
        bytes: usize,
    },
    /// Training failed (too few distinct samples): compressing without a dictionary for
    /// the rest of this write.
    Plain,
}

/// Compresses the originals one write stores (one per transaction: it may write to it).
pub(crate) struct Packer {
    slots: HashMap<String, Slot>,
    plain: zstd::bulk::Compressor<'static>,
}

impl std::fmt::Debug for Packer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packer")
            .field("formats", &self.slots.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn compressor(dictionary: &[u8]) -> std::io::Result<zstd::bulk::Compressor<'static>> {
    use zstd::zstd_safe::CParameter;
    let mut c = zstd::bulk::Compressor::with_dictionary(LEVEL, dictionary)?;
    // The row says which dictionary and SQLite keeps the bytes whole: no checksum, no
    // dictionary id in the frame. The content size lets reading allocate once.
    c.set_parameter(CParameter::ChecksumFlag(false))?;
    c.set_parameter(CParameter::DictIdFlag(false))?;
    c.set_parameter(CParameter::ContentSizeFlag(true))?;
    Ok(c)
}

fn io(e: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

impl Packer {
    /// A packer using the dictionaries `conn`'s cache holds.
    pub(crate) fn new(conn: &Connection) -> rusqlite::Result<Packer> {
        let mut slots = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT format, id, dictionary FROM original_dictionaries ORDER BY format, id DESC",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let format: String = row.get(0)?;
            if slots.contains_key(&format) {
                continue;
            }
            let id: i64 = row.get(1)?;
            let dictionary: Vec<u8> = row.get(2)?;
            let compressor = compressor(&dictionary).map_err(io)?;
            slots.insert(format, Slot::Trained { id, compressor });
        }
        Ok(Packer {
            slots,
            plain: compressor(&[]).map_err(io)?,
        })
    }

    /// Compresses `body`, the original of record `id` in `format`, with the format's
    /// dictionary; the write that collects the [`TRAIN_AT`]th record of a format without one
    /// trains it here and recompresses the records it learned from.
    pub(crate) fn pack(
        &mut self,
        tx: &Transaction<'_>,
        id: &str,
        format: &str,
        body: &[u8],
    ) -> rusqlite::Result<Packed> {
        let slot = self
            .slots
            .entry(format.to_owned())
            .or_insert_with(|| Slot::Learning {
                samples: Vec::new(),
                bytes: 0,
            });
        match slot {
            Slot::Trained { id, compressor } => Ok(Packed {
                dictionary: Some(*id),
                bytes: compressor.compress(body).map_err(io)?,
            }),
            Slot::Plain => Ok(Packed {
                dictionary: None,
                bytes: self.plain.compress(body).map_err(io)?,
            }),
            Slot::Learning { samples, bytes } => {
                let packed = self.plain.compress(body).map_err(io)?;
                let room = *bytes + body.len() <= SAMPLE_BYTES_MAX;
                if room {
                    *bytes += body.len();
                    samples.push((id.to_owned(), body.to_vec(), packed.clone()));
                    if samples.len() < TRAIN_AT {
                        return Ok(Packed {
                            dictionary: None,
                            bytes: packed,
                        });
                    }
                }
                let samples = std::mem::take(samples);
                let trained = train(tx, format, &samples)?;
                match trained {
                    Some((dictionary, mut compressor)) => {
                        // The records learned from are recompressed, unless a later write
                        // of this one replaced them.
                        let mut update = tx.prepare_cached(
                            "UPDATE records SET original = ?1, original_packed = 1, original_dictionary = ?2
                             WHERE id = ?3 AND original_dictionary IS NULL AND original = ?4",
                        )?;
                        let mut last = None;
                        for (sample_id, sample, stored) in &samples {
                            let again = compressor.compress(sample).map_err(io)?;
                            if sample_id == id && sample.as_slice() == body {
                                last = Some(again);
                                continue;
                            }
                            update.execute((&again, dictionary, sample_id, stored))?;
                        }
                        let bytes = match last {
                            Some(b) => b,
                            None => compressor.compress(body).map_err(io)?,
                        };
                        *slot = Slot::Trained {
                            id: dictionary,
                            compressor,
                        };
                        Ok(Packed {
                            dictionary: Some(dictionary),
                            bytes,
                        })
                    }
                    None => {
                        *slot = Slot::Plain;
                        Ok(Packed {
                            dictionary: None,
                            bytes: packed,
                        })
                    }
                }
            }
        }
    }
}

/// Trains and stores a dictionary for `format` from `samples`; `None` when zstd finds too
/// little to learn from (a handful of records, or all alike).
fn train(
    tx: &Transaction<'_>,
    format: &str,
    samples: &[(String, Vec<u8>, Vec<u8>)],
) -> rusqlite::Result<Option<(i64, zstd::bulk::Compressor<'static>)>> {
    let bodies: Vec<&[u8]> = samples.iter().map(|(_, b, _)| b.as_slice()).collect();
    let dictionary = match zstd::dict::from_samples(&bodies, DICTIONARY_BYTES) {
        Ok(d) => d,
        Err(e) => {
            tracing::info!(format, error = %e, "no dictionary for originals");
            return Ok(None);
        }
    };
    let compressor = compressor(&dictionary).map_err(io)?;
    tx.prepare_cached(
        "INSERT INTO original_dictionaries(format, dictionary, samples, trained_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute((
        format,
        &dictionary,
        samples.len() as i64,
        jiff::Timestamp::now().to_string(),
    ))?;
    tracing::info!(
        format,
        samples = samples.len(),
        bytes = dictionary.len(),
        "trained a dictionary for originals"
    );
    Ok(Some((tx.last_insert_rowid(), compressor)))
}

/// Decompresses originals, loading each dictionary once.
#[derive(Default)]
pub struct Unpacker {
    decompressors: HashMap<Option<i64>, zstd::bulk::Decompressor<'static>>,
}

impl std::fmt::Debug for Unpacker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unpacker").finish_non_exhaustive()
    }
}

impl Unpacker {
    /// The bytes of `stored` (`packed`: a zstd frame, else the bytes as sent).
    pub(crate) fn unpack(
        &mut self,
        conn: &Connection,
        id: &str,
        packed: bool,
        dictionary: Option<i64>,
        stored: &[u8],
    ) -> Result<Vec<u8>, OriginalError> {
        if !packed {
            return Ok(stored.to_vec());
        }
        let damaged = |detail: String| OriginalError::Damaged {
            id: id.to_owned(),
            detail,
        };
        let size = zstd::zstd_safe::get_frame_content_size(stored)
            .ok()
            .flatten()
            .filter(|&n| n <= ORIGINAL_BYTES_MAX)
            .ok_or_else(|| damaged("no frame of a known size".into()))?;
        let decompressor = match self.decompressors.entry(dictionary) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let bytes: Vec<u8> = match dictionary {
                    None => Vec::new(),
                    Some(d) => conn
                        .query_row(
                            "SELECT dictionary FROM original_dictionaries WHERE id = ?1",
                            [d],
                            |r| r.get(0),
                        )
                        .optional()?
                        .ok_or_else(|| damaged(format!("its dictionary {d} is missing")))?,
                };
                e.insert(
                    zstd::bulk::Decompressor::with_dictionary(&bytes)
                        .map_err(|e| damaged(e.to_string()))?,
                )
            }
        };
        decompressor
            .decompress(stored, size as usize)
            .map_err(|e| damaged(e.to_string()))
    }
}

/// The original of record `id`, as its source sent it; `None` when the cache has no such
/// record or keeps no original for it (the demo's records).
pub fn original(conn: &Connection, id: &str) -> Result<Option<Original>, OriginalError> {
    let row: Option<Stored> = conn
        .query_row(
            "SELECT original_format, original_packed, original_dictionary, original
             FROM records WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((Some(format), Some(packed), dictionary, Some(stored))) = row else {
        return Ok(None);
    };
    let body = Unpacker::default().unpack(conn, id, packed, dictionary, &stored)?;
    Ok(Some(Original { format, body }))
}

/// The record `body` (an original in `format`) describes, mapped as an import or a sync
/// maps it when it arrives: the same bytes always describe the same record, so what the
/// cache keeps beside an original can be read back from it.
pub fn describe(format: &str, body: &[u8]) -> Result<CatalogueRecord, String> {
    use commons_catalogue::marc::{iso2709, json};
    use commons_catalogue::xml::{self, Item};
    let one = |what: &str, n: usize| format!("the original holds {n} {what} records, not one");
    match format {
        "marc21" => Ok(CatalogueRecord::from_record(&iso2709::parse(body)?.record)),
        "marc-in-json" => {
            let mut entries = json::read(body)?;
            if entries.len() != 1 {
                return Err(one("MARC-in-JSON", entries.len()));
            }
            let (record, _) = entries.remove(0).map_err(|(_, reason)| reason)?;
            Ok(CatalogueRecord::from_record(&record))
        }
        "marcxml" | "oai_dc" => {
            let mut items = xml::read(body);
            if items.len() != 1 {
                return Err(one("XML", items.len()));
            }
            match items.remove(0) {
                Item::Marc { record, .. } if format == "marcxml" => {
                    Ok(CatalogueRecord::from_record(&record))
                }
                Item::Dc { record, .. } if format == "oai_dc" => {
                    Ok(CatalogueRecord::from_dc(&record))
                }
                Item::Invalid { reason, .. } => Err(reason),
                _ => Err(format!("the original is not a {format} record")),
            }
        }
        "hub" => serde_json::from_slice::<commons_catalogue::union::UnionRecord>(body)
            .map(|r| r.to_catalogue_record())
            .map_err(|e| format!("the original is not the hub's union record: {e}")),
        other => Err(format!("originals in format `{other}` are not read")),
    }
}

/// The record `id`'s stored original (`stored`, as its row holds it) describes; one
/// `unpacker` for many records loads each dictionary once.
pub fn described(
    conn: &Connection,
    unpacker: &mut Unpacker,
    id: &str,
    stored: Stored,
) -> Result<CatalogueRecord, String> {
    let (Some(format), Some(packed), dictionary, Some(bytes)) = stored else {
        return Err(format!("the cache keeps no original of {id}"));
    };
    let body = unpacker
        .unpack(conn, id, packed, dictionary, &bytes)
        .map_err(|e| e.to_string())?;
    describe(&format, &body).map_err(|e| format!("the original of {id}: {e}"))
}

/// What [`repack`] (and `commons compact`) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repacked {
    /// Originals that were stored as sent and are now compressed.
    pub as_sent: usize,
    /// Originals that now use a dictionary and did not before.
    pub with_dictionary: usize,
    /// Dictionaries trained.
    pub dictionaries: usize,
    /// The cache file's size before and after (`commons compact` also gives the freed pages
    /// back to the disk).
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// Compresses every original that is stored as sent or without a dictionary: those an
/// earlier Commons kept, and those of formats that arrived in writes too small to train a
/// dictionary. Formats with fewer than [`TRAIN_AT`] such records and no dictionary stay
/// compressed without one. One transaction.
pub fn repack(tx: &Transaction<'_>) -> Result<Repacked, OriginalError> {
    let mut unpacker = Unpacker::default();
    let mut packer = Packer::new(tx)?;
    let before: i64 = tx.query_row("SELECT count(*) FROM original_dictionaries", [], |r| {
        r.get(0)
    })?;
    let count = |sql: &str| tx.query_row(sql, [], |r| r.get::<_, i64>(0));
    const AS_SENT: &str = "SELECT count(*) FROM records WHERE original_packed = 0";
    const WITHOUT: &str = "SELECT count(*) FROM records
                           WHERE original IS NOT NULL AND original_dictionary IS NULL";
    let (as_sent, without) = (count(AS_SENT)?, count(WITHOUT)?);
    let mut done = Repacked::default();
    let mut last = String::new();
    loop {
        let chunk: Vec<(String, String, bool, Vec<u8>)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT id, original_format, original_packed, original FROM records
                 WHERE original IS NOT NULL AND original_dictionary IS NULL AND id > ?1
                 ORDER BY id LIMIT 10000",
            )?;
            stmt.query_map([&last], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let Some((end, ..)) = chunk.last() else {
            break;
        };
        last = end.clone();
        for (id, format, packed, stored) in chunk {
            let body = unpacker.unpack(tx, &id, packed, None, &stored)?;
            let again = packer.pack(tx, &id, &format, &body)?;
            if again.dictionary.is_none() && packed && again.bytes == stored {
                continue;
            }
            tx.prepare_cached(
                "UPDATE records SET original = ?1, original_packed = 1, original_dictionary = ?2
                 WHERE id = ?3",
            )?
            .execute((&again.bytes, again.dictionary, &id))?;
        }
    }
    let after: i64 = tx.query_row("SELECT count(*) FROM original_dictionaries", [], |r| {
        r.get(0)
    })?;
    done.dictionaries = (after - before) as usize;
    done.as_sent = (as_sent - count(AS_SENT)?) as usize;
    done.with_dictionary = (without - count(WITHOUT)?) as usize;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::catalogue::import_bytes;
    use crate::catalogue::marc::{Field, Record, iso2709};

    /// `n` MARC records as one ISO 2709 file, and each record's bytes.
    fn file(n: usize, edition: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
        let words = [
            "river", "history", "atlas", "城市", "garden", "theory", "harbour",
        ];
        let records: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let data = |tag: &str, code: char, value: String| Field::Data {
                    tag: tag.into(),
                    ind1: ' ',
                    ind2: ' ',
                    subfields: vec![(code, value)],
                };
                iso2709::write(&Record {
                    leader: "00000nam a2200000 a 4500".into(),
                    fields: vec![
                        Field::Control {
                            tag: "001".into(),
                            value: format!("t{i}"),
                        },
                        Field::Control {
                            tag: "003".into(),
                            value: "TEST".into(),
                        },
                        data("050", 'a', format!("QA{}", i % 700)),
                        data(
                            "245",
                            'a',
                            format!(
                                "The {} of the {} {i}",
                                words[i % words.len()],
                                words[(i / 7) % words.len()]
                            ),
                        ),
                        data("250", 'a', edition.into()),
                        data("952", 'b', ["central", "lakeshore"][i % 2].into()),
                    ],
                })
            })
            .collect();
        (records.concat(), records)
    }

    fn import(store: &Store, data: &[u8]) -> crate::catalogue::ImportReport {
        import_bytes(
            store,
            std::path::Path::new("t.mrc"),
            data,
            &mut |_| {},
            &mut (),
        )
        .unwrap()
    }

    fn one(store: &Store, sql: &str) -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn originals_read_back_byte_for_byte_and_a_dictionary_shrinks_them() {
        let store = Store::open_in_memory().unwrap();
        let n = TRAIN_AT + 200;
        let (data, records) = file(n, "1st ed.");
        assert_eq!(import(&store, &data).imported, n);
        for (i, raw) in records.iter().enumerate() {
            let got = original(store.conn(), &format!("src:TEST:t{i}"))
                .unwrap()
                .unwrap();
            assert_eq!(got.format, "marc21");
            assert_eq!(&got.body, raw, "record {i}");
        }
        // One dictionary, trained on the first records and used by all of them.
        assert_eq!(one(&store, "SELECT count(*) FROM original_dictionaries"), 1);
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM records WHERE original_dictionary IS NULL OR original_packed <> 1"
            ),
            0
        );
        let stored = one(&store, "SELECT sum(length(original)) FROM records");
        assert!(
            (stored as usize) * 3 < data.len(),
            "{stored} bytes stored for {} sent",
            data.len()
        );
        // The same file again changes nothing; an edition changed in every record updates
        // them all, with the dictionary the cache has.
        let again = import(&store, &data);
        assert_eq!((again.unchanged, again.updated), (n, 0));
        let (changed, records) = file(n, "2nd ed.");
        assert_eq!(import(&store, &changed).updated, n);
        assert_eq!(one(&store, "SELECT count(*) FROM original_dictionaries"), 1);
        let got = original(store.conn(), "src:TEST:t7").unwrap().unwrap();
        assert_eq!(got.body, records[7]);
        assert_eq!(original(store.conn(), "src:TEST:nowhere").unwrap(), None);
    }

    #[test]
    fn a_small_import_is_compressed_without_a_dictionary_until_compacted() {
        let store = Store::open_in_memory().unwrap();
        let (data, records) = file(40, "1st ed.");
        import(&store, &data);
        assert_eq!(one(&store, "SELECT count(*) FROM original_dictionaries"), 0);
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM records WHERE original_packed = 1"
            ),
            40
        );
        // An original an earlier Commons kept as sent (the migration moves them so).
        store
            .conn()
            .execute(
                "UPDATE records SET original_packed = 0, original = ?1 WHERE id = 'src:TEST:t3'",
                [&records[3]],
            )
            .unwrap();
        assert_eq!(
            original(store.conn(), "src:TEST:t3").unwrap().unwrap().body,
            records[3]
        );
        let tx = store.write().unwrap();
        let done = repack(&tx).unwrap();
        tx.commit().unwrap();
        // Too few records to train on: only the one stored as sent is compressed.
        assert_eq!(
            (done.as_sent, done.with_dictionary, done.dictionaries),
            (1, 0, 0)
        );
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM records WHERE original_packed = 1"
            ),
            40
        );
        for (i, raw) in records.iter().enumerate() {
            let got = original(store.conn(), &format!("src:TEST:t{i}")).unwrap();
            assert_eq!(&got.unwrap().body, raw);
        }
    }

    #[test]
    fn compacting_trains_a_dictionary_for_records_that_came_in_small_writes() {
        let store = Store::open_in_memory().unwrap();
        let (data, records) = file(TRAIN_AT + 10, "1st ed.");
        // The file arrives in pieces too small to train on, as a hub's pages of changes do.
        let mut at = 0;
        for piece in records.chunks(300) {
            let len: usize = piece.iter().map(Vec::len).sum();
            import(&store, &data[at..at + len]);
            at += len;
        }
        assert_eq!(one(&store, "SELECT count(*) FROM original_dictionaries"), 0);
        let before = one(&store, "SELECT sum(length(original)) FROM records");
        let tx = store.write().unwrap();
        let done = repack(&tx).unwrap();
        tx.commit().unwrap();
        assert_eq!(done.dictionaries, 1);
        assert_eq!((done.as_sent, done.with_dictionary), (0, TRAIN_AT + 10));
        let after = one(&store, "SELECT sum(length(original)) FROM records");
        assert!(after * 2 < before, "{before} -> {after}");
        for (i, raw) in records.iter().enumerate() {
            let got = original(store.conn(), &format!("src:TEST:t{i}")).unwrap();
            assert_eq!(&got.unwrap().body, raw, "record {i}");
        }
    }

    #[test]
    fn a_damaged_original_is_reported_and_replaced_by_the_next_import() {
        let store = Store::open_in_memory().unwrap();
        let (data, records) = file(3, "1st ed.");
        import(&store, &data);
        store
            .conn()
            .execute(
                "UPDATE records SET original = substr(original, 1, 9) WHERE id = 'src:TEST:t1'",
                [],
            )
            .unwrap();
        let err = original(store.conn(), "src:TEST:t1").unwrap_err();
        assert!(
            matches!(err, OriginalError::Damaged { ref id, .. } if id == "src:TEST:t1"),
            "{err}"
        );
        let again = import(&store, &data);
        assert_eq!((again.unchanged, again.updated), (2, 1));
        assert_eq!(
            original(store.conn(), "src:TEST:t1").unwrap().unwrap().body,
            records[1]
        );
    }

    #[test]
    fn a_cache_from_before_keeps_its_originals_and_compact_compresses_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let path = dir.path().join("data").join("commons.db");
        let (_, records) = file(2, "1st ed.");
        {
            // A cache at the schema before originals moved into their rows.
            let conn = Connection::open(&path).unwrap();
            let before = crate::store::MIGRATIONS
                .iter()
                .position(|m| m.sql.contains("DROP TABLE record_originals"))
                .unwrap();
            for m in &crate::store::MIGRATIONS[..before] {
                conn.execute_batch(m.sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64)
                .unwrap();
            for (i, raw) in records.iter().enumerate() {
                conn.execute(
                    "INSERT INTO records(id, source, title, language, format, updated_at)
                     VALUES (?1, 'import', 'A title', 'eng', 'book', 'then')",
                    [format!("src:TEST:t{i}")],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO record_originals(record_id, format, body, sha256, imported_at)
                     VALUES (?1, 'marc21', ?2, 'x', 'then')",
                    (format!("src:TEST:t{i}"), raw),
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            one(
                &store,
                "SELECT count(*) FROM records WHERE original_packed = 0"
            ),
            2
        );
        for (i, raw) in records.iter().enumerate() {
            let got = original(store.conn(), &format!("src:TEST:t{i}"))
                .unwrap()
                .unwrap();
            assert_eq!((got.format.as_str(), &got.body), ("marc21", raw));
        }
        drop(store);
        let env = |k: &str| match k {
            "HOME" => Some(dir.path().display().to_string()),
            "COMMONS_SYSTEM_CONFIG" => Some("/nonexistent".into()),
            "COMMONS_DATA_DIR" => Some(dir.path().join("data").display().to_string()),
            _ => None,
        };
        let ws = crate::Workstation::new(crate::Config::load_with(&env).unwrap());
        let done = ws.compact().unwrap();
        assert_eq!(done.as_sent, 2);
        let got = ws.original("src:TEST:t1").unwrap().unwrap();
        assert_eq!(got.body, records[1]);
    }
}
