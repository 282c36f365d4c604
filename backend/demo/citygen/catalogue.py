"""Municipal functional departments and the case category tree (pure data).

Time limits are in working hours (8 h per working day): 1 working day = 8, 15 working days = 120.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DepartmentSpec:
    """A functional department cases are dispatched to."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class CategorySpec:
    """A major case category (parent None) or a minor one with its handling rules."""

    code: str
    name_zh: str
    name_en: str
    parent: str | None
    handling_level: int  # grid level that must handle it; 0 on majors means "see minors"
    department: str | None
    time_limit_hours: float | None
    urgency: str  # "low" | "normal" | "high" | "critical"


DEPARTMENTS: list[DepartmentSpec] = [
    DepartmentSpec("URBAN_MGMT", "城市管理局", "Urban Management Bureau"),
    DepartmentSpec("ECO_ENV", "生态环境局", "Ecology and Environment Bureau"),
    DepartmentSpec("PUBLIC_SECURITY", "公安局", "Public Security Bureau"),
    DepartmentSpec("HOUSING", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    DepartmentSpec("WATER_AFFAIRS", "水务局", "Water Affairs Bureau"),
    DepartmentSpec("TRANSPORT", "交通运输局", "Transport Bureau"),
    DepartmentSpec("MARKET_SUPERVISION", "市场监督管理局", "Market Supervision Administration"),
    DepartmentSpec("EMERGENCY", "应急管理局", "Emergency Management Bureau"),
    DepartmentSpec("HEALTH", "卫生健康委员会", "Health Commission"),
    DepartmentSpec("CIVIL_AFFAIRS", "民政局", "Civil Affairs Bureau"),
    DepartmentSpec("HR_SOCIAL_SECURITY", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    DepartmentSpec("EDUCATION", "教育局", "Education Bureau"),
    DepartmentSpec("NATURAL_RESOURCES", "自然资源和规划局", "Natural Resources and Planning Bureau"),
    DepartmentSpec("LANDSCAPING", "园林局", "Landscaping and Greening Bureau"),
    DepartmentSpec("FIRE_RESCUE", "消防救援支队", "Fire and Rescue Detachment"),
    DepartmentSpec("POWER_SUPPLY", "供电公司", "Power Supply Company"),
    DepartmentSpec("GAS", "燃气公司", "Gas Company"),
    DepartmentSpec("WATER_SUPPLY", "自来水公司", "Water Supply Company"),
    DepartmentSpec("TELECOM", "通信管理局", "Communications Administration"),
    DepartmentSpec("PETITIONS", "信访局", "Letters and Visits Bureau"),
    DepartmentSpec("JUSTICE", "司法局", "Justice Bureau"),
    DepartmentSpec("CULTURE_TOURISM", "文化广电和旅游局", "Culture, Radio, Television and Tourism Bureau"),
    DepartmentSpec("AGRICULTURE", "农业农村局", "Agriculture and Rural Affairs Bureau"),
    DepartmentSpec("FORESTRY", "林业局", "Forestry Bureau"),
    DepartmentSpec("SPORTS", "体育局", "Sports Bureau"),
    DepartmentSpec("VETERANS", "退役军人事务局", "Veterans Affairs Bureau"),
    DepartmentSpec("WOMENS_FEDERATION", "妇女联合会", "Women's Federation"),
    DepartmentSpec("ETHNIC_RELIGIOUS", "民族宗教事务局", "Ethnic and Religious Affairs Bureau"),
    DepartmentSpec("STATISTICS", "统计局", "Statistics Bureau"),
    DepartmentSpec("STREET_OFFICE", "街道办事处综合办", "Street Office General Affairs"),
]


def _major(number: int, name_zh: str, name_en: str) -> CategorySpec:
    """A major category; its handling rules live on its minors."""
    return CategorySpec(f"CA-{number:02d}", name_zh, name_en, None, 0, None, None, "normal")


def _minors(major: CategorySpec, rows: list[tuple]) -> list[CategorySpec]:
    """Minor categories numbered 01.. under `major`; rows are (zh, en, level, department, hours, urgency)."""
    return [
        CategorySpec(f"{major.code}-{n:02d}", zh, en, major.code, level, department, float(hours), urgency)
        for n, (zh, en, level, department, hours, urgency) in enumerate(rows, start=1)
    ]


_CITY_APPEARANCE = _major(1, "市容环境", "City Appearance")
_PUBLIC_FACILITIES = _major(2, "公共设施", "Public Facilities")
_ENVIRONMENT = _major(3, "环境保护", "Environmental Protection")
_PUBLIC_SECURITY = _major(4, "社会治安", "Public Security")
_SAFETY_HAZARDS = _major(5, "安全隐患", "Safety Hazards")
_DISPUTES = _major(6, "矛盾纠纷", "Disputes")
_ILLEGAL_CONSTRUCTION = _major(7, "违法建设", "Illegal Construction")
_HEALTH = _major(8, "卫生健康", "Epidemic and Health")
_CIVIL_AFFAIRS = _major(9, "民政服务", "Civil Affairs and Social Assistance")
_TRAFFIC = _major(10, "交通管理", "Traffic")
_GENERAL = _major(11, "综合事务", "General Affairs")

CATEGORIES: list[CategorySpec] = [
    _CITY_APPEARANCE,
    *_minors(_CITY_APPEARANCE, [
        ("违法小广告", "Illegal advertising", 3, "URBAN_MGMT", 8, "low"),
        ("暴露垃圾", "Exposed rubbish", 3, "URBAN_MGMT", 8, "normal"),
        ("道路不洁", "Dirty road", 3, "URBAN_MGMT", 5, "low"),
        ("占道经营", "Illegal street stall", 3, "URBAN_MGMT", 4, "normal"),
        ("乱涂乱画", "Graffiti", 3, "URBAN_MGMT", 16, "low"),
        ("绿化损坏", "Damaged greenery", 2, "LANDSCAPING", 24, "low"),
    ]),
    _PUBLIC_FACILITIES,
    *_minors(_PUBLIC_FACILITIES, [
        ("井盖缺失破损", "Missing or damaged manhole cover", 2, "WATER_AFFAIRS", 2, "high"),
        ("路灯故障", "Street light failure", 2, "POWER_SUPPLY", 24, "normal"),
        ("道路破损", "Damaged road surface", 1, "TRANSPORT", 48, "normal"),
        ("供水管道破裂", "Water main break", 1, "WATER_SUPPLY", 4, "high"),
        ("燃气泄漏", "Gas leak", 1, "GAS", 1, "critical"),
        ("通信线缆杂乱", "Tangled telecom cables", 2, "TELECOM", 40, "low"),
        ("健身器材损坏", "Damaged fitness equipment", 2, "SPORTS", 40, "low"),
    ]),
    _ENVIRONMENT,
    *_minors(_ENVIRONMENT, [
        ("油烟异味扰民", "Cooking smoke or odour complaint", 2, "ECO_ENV", 24, "normal"),
        ("噪声扰民", "Noise nuisance", 2, "ECO_ENV", 8, "normal"),
        ("污水直排", "Sewage discharge", 1, "ECO_ENV", 24, "high"),
        ("违规倾倒垃圾", "Illegal dumping", 2, "URBAN_MGMT", 16, "normal"),
        ("秸秆露天焚烧", "Open straw burning", 2, "AGRICULTURE", 2, "high"),
    ]),
    _PUBLIC_SECURITY,
    *_minors(_PUBLIC_SECURITY, [
        ("打架斗殴", "Fight", 1, "PUBLIC_SECURITY", 1, "critical"),
        ("盗窃", "Theft", 1, "PUBLIC_SECURITY", 24, "high"),
        ("可疑人员", "Suspicious person", 2, "PUBLIC_SECURITY", 2, "high"),
        ("非法宗教活动", "Illegal religious gathering", 1, "ETHNIC_RELIGIOUS", 48, "normal"),
    ]),
    _SAFETY_HAZARDS,
    *_minors(_SAFETY_HAZARDS, [
        ("消防隐患", "Fire hazard", 2, "FIRE_RESCUE", 2, "critical"),
        ("危房", "Dangerous building", 1, "HOUSING", 24, "high"),
        ("楼道电动车充电", "Electric bike charging in corridor", 3, "FIRE_RESCUE", 4, "high"),
        ("安全生产隐患", "Workplace safety hazard", 1, "EMERGENCY", 24, "high"),
        ("食品安全隐患", "Food safety hazard", 1, "MARKET_SUPERVISION", 24, "high"),
        ("森林火险", "Forest fire risk", 1, "FORESTRY", 2, "critical"),
    ]),
    _DISPUTES,
    *_minors(_DISPUTES, [
        ("邻里纠纷", "Neighbour dispute", 3, "JUSTICE", 72, "normal"),
        ("拖欠工资", "Wage arrears", 1, "HR_SOCIAL_SECURITY", 120, "high"),
        ("物业纠纷", "Property management dispute", 2, "HOUSING", 72, "normal"),
        ("婚姻家庭纠纷", "Family dispute", 2, "WOMENS_FEDERATION", 48, "normal"),
        ("群众信访诉求", "Petition", 1, "PETITIONS", 120, "normal"),
        ("消费纠纷", "Consumer dispute", 2, "MARKET_SUPERVISION", 56, "normal"),
    ]),
    _ILLEGAL_CONSTRUCTION,
    *_minors(_ILLEGAL_CONSTRUCTION, [
        ("违章搭建", "Illegal structure", 2, "URBAN_MGMT", 120, "normal"),
        ("违法占地", "Illegal land occupation", 1, "NATURAL_RESOURCES", 120, "normal"),
        ("工地扬尘", "Construction site dust", 2, "HOUSING", 8, "normal"),
    ]),
    _HEALTH,
    *_minors(_HEALTH, [
        ("传染病疫情报告", "Infectious disease report", 1, "HEALTH", 2, "critical"),
        ("病媒生物孳生", "Rats, mosquitoes and other vectors", 2, "HEALTH", 40, "low"),
        ("非法行医", "Illegal medical practice", 1, "HEALTH", 72, "high"),
    ]),
    _CIVIL_AFFAIRS,
    *_minors(_CIVIL_AFFAIRS, [
        ("独居老人关爱", "Elderly person living alone", 3, "CIVIL_AFFAIRS", 24, "normal"),
        ("困难群众救助", "Poverty relief", 2, "CIVIL_AFFAIRS", 120, "normal"),
        ("退役军人帮扶", "Veteran assistance", 2, "VETERANS", 120, "normal"),
        ("适龄儿童失学", "Child out of school", 2, "EDUCATION", 72, "normal"),
        ("人口信息变动", "Population record change", 3, "STATISTICS", 40, "low"),
    ]),
    _TRAFFIC,
    *_minors(_TRAFFIC, [
        ("违章停车", "Illegal parking", 3, "PUBLIC_SECURITY", 2, "normal"),
        ("交通信号灯故障", "Broken traffic signal", 1, "PUBLIC_SECURITY", 2, "high"),
        ("共享单车乱停放", "Disorderly shared bikes", 3, "TRANSPORT", 8, "low"),
    ]),
    _GENERAL,
    *_minors(_GENERAL, [
        ("文化市场违规经营", "Cultural market violation", 1, "CULTURE_TOURISM", 72, "normal"),
        ("其他事项", "Other matters", 2, "STREET_OFFICE", 40, "low"),
    ]),
]
