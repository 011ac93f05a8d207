"""Masked display of personal data for lists, exports and logs. Short or unusual values are
masked all the more, never shown whole."""

_NAME_SEPARATORS = "·• "


def _mask(value: str, keep_start: int, keep_end: int) -> str:
    n = len(value)
    if n < 2 * (keep_start + keep_end):
        keep_start, keep_end = 0, min(keep_end, n // 4)
    return value[:keep_start] + "*" * (n - keep_start - keep_end) + value[n - keep_end :]


def mask_id_number(value: str | None) -> str:
    """'220102199003071234' -> '220102********1234': region code and last four shown."""
    if not value:
        return ""
    value = value.strip()
    if len(value) == 18:
        return value[:6] + "*" * 8 + value[14:]
    if len(value) == 15:  # old format: the six birth-date digits hidden as well
        return value[:6] + "*" * 6 + value[12:]
    return _mask(value, 2, 2)  # passports and other documents


def mask_birth_date(value) -> str:
    """1990-03-07 -> '199*-**-**': the decade only. Shown wherever the ID number is masked,
    since the masked digits of an 18-digit number are exactly the birth date: with the
    region code, sequence and check digit visible, a full date would give the whole number
    back, a year would leave ~33 candidates, a decade leaves ~330. Accepts a date or an ISO
    string; an already masked value is returned as it is."""
    if value is None or value == "":
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value).strip()
    if len(text) < 4 or not text[:3].isdigit():
        return "***"
    return text[:3] + "*-**-**"


def mask_phone(value: str | None) -> str:
    """'13812345678' -> '138****5678'."""
    if not value:
        return ""
    value = value.strip()
    if len(value) == 11:
        return value[:3] + "****" + value[7:]
    return _mask(value, 0, 4)


def mask_name(value: str | None) -> str:
    """'张三丰' -> '张**', '阿依古丽·买买提' -> '阿***·***': first character kept, separators of
    transliterated names kept, a one-character name fully masked."""
    if not value:
        return ""
    value = value.strip()
    if len(value) == 1:
        return "*"
    return value[0] + "".join(c if c in _NAME_SEPARATORS else "*" for c in value[1:])
