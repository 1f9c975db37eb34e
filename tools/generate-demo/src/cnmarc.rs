//! The Shanghai centre library's catalogue in CNMARC (the Chinese profile of UNIMARC), as
//! Chinese libraries export it: ISO 2709 in UTF-8 (said in the 100 field, not the leader),
//! titles and pinyin in 200, CLC numbers in 690, Chinese subject headings in 606, names in
//! 701, holdings in 905; some titles in traditional characters. The demo seeds it through
//! the same reader and mapping as `commons import`, so the whole path shows on a fresh
//! checkout.

use commons_catalogue::marc::{Field, Record, iso2709};

/// Title, whether it is in traditional characters, its pinyin, CLC number, subject heading
/// and its subdivision, year.
const BOOKS: &[(&str, &str, &str, &str, &str, u32)] = &[
    (
        "圖書館學概論",
        "tu shu guan xue gai lun",
        "G250",
        "图书馆学",
        "概论",
        2019,
    ),
    (
        "信息检索教程",
        "xin xi jian suo jiao cheng",
        "G252.7",
        "情报检索",
        "教材",
        2021,
    ),
    (
        "中国古代文学史",
        "zhong guo gu dai wen xue shi",
        "I209.2",
        "中国文学",
        "古代文学史",
        2018,
    ),
    (
        "唐詩選讀",
        "tang shi xuan du",
        "I222.742",
        "唐诗",
        "诗歌欣赏",
        2016,
    ),
    (
        "紅樓夢研究",
        "hong lou meng yan jiu",
        "I207.411",
        "红楼梦",
        "小说研究",
        2020,
    ),
    (
        "臺灣文學史",
        "tai wan wen xue shi",
        "I209.958",
        "台湾文学",
        "文学史",
        2015,
    ),
    (
        "中国近代史纲要",
        "zhong guo jin dai shi gang yao",
        "K25",
        "中国历史",
        "近代史",
        2022,
    ),
    (
        "明清社會經濟史",
        "ming qing she hui jing ji shi",
        "K248",
        "经济史",
        "明清时代",
        2017,
    ),
    (
        "日本史概说",
        "ri ben shi gai shuo",
        "K313",
        "日本",
        "历史",
        2014,
    ),
    (
        "世界通史",
        "shi jie tong shi",
        "K10",
        "世界史",
        "通史",
        2013,
    ),
    (
        "数据结构与算法",
        "shu ju jie gou yu suan fa",
        "TP311.12",
        "数据结构",
        "教材",
        2023,
    ),
    (
        "机器学习导论",
        "ji qi xue xi dao lun",
        "TP181",
        "机器学习",
        "概论",
        2024,
    ),
    (
        "计算机网络",
        "ji suan ji wang luo",
        "TP393",
        "计算机网络",
        "教材",
        2021,
    ),
    (
        "微观经济学原理",
        "wei guan jing ji xue yuan li",
        "F016",
        "微观经济学",
        "教材",
        2020,
    ),
    (
        "货币银行学",
        "huo bi yin hang xue",
        "F820",
        "货币银行学",
        "教材",
        2019,
    ),
    (
        "高等数学",
        "gao deng shu xue",
        "O13",
        "高等数学",
        "教材",
        2022,
    ),
    (
        "概率论与数理统计",
        "gai lü lun yu shu li tong ji",
        "O21",
        "概率论",
        "教材",
        2021,
    ),
    ("大学物理", "da xue wu li", "O4", "物理学", "教材", 2020),
    (
        "环境科学导论",
        "huan jing ke xue dao lun",
        "X1",
        "环境科学",
        "概论",
        2018,
    ),
    (
        "中国哲学史",
        "zhong guo zhe xue shi",
        "B2",
        "哲学史",
        "中国",
        2012,
    ),
    (
        "心理學導論",
        "xin li xue dao lun",
        "B84",
        "心理学",
        "概论",
        2016,
    ),
    ("法理学", "fa li xue", "D90", "法学理论", "教材", 2023),
    (
        "建築設計原理",
        "jian zhu she ji yuan li",
        "TU2",
        "建筑设计",
        "理论",
        2017,
    ),
    (
        "现代汉语语法",
        "xian dai han yu yu fa",
        "H146",
        "汉语",
        "语法",
        2015,
    ),
];

const AUTHORS: &[(&str, &str)] = &[
    ("王明", "wang ming"),
    ("李华", "li hua"),
    ("张伟", "zhang wei"),
    ("刘洋", "liu yang"),
    ("陈静", "chen jing"),
    ("杨帆", "yang fan"),
    ("赵磊", "zhao lei"),
    ("周敏", "zhou min"),
];

const PUBLISHERS: &[(&str, &str)] = &[
    ("北京大学出版社", "北京"),
    ("上海古籍出版社", "上海"),
    ("高等教育出版社", "北京"),
    ("复旦大学出版社", "上海"),
];

fn data(tag: &str, ind: (char, char), subfields: &[(char, String)]) -> Field {
    Field::Data {
        tag: tag.into(),
        ind1: ind.0,
        ind2: ind.1,
        subfields: subfields.to_vec(),
    }
}

/// An ISBN-13 of the Chinese group (978-7) with a correct check digit.
fn isbn(n: usize) -> String {
    let body = format!("9787{:08}", 30_000_000 + n * 7919 % 10_000_000);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// The records, as one ISO 2709 file.
pub fn catalogue() -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (title, pinyin, clc, heading, subdivision, year)) in BOOKS.iter().enumerate() {
        let (author, author_pinyin) = AUTHORS[i % AUTHORS.len()];
        let (publisher, place) = PUBLISHERS[i % PUBLISHERS.len()];
        let s = |v: &str| v.to_owned();
        let record = Record {
            leader: "00000nam0 2200000   450 ".into(),
            fields: vec![
                Field::Control {
                    tag: "001".into(),
                    value: format!("SH{:06}", i + 1),
                },
                data(
                    "010",
                    (' ', ' '),
                    &[('a', isbn(i + 1)), ('d', s("CNY58.00"))],
                ),
                // Date entered, date type and year, then the character set (50: UTF-8).
                data(
                    "100",
                    (' ', ' '),
                    &[('a', format!("20250301d{year}    em y0chiy50      ea"))],
                ),
                data("101", ('0', ' '), &[('a', s("chi"))]),
                data("102", (' ', ' '), &[('a', s("CN")), ('b', s("310000"))]),
                data(
                    "200",
                    ('1', ' '),
                    &[
                        ('a', s(title)),
                        ('9', s(pinyin)),
                        ('f', format!("{author}编著")),
                    ],
                ),
                data(
                    "210",
                    (' ', ' '),
                    &[
                        ('a', s(place)),
                        ('c', s(publisher)),
                        ('d', year.to_string()),
                    ],
                ),
                data(
                    "215",
                    (' ', ' '),
                    &[('a', format!("{}页", 200 + i * 13)), ('d', s("26cm"))],
                ),
                data(
                    "606",
                    ('0', ' '),
                    &[('a', s(heading)), ('x', s(subdivision))],
                ),
                data("690", (' ', ' '), &[('a', s(clc)), ('v', s("5"))]),
                data(
                    "701",
                    (' ', '0'),
                    &[('a', s(author)), ('9', s(author_pinyin)), ('4', s("编著"))],
                ),
                data(
                    "801",
                    (' ', '0'),
                    &[('a', s("CN")), ('b', s("SHCL")), ('c', s("20250301"))],
                ),
                data(
                    "905",
                    (' ', ' '),
                    &[
                        ('a', s("shanghai")),
                        ('d', s(clc)),
                        (
                            'e',
                            format!("{}{}", &author_pinyin[..1].to_uppercase(), 10 + i),
                        ),
                    ],
                ),
            ],
        };
        let mut bytes = iso2709::write(&record);
        // CNMARC leaves leader position 9 undefined: the 100 field says UTF-8.
        bytes[9] = b' ';
        out.extend(bytes);
    }
    out
}
