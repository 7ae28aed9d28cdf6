"""Personal data shown with the least needed: phone 138****5678, ID first 6 + last 4, account
last 4 (DOMAIN.md "Personal data"). Pure: no database."""

from __future__ import annotations

import pytest

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
