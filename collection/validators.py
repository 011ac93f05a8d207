"""Validators for the identifiers of base data: resident ID numbers (GB 11643-1999), foreigners'
documents, unified social credit codes (GB 32100-2015) and mainland mobile numbers.

Each validator normalises its input (NFKC, so full-width digits typed with a Chinese input method
pass; surrounding blanks removed; letters upper-cased) and returns the normalised value or a
small info object, or raises ``ValidationError`` with a specific code and a message that says
what exactly is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# GB/T 2260 province-level codes, plus 81/82/83, the address codes of the residence permits of
# residents of Hong Kong, Macao and Taiwan (810000/820000/830000, issued since 2018).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split()
)

# ISO 7064 MOD 11-2 as used by GB 11643: weight of position i (1-based) is 2^(18-i) mod 11.
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# GB 32100: 31 characters, no I, O, Z, S, V; weight of position i (0-based) is 3^i mod 31.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28

_ID_BODY = re.compile(r"\d{17}[\dX]")
_DOC = re.compile(r"[A-Z0-9]{5,20}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_MOBILE_NOISE = re.compile(r"[\s\-()]")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


@dataclass(frozen=True)
class IdNumberInfo:
    number: str  # normalised: 18 characters, check digit upper-case
    region_code: str  # the six-digit address code
    birth_date: date
    sequence: str  # positions 15-17; odd for men
    gender: Gender

    @property
    def province_code(self) -> str:
        return self.region_code[:2]


@dataclass(frozen=True)
class CreditCodeInfo:
    code: str
    registration_authority: str  # 1st character, e.g. 9 (market regulation), 5 (civil affairs)
    organisation_type: str  # 2nd character, e.g. 1 (enterprise) under authority 9
    region_code: str  # 3rd-8th: administrative division of the registering authority
    organisation_code: str  # 9th-17th: the GB 11714 organisation code or its successor
    check_char: str


def _normalise(value) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip().upper()


def id_check_digit(body: str) -> str:
    """The GB 11643 check digit of the first 17 digits."""
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def credit_check_char(body: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def validate_id_number(value, *, today: date | None = None) -> IdNumberInfo:
    """Validate a resident ID number (公民身份号码) and return what it encodes."""
    number = _normalise(value)
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("15 位旧式身份证号码已停止使用,请填写 18 位号码。"), code="id_length"
        )
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为 18 位,实为 %(length)d 位。"),
            code="id_length",
            params={"length": len(number)},
        )
    if not _ID_BODY.fullmatch(number):
        raise ValidationError(
            _("身份证号码前 17 位应为数字,最后一位应为数字或 X。"), code="id_format"
        )
    region = number[:6]
    if region[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("地址码 %(region)s 无效:%(province)s 不是省级行政区划代码。"),
            code="id_region",
            params={"region": region, "province": region[:2]},
        )
    birth_date = _birth_date(number[6:14], today=today)
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("校验位应为 %(expected)s,实为 %(actual)s。"),
            code="id_check_digit",
            params={"expected": expected, "actual": number[17]},
        )
    sequence = number[14:17]
    return IdNumberInfo(
        number=number,
        region_code=region,
        birth_date=birth_date,
        sequence=sequence,
        gender=Gender.MALE if int(sequence[-1]) % 2 else Gender.FEMALE,
    )


def _birth_date(digits: str, *, today: date | None) -> date:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError(
            _("出生日期 %(value)s 不是有效日期。"),
            code="id_birth_date",
            params={"value": digits},
        ) from None
    if born < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("出生日期 %(date)s 早于 1900-01-01。"),
            code="id_birth_date",
            params={"date": born.isoformat()},
        )
    if born > (today or timezone.localdate()):
        raise ValidationError(
            _("出生日期 %(date)s 晚于今天。"),
            code="id_birth_date",
            params={"date": born.isoformat()},
        )
    return born


def validate_id_matches(
    value, *, birth_date: date | None = None, gender: str | None = None
) -> IdNumberInfo:
    """Validate an ID number and check that the birth date and gender entered separately on the
    same form agree with it (codes ``id_birth_date_mismatch``, ``id_gender_mismatch``)."""
    info = value if isinstance(value, IdNumberInfo) else validate_id_number(value)
    if birth_date is not None and birth_date != info.birth_date:
        raise ValidationError(
            _("出生日期 %(entered)s 与身份证号码中的 %(derived)s 不一致。"),
            code="id_birth_date_mismatch",
            params={"entered": birth_date.isoformat(), "derived": info.birth_date.isoformat()},
        )
    if gender is not None and gender != info.gender:
        raise ValidationError(
            _("性别与身份证号码不一致:号码第 17 位为 %(digit)s,应为%(derived)s。"),
            code="id_gender_mismatch",
            params={"digit": info.sequence[-1], "derived": info.gender.label},
        )
    return info


def validate_passport_like(value) -> str:
    """Validate a foreigner's document number and return it normalised.

    Accepts the 2023 foreigner's permanent residence ID card (外国人永久居留身份证: 18 characters
    starting with 9, GB 11643 check digit) and passport-style numbers (5-20 letters or digits,
    which also covers the 15-character permanent residence card issued before 2023). An
    18-character number starting with 9 is held to the check digit, so a mistyped new card is not
    waved through as a passport.
    """
    number = _normalise(value)
    if len(number) == 18 and number[0] == "9" and _ID_BODY.fullmatch(number):
        expected = id_check_digit(number[:17])
        if number[17] != expected:
            raise ValidationError(
                _("外国人永久居留身份证号码校验位应为 %(expected)s,实为 %(actual)s。"),
                code="doc_format",
                params={"expected": expected, "actual": number[17]},
            )
        return number
    if not _DOC.fullmatch(number):
        raise ValidationError(_("证件号码应为 5 到 20 位字母或数字。"), code="doc_format")
    return number


def validate_credit_code(value) -> CreditCodeInfo:
    """Validate a unified social credit code (统一社会信用代码) and return its parts."""
    code = _normalise(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位,实为 %(length)d 位。"),
            code="credit_length",
            params={"length": len(code)},
        )
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CHARSET:
            raise ValidationError(
                _(
                    "第 %(position)d 位字符 %(char)s 不允许:统一社会信用代码只用数字和"
                    "除 I、O、Z、S、V 以外的大写字母。"
                ),
                code="credit_charset",
                params={"position": position, "char": char},
            )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("第 3 到 8 位(登记管理机关行政区划码)应为数字,实为 %(region)s。"),
            code="credit_charset",
            params={"region": code[2:8]},
        )
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("校验码应为 %(expected)s,实为 %(actual)s。"),
            code="credit_check",
            params={"expected": expected, "actual": code[17]},
        )
    return CreditCodeInfo(
        code=code,
        registration_authority=code[0],
        organisation_type=code[1],
        region_code=code[2:8],
        organisation_code=code[8:17],
        check_char=code[17],
    )


def validate_mobile(value) -> str:
    """Validate a mainland mobile number and return its 11 digits. Spaces, hyphens and a
    +86 / 0086 prefix, as found in pasted or imported numbers, are removed first."""
    number = _MOBILE_NOISE.sub("", _normalise(value))
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
            break
    if len(number) == 13 and number.startswith("86"):
        number = number[2:]
    if not _MOBILE.fullmatch(number):
        raise ValidationError(_("手机号码应为以 13 到 19 开头的 11 位数字。"), code="phone_format")
    return number
