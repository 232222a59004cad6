"""Plausible Chinese names, phones and addresses for demo data; every function takes a random.Random.

The same Random (same seed, same calls in the same order) gives the same names, so a demo
database can be rebuilt identically.
"""

from __future__ import annotations

import random

# Common surnames, weighted roughly as they occur in southeast Shanxi (王, 李, 张, 郭, 牛, 申 …).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 90),
    ("李", 80),
    ("张", 75),
    ("郭", 45),
    ("刘", 50),
    ("赵", 40),
    ("杨", 35),
    ("牛", 22),
    ("申", 20),
    ("秦", 18),
    ("魏", 15),
    ("冯", 15),
    ("常", 14),
    ("段", 14),
    ("崔", 13),
    ("贾", 13),
    ("史", 12),
    ("任", 12),
    ("武", 12),
    ("程", 11),
    ("宋", 11),
    ("郝", 11),
    ("侯", 10),
    ("靳", 9),
    ("田", 10),
    ("苗", 8),
    ("韩", 10),
    ("马", 10),
    ("陈", 12),
    ("连", 6),
    ("原", 6),
    ("路", 6),
    ("暴", 4),
    ("栗", 5),
    ("鲍", 5),
    ("桑", 4),
    ("闫", 9),
    ("孟", 8),
    ("董", 8),
    ("吕", 7),
)
_SURNAME_CHOICES = [s for s, _ in SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in SURNAMES]

MALE_CHARS = "建国军伟强磊斌涛鹏飞亮勇杰波明华平东海林峰刚志宏俊文龙庆国成晓永红宝锁旺喜福全胜"
FEMALE_CHARS = "丽芳娟敏静艳霞燕红梅玲英兰琴秀慧婷丹萍花娜颖瑞雪晶巧凤翠莉"

PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)

# Brand words (字号) people put on shop signs.
BRANDS = (
    "顺达",
    "福源",
    "鑫源",
    "兴旺",
    "聚福",
    "恒通",
    "金鑫",
    "宏达",
    "永盛",
    "鸿运",
    "利民",
    "惠民",
    "万家",
    "好运来",
    "富民",
    "晋丰",
    "太行",
    "上党",
    "潞安",
    "漳河",
    "天和",
    "和顺",
    "众诚",
    "嘉禾",
    "佳美",
    "益丰",
    "瑞丰",
    "德隆",
    "荣盛",
    "昌盛",
    "泰和",
    "丰泽",
    "通达",
    "诚信",
    "四季",
    "百姓",
    "乐家",
    "喜盈门",
    "金穗",
    "红旗",
    "康宁",
    "同心",
    "新世纪",
    "春晖",
    "长青",
    "鼎盛",
    "旺福",
    "安泰",
)

# Per trade: what goes after the owner's or brand's name on the sign.
TRADE_ITEMS: dict[str, tuple[str, ...]] = {
    "wholesale_retail": (
        "超市",
        "便利店",
        "五金店",
        "日杂店",
        "烟酒店",
        "副食店",
        "粮油店",
        "服装店",
        "鞋店",
        "家电商行",
        "建材店",
        "水果店",
        "蔬菜批发部",
        "调料批发部",
        "茶叶店",
        "文具店",
        "手机店",
        "母婴店",
        "化妆品店",
        "农资店",
        "摩托车配件店",
        "陶瓷经销部",
        "百货商店",
        "食品批发部",
        "小米经销部",
    ),
    "lodging_catering": (
        "面馆",
        "刀削面馆",
        "饭店",
        "小吃店",
        "火锅店",
        "烧烤店",
        "快餐店",
        "饺子馆",
        "包子铺",
        "农家乐",
        "宾馆",
        "旅馆",
        "客栈",
        "民宿",
        "驴肉馆",
        "羊汤馆",
        "炒饼店",
        "甩饼店",
        "酒楼",
        "烩菜馆",
    ),
    "transport_logistics": (
        "物流",
        "货运部",
        "运输队",
        "快递服务部",
        "搬家服务部",
        "货运信息部",
        "冷链运输",
        "汽车运输队",
    ),
    "agriculture": (
        "种植园",
        "养殖场",
        "农机服务部",
        "家庭农场",
        "果园",
        "蔬菜大棚",
        "中药材种植场",
        "小米种植园",
        "养鸡场",
        "养猪场",
        "食用菌种植基地",
    ),
    "manufacturing": (
        "面粉加工厂",
        "豆腐坊",
        "铁艺加工部",
        "木器加工厂",
        "门窗加工部",
        "印刷厂",
        "服装加工厂",
        "醋坊",
        "挂面加工厂",
        "石材加工厂",
    ),
    "resident_services": (
        "干洗店",
        "理发店",
        "美发店",
        "美容院",
        "家政服务部",
        "家电维修部",
        "摄影店",
        "洗车行",
        "开锁服务部",
        "修鞋店",
        "婚庆服务部",
        "养生馆",
        "眼镜店",
        "汽车修理厂",
    ),
    "other": ("广告部", "图文快印", "电脑服务部", "文化传媒工作室", "棋牌室", "装饰工作室"),
}

# For small enterprises: 长治市{brand}{industry}有限公司.
TRADE_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "wholesale_retail": ("商贸", "贸易", "超市连锁"),
    "lodging_catering": ("餐饮管理", "酒店管理", "餐饮服务"),
    "transport_logistics": ("物流", "运输", "供应链管理"),
    "agriculture": ("农业开发", "农业科技", "种养殖"),
    "manufacturing": ("食品", "机械加工", "建材"),
    "resident_services": ("家政服务", "物业服务", "汽车服务"),
    "other": ("文化传媒", "广告", "信息技术"),
}

# The trade mix of a drive that focuses on 批发零售, 住宿餐饮, 交通物流.
TRADE_WEIGHTS: dict[str, dict[str, int]] = {
    "business_district": {
        "wholesale_retail": 34,
        "lodging_catering": 28,
        "transport_logistics": 8,
        "agriculture": 2,
        "manufacturing": 4,
        "resident_services": 18,
        "other": 6,
    },
    "market": {
        "wholesale_retail": 52,
        "lodging_catering": 12,
        "transport_logistics": 14,
        "agriculture": 8,
        "manufacturing": 5,
        "resident_services": 5,
        "other": 4,
    },
    "village": {
        "wholesale_retail": 26,
        "lodging_catering": 12,
        "transport_logistics": 12,
        "agriculture": 30,
        "manufacturing": 8,
        "resident_services": 8,
        "other": 4,
    },
}


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_CHOICES, _SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, female: bool | None = None) -> str:
    if female is None:
        female = rng.random() < 0.42
    pool = FEMALE_CHARS if female else MALE_CHARS
    if rng.random() < 0.25:
        return rng.choice(pool)
    return rng.choice(pool) + rng.choice(pool)


def person_name(rng: random.Random, female: bool | None = None) -> str:
    return surname(rng) + given_name(rng, female)


def phone(rng: random.Random) -> str:
    """A mobile number, 1[3-9]XXXXXXXXX."""
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def trade(rng: random.Random, district_kind: str = "business_district") -> str:
    weights = TRADE_WEIGHTS.get(district_kind, TRADE_WEIGHTS["business_district"])
    return rng.choices(list(weights), list(weights.values()))[0]


def merchant_name(
    rng: random.Random,
    trade_code: str,
    owner: str | None = None,
    place: str | None = None,
    kind: str = "individual",
) -> str:
    """A shop sign name for the trade: 王记面馆, 李氏五金店, 顺达物流, 福源超市, 张三干洗店 …"""
    if kind == "small_enterprise":
        industry = rng.choice(TRADE_INDUSTRIES.get(trade_code, TRADE_INDUSTRIES["other"]))
        area = place or "长治市"
        return f"{area}{rng.choice(BRANDS)}{industry}有限公司"
    item = rng.choice(TRADE_ITEMS.get(trade_code, TRADE_ITEMS["other"]))
    owner = owner or person_name(rng)
    pattern = rng.random()
    if pattern < 0.22:
        name = f"{owner[0]}记{item}"
    elif pattern < 0.36:
        name = f"{owner[0]}氏{item}"
    elif pattern < 0.72:
        name = f"{rng.choice(BRANDS)}{item}"
    elif pattern < 0.88:
        name = f"{owner}{item}"
    else:
        name = f"{place or ''}{rng.choice(BRANDS)}{item}"
    return name


def address(rng: random.Random, prefix: str, village: bool = False) -> str:
    """A street address under a district's prefix: 丹朱镇府前街118号, 鲍店镇鲍店村二组36号."""
    if village:
        return f"{prefix}{'一二三四五六七八'[rng.randrange(8)]}组{rng.randint(1, 80)}号"
    number = rng.randint(1, 320)
    if rng.random() < 0.08:
        return f"{prefix}{number}号附{rng.randint(1, 6)}号"
    return f"{prefix}{number}号"
