"""The demo dataset for ``seed_demo``: the 102 provincial bases of the 2017 bulletin.

Why it looks like this: the demo must reproduce the printed 2017 bulletin
(湖南省中小微企业创业创新基地2017年建设和运营情况通报). Computing the province statistics
(附件1–6, rankings) from these reports gives the printed totals exactly, the printed
averages and growth rates (apart from the 12 known print deviations of SPEC section 5),
and the printed rankings: every base the bulletin names, by its printed name, in its
printed place. The bulletin prints only province totals and a few leaders, so:

* ``_NAMED`` / ``_PINNED`` hold the bases the bulletin names and the values that put them
  in their printed places (the rankings of section 一 of the bulletin);
* ``_OTHERS`` holds plausible Hunan bases for the rest of the 102;
* a small deterministic generator (``random.Random(2017)``, integer arithmetic only) shares
  out what the pinned values leave of each printed total, per group (first batch 2016,
  first batch 2017, second batch 2017), so every total comes out exact, every report obeys
  the hard checks of ``indicators.csv`` and nobody else overtakes a printed leader.

Money and areas are exact ``Decimal`` values with two decimals (entry units: 平方米, 万元);
the generator works in hundredths. Which figures exist, their types and groups come from the
catalog (``reporting.indicators``). Pure Python, standard library only; nothing here reads
files at run time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from reporting import indicators
from reporting.indicators import INTELLECTUAL_PROPERTY, SERVICE_CATEGORIES

YEARS = (2016, 2017)

CITIES = (
    "长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市",
    "张家界市", "益阳市", "郴州市", "永州市", "怀化市", "娄底市", "湘西土家族苗族自治州",
)

SESSION_CODES = tuple(category.sessions_code for category in SERVICE_CATEGORIES)
SERVED_CODES = tuple(category.enterprises_code for category in SERVICE_CATEGORIES)
#: The parts of the combined "intellectual property" ranking.
IP_CODES = indicators.ranking_group(INTELLECTUAL_PROPERTY)
#: The figures the bulletin's text gives (二.4); the platform section's others stay empty.
PLATFORM_CODES = tuple(i.code for i in indicators.innovation_platforms())


def _kind(code: str) -> str:
    """The catalog type of a code; the generator's pseudo-codes (combined rankings) count."""
    indicator = indicators.BY_CODE.get(code)
    return "int" if indicator is None else indicator.kind


@dataclass(frozen=True)
class DemoBase:
    code: str  # "HN001" .. "HN102", stable
    name: str
    city: str
    county: str
    batch: int  # 1 (71 bases, reports 2016 and 2017) or 2 (31 bases, 2017 only)
    year_designated: int
    operator: str
    values: dict[int, dict[str, object]]  # {year: {indicator code: value}}


# --- What the bulletin prints -------------------------------------------------------------
# code: (2017 all 102 bases, first batch 2016, first batch 2017), entry units.
# The second batch's 2017 share is the difference of the first and the last column.
_PRINTED_TOTALS: dict[str, tuple[object, object, object]] = {
    # 附件1 / 附件2
    "building_area": ("16530000", "10926000", "12289000"),
    "standard_factory_area": ("11738000", "6899000", "8013000"),
    "service_staff": (2615, 2142, 2321),
    "certified_mentors": (493, 329, 363),
    "operator_total_assets": ("2537000", "1604000", "1621000"),
    "operator_revenue": ("373000", "235000", "257000"),
    "service_revenue": ("27300", "18100", "19500"),
    "service_expenditure": ("35900", "19200", "23100"),
    "third_party_institutions": (712, 452, 474),
    "resident_enterprises": (7841, 5045, 5624),
    "small_micro_enterprises": (6755, 4656, 4841),
    # 附件3 / 附件4
    "svc_info_sessions": (1975, 1338, 1268),
    "svc_info_enterprises": (10343, 6154, 6000),
    "svc_coaching_sessions": (1281, 658, 832),
    "svc_coaching_enterprises": (5648, 4877, 3744),
    "svc_innovation_sessions": (738, 593, 553),
    "svc_innovation_enterprises": (2980, 2327, 1807),
    "svc_training_sessions": (1036, 1291, 803),
    "svc_training_enterprises": (11914, 10408, 8827),
    "svc_marketing_sessions": (516, 305, 336),
    "svc_marketing_enterprises": (3616, 2293, 1823),
    "svc_financing_sessions": (560, 338, 376),
    "svc_financing_enterprises": (3730, 2634, 2488),
    "svc_consulting_sessions": (1443, 655, 1052),
    "svc_consulting_enterprises": (4673, 2514, 3011),
    "svc_professional_sessions": (1215, 598, 857),
    "svc_professional_enterprises": (4943, 3595, 3440),
    # 附件5 / 附件6
    "reporting_enterprises": (6153, 4340, 4541),
    "high_tech_enterprises": (603, 412, 423),
    "employees": (207788, 174053, 181554),
    "ent_total_assets": ("12100000", "8871000", "8977000"),
    "ent_revenue": ("11662000", "8405000", "9029000"),
    "ent_profit": ("871000", "446000", "492000"),
    "ent_tax": ("401000", "278000", "302000"),
    "trademarks": (3713, 1598, 2566),
    "software_copyrights": (2224, 1235, 1480),
    "invention_patents": (2757, 1735, 2118),
    "utility_model_patents": (2794, 918, 1955),
    "design_patents": (2262, 586, 1775),
    # Text (二.4): 2017 totals only; the first-batch split is the demo's own choice.
    "tech_centers": (55, 38, 42),
    "engineering_research_centers": (40, 27, 31),
    "engineering_labs": (28, 19, 21),
    "postdoc_stations": (18, 12, 14),
}

# mean_of_positive figures: printed means (2017 all, first batch 2016, first batch 2017),
# and how many first-batch / second-batch bases report a value (the others leave it empty).
_PRINTED_MEANS = {
    "avg_rent": ("14.2", "13.4", "14.4"),
    "avg_sale_price": ("3810.7", "3780.5", "3828.3"),
}
_MEAN_REPORTERS = {"avg_rent": (64, 27), "avg_sale_price": (40, 15)}

# Yes/no figures, 2017 (first batch, second batch) and 2016 (first batch) counts of "yes".
# Text: rent reduction at "95%以上" of the bases (98 of 102); platform interconnected
# "不足1/2" (45 of 102), only where a platform exists.
_TRUE_COUNTS = {
    "offers_rent_reduction": ((69, 29), 66),
    "has_service_platform": ((58, 22), 50),
    "platform_interconnected": ((34, 11), 22),
}

# Nobody outside the printed leaders may reach these (2017, entry units): each stays below
# the last printed leader of its ranking, so the printed order is the computed order.
_CAPS_2017 = {
    "building_area": 480000,
    "standard_factory_area": 340000,
    "service_staff": 85,
    "certified_mentors": 13,
    "operator_total_assets": 100000,
    "operator_revenue": 12000,
    "third_party_institutions": 25,
    "resident_enterprises": 190,
}
_SESSIONS_CAP = 250  # per base, all 8 categories (5th printed leader: 300)
_SERVED_CAP = 1300  # per base, all 8 categories (5th printed leader: 1600)
_IP_CAP = 480  # per base, trademarks + software + patents (5th printed leader: 600)

# --- The bases the bulletin names -----------------------------------------------------------
# name, city, county, batch, operator. Every base named with a 2016 comparison is batch 1.
_NAMED = (
    ("东方金谷中小微企业创业基地", "衡阳市", "雁峰区", 1, "衡阳东方金谷投资开发有限公司"),
    ("澧东中小企业创业园", "常德市", "澧县", 1, "澧县澧东投资开发有限公司"),
    ("长沙科技新城", "长沙市", "开福区", 1, "长沙科技新城建设发展有限公司"),
    ("邵阳经开区中小企业创业园", "邵阳市", "大祥区", 1, "邵阳经济开发区建设投资有限公司"),
    ("长沙e中心", "长沙市", "长沙县", 1, "长沙e中心投资管理有限公司"),
    ("怀化市工业园区中小企业创业基地", "怀化市", "鹤城区", 1,
     "怀化工业园区投资开发有限公司"),
    ("益阳市赫山区龙岭工业园创业基地", "益阳市", "赫山区", 1,
     "益阳市赫山区龙岭建设投资有限公司"),
    ("天易科技城自主创业园", "株洲市", "株洲县", 1, "株洲天易科技城投资发展有限公司"),
    ("宏信创新产业园", "株洲市", "石峰区", 2, "湖南宏信创新产业园管理有限公司"),
    ("长沙软件园", "长沙市", "岳麓区", 1, "长沙软件园有限公司"),
    ("耒阳市经济开发区中小企业创业园", "衡阳市", "耒阳市", 2,
     "耒阳市经济开发区投资建设有限公司"),
    ("武陵山创新创业基地", "湘西土家族苗族自治州", "吉首市", 2,
     "湘西武陵山创新创业基地运营有限公司"),
    ("德思勤创业大街", "长沙市", "雨花区", 1, "湖南德思勤投资有限公司"),
    ("湖南石门经济开发区中小微企业创业基地", "常德市", "石门县", 1,
     "石门县经济开发区建设投资有限公司"),
    ("中部智谷产业园", "长沙市", "岳麓区", 2, "湖南中部智谷产业园开发有限公司"),
    ("先进储能节能创意示范产业园", "长沙市", "雨花区", 2,
     "湖南先进储能节能创意产业园管理有限公司"),
    ("长沙中电软件园", "长沙市", "岳麓区", 1, "长沙中电软件园有限公司"),
    ("桂阳县中小企业创业基地", "郴州市", "桂阳县", 1, "桂阳县工业园区投资开发有限公司"),
    ("常德科技创新创业孵化产业园", "常德市", "武陵区", 1,
     "常德科创孵化产业园管理有限公司"),
    ("平江县工业园科技孵化中小微企业创业基地", "岳阳市", "平江县", 1,
     "平江县工业园区开发建设有限公司"),
    ("岳阳经济技术开发区创业孵化基地", "岳阳市", "岳阳楼区", 1,
     "岳阳经济技术开发区创业服务中心"),
    ("“梦工厂”工业配套园", "株洲市", "芦淞区", 1, "株洲梦工厂产业园运营有限公司"),
    ("湖南澧县经济开发区创新创业园", "常德市", "澧县", 1,
     "澧县经济开发区建设投资有限公司"),
    ("长海创业基地", "长沙市", "天心区", 1, "湖南长海投资管理有限公司"),
    ("长沙黄金创业园", "长沙市", "望城区", 1, "长沙黄金创业园管理有限公司"),
    ("湖南妙盛企业孵化港", "长沙市", "岳麓区", 1, "湖南妙盛企业孵化港有限公司"),
    ("汉寿生产力促进中心", "常德市", "汉寿县", 1, "汉寿县生产力促进中心"),
    ("金荣科技园", "长沙市", "岳麓区", 2, "湖南金荣企业集团有限公司"),
    ("长沙医药健康产业园", "长沙市", "浏阳市", 1, "长沙医药健康产业园发展有限公司"),
    ("湘乡市中小企业创业孵化基地", "湘潭市", "湘乡市", 1, "湘乡市中小企业服务中心"),
    ("湘潭高新区高效节能机电中小企业创业基地", "湘潭市", "岳塘区", 2,
     "湘潭高新区创业服务中心"),
    ("祁阳县中小微企业创业创新基地", "永州市", "祁阳县", 1,
     "祁阳县工业园区开发建设有限公司"),
    ("宁远县中小微企业创业创新基地", "永州市", "宁远县", 2,
     "宁远县工业园区开发建设有限公司"),
    ("湖南麓谷国际医疗器械产业园", "长沙市", "岳麓区", 2,
     "湖南麓谷国际医疗器械产业园发展有限公司"),
    ("娄底市经开区中小企业孵化中心", "娄底市", "娄星区", 1,
     "娄底经济技术开发区中小企业孵化中心"),
    ("桃源县大华创业园", "常德市", "桃源县", 1, "桃源县大华投资开发有限公司"),
    ("湘潭火炬创新创业园", "湘潭市", "岳塘区", 1, "湘潭火炬创新创业园管理有限公司"),
    ("安仁县中小企业创业创新基地", "郴州市", "安仁县", 2,
     "安仁县工业集中区开发建设有限公司"),
    ("三一众创孵化基地", "长沙市", "长沙县", 2, "湖南三一众创孵化器有限公司"),
)

# Values that put the named bases in their printed places (entry units). 2017 unless a
# 2016 entry is given. Three pseudo-codes pin a base's total over several codes; the
# generator splits them in proportion to the group's printed category totals:
# service_sessions (8 *_sessions), enterprises_served (8 *_enterprises) and
# intellectual_property (trademarks + software copyrights + the 3 patent types).
_PINNED: dict[str, dict[int, dict[str, object]]] = {
    # 建筑面积 top 6, all >= 50万㎡; 澧东 added more than 50万㎡ in 2017.
    "东方金谷中小微企业创业基地": {
        2017: {"building_area": "960000", "standard_factory_area": "330000"},
        2016: {"building_area": "900000", "standard_factory_area": "320000"},
    },
    "澧东中小企业创业园": {
        2017: {"building_area": "820000", "standard_factory_area": "300000"},
        2016: {"building_area": "300000", "standard_factory_area": "180000"},
    },
    "长沙科技新城": {
        2017: {"building_area": "760000", "standard_factory_area": "200000",
               "operator_total_assets": "140000", "operator_revenue": "42000",
               "enterprises_served": 3200, "service_sessions": 220,
               "intellectual_property": 850},
        2016: {"building_area": "720000", "standard_factory_area": "195000",
               "operator_total_assets": "138000"},
    },
    "邵阳经开区中小企业创业园": {
        2017: {"building_area": "700000", "standard_factory_area": "525000"},
        2016: {"building_area": "680000", "standard_factory_area": "500000"},
    },
    "长沙e中心": {
        2017: {"building_area": "620000", "standard_factory_area": "150000"},
        2016: {"building_area": "600000", "standard_factory_area": "145000"},
    },
    # 标准厂房 top 5: 52.5, 40, 40, 36.26, 35.74 万㎡ (the tie is broken by base code).
    "怀化市工业园区中小企业创业基地": {
        2017: {"building_area": "540000", "standard_factory_area": "400000"},
        2016: {"building_area": "520000", "standard_factory_area": "385000"},
    },
    "益阳市赫山区龙岭工业园创业基地": {
        2017: {"building_area": "460000", "standard_factory_area": "400000"},
        2016: {"building_area": "440000", "standard_factory_area": "380000"},
    },
    "天易科技城自主创业园": {
        2017: {"building_area": "420000", "standard_factory_area": "362600"},
        2016: {"building_area": "400000", "standard_factory_area": "340000"},
    },
    "宏信创新产业园": {
        2017: {"building_area": "380000", "standard_factory_area": "357400"},
    },
    # 新增标准厂房 20万㎡.
    "长沙软件园": {
        2017: {"building_area": "400000", "standard_factory_area": "300000",
               "intellectual_property": 600},
        2016: {"building_area": "230000", "standard_factory_area": "100000"},
    },
    # 运营单位总资产 top 5; 营业收入 top 5.
    "耒阳市经济开发区中小企业创业园": {2017: {"operator_total_assets": "260000"}},
    "武陵山创新创业基地": {2017: {"operator_total_assets": "210000"}},
    "德思勤创业大街": {
        2017: {"operator_total_assets": "170000", "operator_revenue": "33000",
               "resident_enterprises": 458},
        2016: {"operator_total_assets": "165000"},
    },
    "湖南石门经济开发区中小微企业创业基地": {
        2017: {"operator_total_assets": "120000"},
        2016: {"operator_total_assets": "118000"},
    },
    "中部智谷产业园": {2017: {"operator_revenue": "25000"}},
    "先进储能节能创意示范产业园": {2017: {"operator_revenue": "19000"}},
    "长沙中电软件园": {
        2017: {"operator_revenue": "15000", "enterprises_served": 2700,
               "service_sessions": 200, "intellectual_property": 1050},
    },
    # 服务人员: 桂阳 +34; the five with the most staff.
    "桂阳县中小企业创业基地": {
        2017: {"service_staff": 52, "service_sessions": 600, "enterprises_served": 1200,
               "intellectual_property": 700},
        2016: {"service_staff": 18},
    },
    "常德科技创新创业孵化产业园": {2017: {"service_staff": 150}, 2016: {"service_staff": 140}},
    "平江县工业园科技孵化中小微企业创业基地": {
        2017: {"service_staff": 128}, 2016: {"service_staff": 120},
    },
    "岳阳经济技术开发区创业孵化基地": {
        2017: {"service_staff": 115}, 2016: {"service_staff": 108},
    },
    "“梦工厂”工业配套园": {2017: {"service_staff": 104}, 2016: {"service_staff": 100}},
    "湖南澧县经济开发区创新创业园": {2017: {"service_staff": 95}, 2016: {"service_staff": 90}},
    # 创业辅导师 top 5; 长沙医药健康产业园 +9.
    "长海创业基地": {
        2017: {"certified_mentors": 30, "resident_enterprises": 226},
        2016: {"certified_mentors": 28},
    },
    "长沙黄金创业园": {2017: {"certified_mentors": 26}, 2016: {"certified_mentors": 25}},
    "湖南妙盛企业孵化港": {
        2017: {"certified_mentors": 22, "intellectual_property": 1300},
        2016: {"certified_mentors": 21},
    },
    "汉寿生产力促进中心": {2017: {"certified_mentors": 19}, 2016: {"certified_mentors": 18}},
    "金荣科技园": {2017: {"certified_mentors": 16}},
    "长沙医药健康产业园": {
        2017: {"certified_mentors": 12, "service_sessions": 400, "enterprises_served": 900},
        2016: {"certified_mentors": 3},
    },
    # 第三方服务机构 26家, 比上年新增10家 (62.5%).
    "湘乡市中小企业创业孵化基地": {
        2017: {"third_party_institutions": 26}, 2016: {"third_party_institutions": 16},
    },
    # 服务活动场次 top 5; 服务企业家次 top 5.
    "湘潭高新区高效节能机电中小企业创业基地": {
        2017: {"service_sessions": 480, "enterprises_served": 1000},
    },
    "祁阳县中小微企业创业创新基地": {
        2017: {"service_sessions": 340, "enterprises_served": 800},
    },
    "宁远县中小微企业创业创新基地": {
        2017: {"service_sessions": 300, "enterprises_served": 700},
    },
    "湖南麓谷国际医疗器械产业园": {
        2017: {"enterprises_served": 2300, "service_sessions": 150},
    },
    "娄底市经开区中小企业孵化中心": {
        2017: {"enterprises_served": 1900, "service_sessions": 180},
    },
    "桃源县大华创业园": {2017: {"enterprises_served": 1600, "service_sessions": 160}},
    # 入驻企业 top 5: 458, 315, 226, 216, 205 (德思勤 and 长海 above).
    "湘潭火炬创新创业园": {2017: {"resident_enterprises": 315}},
    "安仁县中小企业创业创新基地": {2017: {"resident_enterprises": 216}},
    "三一众创孵化基地": {2017: {"resident_enterprises": 205}},
    # Not named by the bulletin: two bases whose resident enterprises made a loss.
    "桑植县创业孵化基地": {2017: {"ent_profit": "-96.25"}, 2016: {"ent_profit": "-185.40"}},
    "龙山县创新创业园": {2017: {"ent_profit": "-42.80"}},
}

# --- The other bases (not named by the bulletin) ------------------------------------------
# name, city, county, batch, operator.
_OTHERS = (
    ("浏阳经开区中小企业创业园", "长沙市", "浏阳市", 1, "浏阳经济技术开发区管理委员会"),
    ("宁乡经开区中小微企业创业基地", "长沙市", "宁乡市", 1, "宁乡经济技术开发区管理委员会"),
    ("望城经开区创新创业园", "长沙市", "望城区", 2, "望城经济技术开发区管理委员会"),
    ("天心区创意产业孵化基地", "长沙市", "天心区", 1, "长沙天心文化产业投资有限公司"),
    ("星沙科技创业园", "长沙市", "长沙县", 2, "长沙县星沙产业基地建设有限公司"),
    ("醴陵经开区陶瓷产业创业园", "株洲市", "醴陵市", 1, "醴陵经济开发区管理委员会"),
    ("攸县工业园中小企业创业基地", "株洲市", "攸县", 1, "攸县工业园区开发建设有限公司"),
    ("茶陵县中小微企业创业园", "株洲市", "茶陵县", 2, "茶陵县工业园区管理委员会"),
    ("株洲高新区动力谷创业基地", "株洲市", "天元区", 1, "株洲高科集团有限公司"),
    ("炎陵县中小企业孵化园", "株洲市", "炎陵县", 1, "炎陵县中小企业服务中心"),
    ("湘潭县中小企业创业园", "湘潭市", "湘潭县", 1, "湘潭县城乡建设发展集团有限公司"),
    ("韶山高新区创新创业基地", "湘潭市", "韶山市", 2, "韶山高新技术产业开发区管理委员会"),
    ("九华经开区中小企业孵化园", "湘潭市", "岳塘区", 1, "湘潭九华经济建设投资有限公司"),
    ("雨湖区创新创业孵化中心", "湘潭市", "雨湖区", 1, "湘潭市雨湖区创业服务中心"),
    ("衡阳高新区中小企业创业园", "衡阳市", "蒸湘区", 1, "衡阳高新投资集团有限公司"),
    ("衡东县中小微企业创业基地", "衡阳市", "衡东县", 1, "衡东县经济开发区管理委员会"),
    ("常宁市中小企业创业园", "衡阳市", "常宁市", 2, "常宁市水口山经济开发区管理委员会"),
    ("祁东县中小企业孵化基地", "衡阳市", "祁东县", 1, "祁东县中小企业服务中心"),
    ("衡南县创新创业园", "衡阳市", "衡南县", 2, "衡南县工业集中区建设开发有限公司"),
    ("邵东县中小企业创业基地", "邵阳市", "邵东县", 1, "邵东经济开发区管理委员会"),
    ("新邵县中小微企业创业园", "邵阳市", "新邵县", 1, "新邵县经济开发区管理委员会"),
    ("隆回县创新创业园", "邵阳市", "隆回县", 2, "隆回县工业集中区管理委员会"),
    ("武冈市中小企业孵化基地", "邵阳市", "武冈市", 1, "武冈市中小企业服务中心"),
    ("洞口县中小企业创业园", "邵阳市", "洞口县", 1, "洞口县工业集中区管理委员会"),
    ("新宁县创业创新基地", "邵阳市", "新宁县", 2, "新宁县城市建设投资有限公司"),
    ("汨罗市循环经济产业园创业基地", "岳阳市", "汨罗市", 1, "汨罗循环经济产业园管理委员会"),
    ("临湘市中小企业创业园", "岳阳市", "临湘市", 1, "临湘市工业园区管理委员会"),
    ("华容县创新创业基地", "岳阳市", "华容县", 2, "华容县工业集中区建设投资有限公司"),
    ("湘阴县中小企业孵化园", "岳阳市", "湘阴县", 1, "湘阴县中小企业服务中心"),
    ("岳阳县中小微企业创业园", "岳阳市", "岳阳县", 1, "岳阳县工业园区管理委员会"),
    ("常德经开区中小企业创业基地", "常德市", "鼎城区", 1, "常德经济技术开发区管理委员会"),
    ("津市高新区创业园", "常德市", "津市市", 1, "津市高新技术产业开发区管理委员会"),
    ("安乡县中小企业创业园", "常德市", "安乡县", 2, "安乡县工业集中区建设开发有限公司"),
    ("临澧县创新创业基地", "常德市", "临澧县", 1, "临澧县经济开发区管理委员会"),
    ("张家界经开区中小企业创业园", "张家界市", "永定区", 1, "张家界经济开发区管理委员会"),
    ("慈利县中小微企业创业基地", "张家界市", "慈利县", 2, "慈利县工业集中区管理委员会"),
    ("桑植县创业孵化基地", "张家界市", "桑植县", 1, "桑植县中小企业服务中心"),
    ("益阳高新区中小企业孵化园", "益阳市", "赫山区", 1, "益阳高新技术产业开发区管理委员会"),
    ("沅江市中小企业创业园", "益阳市", "沅江市", 1, "沅江市工业园区开发建设有限公司"),
    ("桃江县创新创业基地", "益阳市", "桃江县", 2, "桃江县经济开发区管理委员会"),
    ("安化县中小微企业创业园", "益阳市", "安化县", 1, "安化县经济开发区管理委员会"),
    ("南县中小企业孵化基地", "益阳市", "南县", 2, "南县中小企业服务中心"),
    ("郴州高新区中小企业创业园", "郴州市", "苏仙区", 1, "郴州高新技术产业开发区管理委员会"),
    ("资兴市中小企业创业基地", "郴州市", "资兴市", 1, "资兴市经济开发区管理委员会"),
    ("永兴县循环经济创业园", "郴州市", "永兴县", 1, "永兴县经济开发区管理委员会"),
    ("宜章县中小微企业创业基地", "郴州市", "宜章县", 2, "宜章县工业园区开发建设有限公司"),
    ("嘉禾县铸造产业创业园", "郴州市", "嘉禾县", 2, "嘉禾县工业集中区管理委员会"),
    ("永州经开区中小企业创业园", "永州市", "冷水滩区", 1, "永州经济技术开发区管理委员会"),
    ("东安县中小企业孵化基地", "永州市", "东安县", 1, "东安县中小企业服务中心"),
    ("道县创新创业园", "永州市", "道县", 2, "道县工业园区开发建设有限公司"),
    ("江华县中小微企业创业基地", "永州市", "江华瑶族自治县", 1, "江华高新技术产业开发区管理委员会"),
    ("蓝山县中小企业创业园", "永州市", "蓝山县", 1, "蓝山县经济开发区管理委员会"),
    ("洪江区中小企业创业园", "怀化市", "洪江区", 1, "怀化市洪江区工业园管理委员会"),
    ("沅陵县中小微企业创业基地", "怀化市", "沅陵县", 1, "沅陵县工业集中区管理委员会"),
    ("芷江县创新创业园", "怀化市", "芷江侗族自治县", 2, "芷江工业集中区建设开发有限公司"),
    ("溆浦县中小企业孵化基地", "怀化市", "溆浦县", 1, "溆浦县中小企业服务中心"),
    ("会同县创业创新基地", "怀化市", "会同县", 2, "会同县工业集中区管理委员会"),
    ("冷水江市中小企业创业园", "娄底市", "冷水江市", 1, "冷水江经济开发区管理委员会"),
    ("涟源市中小微企业创业基地", "娄底市", "涟源市", 1, "涟源经济开发区管理委员会"),
    ("双峰县创新创业园", "娄底市", "双峰县", 2, "双峰县经济开发区管理委员会"),
    ("新化县中小企业孵化基地", "娄底市", "新化县", 1, "新化县中小企业服务中心"),
    ("泸溪县中小微企业创业基地", "湘西土家族苗族自治州", "泸溪县", 1,
     "泸溪高新技术产业开发区管理委员会"),
    ("龙山县创新创业园", "湘西土家族苗族自治州", "龙山县", 2, "龙山县工业集中区管理委员会"),
)

_YEAR_DESIGNATED = {1: 2015, 2: 2017}


# --- The generator --------------------------------------------------------------------------
def _units(code: str, value: object) -> int:
    """An entry value as an integer: hundredths for decimal codes, the count otherwise."""
    if _kind(code) == "decimal":
        hundredths = Decimal(str(value)) * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"{code}: {value} has more than two decimals")
        return int(hundredths)
    return int(value)  # type: ignore[call-overload]


def _allocate(total: int, weights: list[int], caps: list[int | None]) -> list[int]:
    """Share ``total`` out in proportion to ``weights``, never above a cap, summing exactly.

    Water-filling: whoever would exceed its cap gets the cap and the rest is shared again;
    whole units are then handed out by largest remainder (ties by position).
    """
    if total < 0:
        raise ValueError(f"cannot share out a negative total {total}")
    result: list[int] = [0] * len(weights)
    free = [i for i, w in enumerate(weights) if w > 0]
    remaining = total
    while True:
        weight_sum = sum(weights[i] for i in free)
        if remaining and not weight_sum:
            raise ValueError(f"nobody left to take {remaining}")
        over = [
            i for i in free
            if caps[i] is not None and remaining * weights[i] > caps[i] * weight_sum
        ]
        if not over:
            break
        for i in over:
            result[i] = caps[i]  # type: ignore[assignment]
            remaining -= caps[i]  # type: ignore[operator]
            free.remove(i)
        if remaining < 0:
            raise ValueError("caps exceed the total")
    if not free:
        if remaining:
            raise ValueError(f"caps too small by {remaining}")
        return result
    shares = {i: Fraction(remaining * weights[i], weight_sum) for i in free}
    for i, share in shares.items():
        result[i] = int(share)  # floor: shares are never negative
    leftover = remaining - sum(result[i] for i in free)
    by_fraction = sorted(free, key=lambda i: (-(shares[i] - int(shares[i])), i))
    for i in by_fraction[:leftover]:
        result[i] += 1
    return result


def _split(total: int, parts: list[int]) -> list[int]:
    """``total`` split in proportion to ``parts`` (largest remainder)."""
    return _allocate(total, list(parts), [None] * len(parts))


@dataclass(frozen=True)
class _Row:
    name: str
    city: str
    county: str
    batch: int
    operator: str


def _ordered_rows() -> list[_Row]:
    """Named and other bases by batch, then city (order of CITIES), then table order.

    Codes follow this order, so 益阳市赫山区龙岭工业园创业基地 (益阳市) comes before
    怀化市工业园区中小企业创业基地 (怀化市), which breaks their printed 40万㎡ tie.
    """
    rows = [_Row(*row) for row in (*_NAMED, *_OTHERS)]
    position = {row.name: index for index, row in enumerate(rows)}
    return sorted(rows, key=lambda r: (r.batch, CITIES.index(r.city), position[r.name]))


class _Builder:
    def __init__(self) -> None:
        self.rng = random.Random(2017)
        self.rows = _ordered_rows()
        everyone = range(len(self.rows))
        self.cohort = [i for i in everyone if self.rows[i].batch == 1]
        self.batch2 = [i for i in everyone if self.rows[i].batch == 2]
        # (group, year, members); 2016 comes last because it follows each base's 2017.
        self.groups = (("c17", 2017, self.cohort), ("b17", 2017, self.batch2),
                       ("c16", 2016, self.cohort))
        self.totals = self._group_totals()
        self.vals: dict[int, dict[int, dict[str, int]]] = {
            2017: {i: {} for i in everyone}, 2016: {i: {} for i in self.cohort}}
        self.pins: dict[int, dict[int, dict[str, int]]] = {
            2017: {i: {} for i in everyone}, 2016: {i: {} for i in self.cohort}}
        index = {row.name: i for i, row in enumerate(self.rows)}
        for name, years in _PINNED.items():
            for year, values in years.items():
                for code, value in values.items():
                    self.pins[year][index[name]][code] = _units(code, value)
        # A size per base keeps one base's figures in proportion to each other.
        self.size = [self.rng.randint(50, 150) for _ in self.rows]

    @staticmethod
    def _group_totals() -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {"c16": {}, "c17": {}, "b17": {}}
        for code, (all_2017, cohort_2016, cohort_2017) in _PRINTED_TOTALS.items():
            totals["c16"][code] = _units(code, cohort_2016)
            totals["c17"][code] = _units(code, cohort_2017)
            totals["b17"][code] = _units(code, all_2017) - totals["c17"][code]
        return totals

    def jitter(self, value: int, low: int = 80, high: int = 120) -> int:
        return value * self.rng.randint(low, high)

    def fill(self, code: str, weight, cap=None, follow: tuple[int, int] = (88, 112)) -> None:
        """Share each group's total of ``code`` among its bases that are not pinned.

        ``weight(year, i)`` is asked for 2017 only: in 2016 each base follows its own 2017
        value (times a random percentage in ``follow``), so year-on-year changes stay
        moderate. ``cap(year, i)`` is asked for both years (None = no cap).
        """
        for group, year, members in self.groups:
            pinned = {i: self.pins[year][i][code] for i in members
                      if code in self.pins[year][i]}
            free = [i for i in members if i not in pinned]
            if year == 2016:
                weights = [max(0, self.jitter(self.vals[2017][i][code], *follow))
                           for i in free]
            else:
                weights = [weight(year, i) for i in free]
            caps = [cap(year, i) if cap else None for i in free]
            amounts = _allocate(self.totals[group][code] - sum(pinned.values()), weights, caps)
            for i, amount in pinned.items():
                self.vals[year][i][code] = amount
            for i, amount in zip(free, amounts, strict=True):
                self.vals[year][i][code] = amount

    def spread_pins(self, pseudo: str, codes: tuple[str, ...]) -> None:
        """Turn a pinned total over several codes into pins per code."""
        for group, year, members in self.groups:
            for i in members:
                total = self.pins[year][i].pop(pseudo, None)
                if total is not None:
                    parts = _split(total, [self.totals[group][c] for c in codes])
                    self.pins[year][i].update(zip(codes, parts, strict=True))

    def ranked_cap(self, code: str):
        limit = _units(code, _CAPS_2017[code])
        return lambda year, i: limit if year == 2017 else None

    def share_cap(self, codes: tuple[str, ...], code: str, per_base: int):
        """Per-code cap so that a base's total over ``codes`` stays within ``per_base``."""
        def cap(year: int, i: int) -> int | None:
            if year != 2017:
                return None
            group = "c17" if self.rows[i].batch == 1 else "b17"
            return per_base * self.totals[group][code] // sum(
                self.totals[group][c] for c in codes)
        return cap

    def build(self) -> list[DemoBase]:
        v, size, jitter = self.vals, self.size, self.jitter

        def own(code: str, low: int = 80, high: int = 120):
            return lambda year, i: jitter(v[year][i][code], low, high)

        def by_size(low: int = 60, high: int = 140):
            return lambda year, i: jitter(size[i], low, high)

        def at_most(code: str, percent: int = 100, extra=None):
            def cap(year: int, i: int) -> int:
                limit = v[year][i][code] * percent // 100
                other = extra(year, i) if extra else None
                return limit if other is None else min(limit, other)
            return cap

        # 建设运营
        self.fill("building_area", by_size(70, 130), self.ranked_cap("building_area"))
        self.fill("standard_factory_area", own("building_area", 80, 98),
                  at_most("building_area", extra=self.ranked_cap("standard_factory_area")),
                  follow=(90, 110))
        self.fill("service_staff", by_size(), self.ranked_cap("service_staff"))
        self.fill("certified_mentors", by_size(30, 170), self.ranked_cap("certified_mentors"))
        self.fill("operator_total_assets", by_size(40, 160),
                  self.ranked_cap("operator_total_assets"), follow=(92, 108))
        self.fill("operator_revenue", by_size(40, 160), self.ranked_cap("operator_revenue"))
        self.fill("service_revenue", own("operator_revenue", 30, 120),
                  at_most("operator_revenue", 45))
        self.fill("service_expenditure", own("operator_revenue", 50, 150),
                  at_most("operator_revenue"))
        self.fill("third_party_institutions", by_size(50, 150),
                  self.ranked_cap("third_party_institutions"), follow=(92, 108))
        self.fill("resident_enterprises", by_size(), self.ranked_cap("resident_enterprises"))
        self.fill("small_micro_enterprises", own("resident_enterprises", 80, 98),
                  at_most("resident_enterprises"), follow=(95, 105))

        # 服务活动: sessions per category, then enterprises served (never without sessions,
        # at most 100 per session).
        self.spread_pins("service_sessions", SESSION_CODES)
        self.spread_pins("enterprises_served", SERVED_CODES)
        intensity = [jitter(s, 50, 150) for s in size]
        for sessions, served in zip(SESSION_CODES, SERVED_CODES, strict=True):
            self.fill(sessions, lambda year, i: jitter(intensity[i], 60, 140),
                      self.share_cap(SESSION_CODES, sessions, _SESSIONS_CAP), follow=(80, 120))
            session_cap = self.share_cap(SERVED_CODES, served, _SERVED_CAP)

            def served_cap(year, i, sessions=sessions, session_cap=session_cap):
                limit = 100 * v[year][i][sessions]
                extra = session_cap(year, i)
                return limit if extra is None else min(limit, extra)

            self.fill(served, own(sessions, 70, 130), served_cap, follow=(80, 120))
            for year in YEARS:  # enterprises served only where there were sessions
                for values in v[year].values():
                    if values[sessions] == 0 and values[served]:
                        raise AssertionError(f"{served} without sessions")

        # 入驻企业
        self.fill("reporting_enterprises", own("resident_enterprises", 65, 95),
                  at_most("resident_enterprises"), follow=(95, 105))
        self.fill("high_tech_enterprises", own("reporting_enterprises", 50, 150),
                  at_most("reporting_enterprises"))
        self.fill("employees", own("reporting_enterprises", 60, 140), follow=(95, 105))
        self.fill("ent_total_assets", own("reporting_enterprises", 50, 150), follow=(95, 105))
        self.fill("ent_revenue", own("ent_total_assets", 70, 130), follow=(90, 110))
        self.fill("ent_profit", own("ent_revenue", 50, 150), follow=(85, 115))
        self.fill("ent_tax", own("ent_revenue", 60, 140), follow=(90, 110))
        self.spread_pins("intellectual_property", IP_CODES)
        for code in IP_CODES:
            self.fill(code, own("reporting_enterprises", 40, 160),
                      self.share_cap(IP_CODES, code, _IP_CAP), follow=(80, 120))

        # 创新平台: about half the bases host none.
        for code in PLATFORM_CODES:
            hosts = {i: self.rng.random() < 0.5 for i in range(len(self.rows))}
            self.fill(code, lambda year, i, hosts=hosts: jitter(size[i]) if hosts[i] else 0,
                      lambda year, i: 4 if year == 2017 else None, follow=(70, 100))

        optional = self.means()
        flags = self.flags(optional)
        return self.result(optional, flags)

    def means(self) -> dict[int, dict[int, dict[str, int | None]]]:
        """avg_rent / avg_sale_price: chosen bases report a value, the others leave it empty.

        The values' sums make the exact means equal the printed means.
        """
        out: dict[int, dict[int, dict[str, int | None]]] = {
            year: {i: {} for i in self.vals[year]} for year in YEARS}
        for code, (mean_all, mean_2016, mean_2017) in _PRINTED_MEANS.items():
            cohort_n, batch2_n = _MEAN_REPORTERS[code]
            cohort = sorted(self.rng.sample(self.cohort, cohort_n))
            batch2 = sorted(self.rng.sample(self.batch2, batch2_n))
            all_units, c16_units, c17_units = (_units(code, m) for m in
                                               (mean_all, mean_2016, mean_2017))
            sums = (
                (2017, cohort, c17_units * cohort_n),
                (2017, batch2, all_units * (cohort_n + batch2_n) - c17_units * cohort_n),
                (2016, cohort, c16_units * cohort_n),
            )
            for year, members, total in sums:
                if year == 2017:
                    weights = [self.rng.randint(60, 140) for _ in members]
                else:
                    weights = [self.jitter(out[2017][i][code], 92, 100) for i in members]
                for i, amount in zip(members, _split(total, weights), strict=True):
                    out[year][i][code] = amount
            for year in YEARS:
                for i in self.vals[year]:
                    out[year][i].setdefault(code, None)
        return out

    def flags(self, optional) -> dict[int, dict[int, dict[str, bool]]]:
        """Yes/no figures: nested so that interconnected implies a platform."""
        out: dict[int, dict[int, dict[str, bool]]] = {
            year: {i: {} for i in self.vals[year]} for year in YEARS}
        cohort_order = self.rng.sample(self.cohort, len(self.cohort))
        batch2_order = self.rng.sample(self.batch2, len(self.batch2))
        for code in ("has_service_platform", "platform_interconnected"):
            (cohort_17, batch2_17), cohort_16 = _TRUE_COUNTS[code]
            for year, order, count in ((2017, cohort_order, cohort_17),
                                       (2017, batch2_order, batch2_17),
                                       (2016, cohort_order, cohort_16)):
                for position, i in enumerate(order):
                    out[year][i][code] = position < count
        # Rent reduction: the few "no" answers come from bases that do not rent.
        (cohort_17, batch2_17), cohort_16 = _TRUE_COUNTS["offers_rent_reduction"]
        for year, members, count in ((2017, self.cohort, cohort_17),
                                     (2017, self.batch2, batch2_17),
                                     (2016, self.cohort, cohort_16)):
            no_rent = [i for i in members if optional[2017][i]["avg_rent"] is None]
            refusing = set(no_rent[:len(members) - count])
            for i in members:
                out[year][i]["offers_rent_reduction"] = i not in refusing
        return out

    def result(self, optional, flags) -> list[DemoBase]:
        bases = []
        for i, row in enumerate(self.rows):
            values: dict[int, dict[str, object]] = {}
            for year in YEARS:
                if i not in self.vals[year]:
                    continue
                # Every entered figure; the ones the demo does not fill (the optional
                # next-step figures) stay empty.
                merged = {**self.vals[year][i], **optional[year][i], **flags[year][i]}
                values[year] = {code: _value(code, merged.get(code))
                                for code in indicators.ENTERED_CODES}
            bases.append(DemoBase(
                code=f"HN{i + 1:03d}", name=row.name, city=row.city, county=row.county,
                batch=row.batch, year_designated=_YEAR_DESIGNATED[row.batch],
                operator=row.operator, values=values,
            ))
        return bases


def _value(code: str, units: int | bool | None) -> object:
    if units is None or _kind(code) == "bool":
        return units
    if _kind(code) == "decimal":
        return Decimal(units).scaleb(-2)
    return int(units)


def demo_bases() -> list[DemoBase]:
    """The 102 demo bases with their 2016 (first batch) and 2017 reports, by code."""
    return _Builder().build()
