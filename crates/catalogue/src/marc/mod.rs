//! MARC 21 and UNIMARC records, read from ISO 2709 (`iso2709`, with MARC-8, UTF-8, ISO 5426
//! or ISO 6937 (`latin`), or GB 18030 text),
//! MARC-in-JSON (`json`) and MARCXML (`catalogue::xml`) into one [`Record`].

pub mod iso2709;
pub mod json;
pub mod latin;
pub mod marc8;

/// Longest field value accepted from XML or JSON (ISO 2709 is bounded by its directory).
pub const MAX_FIELD_BYTES: usize = 100_000;
/// Most fields accepted in one record.
pub const MAX_FIELDS: usize = 10_000;

/// One MARC record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub leader: String,
    pub fields: Vec<Field>,
}

/// A control field (`001`–`009`) or a data field with indicators and subfields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Control {
        tag: String,
        value: String,
    },
    Data {
        tag: String,
        ind1: char,
        ind2: char,
        subfields: Vec<(char, String)>,
    },
}

impl Field {
    pub fn tag(&self) -> &str {
        match self {
            Field::Control { tag, .. } | Field::Data { tag, .. } => tag,
        }
    }
}

/// Whether a tag names a control field (`00X`).
pub fn is_control_tag(tag: &str) -> bool {
    tag.len() == 3 && tag.starts_with("00")
}

impl Record {
    /// The value of the first control field with `tag`.
    pub fn control(&self, tag: &str) -> Option<&str> {
        self.fields.iter().find_map(|f| match f {
            Field::Control { tag: t, value } if t == tag => Some(value.as_str()),
            _ => None,
        })
    }

    /// The data fields with `tag`.
    pub fn data<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a [(char, String)]> + 'a {
        self.fields.iter().filter_map(move |f| match f {
            Field::Data {
                tag: t, subfields, ..
            } if t == tag => Some(subfields.as_slice()),
            _ => None,
        })
    }

    /// The data fields with `tag`, with their indicators.
    pub fn data_with_indicators<'a>(
        &'a self,
        tag: &'a str,
    ) -> impl Iterator<Item = (char, char, &'a [(char, String)])> + 'a {
        self.fields.iter().filter_map(move |f| match f {
            Field::Data {
                tag: t,
                ind1,
                ind2,
                subfields,
            } if t == tag => Some((*ind1, *ind2, subfields.as_slice())),
            _ => None,
        })
    }

    /// The first subfield `code` of the first field `tag`.
    pub fn first<'a>(&'a self, tag: &'a str, code: char) -> Option<&'a str> {
        self.data(tag).find_map(|sf| subfield(sf, code))
    }
}

/// The first subfield `code` among `subfields`.
pub fn subfield(subfields: &[(char, String)], code: char) -> Option<&str> {
    subfields
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, v)| v.as_str())
}

/// Every subfield `code` among `subfields`.
pub fn subfields<'a>(
    subfields: &'a [(char, String)],
    code: char,
) -> impl Iterator<Item = &'a str> + 'a {
    subfields
        .iter()
        .filter(move |(c, _)| *c == code)
        .map(|(_, v)| v.as_str())
}
