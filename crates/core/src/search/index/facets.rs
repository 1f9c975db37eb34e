//! Facet counts over every match, read from the columnar fast fields in the same pass as
//! ranking (one collector). tantivy's generic facet collector and aggregation API are several
//! times slower on a common word over a million records.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// The name of the fast field behind a facet group.
pub fn field_name(group: &str) -> String {
    format!("f_{group}")
}

/// Counts, per facet group, how many matching documents carry each value.
pub struct FacetCounts {
    pub groups: &'static [&'static str],
}

pub struct SegmentFacetCounts {
    columns: Vec<Option<StrColumn>>,
    counts: Vec<Vec<u64>>,
}

/// `(group, value) → count`.
pub type Counts = HashMap<(String, String), u64>;

impl Collector for FacetCounts {
    type Fruit = Counts;
    type Child = SegmentFacetCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounts> {
        let mut columns = Vec::with_capacity(self.groups.len());
        let mut counts = Vec::with_capacity(self.groups.len());
        for g in self.groups {
            let column = reader.fast_fields().str(&field_name(g))?;
            counts.push(vec![
                0;
                column
                    .as_ref()
                    .map_or(0, |c| c.dictionary().num_terms())
            ]);
            columns.push(column);
        }
        Ok(SegmentFacetCounts { columns, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut merged = Counts::new();
        for fruit in fruits {
            for (key, n) in fruit {
                *merged.entry(key).or_default() += n;
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in self.columns.iter().zip(&mut self.counts) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    if let Some(c) = counts.get_mut(ord as usize) {
                        *c += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out = Counts::new();
        let mut value = String::new();
        for (i, (column, counts)) in self.columns.iter().zip(self.counts).enumerate() {
            let Some(column) = column else { continue };
            for (ord, n) in counts.into_iter().enumerate() {
                if n > 0 && column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                    out.insert((i.to_string(), value.clone()), n);
                }
            }
        }
        out
    }
}
