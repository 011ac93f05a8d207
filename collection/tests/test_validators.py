from datetime import date

import pytest
from django.core.exceptions import ValidationError

from collection.validators import (
    CREDIT_WEIGHTS,
    ID_WEIGHTS,
    Gender,
    validate_credit_code,
    validate_id_matches,
    validate_id_number,
    validate_mobile,
    validate_passport_like,
)

TODAY = date(2026, 6, 1)

# Independent of the module: the weights and map written out as printed in GB 11643.
GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
GB11643_MAP = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
GB32100_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(body: str) -> str:
    total = sum(int(c) * w for c, w in zip(body, GB11643_WEIGHTS, strict=True))
    return body + GB11643_MAP[total % 11]


def with_credit_check(body: str) -> str:
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(GB32100_CHARSET.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + GB32100_CHARSET[(31 - total % 31) % 31]


def error(func, value, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        func(value, **kwargs)
    return exc.value


# --- resident ID numbers (GB 11643-1999) ---


def test_weights_match_the_standard():
    assert list(ID_WEIGHTS) == GB11643_WEIGHTS
    assert list(CREDIT_WEIGHTS) == [pow(3, i, 31) for i in range(17)]


def test_standard_example():
    info = validate_id_number("11010519491231002X", today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.region_code == "110105"
    assert info.province_code == "11"
    assert info.birth_date == date(1949, 12, 31)
    assert info.sequence == "002"
    assert info.gender == "female"
    assert info.gender is Gender.FEMALE


def test_lowercase_x_blanks_and_full_width_digits_are_normalised():
    assert validate_id_number(" 11010519491231002x ", today=TODAY).number == "11010519491231002X"
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert validate_id_number(full_width, today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    "body, region, born, gender",
    [
        ("22010219900307123", "220102", date(1990, 3, 7), "male"),  # 长春市南关区
        ("22010319850101002", "220103", date(1985, 1, 1), "female"),  # 长春市宽城区
        ("44030620000229001", "440306", date(2000, 2, 29), "male"),  # leap day
        ("65010219000101008", "650102", date(1900, 1, 1), "female"),  # earliest accepted
        ("81000019781111045", "810000", date(1978, 11, 11), "male"),  # HK residence permit
        ("83000020010704226", "830000", date(2001, 7, 4), "female"),  # TW residence permit
        ("50010320260601301", "500103", date(2026, 6, 1), "male"),  # born today
    ],
)
def test_valid_numbers_and_what_they_encode(body, region, born, gender):
    number = with_check(body)
    info = validate_id_number(number, today=TODAY)
    assert info.number == number
    assert info.region_code == region
    assert info.birth_date == born
    assert info.gender == gender
    # Pairing: the derived values agree with the digits they come from.
    assert info.birth_date.strftime("%Y%m%d") == number[6:14]
    assert info.gender == ("male" if int(number[16]) % 2 else "female")


def test_every_check_digit_value_occurs_and_validates():
    seen = set()
    for seq in range(100, 200):
        number = with_check(f"22010219900307{seq}")
        validate_id_number(number, today=TODAY)
        seen.add(number[-1])
    assert seen == set("0123456789X")


@pytest.mark.parametrize(
    "value, code",
    [
        ("", "id_length"),
        ("1101051949123100", "id_length"),
        ("11010519491231002X1", "id_length"),
        ("110105491231002", "id_length"),  # 15-digit old format
        ("11010519491231002A", "id_format"),
        ("1101051949123I002X", "id_format"),
        ("X10105194912310021", "id_format"),
        (with_check("00010519491231002"), "id_region"),
        (with_check("10010519491231002"), "id_region"),
        (with_check("24010519491231002"), "id_region"),
        (with_check("99010519491231002"), "id_region"),
        (with_check("11010519490230002"), "id_birth_date"),  # 30 February
        (with_check("11010519491301002"), "id_birth_date"),  # month 13
        (with_check("11010519490000002"), "id_birth_date"),
        (with_check("11010518991231002"), "id_birth_date"),  # before 1900
        (with_check("11010520260602002"), "id_birth_date"),  # after TODAY
        ("110105194912310023", "id_check_digit"),
        ("110105194912310020", "id_check_digit"),
    ],
)
def test_invalid_numbers(value, code):
    assert error(validate_id_number, value, today=TODAY).code == code


def test_messages_say_what_is_wrong():
    assert error(validate_id_number, "110105194912310023", today=TODAY).messages == [
        "校验位应为 X,实为 3。"
    ]
    assert error(validate_id_number, "1101051949123100", today=TODAY).messages == [
        "身份证号码应为 18 位,实为 16 位。"
    ]
    old = error(validate_id_number, "110105491231002", today=TODAY)
    assert "18 位" in old.messages[0] and "15 位" in old.messages[0]
    region = error(validate_id_number, with_check("99010519491231002"), today=TODAY)
    assert region.messages == ["地址码 990105 无效:99 不是省级行政区划代码。"]
    feb30 = error(validate_id_number, with_check("11010519490230002"), today=TODAY)
    assert feb30.messages == ["出生日期 19490230 不是有效日期。"]
    future = error(validate_id_number, with_check("11010520260602002"), today=TODAY)
    assert future.messages == ["出生日期 2026-06-02 晚于今天。"]
    early = error(validate_id_number, with_check("11010518991231002"), today=TODAY)
    assert early.messages == ["出生日期 1899-12-31 早于 1900-01-01。"]


def test_future_is_judged_against_the_local_date_by_default():
    validate_id_number(with_check("11010520000101002"))
    assert error(validate_id_number, with_check("11010529991231002")).code == "id_birth_date"


def test_entered_birth_date_and_gender_must_match_the_number():
    number = "11010519491231002X"
    info = validate_id_matches(number, birth_date=date(1949, 12, 31), gender="female")
    assert info.number == number
    assert validate_id_matches(info, gender=Gender.FEMALE) is info
    mismatch = error(validate_id_matches, number, birth_date=date(1949, 12, 30))
    assert mismatch.code == "id_birth_date_mismatch"
    assert mismatch.messages == ["出生日期 1949-12-30 与身份证号码中的 1949-12-31 不一致。"]
    wrong_gender = error(validate_id_matches, number, gender="male")
    assert wrong_gender.code == "id_gender_mismatch"
    assert wrong_gender.messages == ["性别与身份证号码不一致:号码第 17 位为 2,应为女。"]


# --- foreigners' documents ---


def test_new_permanent_residence_card_is_held_to_its_check_digit():
    number = with_check("93310119800512001")
    assert validate_passport_like(number.lower()) == number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    exc = error(validate_passport_like, wrong)
    assert exc.code == "doc_format"
    assert f"应为 {number[17]}" in exc.messages[0]


@pytest.mark.parametrize(
    "value, normalised",
    [
        ("E12345678", "E12345678"),
        ("g1234", "G1234"),
        (" USA110012345678 ", "USA110012345678"),
        ("A" * 20, "A" * 20),
    ],
)
def test_passport_style_numbers(value, normalised):
    assert validate_passport_like(value) == normalised


@pytest.mark.parametrize("value", ["", "E123", "A" * 21, "E-1234567", "护照12345", None])
def test_invalid_documents(value):
    assert error(validate_passport_like, value).code == "doc_format"


# --- unified social credit codes (GB 32100-2015) ---


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the example of GB 32100-2015
        "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
        "914403001922038216",  # 华为技术有限公司
        "91330100716105852F",  # 阿里巴巴(中国)有限公司
        "91110108551385082Q",  # 小米科技有限责任公司
    ],
)
def test_published_codes(code):
    info = validate_credit_code(code)
    assert info.code == code
    assert info.check_char == code[17]


def test_parts_of_a_constructed_code_and_normalisation():
    code = with_credit_check("52220102MJY000001")  # a social organisation (5 = civil affairs)
    info = validate_credit_code(f"  {code.lower()} ")
    assert info.code == code
    assert info.registration_authority == "5"
    assert info.organisation_type == "2"
    assert info.region_code == "220102"
    assert info.organisation_code == "MJY000001"


def test_every_check_character_occurs():
    seen = {with_credit_check(f"9122010{n:010d}")[-1] for n in range(400)}
    assert seen == set(GB32100_CHARSET)
    for n in range(0, 400, 7):
        validate_credit_code(with_credit_check(f"9122010{n:010d}"))


@pytest.mark.parametrize(
    "value, code",
    [
        ("", "credit_length"),
        ("91350100M000100Y4", "credit_length"),
        ("91350100M000100Y433", "credit_length"),
        ("91350100M000100I43", "credit_charset"),
        ("91350100M000100O43", "credit_charset"),
        ("91350100M000100Z43", "credit_charset"),
        ("91350100M000100S43", "credit_charset"),
        ("91350100M000100V43", "credit_charset"),
        ("91350100M000100Y4-", "credit_charset"),
        ("9135A100M000100Y43", "credit_charset"),  # region code not all digits
        ("91350100M000100Y44", "credit_check"),
        ("91350100M000100Y40", "credit_check"),
    ],
)
def test_invalid_credit_codes(value, code):
    assert error(validate_credit_code, value).code == code


def test_credit_messages():
    assert error(validate_credit_code, "91350100M000100Y44").messages == ["校验码应为 3,实为 4。"]
    charset = error(validate_credit_code, "91350100M000100O43")
    assert charset.messages[0].startswith("第 16 位字符 O 不允许")


# --- mobile numbers ---


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "19912345678",
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        "8613812345678",
        "１３８１２３４５６７８",
    ],
)
def test_valid_mobiles(value):
    assert validate_mobile(value) in ("13812345678", "19912345678")


@pytest.mark.parametrize(
    "value",
    ["", "12812345678", "1381234567", "138123456789", "0431-88888888", "1381234567a"],
)
def test_invalid_mobiles(value):
    exc = error(validate_mobile, value)
    assert exc.code == "phone_format"
    assert exc.messages == ["手机号码应为以 13 到 19 开头的 11 位数字。"]
