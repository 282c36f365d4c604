"""Chinese person and place names with toneless pinyin, and phone numbers."""
from __future__ import annotations

import numpy as np

SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
    ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"),
    ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
    ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"), ("韩", "han"),
    ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("萧", "xiao"),
    ("程", "cheng"), ("曹", "cao"), ("袁", "yuan"), ("邓", "deng"), ("许", "xu"),
    ("傅", "fu"), ("沈", "shen"), ("曾", "zeng"), ("彭", "peng"), ("吕", "lv"),
)

GIVEN_CHARACTERS: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("建", "jian"),
    ("国", "guo"), ("文", "wen"), ("辉", "hui"), ("玲", "ling"), ("婷", "ting"),
    ("晨", "chen"), ("宇", "yu"), ("浩", "hao"), ("鹏", "peng"), ("欣", "xin"),
    ("怡", "yi"), ("佳", "jia"), ("雪", "xue"), ("梅", "mei"), ("红", "hong"),
    ("斌", "bin"), ("波", "bo"), ("宁", "ning"), ("凯", "kai"), ("琳", "lin"),
    ("飞", "fei"), ("鑫", "xin"), ("博", "bo"), ("晓", "xiao"), ("小", "xiao"),
    ("志", "zhi"), ("海", "hai"), ("亮", "liang"), ("成", "cheng"), ("春", "chun"),
    ("兰", "lan"), ("峰", "feng"), ("慧", "hui"), ("颖", "ying"), ("倩", "qian"),
    ("子", "zi"), ("嘉", "jia"), ("瑞", "rui"), ("昊", "hao"), ("天", "tian"),
    ("思", "si"), ("雨", "yu"), ("萍", "ping"), ("东", "dong"), ("诗", "shi"),
    ("永", "yong"), ("玉", "yu"), ("俊", "jun"), ("淑", "shu"), ("德", "de"),
    ("荣", "rong"), ("光", "guang"), ("振", "zhen"), ("桐", "tong"), ("悦", "yue"),
)

PLACE_CHARACTERS: tuple[tuple[str, str], ...] = (
    ("金", "jin"), ("水", "shui"), ("花", "hua"), ("园", "yuan"), ("东", "dong"),
    ("西", "xi"), ("南", "nan"), ("北", "bei"), ("新", "xin"), ("安", "an"),
    ("和", "he"), ("平", "ping"), ("丰", "feng"), ("华", "hua"), ("林", "lin"),
    ("河", "he"), ("山", "shan"), ("桥", "qiao"), ("明", "ming"), ("光", "guang"),
    ("阳", "yang"), ("柳", "liu"), ("杨", "yang"), ("龙", "long"), ("凤", "feng"),
    ("泉", "quan"), ("湖", "hu"), ("港", "gang"), ("庄", "zhuang"), ("营", "ying"),
    ("福", "fu"), ("康", "kang"), ("泰", "tai"), ("兴", "xing"), ("隆", "long"),
    ("宏", "hong"), ("文", "wen"), ("化", "hua"), ("城", "cheng"), ("石", "shi"),
    ("松", "song"), ("柏", "bai"), ("梅", "mei"), ("荷", "he"), ("青", "qing"),
    ("绿", "lv"), ("紫", "zi"), ("荆", "jing"), ("嵩", "song"), ("惠", "hui"),
    ("济", "ji"), ("源", "yuan"), ("溪", "xi"), ("沙", "sha"), ("岗", "gang"),
    ("坡", "po"), ("塘", "tang"), ("沟", "gou"), ("台", "tai"), ("宁", "ning"),
)

# Level -> (urban suffix, rural suffix), each as (Chinese, English).
PLACE_SUFFIXES: dict[int, tuple[tuple[str, str], tuple[str, str]]] = {
    1: (("街道", "Street"), ("镇", "Town")),
    2: (("社区", "Community"), ("村", "Village")),
}

MOBILE_PREFIXES: tuple[str, ...] = tuple(str(p) for r in (130, 150, 180) for p in range(r, r + 10))


def city_name() -> tuple[str, str]:
    """The demo city's name."""
    return "郑州市演示城", "Zhengzhou Demo City"


def person_name(rng: np.random.Generator) -> tuple[str, str]:
    """A random full name, e.g. ("张伟", "Zhang Wei") or ("王晓明", "Wang Xiaoming")."""
    surname_zh, surname_py = SURNAMES[rng.integers(len(SURNAMES))]
    picks = rng.integers(len(GIVEN_CHARACTERS), size=rng.integers(1, 3))
    given_zh = "".join(GIVEN_CHARACTERS[i][0] for i in picks)
    given_py = "".join(GIVEN_CHARACTERS[i][1] for i in picks)
    return surname_zh + given_zh, f"{surname_py.capitalize()} {given_py.capitalize()}"


def grid_names(
    level: int, count: int, rural: bool, parent_name: str, rng: np.random.Generator
) -> list[tuple[str, str]]:
    """`count` distinct sibling names for grids at `level` (1 street/town, 2 community/village, 3 grid).

    Two-character place names never repeat the parent's stem (no 金水社区 under 金水街道).
    """
    if level == 3:
        return [(f"第{n:02d}网格", f"Grid {n:02d}") for n in range(1, count + 1)]
    if level not in PLACE_SUFFIXES:
        raise ValueError(f"no grid names for level {level}")
    suffix_zh, suffix_en = PLACE_SUFFIXES[level][rural]
    stems = _distinct_stems(count, parent_name[:2], rng)
    return [(zh + suffix_zh, f"{py.capitalize()} {suffix_en}") for zh, py in stems]


def _distinct_stems(count: int, excluded: str, rng: np.random.Generator) -> list[tuple[str, str]]:
    """`count` two-character stems, distinct in both characters and pinyin (homophones like 花/华 clash)."""
    size = len(PLACE_CHARACTERS)
    stems: list[tuple[str, str]] = []
    seen_zh, seen_py = {excluded}, set()
    for combo in rng.permutation(size * size):
        if len(stems) == count:
            return stems
        first, second = PLACE_CHARACTERS[combo // size], PLACE_CHARACTERS[combo % size]
        zh, py = first[0] + second[0], first[1] + second[1]
        if first != second and zh not in seen_zh and py not in seen_py:
            stems.append((zh, py))
            seen_zh.add(zh)
            seen_py.add(py)
    if len(stems) < count:
        raise ValueError(f"only {len(stems)} distinct place names available, {count} requested")
    return stems


def phone(rng: np.random.Generator) -> str:
    """An 11-digit mainland mobile number such as "13812345678"."""
    prefix = MOBILE_PREFIXES[rng.integers(len(MOBILE_PREFIXES))]
    return prefix + "".join(str(d) for d in rng.integers(0, 10, size=8))
