//! Facet counting over every match, fast enough for a million records.
//!
//! Each distinct facet value (`library/central`, `decade/1990`, …) gets a slot: a bit in one
//! of [`WORDS`] dense `u64` fast fields that every document carries. Counting a match is then
//! a batched read of a few words and one increment per bit set, where tantivy's facet
//! collector walks a multi-valued ordinal column per document (about 25 ns per match at a
//! million records; this is several times less).
//!
//! The slot table is written beside the index (`facet-slots.json`) before every commit that
//! may use a new slot, so a committed document never carries a bit the table does not name.
//! Slots are only ever added; a rebuild starts a fresh table. A catalogue with more distinct
//! facet values than slots (a consortium with hundreds of languages) stays correct: the
//! search then counts with tantivy's facet collector over the `facet` field, which every
//! document also carries (it is what filters use).

use std::collections::HashMap;
use std::path::Path;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Number of `u64` slot fields: 256 facet values.
pub(super) const WORDS: usize = 4;
/// Name of slot field `w`.
pub(super) const FIELD_NAMES: [&str; WORDS] = ["slots0", "slots1", "slots2", "slots3"];
const FILE: &str = "facet-slots.json";

/// Which facet value each slot counts.
#[derive(Debug, Clone, Default)]
pub(super) struct FacetSlots {
    /// `(group, value)` per slot, in slot order.
    names: Vec<(String, String)>,
    index: HashMap<(String, String), usize>,
    /// Set when a value found no free slot: counts must come from the facet field.
    overflowed: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SlotFile {
    slots: Vec<(String, String)>,
    overflowed: bool,
}

impl FacetSlots {
    /// Reads the table written beside an index; `None` when it is missing or unreadable
    /// (the index is then rebuilt).
    pub(super) fn load(dir: &Path) -> Option<FacetSlots> {
        let text = std::fs::read_to_string(dir.join(FILE)).ok()?;
        let file: SlotFile = serde_json::from_str(&text).ok()?;
        if file.slots.len() > WORDS * 64 {
            return None;
        }
        let index = file
            .slots
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect::<HashMap<_, _>>();
        if index.len() != file.slots.len() {
            return None;
        }
        Some(FacetSlots {
            names: file.slots,
            index,
            overflowed: file.overflowed,
        })
    }

    /// Writes the table atomically (temporary file, then rename).
    pub(super) fn save(&self, dir: &Path) -> std::io::Result<()> {
        let file = SlotFile {
            slots: self.names.clone(),
            overflowed: self.overflowed,
        };
        let tmp = dir.join(format!("{FILE}.tmp"));
        std::fs::write(
            &tmp,
            serde_json::to_vec(&file).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(tmp, dir.join(FILE))
    }

    /// Sets the bit of `group/value` in `words`, giving the value a slot if it has none.
    pub(super) fn mark(&mut self, words: &mut [u64; WORDS], group: &str, value: &str) {
        let key = (group.to_owned(), value.to_owned());
        let slot = match self.index.get(&key) {
            Some(&slot) => slot,
            None if self.names.len() < WORDS * 64 => {
                let slot = self.names.len();
                self.names.push(key.clone());
                self.index.insert(key, slot);
                slot
            }
            None => {
                self.overflowed = true;
                return;
            }
        };
        words[slot / 64] |= 1 << (slot % 64);
    }

    pub(super) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// `(group, value, count)` for every slot counted at least once.
    pub(super) fn named<'a>(
        &'a self,
        counts: &'a [u64],
    ) -> impl Iterator<Item = (&'a str, &'a str, u64)> + 'a {
        self.names
            .iter()
            .zip(counts)
            .filter(|(_, c)| **c > 0)
            .map(|((g, v), c)| (g.as_str(), v.as_str(), *c))
    }
}

/// Counts the matches and, per slot, the matches carrying it.
pub(super) struct SlotCounts;

/// Matches, and matches per slot.
pub(super) type SlotFruit = (u64, Vec<u64>);

impl Collector for SlotCounts {
    type Fruit = SlotFruit;
    type Child = SegmentSlotCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentSlotCounts> {
        let mut columns = Vec::with_capacity(WORDS);
        for (w, name) in FIELD_NAMES.iter().enumerate() {
            let column = reader.fast_fields().u64(name)?;
            // A word no document of this segment uses costs nothing.
            if column.max_value() != 0 {
                columns.push((w * 64, column.first_or_default_col(0)));
            }
        }
        Ok(SegmentSlotCounts {
            columns,
            matches: 0,
            counts: vec![0; WORDS * 64],
            words: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SlotFruit>) -> tantivy::Result<SlotFruit> {
        let mut total = (0, vec![0; WORDS * 64]);
        for (matches, counts) in fruits {
            total.0 += matches;
            for (t, c) in total.1.iter_mut().zip(counts) {
                *t += c;
            }
        }
        Ok(total)
    }
}

pub(super) struct SegmentSlotCounts {
    /// First slot of the word, and the word's values by document.
    columns: Vec<(usize, std::sync::Arc<dyn ColumnValues<u64>>)>,
    matches: u64,
    counts: Vec<u64>,
    words: Vec<u64>,
}

impl SegmentCollector for SegmentSlotCounts {
    type Fruit = SlotFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.matches += docs.len() as u64;
        self.words.resize(docs.len(), 0);
        for (base, column) in &self.columns {
            column.get_vals(docs, &mut self.words);
            let counts = &mut self.counts[*base..*base + 64];
            for &word in &self.words {
                let mut bits = word;
                while bits != 0 {
                    counts[bits.trailing_zeros() as usize] += 1;
                    bits &= bits - 1;
                }
            }
        }
    }

    fn harvest(self) -> SlotFruit {
        (self.matches, self.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_stable_and_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut slots = FacetSlots::default();
        let mut words = [0; WORDS];
        slots.mark(&mut words, "library", "central");
        slots.mark(&mut words, "format", "book");
        slots.mark(&mut words, "library", "central");
        assert_eq!(words, [0b11, 0, 0, 0]);
        slots.save(dir.path()).unwrap();
        let mut again = FacetSlots::load(dir.path()).unwrap();
        let mut words = [0; WORDS];
        again.mark(&mut words, "format", "book");
        assert_eq!(words, [0b10, 0, 0, 0]);
        let counts = [3, 0, 0];
        let named: Vec<_> = again.named(&counts).collect();
        assert_eq!(named, vec![("library", "central", 3)]);
    }

    #[test]
    fn more_values_than_slots_overflow_instead_of_miscounting() {
        let mut slots = FacetSlots::default();
        let mut words = [0; WORDS];
        for n in 0..WORDS * 64 {
            slots.mark(&mut words, "language", &format!("l{n}"));
        }
        assert!(!slots.overflowed());
        assert_eq!(words, [u64::MAX; WORDS]);
        slots.mark(&mut words, "language", "one-too-many");
        assert!(slots.overflowed());
    }

    #[test]
    fn a_damaged_table_is_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "{not json").unwrap();
        assert!(FacetSlots::load(dir.path()).is_none());
        std::fs::write(
            dir.path().join(FILE),
            r#"{"slots":[["a","b"],["a","b"]],"overflowed":false}"#,
        )
        .unwrap();
        assert!(FacetSlots::load(dir.path()).is_none());
    }
}
