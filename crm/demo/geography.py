"""Changzhi (长治市) for the demo drive: the 12 county-level units of 双百工程, their towns and districts.

Data only. County codes are the real administrative division codes; town names are real where
known; business districts, markets and villages are plausible, with household counts (商户数)
in the ranges a bureau would report (markets 80–400, business districts 150–900, villages 30–150).
Coordinates are the approximate seats of government, for placing visits on a map.
"""

from __future__ import annotations

CITY = {"name": "长治市", "code": "140400", "lat": 36.195, "lng": 113.117}

# A town's "kind" drives its code block, as in the national scheme: 街道 0xx, 镇 1xx, 乡 2xx.
# Each district: (name, district_kind, households, address prefix).
COUNTIES: list[dict] = [
    {
        "name": "潞州区",
        "code": "140403",
        "lat": 36.203,
        "lng": 113.123,
        "towns": [
            {
                "name": "东街街道",
                "kind": "street",
                "districts": [
                    ("八一广场商圈", "business_district", 515, "东街街道八一广场"),
                    ("东大街步行街", "business_district", 310, "东街街道东大街"),
                    ("府后农贸市场", "market", 125, "东街街道府后东街"),
                ],
            },
            {
                "name": "英雄南路街道",
                "kind": "street",
                "districts": [
                    ("英雄南路商圈", "business_district", 385, "英雄南路街道英雄南路"),
                    ("长治服装批发市场", "market", 230, "英雄南路街道南街"),
                ],
            },
            {
                "name": "太行东街街道",
                "kind": "street",
                "districts": [
                    ("太行东街商圈", "business_district", 290, "太行东街街道太行东街"),
                    ("长治建材城", "market", 155, "太行东街街道东环路"),
                ],
            },
            {
                "name": "老顶山镇",
                "kind": "town",
                "districts": [
                    ("老顶山景区商业街", "business_district", 150, "老顶山镇太行东街"),
                    ("关村", "village", 70, "老顶山镇关村"),
                    ("南垂村", "village", 55, "老顶山镇南垂村"),
                ],
            },
            {
                "name": "堠北庄镇",
                "kind": "town",
                "districts": [
                    ("长治果蔬批发市场", "market", 205, "堠北庄镇长子路"),
                    ("堠北庄村", "village", 80, "堠北庄镇堠北庄村"),
                ],
            },
            {
                "name": "黄碾镇",
                "kind": "town",
                "districts": [
                    ("黄碾集贸市场", "market", 90, "黄碾镇黄碾街"),
                    ("黄碾村", "village", 65, "黄碾镇黄碾村"),
                    ("西旺村", "village", 40, "黄碾镇西旺村"),
                ],
            },
        ],
    },
    {
        "name": "上党区",
        "code": "140404",
        "lat": 36.053,
        "lng": 113.051,
        "towns": [
            {
                "name": "韩店镇",
                "kind": "town",
                "districts": [
                    ("韩店府前街商圈", "business_district", 310, "韩店镇府前街"),
                    ("上党区农贸市场", "market", 155, "韩店镇上党大街"),
                    ("韩店村", "village", 85, "韩店镇韩店村"),
                ],
            },
            {
                "name": "苏店镇",
                "kind": "town",
                "districts": [
                    ("苏店镇商业街", "business_district", 150, "苏店镇苏店街"),
                    ("苏店村", "village", 70, "苏店镇苏店村"),
                ],
            },
            {
                "name": "荫城镇",
                "kind": "town",
                "districts": [
                    ("荫城铁货市场", "market", 95, "荫城镇铁货街"),
                    ("荫城村", "village", 80, "荫城镇荫城村"),
                ],
            },
            {
                "name": "八义镇",
                "kind": "town",
                "districts": [
                    ("八义陶瓷街", "business_district", 150, "八义镇陶瓷街"),
                    ("八义村", "village", 55, "八义镇八义村"),
                ],
            },
            {
                "name": "西火镇",
                "kind": "town",
                "districts": [
                    ("西火集贸市场", "market", 80, "西火镇西火街"),
                    ("西火村", "village", 35, "西火镇西火村"),
                ],
            },
        ],
    },
    {
        "name": "屯留区",
        "code": "140405",
        "lat": 36.316,
        "lng": 112.892,
        "towns": [
            {
                "name": "麟绛镇",
                "kind": "town",
                "districts": [
                    ("麟绛商业街", "business_district", 335, "麟绛镇麟绛大街"),
                    ("屯留区农贸市场", "market", 145, "麟绛镇康庄路"),
                    ("东古村", "village", 60, "麟绛镇东古村"),
                ],
            },
            {
                "name": "余吾镇",
                "kind": "town",
                "districts": [
                    ("余吾镇中心街", "business_district", 150, "余吾镇中心街"),
                    ("余吾集贸市场", "market", 80, "余吾镇余吾街"),
                ],
            },
            {
                "name": "渔泽镇",
                "kind": "town",
                "districts": [
                    ("渔泽集贸市场", "market", 80, "渔泽镇渔泽街"),
                    ("渔泽村", "village", 45, "渔泽镇渔泽村"),
                ],
            },
            {
                "name": "张店镇",
                "kind": "town",
                "districts": [
                    ("张店镇商业街", "business_district", 150, "张店镇张店街"),
                    ("张店村", "village", 65, "张店镇张店村"),
                ],
            },
            {
                "name": "上村镇",
                "kind": "town",
                "districts": [
                    ("上村集贸市场", "market", 80, "上村镇上村街"),
                    ("南掌村", "village", 35, "上村镇南掌村"),
                ],
            },
        ],
    },
    {
        "name": "潞城区",
        "code": "140406",
        "lat": 36.334,
        "lng": 113.229,
        "towns": [
            {
                "name": "潞华街道",
                "kind": "street",
                "districts": [
                    ("潞华商业街", "business_district", 370, "潞华街道潞华路"),
                    ("潞城区农贸市场", "market", 170, "潞华街道北环路"),
                ],
            },
            {
                "name": "成家川街道",
                "kind": "street",
                "districts": [
                    ("成家川商圈", "business_district", 180, "成家川街道成家川路"),
                    ("潞城汽配市场", "market", 80, "成家川街道长邯路"),
                ],
            },
            {
                "name": "店上镇",
                "kind": "town",
                "districts": [
                    ("店上集贸市场", "market", 85, "店上镇店上街"),
                    ("店上村", "village", 70, "店上镇店上村"),
                ],
            },
            {
                "name": "微子镇",
                "kind": "town",
                "districts": [
                    ("微子镇中心街", "business_district", 150, "微子镇中心街"),
                    ("东邑村", "village", 50, "微子镇东邑村"),
                ],
            },
        ],
    },
    {
        "name": "襄垣县",
        "code": "140423",
        "lat": 36.535,
        "lng": 113.052,
        "towns": [
            {
                "name": "古韩镇",
                "kind": "town",
                "districts": [
                    ("襄垣县城商业街", "business_district", 420, "古韩镇太行街"),
                    ("襄垣县农贸市场", "market", 190, "古韩镇东关"),
                    ("古韩村", "village", 85, "古韩镇古韩村"),
                ],
            },
            {
                "name": "侯堡镇",
                "kind": "town",
                "districts": [
                    ("侯堡镇商业街", "business_district", 155, "侯堡镇侯堡街"),
                    ("侯堡村", "village", 70, "侯堡镇侯堡村"),
                ],
            },
            {
                "name": "夏店镇",
                "kind": "town",
                "districts": [
                    ("夏店集贸市场", "market", 80, "夏店镇夏店街"),
                    ("夏店村", "village", 55, "夏店镇夏店村"),
                ],
            },
            {
                "name": "虒亭镇",
                "kind": "town",
                "districts": [
                    ("虒亭古镇商业街", "business_district", 150, "虒亭镇古镇街"),
                    ("虒亭物流园", "market", 80, "虒亭镇二广路"),
                ],
            },
            {
                "name": "下良镇",
                "kind": "town",
                "districts": [
                    ("下良集贸市场", "market", 80, "下良镇下良街"),
                    ("下良村", "village", 50, "下良镇下良村"),
                ],
            },
        ],
    },
    {
        "name": "平顺县",
        "code": "140425",
        "lat": 36.200,
        "lng": 113.436,
        "towns": [
            {
                "name": "青羊镇",
                "kind": "town",
                "districts": [
                    ("青羊商业街", "business_district", 230, "青羊镇青羊大街"),
                    ("平顺县农贸市场", "market", 110, "青羊镇东街"),
                ],
            },
            {
                "name": "龙溪镇",
                "kind": "town",
                "districts": [
                    ("龙溪集贸市场", "market", 80, "龙溪镇龙溪街"),
                    ("龙溪村", "village", 40, "龙溪镇龙溪村"),
                ],
            },
            {
                "name": "石城镇",
                "kind": "town",
                "districts": [
                    ("石城镇中心街", "business_district", 150, "石城镇中心街"),
                    ("岳家寨村", "village", 30, "石城镇岳家寨村"),
                ],
            },
            {
                "name": "西沟乡",
                "kind": "township",
                "districts": [
                    ("西沟村", "village", 50, "西沟乡西沟村"),
                    ("西沟乡集市", "market", 80, "西沟乡西沟街"),
                ],
            },
        ],
    },
    {
        "name": "黎城县",
        "code": "140426",
        "lat": 36.503,
        "lng": 113.387,
        "towns": [
            {
                "name": "黎侯镇",
                "kind": "town",
                "districts": [
                    ("黎侯商业街", "business_district", 290, "黎侯镇黎侯街"),
                    ("黎城县农贸市场", "market", 130, "黎侯镇北关"),
                ],
            },
            {
                "name": "上遥镇",
                "kind": "town",
                "districts": [
                    ("上遥集贸市场", "market", 80, "上遥镇上遥街"),
                    ("上遥村", "village", 65, "上遥镇上遥村"),
                ],
            },
            {
                "name": "西井镇",
                "kind": "town",
                "districts": [
                    ("西井镇中心街", "business_district", 150, "西井镇中心街"),
                    ("西井村", "village", 40, "西井镇西井村"),
                ],
            },
            {
                "name": "东阳关镇",
                "kind": "town",
                "districts": [
                    ("东阳关集市", "market", 80, "东阳关镇东阳关街"),
                    ("东阳关村", "village", 35, "东阳关镇东阳关村"),
                ],
            },
        ],
    },
    {
        "name": "壶关县",
        "code": "140427",
        "lat": 36.115,
        "lng": 113.207,
        "towns": [
            {
                "name": "龙泉镇",
                "kind": "town",
                "districts": [
                    ("壶关县城商圈", "business_district", 325, "龙泉镇府前街"),
                    ("壶关农贸市场", "market", 145, "龙泉镇东关"),
                ],
            },
            {
                "name": "百尺镇",
                "kind": "town",
                "districts": [
                    ("百尺集贸市场", "market", 80, "百尺镇百尺街"),
                    ("百尺村", "village", 65, "百尺镇百尺村"),
                ],
            },
            {
                "name": "晋庄镇",
                "kind": "town",
                "districts": [
                    ("晋庄镇商业街", "business_district", 150, "晋庄镇晋庄街"),
                    ("晋庄村", "village", 55, "晋庄镇晋庄村"),
                ],
            },
            {
                "name": "集店乡",
                "kind": "township",
                "districts": [
                    ("集店乡集市", "market", 80, "集店乡集店街"),
                    ("集店村", "village", 50, "集店乡集店村"),
                ],
            },
            {
                "name": "树掌镇",
                "kind": "town",
                "districts": [
                    ("太行山大峡谷民宿街", "business_district", 150, "树掌镇峡谷路"),
                    ("树掌村", "village", 45, "树掌镇树掌村"),
                ],
            },
        ],
    },
    {
        "name": "长子县",
        "code": "140428",
        "lat": 36.122,
        "lng": 112.877,
        "towns": [
            {
                "name": "丹朱镇",
                "kind": "town",
                "districts": [
                    ("府前街商圈", "business_district", 370, "丹朱镇府前街"),
                    ("长子县农贸市场", "market", 180, "丹朱镇北关"),
                    ("东大关村", "village", 85, "丹朱镇东大关村"),
                ],
            },
            {
                "name": "鲍店镇",
                "kind": "town",
                "districts": [
                    ("鲍店镇中心街", "business_district", 150, "鲍店镇中心街"),
                    ("鲍店集贸市场", "market", 90, "鲍店镇鲍店街"),
                    ("鲍店村", "village", 70, "鲍店镇鲍店村"),
                ],
            },
            {
                "name": "石哲镇",
                "kind": "town",
                "districts": [
                    ("石哲集贸市场", "market", 80, "石哲镇石哲街"),
                    ("石哲村", "village", 60, "石哲镇石哲村"),
                ],
            },
            {
                "name": "大堡头镇",
                "kind": "town",
                "districts": [
                    ("大堡头蔬菜批发市场", "market", 110, "大堡头镇长高路"),
                    ("大堡头村", "village", 65, "大堡头镇大堡头村"),
                ],
            },
            {
                "name": "慈林镇",
                "kind": "town",
                "districts": [
                    ("慈林镇商业街", "business_district", 150, "慈林镇慈林街"),
                    ("慈林村", "village", 55, "慈林镇慈林村"),
                ],
            },
            {
                "name": "色头镇",
                "kind": "town",
                "districts": [
                    ("色头集贸市场", "market", 80, "色头镇色头街"),
                    ("色头村", "village", 50, "色头镇色头村"),
                ],
            },
        ],
    },
    {
        "name": "武乡县",
        "code": "140429",
        "lat": 36.837,
        "lng": 112.864,
        "towns": [
            {
                "name": "丰州镇",
                "kind": "town",
                "districts": [
                    ("武乡县城商业街", "business_district", 310, "丰州镇太行街"),
                    ("武乡县农贸市场", "market", 120, "丰州镇东关"),
                ],
            },
            {
                "name": "洪水镇",
                "kind": "town",
                "districts": [
                    ("洪水镇中心街", "business_district", 150, "洪水镇中心街"),
                    ("洪水村", "village", 55, "洪水镇洪水村"),
                ],
            },
            {
                "name": "蟠龙镇",
                "kind": "town",
                "districts": [
                    ("蟠龙集贸市场", "market", 80, "蟠龙镇蟠龙街"),
                    ("蟠龙村", "village", 40, "蟠龙镇蟠龙村"),
                ],
            },
            {
                "name": "故城镇",
                "kind": "town",
                "districts": [
                    ("故城集贸市场", "market", 80, "故城镇故城街"),
                    ("故城村", "village", 50, "故城镇故城村"),
                ],
            },
        ],
    },
    {
        "name": "沁县",
        "code": "140430",
        "lat": 36.757,
        "lng": 112.699,
        "towns": [
            {
                "name": "定昌镇",
                "kind": "town",
                "districts": [
                    ("沁县城商业街", "business_district", 270, "定昌镇西大街"),
                    ("沁县农贸市场", "market", 115, "定昌镇南关"),
                ],
            },
            {
                "name": "郭村镇",
                "kind": "town",
                "districts": [
                    ("郭村集贸市场", "market", 80, "郭村镇郭村街"),
                    ("郭村", "village", 50, "郭村镇郭村"),
                ],
            },
            {
                "name": "故县镇",
                "kind": "town",
                "districts": [
                    ("故县集贸市场", "market", 80, "故县镇故县街"),
                    ("故县村", "village", 45, "故县镇故县村"),
                ],
            },
            {
                "name": "新店镇",
                "kind": "town",
                "districts": [
                    ("新店镇中心街", "business_district", 150, "新店镇中心街"),
                    ("新店村", "village", 40, "新店镇新店村"),
                ],
            },
            {
                "name": "漳源镇",
                "kind": "town",
                "districts": [
                    ("沁州黄小米交易市场", "market", 80, "漳源镇漳源街"),
                    ("漳源村", "village", 35, "漳源镇漳源村"),
                ],
            },
        ],
    },
    {
        "name": "沁源县",
        "code": "140431",
        "lat": 36.500,
        "lng": 112.338,
        "towns": [
            {
                "name": "沁河镇",
                "kind": "town",
                "districts": [
                    ("沁源县城商业街", "business_district", 250, "沁河镇育才路"),
                    ("沁源县农贸市场", "market", 100, "沁河镇东街"),
                ],
            },
            {
                "name": "郭道镇",
                "kind": "town",
                "districts": [
                    ("郭道镇中心街", "business_district", 150, "郭道镇中心街"),
                    ("郭道村", "village", 60, "郭道镇郭道村"),
                ],
            },
            {
                "name": "王和镇",
                "kind": "town",
                "districts": [
                    ("王和集贸市场", "market", 80, "王和镇王和街"),
                    ("王和村", "village", 40, "王和镇王和村"),
                ],
            },
            {
                "name": "灵空山镇",
                "kind": "town",
                "districts": [
                    ("灵空山景区商业街", "business_district", 150, "灵空山镇景区路"),
                    ("李家庄村", "village", 30, "灵空山镇李家庄村"),
                ],
            },
        ],
    },
]

TOWN_CODE_BASE = {"street": 1, "town": 100, "township": 200}


def short_town_name(name: str) -> str:
    """丹朱镇 → 丹朱, 东街街道 → 东街: how a grassroots office (基层所) is named after its town."""
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def town_codes(county: dict) -> list[str]:
    """Nine-digit codes in the national pattern: county code + 001.. streets, 100.. towns, 200.. townships."""
    seen: dict[str, int] = {}
    codes = []
    for town in county["towns"]:
        n = seen.get(town["kind"], 0)
        seen[town["kind"]] = n + 1
        codes.append(f"{county['code']}{TOWN_CODE_BASE[town['kind']] + n:03d}")
    return codes

