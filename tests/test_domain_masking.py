"""Personal data shown with the least needed: phone 138****5678, ID first 6 + last 4, account
last 4 (DOMAIN.md "Personal data"). Pure: no database."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from complaintctl.domain.masking import (
    MASKED_FIELDS,
    mask_account,
    mask_customer,
    mask_email,
    mask_id_number,
    mask_phone,
)


def test_a_mobile_number_shows_its_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"


def test_a_masked_phone_keeps_its_length():
    for phone in ("13812345678", "02161234567", "+8613812345678", "12345678"):
        masked = mask_phone(phone)
        assert len(masked) == len(phone)
        assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:]
        assert set(masked[3:-4]) == {"*"}


def test_a_phone_too_short_to_hide_anything_is_hidden_entirely():
    assert mask_phone("1234567") == "*******"
    assert mask_phone("110") == "***"


def test_a_national_id_shows_its_first_six_and_last_four_characters():
    assert mask_id_number("110105196001011234") == "110105********1234"
    assert mask_id_number("11010519600101123X") == "110105********123X"


def test_a_short_id_is_hidden_entirely():
    assert mask_id_number("1234567890") == "**********"


def test_an_account_shows_only_its_last_four_characters():
    assert mask_account("6222020200001234") == "************1234"
    assert mask_account("62220") == "*2220"


def test_an_account_of_four_characters_or_fewer_is_hidden_entirely():
    assert mask_account("1234") == "****"


def test_an_email_keeps_its_first_letter_and_domain():
    assert mask_email("zhang.wei@example.com") == "z***@example.com"
    assert mask_email("not-an-email") == "********mail"


@pytest.mark.parametrize("masker", [mask_phone, mask_id_number, mask_account, mask_email])
def test_a_missing_value_stays_missing(masker):
    assert masker(None) is None
    assert masker("") == ""


def test_a_customer_is_masked_field_by_field_and_the_name_and_customer_id_stay():
    customer = {
        "name": "张伟", "phone": "13812345678", "email": "zw@example.com",
        "id_number": "110105196001011234", "account": "6222020200001234", "customer_id": "C-9",
    }
    masked = mask_customer(customer)
    assert masked == {
        "name": "张伟", "phone": "138****5678", "email": "z***@example.com",
        "id_number": "110105********1234", "account": "************1234", "customer_id": "C-9",
    }
    assert customer["phone"] == "13812345678"  # the original is left alone


def test_phone_email_id_and_account_are_the_masked_fields():
    assert set(MASKED_FIELDS) == {"phone", "email", "id_number", "account"}


def test_no_masked_value_contains_the_hidden_digits():
    phone, id_number, account = "13899990000", "110105198812120123", "6222021234567890"
    assert "9999" not in mask_phone(phone)
    assert "19881212" not in mask_id_number(id_number)
    assert "123456" not in mask_account(account)


def test_every_email_address_inside_free_text_is_masked():
    from complaintctl.domain.masking import mask_emails_in

    assert mask_emails_in("recipient refused: {'zhang.wei@example.com': (550, b'no')}, "
                          "cc LiMing@Example.ORG") == (
        "recipient refused: {'z***@example.com': (550, b'no')}, cc L***@Example.ORG")
    assert mask_emails_in("SMTP 421 try later") == "SMTP 421 try later"
    assert mask_emails_in(None) is None


# --- personal data inside free text (mask_text) --------------------------------------------------

FREE_TEXT_CASES = [
    # (what, text, masked)
    ("a Chinese narrative with a mobile, an ID and a card, no spaces around them",
     "客户张伟手机13812345678，身份证110101199003071233，卡号6222021234567890123 无法转账",
     "客户张伟手机138****5678，身份证110101********1233，卡号***************0123 无法转账"),
    ("an English narrative with a +86 mobile in 3-4-4 groups and an email",
     "call me on +86 138 1234 5678 or zhang.wei@example.com",
     "call me on +86 138 **** 5678 or z***@example.com"),
    ("a mobile dashed, with 0086", "0086-138-1234-5678 (evenings)",
     "0086-138-****-5678 (evenings)"),
    ("a mobile with +86 and no space", "tel:+8613912345678.", "tel:+86139****5678."),
    ("a mobile right after a letter", "mobile13812345678", "mobile138****5678"),
    ("a mobile in full-width digits", "手机１３８１２３４５６７８。", "手机１３８****５６７８。"),
    ("an ID ending in X", "身份证号31010419851203452X已核实", "身份证号310104********452X已核实"),
    ("an ID ending in a small x", "ID 44030619700101001x.", "ID 440306********001x."),
    ("an old 15-digit ID", "旧证110101900307123", "旧证110101*****7123"),
    ("an 18-digit number with no date of birth in it is an account",
     "账户622202123456789012", "账户**************9012"),
    ("a card grouped in fours by spaces", "card 6222 0212 3456 7890 declined",
     "card **** **** **** 7890 declined"),
    ("a 19-digit card grouped 4-4-4-4-3", "卡号6222-0212-3456-7890-123。",
     "卡号****-****-****-***0-123。"),
    ("a 12-digit account", "acct 100012345678 closed", "acct ********5678 closed"),
    ("an email right after Chinese", "邮箱zhang.wei@example.com。", "邮箱z***@example.com。"),
    ("a mobile used as an email address is masked as the address",
     "QQ邮箱13812345678@qq.com", "QQ邮箱1***@qq.com"),
    ("everything in one line, twice",
     "13812345678/13987654321 110101199003071233 6222021234567890123",
     "138****5678/139****4321 110101********1233 ***************0123"),
]
UNTOUCHED = [
    ("dates and times", "2026-03-07 09:30, 2026/03/07 09:30:15, 03/07/2026, 2026年3月7日"),
    ("amounts", "扣款¥1,234.56元，共1500.00元; $12,345.67 and 300"),
    ("a complaint number", "merged into CMP-2026-000123"),
    ("a CFPB complaint id and a ZIP code", "Complaint ID 3214567, ZIP 10001 or 100XX, 10001-1234"),
    ("CFPB's own redactions", "On XX/XX/XXXX I called XXXX XXXX XXXX 1234 about {$300.00}"),
    ("an 11-digit number that is no mobile number", "ref 02161234567 and 12345678901"),
    ("a landline", "电话010-12345678转123"),
    ("a run too long to be a card", "流水号12345678901234567890123"),
    ("a number too short", "card ending 1234, PIN never asked, 6-digit code 123456"),
    ("an address without a domain", "@客服 and user@localhost"),
    ("no digit and no @", "客户张伟对年费不满意 and is upset"),
]


@pytest.mark.parametrize(("what", "text", "masked"), FREE_TEXT_CASES,
                         ids=[c[0] for c in FREE_TEXT_CASES])
def test_personal_data_inside_free_text_is_masked_and_the_text_around_it_kept(what, text, masked):
    from complaintctl.domain.masking import mask_text

    assert mask_text(text) == masked


@pytest.mark.parametrize(("what", "text"), UNTOUCHED, ids=[c[0] for c in UNTOUCHED])
def test_free_text_without_personal_data_is_left_exactly_as_it_was(what, text):
    from complaintctl.domain.masking import mask_text

    assert mask_text(text) == text


def test_free_text_is_masked_with_the_maskers_of_the_customer_fields():
    from complaintctl.domain.masking import mask_text

    phone, id_number, account, email = ("13812345678", "110105199003071234",
                                        "6222020200001234567", "zhang.wei@example.com")
    assert mask_text(f"{phone} {id_number} {account} {email}") == " ".join(
        [mask_phone(phone), mask_id_number(id_number), mask_account(account), mask_email(email)])


def test_missing_free_text_stays_missing():
    from complaintctl.domain.masking import mask_text

    assert mask_text(None) is None
    assert mask_text("") == ""


def test_every_string_of_a_timeline_event_is_masked_but_the_kept_keys_and_other_values():
    from complaintctl.domain.masking import mask_texts

    details = {"text": "回电13812345678", "changes": {"findings": [None, "卡6222021234567890123"]},
               "sha256": "ab13812345678901234cd", "size": 13812345678, "tags": ["13912345678"]}
    assert mask_texts(details, keep=frozenset({"sha256"})) == {
        "text": "回电138****5678", "changes": {"findings": [None, "卡***************0123"]},
        "sha256": "ab13812345678901234cd", "size": 13812345678, "tags": ["139****5678"]}


_PIECES = st.sampled_from([
    "13812345678", "+86 138 1234 5678", "0086-139-8765-4321", "110101199003071233",
    "31010419851203452X", "110101900307123", "6222021234567890123", "6222 0212 3456 7890",
    "zhang.wei@example.com", "13812345678@qq.com", "2026-03-07", "¥1,234.56", "CMP-2026-000123",
    "XXXX", "1234567", "-", " ", "@", ".", "x", "X", "客户", "卡号", "１３８１２３４５６７８",
])
_TEXTS = st.lists(st.one_of(_PIECES, st.text(alphabet="0123456789 -+@.xX*a中", max_size=8),
                            st.text(max_size=6)), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_TEXTS)
def test_masking_free_text_twice_is_masking_it_once(text):
    from complaintctl.domain.masking import mask_text

    once = mask_text(text)
    assert mask_text(once) == once


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_a_text_with_no_digit_and_no_at_sign_is_never_changed(text):
    from complaintctl.domain.masking import mask_text

    assume(not any(ch.isdigit() for ch in text) and "@" not in text)
    assert mask_text(text) == text
