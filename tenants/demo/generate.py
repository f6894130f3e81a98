"""Generate the Zhengzhou (郑州市) demo tenant tree as TOML files.

Run from the repository root:

    python tenants/demo/generate.py

One TOML file is written per tenant into this directory (``zz.toml`` for the
city office, ``zz_<county>.toml`` for each county-level office).  Names of
departments, people's organisations, SOEs, institutions, agencies, townships
and subdistricts are real (best knowledge); villages and communities are
fictional and produced by a seeded ``random.Random`` so that re-running the
script yields byte-identical files.  Python 3.11 standard library only.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20240501
OUT_DIR = Path(__file__).resolve().parent
CITY = "郑州市"

# --------------------------------------------------------------------------
# Real-name tables
# --------------------------------------------------------------------------

CITY_DEPARTMENTS = [
    "郑州市纪委监委", "郑州市委办公室", "郑州市委组织部", "郑州市委宣传部", "郑州市委统战部",
    "郑州市委政法委员会", "郑州市委政策研究室", "郑州市委机构编制委员会办公室",
    "郑州市委网络安全和信息化委员会办公室", "郑州市直机关工作委员会", "郑州市委老干部局",
    "郑州市人民政府办公厅", "郑州市发展和改革委员会", "郑州市教育局", "郑州市科学技术局",
    "郑州市工业和信息化局", "郑州市公安局", "郑州市民政局", "郑州市司法局", "郑州市财政局",
    "郑州市人力资源和社会保障局", "郑州市自然资源和规划局", "郑州市生态环境局",
    "郑州市住房保障和房地产管理局", "郑州市城乡建设局", "郑州市城市管理局", "郑州市交通运输局",
    "郑州市水利局", "郑州市农业农村局", "郑州市商务局", "郑州市文化广电和旅游局",
    "郑州市卫生健康委员会", "郑州市退役军人事务局", "郑州市应急管理局", "郑州市审计局",
    "郑州市人民政府外事办公室", "郑州市人民政府国有资产监督管理委员会", "郑州市市场监督管理局",
    "郑州市体育局", "郑州市统计局", "郑州市医疗保障局", "郑州市园林局", "郑州市信访局",
    "郑州市机关事务管理局", "郑州市大数据管理局", "郑州市人民防空办公室", "郑州市地方金融监督管理局",
]
CITY_PEOPLE_ORGS = [
    "郑州市总工会", "共青团郑州市委员会", "郑州市妇女联合会", "郑州市科学技术协会",
    "郑州市文学艺术界联合会", "郑州市残疾人联合会", "郑州市工商业联合会", "郑州市红十字会",
]
CITY_SOES = [
    "郑州地铁集团有限公司", "郑州公用事业投资发展集团有限公司", "郑州发展投资集团有限公司",
    "郑州市建设投资集团有限公司", "郑州交通发展投资集团有限公司", "郑州市公共交通集团有限公司",
]
CITY_INSTITUTIONS = [
    "郑州市中心医院", "郑州市第一人民医院", "郑州市第二人民医院", "郑州市第七人民医院",
    "郑州人民医院", "郑州市中医院", "郑州市第一中学", "郑州外国语学校", "郑州广播电视台",
    "郑州报业集团", "郑州市公共资源交易中心",
]
CITY_AGENCIES = [
    "郑州航空港经济综合实验区管理委员会", "郑州经济技术开发区管理委员会",
    "郑州高新技术产业开发区管理委员会", "郑东新区管理委员会",
]

# County departments: suffixes appended to the county's name ("中牟县" +
# "委办公室" = "中牟县委办公室", "巩义市" + "财政局" = "巩义市财政局").
# The list is ordered core-first; each county uses a prefix of it, so smaller
# counties drop only the optional offices at the end.
COUNTY_DEPARTMENTS = [
    "纪委监委", "委办公室", "委组织部", "委宣传部", "委统战部", "委政法委员会", "人民政府办公室",
    "发展和改革委员会", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局",
    "财政局", "人力资源和社会保障局", "自然资源局", "住房和城乡建设局", "城市管理局", "交通运输局",
    "水利局", "农业农村局", "商务局", "文化广电和旅游局", "卫生健康委员会", "退役军人事务局",
    "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "信访局",
    # optional offices
    "委机构编制委员会办公室", "委政策研究室", "委网络安全和信息化委员会办公室", "直机关工作委员会",
    "委老干部局", "机关事务管理局", "行政审批和政务信息管理局", "林业局", "体育局",
]
# People's organisations and institutions; "{r}" is the county's name.
COUNTY_PEOPLE_ORGS = [
    "{r}总工会", "共青团{r}委员会", "{r}妇女联合会", "{r}科学技术协会", "{r}残疾人联合会",
    "{r}工商业联合会",
]
COUNTY_INSTITUTIONS = ["{r}人民医院", "{r}中医院", "{r}第一高级中学", "{r}融媒体中心", "{r}职业教育中心"]


@dataclass(frozen=True)
class County:
    """A county-level division of Zhengzhou and its demo parameters."""

    slug: str  # code suffix, e.g. "zhongmu" -> "zz.zhongmu"
    region: str  # real division name, e.g. "中牟县"
    townships: list[str]  # real 街道/镇/乡, subdistricts first
    units: int  # target number of villages + communities (70..260)
    departments: int  # how many of COUNTY_DEPARTMENTS to use (32..41)
    settings: dict[str, int] = field(default_factory=dict)


COUNTIES = [
    County("zhongmu", "中牟县", [
        "青年路街道", "东风路街道", "广惠街街道", "城东路街道", "白沙镇", "狼城岗镇", "万滩镇",
        "韩寺镇", "官渡镇", "姚家镇", "雁鸣湖镇", "黄店镇", "刘集镇", "三官庙乡",
    ], units=180, departments=36, settings={"rectification_report_months": 3}),
    County("gongyi", "巩义市", [
        "新华路街道", "杜甫路街道", "永安路街道", "孝义街道", "紫荆路街道", "米河镇", "新中镇",
        "小关镇", "竹林镇", "大峪沟镇", "河洛镇", "站街镇", "康店镇", "北山口镇", "西村镇", "芝田镇",
        "回郭镇", "鲁庄镇", "夹津口镇", "涉村镇",
    ], units=260, departments=41),
    County("xingyang", "荥阳市", [
        "索河街道", "京城路街道", "豫龙镇", "乔楼镇", "广武镇", "王村镇", "汜水镇", "高山镇",
        "刘河镇", "崔庙镇", "贾峪镇", "城关乡", "高村乡", "金寨回族乡",
    ], units=150, departments=34),
    County("xinmi", "新密市", [
        "青屏街街道", "新华路街道", "西大街街道", "矿区街道", "城关镇", "米村镇", "牛店镇",
        "平陌镇", "超化镇", "苟堂镇", "大隗镇", "刘寨镇", "白寨镇", "岳村镇", "来集镇", "曲梁镇",
        "袁庄乡",
    ], units=230, departments=38),
    County("xinzheng", "新郑市", [
        "新建路街道", "新华路街道", "新烟街道", "城关乡", "和庄镇", "薛店镇", "孟庄镇", "郭店镇",
        "龙湖镇", "辛店镇", "观音寺镇", "梨河镇", "龙王乡",
    ], units=120, departments=32),
    County("dengfeng", "登封市", [
        "嵩阳街道", "少林街道", "中岳街道", "大金店镇", "颍阳镇", "卢店镇", "告成镇", "大冶镇",
        "宣化镇", "徐庄镇", "东华镇", "唐庄镇", "君召乡", "石道乡", "白坪乡",
    ], units=200, departments=33, settings={"rectification_report_months": 3}),
]

# --------------------------------------------------------------------------
# Fictional village / community name components
# --------------------------------------------------------------------------

SURNAMES = (
    "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶"
    "程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
PLACE_SUFFIXES = "庄寨营屯湾岗沟坡集楼桥店口河洼"
PREFIXES = "东西南北前后大小上下新老"
COMMUNITY_ROADS = (
    "建设 青年 人民 文化 解放 中心 和平 胜利 工业 商业 民主 光明 交通 育才 学院 健康 迎宾 "
    "振兴 车站 新华 东风 政通 滨河 西环 东环 北环 南环 府前 花园 纬一"
).split()
COMMUNITY_NAMES = (
    "幸福 和谐 阳光 锦绣 康宁 书香 翠园 丽景 朝阳 春晖 紫荆 金桥 永安 惠民 安居 兴隆 东方 长青 "
    "绿洲 嘉园 怡馨 祥和 福寿 桂园 枫林 荷花 梧桐 银杏 玉兰 海棠 丰收 鸿福 瑞祥 泰和 新城 文苑 "
    "锦华 明珠 星河 晨光"
).split()

# --------------------------------------------------------------------------
# Org model and generation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    """One organisation entry of a tenant (an ``[[orgs]]`` table)."""

    code: str
    name: str
    kind: str
    parent: str | None = None


def numbered(prefix: str, names: list[str], kind: str, width: int) -> list[Org]:
    """Give each name a code ``<prefix><n>`` (1-based, zero-padded to ``width``)."""
    return [Org(f"{prefix}{i:0{width}d}", name, kind) for i, name in enumerate(names, 1)]


def village_name(rng: random.Random) -> str:
    """Return a plausible fictional village name such as 张庄村, 后王村, 小李庄村."""
    surname = rng.choice(SURNAMES)
    form = rng.random()
    if form < 0.45:
        stem = surname + rng.choice(PLACE_SUFFIXES)
    elif form < 0.65:
        stem = rng.choice(PREFIXES) + surname
    else:
        stem = rng.choice(PREFIXES) + surname + rng.choice(PLACE_SUFFIXES)
    return stem + "村"


def community_name(rng: random.Random) -> str:
    """Return a plausible fictional community name such as 建设路社区, 幸福社区."""
    if rng.random() < 0.5:
        return rng.choice(COMMUNITY_ROADS) + "路社区"
    return rng.choice(COMMUNITY_NAMES) + "社区"


def unique_name(rng: random.Random, make: Callable[[random.Random], str], used: set[str]) -> str:
    """Draw names from ``make(rng)`` until one is not in ``used``; record it."""
    for _ in range(10_000):
        name = make(rng)
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("name pool exhausted")


def allocate_units(rng: random.Random, county: County) -> list[tuple[int, int]]:
    """Split ``county.units`` into (villages, communities) per township.

    Subdistricts (街道) get 3-12 communities and 0-3 villages; towns and
    townships (镇/乡) get 5-30 villages, filling up to the county target.
    """
    subdistrict = [t.endswith("街道") for t in county.townships]
    counts = [(rng.randint(0, 3), rng.randint(3, 12)) if s else (5, 0) for s in subdistrict]
    towns = [i for i, s in enumerate(subdistrict) if not s]
    weights = {i: rng.uniform(0.4, 2.0) for i in towns}
    remaining = county.units - sum(v + c for v, c in counts)
    if remaining < 0 or remaining > 25 * len(towns):
        raise ValueError(f"{county.region}: target {county.units} is not reachable")
    for _ in range(remaining):
        open_towns = [i for i in towns if counts[i][0] < 30]
        pick = rng.choices(open_towns, weights=[weights[i] for i in open_towns])[0]
        counts[pick] = (counts[pick][0] + 1, 0)
    return counts


def county_orgs(county: County) -> list[Org]:
    """Build the full, deterministic org list of one county tenant."""
    rng = random.Random(f"{SEED}:{county.slug}")
    r = county.region
    used: set[str] = set()
    orgs: list[Org] = []
    orgs += numbered("D", [r + s for s in COUNTY_DEPARTMENTS[: county.departments]], "department", 3)
    orgs += numbered("P", [p.format(r=r) for p in COUNTY_PEOPLE_ORGS], "people_org", 2)
    orgs += numbered("I", [p.format(r=r) for p in COUNTY_INSTITUTIONS], "institution", 2)
    used.update(o.name for o in orgs)
    used.update(county.townships)
    for t_index, (township, (n_vil, n_com)) in enumerate(
        zip(county.townships, allocate_units(rng, county)), 1
    ):
        t_code = f"T{t_index:02d}"
        orgs.append(Org(t_code, township, "township"))
        for i in range(1, n_com + 1):
            orgs.append(Org(f"{t_code}C{i:02d}", unique_name(rng, community_name, used), "community", t_code))
        for i in range(1, n_vil + 1):
            orgs.append(Org(f"{t_code}V{i:03d}", unique_name(rng, village_name, used), "village", t_code))
    return orgs


def city_orgs() -> list[Org]:
    """Build the org list of the city office (no townships under the city)."""
    return (
        numbered("D", CITY_DEPARTMENTS, "department", 3)
        + numbered("P", CITY_PEOPLE_ORGS, "people_org", 2)
        + numbered("S", CITY_SOES, "soe", 2)
        + numbered("I", CITY_INSTITUTIONS, "institution", 2)
        + numbered("A", CITY_AGENCIES, "agency", 2)
    )


# --------------------------------------------------------------------------
# TOML output
# --------------------------------------------------------------------------


def toml_str(value: str) -> str:
    """Quote a string as a TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_tenant(
    header: str,
    code: str,
    name: str,
    region: str,
    level: str,
    parent: str | None,
    settings: dict[str, int],
    orgs: list[Org],
) -> str:
    """Render one tenant as TOML text (keys in a fixed order)."""
    lines = [f"# {header} — demo data, generated by tenants/demo/generate.py; villages are fictional."]
    lines.append(f"code = {toml_str(code)}")
    lines.append(f"name = {toml_str(name)}")
    lines.append(f"region = {toml_str(region)}")
    lines.append(f"level = {toml_str(level)}")
    if parent is not None:
        lines.append(f"parent = {toml_str(parent)}")
    lines.append('plugins = ["*"]')
    if settings:
        lines += ["", "[settings]"]
        lines += [f"{key} = {value}" for key, value in sorted(settings.items())]
    for org in orgs:
        lines += ["", "[[orgs]]", f"code = {toml_str(org.code)}", f"name = {toml_str(org.name)}"]
        lines.append(f"kind = {toml_str(org.kind)}")
        if org.parent is not None:
            lines.append(f"parent = {toml_str(org.parent)}")
    return "\n".join(lines) + "\n"


def write(code: str, text: str) -> Path:
    """Write a tenant file named after its code ("zz.zhongmu" -> zz_zhongmu.toml)."""
    path = OUT_DIR / (code.replace(".", "_") + ".toml")
    path.write_bytes(text.encode("utf-8"))
    return path


def main() -> None:
    """Regenerate every demo tenant file."""
    city = render_tenant(CITY, "zz", "郑州市委巡察办", CITY, "city", None, {}, city_orgs())
    print(write("zz", city).relative_to(OUT_DIR.parent.parent))
    for county in COUNTIES:
        code = f"zz.{county.slug}"
        text = render_tenant(
            f"{CITY} {county.region}", code, f"{county.region}委巡察办", county.region,
            "county", "zz", county.settings, county_orgs(county),
        )
        print(write(code, text).relative_to(OUT_DIR.parent.parent))


if __name__ == "__main__":
    main()
