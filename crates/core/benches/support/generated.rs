//! Generated catalogue text shared by the benchmarks (the catalogue's import and a hub's
//! first sync draw their records from it): a deterministic generator, a title vocabulary
//! whose words occur by Zipf's law (the commonest in about a third of all titles, as in a
//! real catalogue), one title in ten in Chinese, and authors' names.

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub const BASE: &[&str] = &[
    "history",
    "introduction",
    "theory",
    "study",
    "analysis",
    "social",
    "modern",
    "world",
    "politics",
    "science",
    "culture",
    "society",
    "new",
    "development",
    "research",
    "american",
    "economic",
    "education",
    "english",
    "language",
    "literature",
    "art",
    "health",
    "public",
    "international",
    "law",
    "management",
    "design",
    "systems",
    "data",
    "environment",
    "china",
    "women",
    "war",
    "music",
    "philosophy",
    "religion",
    "medicine",
    "chemistry",
    "physics",
    "biology",
    "mathematics",
    "engineering",
    "computer",
    "information",
    "library",
    "global",
    "urban",
    "rural",
    "policy",
    "practice",
    "handbook",
    "principles",
    "methods",
    "essays",
    "readings",
    "studies",
    "perspectives",
    "approach",
    "change",
    "power",
    "identity",
    "media",
];
pub const SYLLABLES: &[&str] = &[
    "an", "ber", "cal", "dor", "el", "fen", "gra", "hal", "ist", "jor", "ka", "lin", "mor", "nes",
    "or", "pra", "quin", "ros", "sta", "tor", "ul", "ven", "wil", "xan", "yor", "zel", "ment",
    "tion", "ism", "ics", "ure", "ity",
];
pub const FAMILY: &[&str] = &[
    "Smith",
    "Chen",
    "Garcia",
    "Müller",
    "Nakamura",
    "Okafor",
    "Rossi",
    "Kowalski",
    "Dubois",
    "Haddad",
    "Ivanova",
    "Patel",
    "Wang",
    "Li",
    "Johnson",
    "Brown",
    "Martin",
    "Silva",
    "Kim",
    "Nguyen",
    "Andersson",
    "O'Brien",
    "Fernández",
    "Schmidt",
    "Yamamoto",
];
pub const GIVEN: &[&str] = &[
    "Anna", "David", "Maria", "John", "Wei", "Fatima", "Peter", "Sofia", "James", "Yuki", "Omar",
    "Elena", "Thomas", "Aisha", "Lars", "Mei",
];
pub const HANZI: &str = "中国历史文化社会经济研究发展理论教育文学哲学科学技术管理法律政治国际城市环境医学生物化学物理数学工程计算机信息图书馆语言艺术音乐宗教思想现代古代世界方法问题原理概论基础应用";

pub struct Vocabulary {
    pub words: Vec<String>,
    /// Cumulative Zipf weights.
    cumulative: Vec<f64>,
    pub hanzi: Vec<char>,
}

impl Vocabulary {
    pub fn new(rng: &mut Rng) -> Vocabulary {
        let mut words: Vec<String> = BASE.iter().map(|s| s.to_string()).collect();
        let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
        while words.len() < 50_000 {
            let n = 2 + rng.below(3);
            let w: String = (0..n)
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(1.05);
                total
            })
            .collect();
        Vocabulary {
            words,
            cumulative,
            hanzi: HANZI.chars().collect(),
        }
    }

    pub fn word(&self, rng: &mut Rng) -> &str {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let x = rng.unit() * total;
        let i = self
            .cumulative
            .partition_point(|&c| c < x)
            .min(self.words.len() - 1);
        &self.words[i]
    }

    /// A title: one in ten of Chinese characters (then `true`), the others of three to eight
    /// words drawn by Zipf's law.
    pub fn title(&self, rng: &mut Rng) -> (String, bool) {
        let chinese = rng.below(10) == 0;
        let title = if chinese {
            let len = 4 + rng.below(6);
            (0..len)
                .map(|_| self.hanzi[rng.below(self.hanzi.len())])
                .collect::<String>()
        } else {
            let len = 3 + rng.below(6);
            capitalise(
                &(0..len)
                    .map(|_| self.word(rng).to_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        };
        (title, chinese)
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
