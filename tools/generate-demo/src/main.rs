//! Writes the generated part of the demo consortium in `assets/demo/`: the discipline tree,
//! a few thousand catalogue records with holdings, the Shanghai centre library's CNMARC
//! catalogue, and the sample PDF documents.
//!
//! The output is deterministic (a fixed-seed generator), so running it again changes nothing:
//! `cargo run -p generate-demo`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

mod cnmarc;

const RECORDS: usize = 3000;

/// A tiny deterministic generator (SplitMix64): the demo data must not change between runs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// A discipline: id, English and Chinese names, sub-disciplines, classification and topics.
struct Discipline {
    id: &'static str,
    name: &'static str,
    name_zh: &'static str,
    subs: &'static [(&'static str, &'static str, &'static str)],
    /// LCC class stems with their number range.
    lcc: &'static [(&'static str, u32, u32)],
    /// DDC ranges.
    ddc: (u32, u32),
    /// CLC classes.
    clc: &'static [&'static str],
    topics: &'static [&'static str],
    topics_zh: &'static [&'static str],
}

const DISCIPLINES: &[Discipline] = &[
    Discipline {
        id: "philosophy-religion",
        name: "Philosophy and Religion",
        name_zh: "哲学与宗教",
        subs: &[
            ("philosophy", "Philosophy", "哲学"),
            ("ethics", "Ethics", "伦理学"),
            ("religious-studies", "Religious Studies", "宗教学"),
        ],
        lcc: &[
            ("B", 1, 5800),
            ("BJ", 1, 2195),
            ("BL", 1, 2790),
            ("BR", 1, 1725),
        ],
        ddc: (100, 299),
        clc: &["B", "B2", "B82", "B9"],
        topics: &[
            "Moral Philosophy",
            "Epistemology",
            "Phenomenology",
            "Stoicism",
            "Philosophy of Mind",
            "Confucian Ethics",
            "Buddhist Thought",
            "Pragmatism",
            "Existentialism",
            "Political Philosophy",
            "Logic",
            "Comparative Religion",
            "Philosophy of Science",
            "Virtue Ethics",
            "Daoism",
        ],
        topics_zh: &[
            "中国哲学",
            "伦理学",
            "宋明理学",
            "佛教思想",
            "道家哲学",
            "西方哲学",
            "逻辑学",
            "儒家伦理",
        ],
    },
    Discipline {
        id: "history",
        name: "History",
        name_zh: "历史",
        subs: &[
            ("world-history", "World History", "世界史"),
            ("asian-history", "Asian History", "亚洲史"),
            ("american-history", "American History", "美国史"),
        ],
        lcc: &[
            ("D", 1, 2027),
            ("DS", 1, 937),
            ("E", 11, 975),
            ("F", 1, 3799),
        ],
        ddc: (900, 999),
        clc: &["K", "K2", "K3", "K7"],
        topics: &[
            "the Silk Road",
            "the Industrial Revolution",
            "the Ming Dynasty",
            "the Cold War",
            "Reconstruction",
            "the Atlantic World",
            "Empire and Trade",
            "the Great Depression",
            "Medieval Europe",
            "the Meiji Restoration",
            "Migration",
            "the Civil Rights Movement",
            "Urban History",
            "the Song Dynasty",
            "Revolutionary France",
        ],
        topics_zh: &[
            "中国近代史",
            "明清社会",
            "丝绸之路",
            "唐代文化",
            "世界史",
            "上海城市史",
            "宋代经济",
        ],
    },
    Discipline {
        id: "language-literature",
        name: "Language and Literature",
        name_zh: "语言与文学",
        subs: &[
            ("linguistics", "Linguistics", "语言学"),
            ("english-literature", "English Literature", "英语文学"),
            ("chinese-literature", "Chinese Literature", "中国文学"),
        ],
        lcc: &[
            ("P", 1, 1091),
            ("PE", 1, 3729),
            ("PL", 1, 8844),
            ("PR", 1, 9680),
            ("PS", 1, 3626),
        ],
        ddc: (400, 499),
        clc: &["H", "I", "I2", "I3", "I7"],
        topics: &[
            "Victorian Fiction",
            "Second Language Acquisition",
            "Sociolinguistics",
            "Modernist Poetry",
            "Classical Chinese Poetry",
            "Narrative Theory",
            "the Novel",
            "Translation Studies",
            "Phonology",
            "World Literature",
            "Shakespeare",
            "Literary Theory",
            "Corpus Linguistics",
            "Tang Poetry",
            "Postcolonial Writing",
        ],
        topics_zh: &[
            "唐诗",
            "红楼梦",
            "现代汉语",
            "鲁迅研究",
            "宋词",
            "比较文学",
            "语言学概论",
            "翻译理论",
        ],
    },
    Discipline {
        id: "arts",
        name: "Arts and Architecture",
        name_zh: "艺术与建筑",
        subs: &[
            ("fine-arts", "Fine Arts", "美术"),
            ("music", "Music", "音乐"),
            ("architecture", "Architecture", "建筑学"),
        ],
        lcc: &[
            ("N", 1, 9211),
            ("NA", 1, 9428),
            ("ND", 1, 3416),
            ("M", 1, 5000),
            ("ML", 1, 3930),
        ],
        ddc: (700, 799),
        clc: &["J", "J2", "J6", "TU"],
        topics: &[
            "Renaissance Painting",
            "Modern Architecture",
            "Ink Painting",
            "Photography",
            "Jazz",
            "Baroque Music",
            "Sculpture",
            "Urban Design",
            "Film",
            "Museum Studies",
            "Contemporary Art",
            "Chinese Calligraphy",
            "Opera",
            "Graphic Design",
        ],
        topics_zh: &[
            "中国书法",
            "山水画",
            "建筑史",
            "京剧艺术",
            "音乐美学",
            "园林艺术",
        ],
    },
    Discipline {
        id: "social-sciences",
        name: "Social Sciences",
        name_zh: "社会科学",
        subs: &[
            ("sociology", "Sociology", "社会学"),
            ("psychology", "Psychology", "心理学"),
            ("political-science", "Political Science", "政治学"),
        ],
        lcc: &[
            ("H", 1, 99),
            ("HM", 401, 1281),
            ("HN", 1, 995),
            ("BF", 1, 990),
            ("J", 1, 981),
            ("JZ", 6, 6530),
        ],
        ddc: (300, 329),
        clc: &["C", "C91", "B84", "D"],
        topics: &[
            "Social Inequality",
            "Cognitive Psychology",
            "Public Opinion",
            "Urbanization",
            "Developmental Psychology",
            "International Relations",
            "Social Networks",
            "Democracy",
            "Family and Kinship",
            "Survey Methods",
            "Gender and Society",
            "Migration and Identity",
            "Behavioral Science",
        ],
        topics_zh: &[
            "社会学概论",
            "城市化",
            "社会心理学",
            "国际关系",
            "社会调查方法",
            "发展心理学",
        ],
    },
    Discipline {
        id: "economics-business",
        name: "Economics and Business",
        name_zh: "经济与管理",
        subs: &[
            ("economics", "Economics", "经济学"),
            ("management", "Management", "管理学"),
            ("finance", "Finance and Accounting", "金融与会计"),
        ],
        lcc: &[
            ("HB", 1, 3840),
            ("HC", 10, 1085),
            ("HD", 28, 9999),
            ("HF", 1, 6182),
            ("HG", 1, 9999),
        ],
        ddc: (330, 339),
        clc: &["F", "F2", "F8", "C93"],
        topics: &[
            "Behavioral Economics",
            "Corporate Finance",
            "Development Economics",
            "Supply Chains",
            "Marketing",
            "Econometrics",
            "Entrepreneurship",
            "Monetary Policy",
            "Accounting",
            "Labor Markets",
            "Game Theory",
            "Strategic Management",
            "Financial Markets",
        ],
        topics_zh: &[
            "中国经济",
            "宏观经济学",
            "公司金融",
            "市场营销",
            "会计学原理",
            "计量经济学",
            "管理学",
        ],
    },
    Discipline {
        id: "law",
        name: "Law",
        name_zh: "法学",
        subs: &[
            ("constitutional-law", "Constitutional Law", "宪法学"),
            ("international-law", "International Law", "国际法"),
            ("us-law", "United States Law", "美国法"),
        ],
        lcc: &[
            ("K", 1, 7720),
            ("KF", 1, 9827),
            ("KZ", 2, 7500),
            ("KNQ", 1, 4999),
        ],
        ddc: (340, 349),
        clc: &["D9", "D92", "D99"],
        topics: &[
            "Contract Law",
            "Constitutional Interpretation",
            "Human Rights",
            "Intellectual Property",
            "Criminal Procedure",
            "Environmental Law",
            "International Trade Law",
            "Legal Research",
            "Torts",
            "Comparative Law",
            "Administrative Law",
        ],
        topics_zh: &["民法典", "宪法学", "国际法", "知识产权法", "刑事诉讼法"],
    },
    Discipline {
        id: "education",
        name: "Education",
        name_zh: "教育",
        subs: &[
            ("teaching", "Teaching and Learning", "教学"),
            ("higher-education", "Higher Education", "高等教育"),
        ],
        lcc: &[("L", 7, 991), ("LB", 5, 3640), ("LC", 8, 6691)],
        ddc: (370, 379),
        clc: &["G4", "G64"],
        topics: &[
            "Curriculum Design",
            "Educational Assessment",
            "Literacy",
            "Online Learning",
            "Inclusive Education",
            "Higher Education Policy",
            "Classroom Management",
            "Early Childhood Education",
            "Information Literacy",
        ],
        topics_zh: &["教育学原理", "高等教育", "课程与教学", "教育心理学"],
    },
    Discipline {
        id: "mathematics",
        name: "Mathematics and Statistics",
        name_zh: "数学与统计",
        subs: &[
            ("pure-mathematics", "Pure Mathematics", "基础数学"),
            ("statistics", "Statistics", "统计学"),
        ],
        lcc: &[("QA", 1, 939)],
        ddc: (510, 519),
        clc: &["O1", "O21", "C8"],
        topics: &[
            "Linear Algebra",
            "Real Analysis",
            "Probability",
            "Bayesian Statistics",
            "Number Theory",
            "Topology",
            "Differential Equations",
            "Combinatorics",
            "Statistical Learning",
            "Regression Analysis",
            "Abstract Algebra",
            "Numerical Methods",
        ],
        topics_zh: &["高等数学", "线性代数", "概率论", "数理统计", "数学分析"],
    },
    Discipline {
        id: "physical-sciences",
        name: "Physical Sciences",
        name_zh: "物理科学",
        subs: &[
            ("physics", "Physics", "物理学"),
            ("chemistry", "Chemistry", "化学"),
            ("astronomy", "Astronomy", "天文学"),
        ],
        lcc: &[("QB", 1, 991), ("QC", 1, 999), ("QD", 1, 999)],
        ddc: (520, 549),
        clc: &["O3", "O4", "O6", "P1"],
        topics: &[
            "Quantum Mechanics",
            "Organic Chemistry",
            "Thermodynamics",
            "Astrophysics",
            "Electromagnetism",
            "Physical Chemistry",
            "Condensed Matter",
            "Spectroscopy",
            "Cosmology",
            "Analytical Chemistry",
            "Optics",
        ],
        topics_zh: &["量子力学", "有机化学", "热力学", "天体物理", "物理化学"],
    },
    Discipline {
        id: "earth-environment",
        name: "Earth and Environmental Sciences",
        name_zh: "地球与环境科学",
        subs: &[
            ("geology", "Geology", "地质学"),
            ("environmental-science", "Environmental Science", "环境科学"),
            ("geography", "Geography", "地理学"),
        ],
        lcc: &[
            ("QE", 1, 996),
            ("GE", 1, 350),
            ("G", 1, 922),
            ("GB", 3, 5030),
        ],
        ddc: (550, 559),
        clc: &["P5", "X", "K9"],
        topics: &[
            "Climate Change",
            "Hydrology",
            "Plate Tectonics",
            "Ecosystem Services",
            "Remote Sensing",
            "Air Pollution",
            "Geographic Information Systems",
            "Sustainability",
            "Oceanography",
            "Soil Science",
        ],
        topics_zh: &["气候变化", "环境科学", "地理信息系统", "水文学", "生态文明"],
    },
    Discipline {
        id: "life-sciences",
        name: "Life Sciences",
        name_zh: "生命科学",
        subs: &[
            ("biology", "Biology", "生物学"),
            ("ecology", "Ecology", "生态学"),
            ("genetics", "Genetics", "遗传学"),
        ],
        lcc: &[
            ("QH", 1, 705),
            ("QK", 1, 989),
            ("QL", 1, 991),
            ("QR", 1, 502),
        ],
        ddc: (570, 599),
        clc: &["Q", "Q3", "Q14", "Q93"],
        topics: &[
            "Molecular Biology",
            "Evolution",
            "Cell Biology",
            "Microbiology",
            "Population Genetics",
            "Marine Biology",
            "Neuroscience",
            "Plant Physiology",
            "Biodiversity",
            "Bioinformatics",
            "Animal Behavior",
        ],
        topics_zh: &["分子生物学", "遗传学", "细胞生物学", "生态学", "微生物学"],
    },
    Discipline {
        id: "medicine-health",
        name: "Medicine and Health",
        name_zh: "医学与健康",
        subs: &[
            ("clinical-medicine", "Clinical Medicine", "临床医学"),
            ("nursing", "Nursing", "护理学"),
            ("public-health", "Public Health", "公共卫生"),
        ],
        lcc: &[
            ("R", 5, 920),
            ("RA", 1, 1270),
            ("RC", 31, 1245),
            ("RT", 1, 120),
        ],
        ddc: (610, 619),
        clc: &["R", "R1", "R4", "R47"],
        topics: &[
            "Epidemiology",
            "Nursing Practice",
            "Pharmacology",
            "Global Health",
            "Anatomy",
            "Evidence-Based Medicine",
            "Mental Health",
            "Nutrition",
            "Health Policy",
            "Pediatrics",
            "Infectious Diseases",
        ],
        topics_zh: &["中医学", "流行病学", "护理学", "公共卫生", "药理学"],
    },
    Discipline {
        id: "engineering-technology",
        name: "Engineering and Technology",
        name_zh: "工程与技术",
        subs: &[
            ("civil-engineering", "Civil Engineering", "土木工程"),
            (
                "electrical-engineering",
                "Electrical Engineering",
                "电气工程",
            ),
            (
                "mechanical-engineering",
                "Mechanical Engineering",
                "机械工程",
            ),
        ],
        lcc: &[
            ("T", 1, 995),
            ("TA", 1, 2040),
            ("TJ", 1, 1570),
            ("TK", 1, 9971),
        ],
        ddc: (620, 629),
        clc: &["TB", "TH", "TM", "TN", "TU"],
        topics: &[
            "Structural Analysis",
            "Control Systems",
            "Renewable Energy",
            "Materials Science",
            "Signal Processing",
            "Fluid Mechanics",
            "Robotics",
            "Power Electronics",
            "Transportation Engineering",
            "Manufacturing",
        ],
        topics_zh: &["电路原理", "机械设计", "结构力学", "自动控制", "新能源技术"],
    },
    Discipline {
        id: "computer-science",
        name: "Computer Science",
        name_zh: "计算机科学",
        subs: &[
            ("software", "Software and Programming", "软件与编程"),
            ("data-science", "Data Science", "数据科学"),
            (
                "information-science",
                "Library and Information Science",
                "图书情报学",
            ),
        ],
        lcc: &[("QA", 75, 76), ("Z", 665, 718)],
        ddc: (4, 6),
        clc: &["TP3", "TP31", "TP18", "G25"],
        topics: &[
            "Algorithms",
            "Machine Learning",
            "Databases",
            "Operating Systems",
            "Computer Networks",
            "Programming Languages",
            "Information Retrieval",
            "Data Visualization",
            "Software Engineering",
            "Cybersecurity",
            "Human-Computer Interaction",
            "Metadata",
            "Digital Libraries",
        ],
        topics_zh: &[
            "数据结构",
            "人工智能",
            "机器学习",
            "数据库系统",
            "计算机网络",
            "信息检索",
            "图书馆学",
        ],
    },
];

const TEMPLATES: &[&str] = &[
    "An Introduction to {t}",
    "{t}: A Critical Introduction",
    "Principles of {t}",
    "{t} in Practice",
    "The Oxford Handbook of {t}",
    "Rethinking {t}",
    "Foundations of {t}",
    "{t}: Theory and Method",
    "New Perspectives on {t}",
    "A History of {t}",
    "{t} and Its Discontents",
    "Readings in {t}",
    "Essentials of {t}",
    "Advances in {t}",
    "{t} for Researchers",
    "Understanding {t}",
    "The Cambridge Companion to {t}",
    "Debates in {t}",
];

const SUBTITLES: &[&str] = &[
    "Concepts, Cases and Controversies",
    "A Global Perspective",
    "Methods and Applications",
    "From Theory to Practice",
    "Past, Present and Future",
    "Essays in Honour of a Teacher",
    "An Interdisciplinary Approach",
    "Second Edition",
    "Selected Readings",
    "Evidence from Fieldwork",
];

const TEMPLATES_ZH: &[&str] = &[
    "{t}导论",
    "{t}研究",
    "{t}概论",
    "{t}教程",
    "{t}新论",
    "{t}十讲",
    "{t}史稿",
    "当代{t}",
];

const GIVEN: &[&str] = &[
    "Margaret", "David", "Aisha", "Tomás", "Ingrid", "Kwame", "Priya", "Jonathan", "Elena",
    "Hiroshi", "Fatima", "Samuel", "Chloé", "Rafael", "Nadia", "Oliver", "Grace", "Mateus",
    "Leila", "Patrick", "Sofia", "Daniel", "Yuki", "Amara", "Henrik",
];
const FAMILY: &[&str] = &[
    "Whitfield",
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Moreau",
    "Castillo",
    "Nakamura",
    "Brennan",
    "Adeyemi",
    "Kowalski",
    "Fernández",
    "Schreiber",
    "Patel",
    "O'Connell",
    "Rahman",
    "Thompson",
    "Novak",
    "Delacroix",
    "Mensah",
    "Ivanova",
    "Gallagher",
    "Sato",
    "Bergström",
    "Alvarez",
    "Chen",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
];
const NAMES_ZH: &[&str] = &[
    "王明",
    "李华",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄蕾",
    "周敏",
    "吴强",
    "徐丽",
    "孙浩",
    "马晓燕",
    "朱建国",
    "胡玲",
];

const PUBLISHERS: &[(&str, &str)] = &[
    ("Oxford University Press", "Oxford"),
    ("Cambridge University Press", "Cambridge"),
    ("Routledge", "London"),
    ("Springer", "Cham"),
    ("Princeton University Press", "Princeton, NJ"),
    ("University of Chicago Press", "Chicago"),
    ("MIT Press", "Cambridge, MA"),
    ("Wiley", "Hoboken, NJ"),
    ("Yale University Press", "New Haven"),
    ("Palgrave Macmillan", "London"),
    ("Elsevier", "Amsterdam"),
    ("Harvard University Press", "Cambridge, MA"),
];
const PUBLISHERS_ZH: &[(&str, &str)] = &[
    ("商务印书馆", "北京"),
    ("中华书局", "北京"),
    ("北京大学出版社", "北京"),
    ("上海古籍出版社", "上海"),
    ("高等教育出版社", "北京"),
    ("复旦大学出版社", "上海"),
];

/// Library id, locations, and its weight in the union catalogue.
const LIBRARIES: &[(&str, &[&str], usize)] = &[
    (
        "central",
        &[
            "Main Stacks, Level 3",
            "Main Stacks, Level 4",
            "Reference Room",
            "Information Commons",
        ],
        40,
    ),
    ("lakeshore", &["Science Stacks", "Reading Room"], 20),
    ("westfield", &["Law Stacks", "Business Collection"], 12),
    ("harbor", &["Health Sciences Stacks", "Reserve Desk"], 12),
    ("desert", &["General Collection"], 8),
    ("shanghai", &["中文图书", "General Collection"], 8),
];

fn isbn13(rng: &mut Rng) -> String {
    let mut digits: Vec<u32> = vec![9, 7, 8];
    digits.push(*rng.pick(&[0, 1]));
    for _ in 0..8 {
        digits.push(rng.below(10) as u32);
    }
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    digits.push((10 - sum % 10) % 10);
    digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
        .collect()
}

fn cutter(name: &str, rng: &mut Rng) -> String {
    let initial = name
        .chars()
        .find(|c| c.is_ascii_alphabetic())
        .unwrap_or('X')
        .to_ascii_uppercase();
    format!("{initial}{}", 10 + rng.below(89))
}

fn record(n: usize, rng: &mut Rng) -> Value {
    let d = rng.pick(DISCIPLINES);
    let chinese = rng.chance(11);
    let year = 1955 + rng.below(71) as i64;
    let (title, subtitle, authors, publisher, place, language) = if chinese {
        let t = rng.pick(d.topics_zh);
        let title = rng.pick(TEMPLATES_ZH).replace("{t}", t);
        let mut authors = vec![rng.pick(NAMES_ZH).to_string()];
        if rng.chance(30) {
            authors.push(rng.pick(NAMES_ZH).to_string());
        }
        let (p, pl) = rng.pick(PUBLISHERS_ZH);
        (title, None, authors, p.to_string(), pl.to_string(), "chi")
    } else {
        let t = rng.pick(d.topics);
        let title = rng.pick(TEMPLATES).replace("{t}", t);
        let subtitle = rng.chance(35).then(|| rng.pick(SUBTITLES).to_string());
        let count = 1 + usize::from(rng.chance(35)) + usize::from(rng.chance(10));
        let authors: Vec<String> = (0..count)
            .map(|_| format!("{}, {}", rng.pick(FAMILY), rng.pick(GIVEN)))
            .collect();
        let (p, pl) = rng.pick(PUBLISHERS);
        let language = if rng.chance(4) {
            *rng.pick(&["fre", "ger", "spa"])
        } else {
            "eng"
        };
        (
            title,
            subtitle,
            authors,
            p.to_string(),
            pl.to_string(),
            language,
        )
    };
    let format = match rng.below(100) {
        0..=69 => "book",
        70..=81 => "ebook",
        82..=87 => "journal",
        88..=93 => "thesis",
        94..=97 => "video",
        _ => "map",
    };
    let (stem, lo, hi) = rng.pick(d.lcc);
    let class = lo + rng.below((hi - lo + 1) as usize) as u32;
    let cut = cutter(&authors[0], rng);
    let lcc = format!("{stem}{class}");
    let ddc_whole = d.ddc.0 + rng.below((d.ddc.1 - d.ddc.0 + 1) as usize) as u32;
    let ddc = format!("{ddc_whole:03}.{}", rng.below(999));
    let clc = format!("{}{}", rng.pick(d.clc), rng.below(99));
    let sub = rng.pick(d.subs);
    // Records get their disciplines from their classification numbers when seeded. This
    // draw once picked a second discipline; it stays so the catalogue generates unchanged.
    if rng.chance(12) {
        let other = rng.pick(DISCIPLINES);
        rng.pick(other.subs);
    }
    let subjects = vec![
        format!("{} -- Study and teaching", sub.1),
        if chinese {
            title.clone()
        } else {
            d.topics[rng.below(d.topics.len())].to_string()
        },
    ];
    let total_weight: usize = LIBRARIES.iter().map(|l| l.2).sum();
    let copies = 1 + rng.below(3) + usize::from(rng.chance(20)) * 2;
    let mut holdings = Vec::new();
    for c in 0..copies {
        let mut w = rng.below(total_weight);
        let lib = LIBRARIES
            .iter()
            .find(|l| {
                if w < l.2 {
                    true
                } else {
                    w -= l.2;
                    false
                }
            })
            .unwrap_or(&LIBRARIES[0]);
        let (library, locations) = if chinese && rng.chance(60) {
            (LIBRARIES[5].0, LIBRARIES[5].1)
        } else {
            (lib.0, lib.1)
        };
        let status = match rng.below(100) {
            0..=61 => "available",
            62..=84 => "on_loan",
            85..=91 => "reference",
            92..=96 => "in_transit",
            _ => "missing",
        };
        let due = (status == "on_loan")
            .then(|| format!("2026-{:02}-{:02}", 12 - rng.below(2), 1 + rng.below(28)));
        holdings.push(json!({
            "id": format!("h{n:05}-{c}"),
            "library": library,
            "call_number": format!("{lcc} .{cut} {year}"),
            "location": rng.pick(locations),
            "status": status,
            "due": due,
        }));
    }
    let summary = (!chinese && rng.chance(40)).then(|| {
        format!(
            "Examines {} through case studies and primary sources, with chapters on method, debate and recent research. Intended for upper-level undergraduates and researchers.",
            d.topics[rng.below(d.topics.len())].to_lowercase()
        )
    });
    json!({
        "id": format!("demo-{n:05}"),
        "title": title,
        "subtitle": subtitle,
        "authors": authors,
        "publisher": publisher,
        "place": place,
        "year": year,
        "language": language,
        "format": format,
        "isbn": (format == "book" || format == "ebook").then(|| isbn13(rng)),
        "lcc": format!("{lcc} .{cut}"),
        "ddc": ddc,
        "clc": clc,
        "subjects": subjects,
        "summary": summary,
        "holdings": holdings,
    })
}

fn disciplines_json() -> Value {
    let mut out = Vec::new();
    for (i, d) in DISCIPLINES.iter().enumerate() {
        out.push(json!({ "id": d.id, "parent": null, "name": d.name, "name_zh": d.name_zh, "position": i }));
        for (j, (id, name, name_zh)) in d.subs.iter().enumerate() {
            out.push(json!({ "id": id, "parent": d.id, "name": name, "name_zh": name_zh, "position": j }));
        }
    }
    Value::Array(out)
}

/// A minimal PDF 1.4 writer: Helvetica text, one text block per page.
fn pdf(title: &str, pages: &[Vec<String>]) -> Vec<u8> {
    let escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let mut objects: Vec<String> = Vec::new();
    let page_count = pages.len();
    // 1: catalog, 2: pages, 3: font, 4: info, then page/content pairs.
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".to_owned());
    let kids: Vec<String> = (0..page_count)
        .map(|i| format!("{} 0 R", 5 + i * 2))
        .collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
        kids.join(" ")
    ));
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    );
    objects.push(format!(
        "<< /Title ({}) /Producer (Commons demo data) >>",
        escape(title)
    ));
    for (i, lines) in pages.iter().enumerate() {
        let mut content = String::from("BT /F1 11 Tf 14 TL 72 720 Td\n");
        for (k, line) in lines.iter().enumerate() {
            if k == 0 && i == 0 {
                let _ = writeln!(content, "/F1 18 Tf ({}) Tj T* T* /F1 11 Tf", escape(line));
            } else {
                let _ = writeln!(content, "({}) Tj T*", escape(line));
            }
        }
        let _ = writeln!(content, "ET BT /F1 9 Tf 290 40 Td (Page {}) Tj ET", i + 1);
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            6 + i * 2
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(tail, "{o:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(tail.as_bytes());
    out
}

/// Wraps paragraphs to lines of at most `width` characters and pages of `per_page` lines.
fn paginate(title: &str, paragraphs: &[&str], width: usize, per_page: usize) -> Vec<Vec<String>> {
    let mut lines = vec![title.to_owned(), String::new()];
    for p in paragraphs {
        if let Some(heading) = p.strip_prefix("# ") {
            lines.push(String::new());
            lines.push(heading.to_uppercase());
            continue;
        }
        let mut line = String::new();
        for word in p.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
        lines.push(String::new());
    }
    lines.chunks(per_page).map(<[String]>::to_vec).collect()
}

fn main() {
    let out: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    std::fs::create_dir_all(out.join("documents")).expect("create assets/demo/documents");
    let mut rng = Rng(0x00c0_ffee_2026);
    let records: Vec<Value> = (1..=RECORDS).map(|n| record(n, &mut rng)).collect();
    let write = |name: &str, value: &Value| {
        let mut text = serde_json::to_string_pretty(value).expect("serialize");
        text.push('\n');
        std::fs::write(out.join(name), text).expect("write demo file");
    };
    std::fs::write(
        out.join("../taxonomy/disciplines.json"),
        serde_json::to_string_pretty(&disciplines_json()).expect("serialize") + "\n",
    )
    .expect("write the taxonomy");
    // One record per line keeps diffs of the catalogue readable.
    let mut catalogue = String::from("[\n");
    for (i, r) in records.iter().enumerate() {
        catalogue.push_str(&serde_json::to_string(r).expect("serialize"));
        catalogue.push_str(if i + 1 < records.len() { ",\n" } else { "\n" });
    }
    catalogue.push_str("]\n");
    std::fs::write(out.join("catalogue.json"), catalogue).expect("write catalogue");

    let mut documents = Vec::new();
    for (file, title, discipline, paragraphs) in DOCUMENTS {
        let pages = paginate(title, paragraphs, 88, 44);
        std::fs::write(out.join("documents").join(file), pdf(title, &pages)).expect("write pdf");
        documents.push(
            json!({ "file": file, "title": title, "discipline": discipline, "pages": pages.len() }),
        );
    }
    // A longer reading, so the viewer has pages to move between.
    let (file, title, discipline) = (
        "reference-desk-questions.pdf",
        "Questions at the Reference Desk: A Reader for New Students",
        "information-science",
    );
    let paragraphs = reference_questions();
    let borrowed: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    let pages = paginate(title, &borrowed, 88, 44);
    std::fs::write(out.join("documents").join(file), pdf(title, &pages)).expect("write pdf");
    documents.push(
        json!({ "file": file, "title": title, "discipline": discipline, "pages": pages.len() }),
    );
    write("documents.json", &Value::Array(documents));
    std::fs::write(out.join("shanghai.cnmarc"), cnmarc::catalogue())
        .expect("write the CNMARC catalogue");
    println!(
        "wrote {} records and {} documents to {}",
        records.len(),
        DOCUMENTS.len() + 1,
        out.display()
    );
}

/// Questions students ask at the reference desk, one section per subject.
fn reference_questions() -> Vec<String> {
    const SUBJECTS: &[&str] = &[
        "history",
        "chemistry",
        "law",
        "nursing",
        "economics",
        "linguistics",
        "music",
        "geology",
    ];
    const TASKS: &[(&str, &str)] = &[
        (
            "How do I find a peer-reviewed article on",
            "Start in the best bet database of the discipline, limit the results to peer-reviewed journals, and read the references of the best article you find: they lead to the next ones. A reference librarian can show you the thesaurus of subject terms that the database uses.",
        ),
        (
            "Where is a print book about",
            "Search the catalogue, write down the call number and the branch, and check the availability, which the record shows as of the time of your search. Books on loan can be requested from any member library and collected at the desk of your choice.",
        ),
        (
            "How do I cite a government report on",
            "Give the organisation as the author, then the year, the title in italics, the report number and the publisher. For a report read online, add the web address and the date you consulted it. The citation guide in the Documents screen has examples in four styles.",
        ),
        (
            "Can I borrow a thesis on",
            "Theses are reference only in most branches. Read them in the Information Commons, where the full text of many recent theses is also on the workstations; the thesis record in the catalogue says where the printed copy is kept.",
        ),
        (
            "Who can help me with the statistics for a project in",
            "Book a consultation with the data librarian from the Consultations screen. Bring your data file, your research question and the name of the software you plan to use; the workstations have R, Stata and SPSS installed.",
        ),
    ];
    let mut out = vec![
        "This reader collects the questions students most often bring to the reference desks of the Meridian Library Consortium, with the answers the librarians give. Each section takes one subject; the answers apply, with small changes, to every other subject too.".to_owned(),
    ];
    for subject in SUBJECTS {
        let mut heading = subject.to_string();
        heading[..1].make_ascii_uppercase();
        out.push(format!("# {heading}"));
        for (question, answer) in TASKS {
            out.push(format!("{question} {subject}? {answer}"));
        }
    }
    out.push("# Still stuck?".to_owned());
    out.push("Ask at any desk, book a consultation, or write to the librarians from the Consultations screen. No question is too small: the librarians would rather help early than late.".to_owned());
    out
}

type Doc = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const DOCUMENTS: &[Doc] = &[
    (
        "citing-sources.pdf",
        "Citing Sources: A Guide for Students",
        "information-science",
        &[
            "This guide explains why and how to cite the sources you use in essays, reports and theses. It was written by the reference librarians of the Meridian Library Consortium for students working in the Information Commons.",
            "# Why cite",
            "A citation tells your reader where an idea, a quotation or a piece of data came from. It gives credit to the author, lets the reader find the source, and shows the care with which you built your argument. Failing to cite is plagiarism, even when it is accidental.",
            "# What to cite",
            "Cite every direct quotation, every paraphrase of another writer's argument, every table, figure or data set you reuse, and every fact that is not common knowledge in your field. When in doubt, cite.",
            "# Choosing a style",
            "Your department or instructor usually names a citation style. Humanities often use the Chicago Manual of Style or MLA; the social sciences use APA; engineering uses IEEE; law uses the Bluebook or OSCOLA. The catalogue can export any record as RIS, BibTeX or CSL-JSON, which every reference manager imports.",
            "# Reference managers",
            "Zotero, installed on every Information Commons workstation, collects references from the catalogue and databases, stores PDF files beside them and formats bibliographies in thousands of styles. Ask at the reference desk for a fifteen-minute introduction.",
            "# Quoting and paraphrasing",
            "Quote when the exact words matter. Paraphrase when the idea matters more than the wording, and then write the idea in your own sentence structure, not by replacing words with synonyms. Both need a citation.",
            "# Getting help",
            "Book a consultation with a subject librarian from the Consultations screen. Bring the assignment, the sources you have found and the questions you have; thirty minutes is usually enough to settle a bibliography.",
        ],
    ),
    (
        "literature-review.pdf",
        "Writing a Literature Review",
        "teaching",
        &[
            "A literature review surveys what has been published on a question, groups it by theme or method, and shows where your own work fits. This handout walks through the process step by step.",
            "# Define the question",
            "Start from a question narrow enough to answer: not climate change, but the effect of urban heat islands on hospital admissions in mid-sized cities. Write it down and keep it in front of you while you search.",
            "# Search systematically",
            "List the concepts in your question and their synonyms. Search the union catalogue for books, then the subject databases for articles. Record every search you run, the database, the date and the number of results, so your search can be repeated and reported.",
            "# Read and record",
            "Skim abstracts first, then read the most relevant studies closely. For each one note the question, method, sample, findings and limitations. A spreadsheet or a reference manager with notes works well.",
            "# Synthesise",
            "Group the studies by theme, method or period, and write about the groups rather than summarising one paper after another. Point out agreement, disagreement and gaps: the gap is usually where your own project begins.",
            "# Revise",
            "Check that every claim is supported by a citation, that the structure follows your themes, and that the review ends by stating the question your own work will answer.",
        ],
    ),
    (
        "research-data.pdf",
        "Research Data Management: A Primer",
        "data-science",
        &[
            "Funders and journals increasingly expect researchers to manage, preserve and share the data behind their publications. This primer covers the basics for graduate students and early-career researchers.",
            "# Plan",
            "A data management plan says what data you will collect, in which formats, how you will document and store it, who may access it and where it will be preserved. Write it before you collect anything.",
            "# Organise",
            "Use consistent file names with dates in ISO form (2026-11-27), keep raw data read-only, and record every transformation in a script rather than by hand. A README file in each folder explains what the folder holds.",
            "# Store and back up",
            "Keep three copies on two kinds of media, one of them off site. Workstation disks in the Information Commons are wiped at logout; save your work to your university storage before you leave.",
            "# Share and preserve",
            "Deposit data in a trusted repository with a persistent identifier, choose a licence, and cite data sets in your references like any other source. Sensitive data about people needs consent and may need anonymisation before sharing.",
        ],
    ),
    (
        "statistics-software.pdf",
        "Statistical Software in the Information Commons",
        "statistics",
        &[
            "The workstations of the Information Commons carry R, RStudio, Python with Jupyter, SPSS and Stata. This leaflet helps you choose between them and find help.",
            "# R and RStudio",
            "R is free and has packages for almost every statistical method. RStudio makes it easier to write scripts, view data and produce reports. Choose R when your course uses it or when you want your analysis to be reproducible on any computer.",
            "# Python",
            "Python with pandas, statsmodels and scikit-learn suits data cleaning, machine learning and work that mixes statistics with programming. Jupyter notebooks keep code, output and notes together.",
            "# SPSS and Stata",
            "SPSS offers menus for common analyses and is widely taught in the social sciences and health sciences. Stata is popular in economics and epidemiology for panel data and survey analysis. Both are licensed for on-site use only, so run them at the workstation.",
            "# Getting help",
            "The data services librarian holds consultation hours every week. Book from the Consultations screen and bring your data and your research question.",
        ],
    ),
];
