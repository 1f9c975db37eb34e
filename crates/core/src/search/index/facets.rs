//! Facet counting over every match, fast enough for a million records.
//!
//! Each distinct facet value (`library/central`, `decade/1990`, …) gets a slot: a bit in one
//! of [`WORDS`] dense `u64` fast fields that every document carries. Counting a match is then
//! a batched read of a few words and one increment per bit set, where tantivy's facet
//! collector walks a multi-valued ordinal column per document (about 25 ns per match at a
//! million records). The words of a batch of matches are summed bit position by bit position
//! with a carry-save adder tree, and a query matching most of a segment counts the documents
//! it does *not* match and subtracts them from the segment's totals: no query reads the
//! slots of more than half of the catalogue.
//!
//! The slot table is written beside the index (`facet-slots.json`) before every commit that
//! may use a new slot, so a committed document never carries a bit the table does not name.
//! Slots are only ever added; a rebuild starts a fresh table. A catalogue with more distinct
//! facet values than slots (a consortium with hundreds of languages) stays correct: the
//! search then counts with tantivy's facet collector over the `facet` field, which every
//! document also carries (it is what filters use).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::fastfield::AliveBitSet;
use tantivy::index::SegmentId;
use tantivy::{DocId, Opstamp, Score, SegmentOrdinal, SegmentReader};

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

/// How many live documents of each segment carry each slot, computed the first time a query
/// matches most of a segment and kept while the segment is searched: counting the documents
/// such a query does *not* match and subtracting them from the totals reads at most half of
/// the segment's documents (a one- or two-letter prefix typed into the catalogue's box can
/// match every record).
#[derive(Default)]
pub(super) struct SegmentTotals(Mutex<HashMap<TotalsKey, Arc<[u64]>>>);

/// A segment as searched: its deletes change its totals.
type TotalsKey = (SegmentId, Option<Opstamp>);

impl SegmentTotals {
    fn key(reader: &SegmentReader) -> TotalsKey {
        (reader.segment_id(), reader.delete_opstamp())
    }

    /// Forgets the totals of segments the searcher no longer has.
    pub(super) fn keep_only(&self, searcher: &tantivy::Searcher) {
        let live: Vec<TotalsKey> = searcher.segment_readers().iter().map(Self::key).collect();
        self.lock().retain(|key, _| live.contains(key));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TotalsKey, Arc<[u64]>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counts the matches and, per slot, the matches carrying it.
pub(super) struct SlotCounts<'a>(pub(super) &'a Arc<SegmentTotals>);

/// Matches, and matches per slot.
pub(super) type SlotFruit = (u64, Vec<u64>);

impl Collector for SlotCounts<'_> {
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
        let max_doc = reader.max_doc();
        Ok(SegmentSlotCounts {
            columns,
            matched: vec![0; (max_doc as usize).div_ceil(64)],
            matches: 0,
            max_doc,
            live: reader.num_docs(),
            alive: reader.alive_bitset().cloned(),
            totals: Arc::clone(self.0),
            key: SegmentTotals::key(reader),
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
    columns: Vec<(usize, Arc<dyn ColumnValues<u64>>)>,
    /// The matching documents, a bit each.
    matched: Vec<u64>,
    matches: u64,
    max_doc: DocId,
    /// Live documents.
    live: u32,
    alive: Option<AliveBitSet>,
    totals: Arc<SegmentTotals>,
    key: TotalsKey,
}

/// Documents whose slots are read at a time.
const BATCH: usize = 1024;

impl SegmentSlotCounts {
    /// Adds the slots of every live document whose bit in `set` is `want` to `counts`.
    fn count(&self, set: &[u64], want: bool, counts: &mut [u64]) {
        let mut docs: Vec<DocId> = Vec::with_capacity(BATCH);
        let mut words = vec![0u64; BATCH];
        let mut flush = |docs: &mut Vec<DocId>| {
            for (base, column) in &self.columns {
                let words = &mut words[..docs.len()];
                column.get_vals(docs, words);
                let counts: &mut [u64; 64] = (&mut counts[*base..*base + 64])
                    .try_into()
                    .unwrap_or_else(|_| unreachable!("a word has 64 slots"));
                count_bits(words, counts);
            }
            docs.clear();
        };
        for (w, &word) in set.iter().enumerate() {
            let mut bits = if want { word } else { !word };
            if w == set.len() - 1 && !self.max_doc.is_multiple_of(64) {
                bits &= (1 << (self.max_doc % 64)) - 1;
            }
            while bits != 0 {
                let doc = (w * 64) as DocId + bits.trailing_zeros();
                bits &= bits - 1;
                if self.alive.as_ref().is_none_or(|a| a.is_alive(doc)) {
                    docs.push(doc);
                    if docs.len() == BATCH {
                        flush(&mut docs);
                    }
                }
            }
        }
        flush(&mut docs);
    }

    /// The slot counts of every live document of the segment, computed once.
    fn totals(&self) -> Arc<[u64]> {
        if let Some(totals) = self.totals.lock().get(&self.key) {
            return Arc::clone(totals);
        }
        let mut counts = vec![0; WORDS * 64];
        self.count(&vec![0; self.matched.len()], false, &mut counts);
        let counts: Arc<[u64]> = counts.into();
        self.totals.lock().insert(self.key, Arc::clone(&counts));
        counts
    }
}

/// Adds to `counts[i]` the number of `words` with bit `i` set.
///
/// A carry-save adder tree (Harley and Seal's population count, kept per bit position)
/// sums sixteen words in about five dozen branch-free operations and the per-position
/// counts are read out of the bit planes once at the end, where counting each set bit
/// in turn costs a mispredicted branch per word: about four times less for the ten
/// facet values a record carries.
fn count_bits(words: &[u64], counts: &mut [u64; 64]) {
    /// Sums three bit vectors position by position: (carries, sums).
    fn csa(a: u64, b: u64, c: u64) -> (u64, u64) {
        let u = a ^ b;
        ((a & b) | (u & c), u ^ c)
    }
    // Bit planes of each position's count: ones, twos, fours, eights, then sixteens and up
    // as a ripple counter. 12 planes of sixteens hold 65,535 chunks of 16 words.
    let (mut ones, mut twos, mut fours, mut eights) = (0u64, 0u64, 0u64, 0u64);
    let mut sixteens = [0u64; 12];
    let mut chunks = words.chunks_exact(16);
    /// Adds eight words to the ones, twos and fours planes: (ones, twos, fours, eights carried).
    fn eight(ones: u64, twos: u64, fours: u64, w: &[u64]) -> (u64, u64, u64, u64) {
        let (twos_a, o) = csa(ones, w[0], w[1]);
        let (twos_b, o) = csa(o, w[2], w[3]);
        let (fours_a, t) = csa(twos, twos_a, twos_b);
        let (twos_a, o) = csa(o, w[4], w[5]);
        let (twos_b, o) = csa(o, w[6], w[7]);
        let (fours_b, t) = csa(t, twos_a, twos_b);
        let (eights, f) = csa(fours, fours_a, fours_b);
        (o, t, f, eights)
    }
    for w in &mut chunks {
        let (o, t, f, eights_a) = eight(ones, twos, fours, &w[..8]);
        let (o, t, f, eights_b) = eight(o, t, f, &w[8..]);
        let (mut carry, e) = csa(eights, eights_a, eights_b);
        (ones, twos, fours, eights) = (o, t, f, e);
        for plane in &mut sixteens {
            let next = *plane & carry;
            *plane ^= carry;
            carry = next;
        }
        debug_assert_eq!(carry, 0, "more than 65,535 chunks at a time");
    }
    // The words left over count once each; plane k counts 2^k.
    let left = chunks.remainder().iter().map(|&word| (word, 0));
    let planes = [ones, twos, fours, eights].into_iter().chain(sixteens);
    for (mut bits, k) in left.chain(planes.zip(0..)) {
        while bits != 0 {
            counts[bits.trailing_zeros() as usize] += 1 << k;
            bits &= bits - 1;
        }
    }
}

impl SegmentCollector for SegmentSlotCounts {
    type Fruit = SlotFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.matches += docs.len() as u64;
        for &doc in docs {
            self.matched[doc as usize / 64] |= 1 << (doc % 64);
        }
    }

    fn harvest(self) -> SlotFruit {
        let mut counts = vec![0; WORDS * 64];
        if self.matches * 2 > u64::from(self.live) {
            let totals = self.totals();
            self.count(&self.matched, false, &mut counts);
            for (c, t) in counts.iter_mut().zip(totals.iter()) {
                *c = t - *c;
            }
        } else {
            self.count(&self.matched, true, &mut counts);
        }
        (self.matches, counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_counted_by_position() {
        // Words with few bits (as records carry) and with many, in lengths around the
        // sixteen-word chunks, against counting bit by bit.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in [0, 1, 15, 16, 17, 31, 32, 255, 256, 1000, 4096] {
            for sparse in [true, false] {
                let words: Vec<u64> = (0..len)
                    .map(|_| {
                        let w = next();
                        if sparse { w & next() & next() } else { w }
                    })
                    .collect();
                let mut counts = [7u64; 64];
                count_bits(&words, &mut counts);
                for (i, c) in counts.iter().enumerate() {
                    let expected = words.iter().filter(|w| *w >> i & 1 == 1).count() as u64;
                    assert_eq!(*c, 7 + expected, "bit {i} of {len} words");
                }
            }
        }
        let mut counts = [0u64; 64];
        count_bits(&[u64::MAX; 4096], &mut counts);
        assert_eq!(counts, [4096; 64]);
    }

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
