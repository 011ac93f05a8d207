import pytest

from governance.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    "value, masked",
    [
        ("220102199003071234", "220102********1234"),
        ("11010519491231002X", "110105********002X"),
        ("110105491231002", "110105******002"),  # old 15-digit: birth date hidden
        ("E12345678", "E1*****78"),
        ("G1234", "****4"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    "value, masked",
    [
        ("13812345678", "138****5678"),
        ("043188889999", "********9999"),
        ("110", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    "value, masked",
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("张", "*"),
        ("阿依古丽·买买提", "阿***·***"),
        ("John Smith", "J*** *****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


def test_masks_keep_the_length():
    assert len(mask_id_number("220102199003071234")) == 18
    assert len(mask_phone("13812345678")) == 11
