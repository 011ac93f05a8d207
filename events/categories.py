"""The default category tree seeded for a new installation (administrators edit it).

(code, name, accept level, accept hours, handle days, evidence required)
"""

DEFAULT_CATEGORIES = [
    ("01", "矛盾纠纷", 5, 4, 10, False),
    ("0101", "邻里纠纷", 5, 4, 10, False),
    ("0102", "婚姻家庭纠纷", 5, 4, 10, False),
    ("0103", "劳资纠纷", 4, 4, 15, False),
    ("0104", "物业纠纷", 5, 4, 10, False),
    ("0105", "土地山林纠纷", 4, 8, 20, False),
    ("02", "治安隐患", 4, 2, 3, True),
    ("0201", "可疑人员物品", 4, 1, 1, False),
    ("0202", "涉黄赌毒线索", 3, 2, 5, False),
    ("0203", "群租房隐患", 4, 4, 5, True),
    ("03", "消防安全隐患", 4, 2, 3, True),
    ("0301", "消防通道堵塞", 4, 2, 2, True),
    ("0302", "电动车违规充电", 5, 2, 2, True),
    ("0303", "易燃易爆物品", 3, 1, 1, True),
    ("04", "生产安全隐患", 3, 2, 5, True),
    ("05", "环境卫生", 5, 4, 3, True),
    ("0501", "垃圾堆放", 5, 4, 2, True),
    ("0502", "污水横流", 4, 4, 3, True),
    ("0503", "噪音扰民", 4, 4, 3, False),
    ("06", "城市管理", 3, 4, 5, True),
    ("0601", "占道经营", 3, 4, 3, True),
    ("0602", "违章建筑", 3, 8, 20, True),
    ("0603", "井盖破损", 3, 2, 2, True),
    ("0604", "路灯损坏", 3, 4, 5, True),
    ("07", "信访诉求", 3, 8, 15, False),
    ("08", "求助服务", 5, 2, 3, False),
    ("0801", "困难群众帮扶", 5, 4, 5, False),
    ("0802", "特殊人群关爱", 5, 4, 5, False),
    ("09", "市场监管", 3, 4, 10, False),
    ("10", "其他事件", 5, 4, 5, False),
]


def categories_seed(Category=None) -> int:
    """Create the default categories that do not exist yet (by code)."""
    if Category is None:
        from .models import EventCategory as Category
    by_code = {c.code: c for c in Category.objects.all()}
    created = 0
    for code, name, level, hours, days, evidence in DEFAULT_CATEGORIES:
        if code not in by_code:
            by_code[code] = Category.objects.create(
                code=code,
                name=name,
                parent=by_code.get(code[:-2]),
                accept_level=level,
                accept_hours=hours,
                handle_days=days,
                evidence_required=evidence,
            )
            created += 1
    return created
