"""CBIRC 2020 Art 22: the customer's identity and contact data are checked (GB 11643 resident
ID numbers, mainland phone numbers, account numbers), and personal data is disclosed to the
customer only once their identity is verified (``verify-identity``, audited)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from complaintctl.domain import identity
from complaintctl.errors import InvalidData
from complaintctl.store.models import Complaint, Event

AT = ["--received-at", "2026-09-30T10:00", "--at", "2026-09-30T10:05"]
TODAY = date(2026, 12, 7)


def valid_id(first17: str) -> str:
    """A second computation of the check digit: the standard's table of weights and codes."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    codes = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]
    return first17 + codes[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


# --- pure: the formats ------------------------------------------------------------------------

def test_the_published_example_id_numbers_pass_and_a_changed_digit_fails():
    # GB 11643-1999's worked example and a well-known X case
    assert identity.normal_id_number("11010519491231002X", TODAY) == "11010519491231002X"
    assert identity.normal_id_number("11010519491231002x", TODAY) == "11010519491231002X"
    assert identity.normal_id_number("440524188001010014", TODAY) == "440524188001010014"
    with pytest.raises(InvalidData) as wrong:
        identity.normal_id_number("110105194912310021", TODAY)
    assert str(wrong.value) == ("ID number 110105194912310021 is not valid: its check digit is "
                                "wrong (GB 11643); check it (CBIRC Art 22).")


@pytest.mark.parametrize(("value", "problem"), [
    ("123", "a resident ID number has 18 characters: 17 digits and a check digit or X"),
    ("11010519491331002X", "its date of birth 19491331 is not a date"),
    (valid_id("11010520270101001"), "its date of birth 2027-01-01 is in the future"),
])
def test_a_bad_id_number_is_refused_naming_the_problem(value, problem):
    with pytest.raises(InvalidData) as refused:
        identity.normal_id_number(value, TODAY)
    assert str(refused.value) == (f"ID number {value} is not valid: {problem}; check it "
                                  "(CBIRC Art 22).")


digits = st.text("0123456789", min_size=1, max_size=1)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@given(area=st.integers(110000, 659999), born=births, order=st.integers(0, 999))
def test_every_id_number_with_the_right_check_digit_and_a_past_birth_date_passes(area, born,
                                                                                 order):
    value = valid_id(f"{area:06d}{born:%Y%m%d}{order:03d}")
    assert identity.id_number_problem(value, TODAY) is None
    assert identity.check_digit(value[:17]) == value[17]


@given(area=st.integers(110000, 659999), born=births, order=st.integers(0, 999),
       at=st.integers(0, 17), delta=st.integers(1, 9))
def test_any_single_changed_digit_is_caught(area, born, order, at, delta):
    value = valid_id(f"{area:06d}{born:%Y%m%d}{order:03d}")
    if at == 17 and value[17] == "X":
        changed = value[:17] + str(delta)
    else:
        changed = value[:at] + str((int(value[at]) + delta) % 10) + value[at + 1:]
    assert identity.id_number_problem(changed, TODAY) is not None


@given(born=st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2099, 12, 31)))
def test_a_birth_date_after_today_is_refused(born):
    value = valid_id(f"110105{born:%Y%m%d}001")
    assert "in the future" in identity.id_number_problem(value, TODAY)


@given(second=st.sampled_from("3456789"), rest=st.text("0123456789", min_size=9, max_size=9),
       style=st.sampled_from(["{n}", "+86 {n}", "+86-{a}-{b}-{c}", "0086{n}", "{a} {b} {c}",
                              "86{n}"]))
def test_a_mainland_mobile_is_normalised_to_its_11_digits(second, rest, style):
    number = "1" + second + rest
    typed = style.format(n=number, a=number[:3], b=number[3:7], c=number[7:])
    assert identity.normal_phone(typed) == number


@given(st.text("0123456789", min_size=1, max_size=15))
def test_a_number_is_a_phone_only_if_mobile_or_landline(text):
    mobile = len(text) == 11 and text[0] == "1" and text[1] in "3456789"
    landline = text[0] == "0" and 10 <= len(text) <= 12
    assert identity.is_phone(text) == (mobile or landline)


def test_landlines_and_accounts():
    assert identity.normal_phone("010-6512 3456") == "01065123456"
    assert identity.normal_phone("(0755) 8888-1234") == "075588881234"
    assert identity.normal_account("6222 0202 0000 1234") == "6222020200001234"
    for bad in ("12345", "1234567", "ACC-1", "1" * 33):
        with pytest.raises(InvalidData) as refused:
            identity.normal_account(bad)
        assert str(refused.value) == (f"Account {bad} is not an account or card number (8 to 32 "
                                      "digits); check it (CBIRC Art 22).")


# --- registration checks them -----------------------------------------------------------------

def register(cli, *extra, channel="phone"):
    return cli("register", "--channel", channel, "--customer", "张伟", "--summary", "年费",
               *AT, *extra, as_="clerk")


@pytest.mark.parametrize("channel", ["phone", "counter", "online", "email"])
def test_register_refuses_a_bad_id_number_on_every_channel_and_stores_nothing(cli, seeded,
                                                                             channel):
    run = register(cli, "--id-number", "123", channel=channel)
    assert run.exit_code == 5
    assert run.stderr == ("Error: ID number 123 is not valid: a resident ID number has 18 "
                          "characters: 17 digits and a check digit or X; check it (CBIRC Art "
                          "22).\n")
    with seeded.session() as s:
        assert s.exec(select(Complaint)).all() == []


def test_register_stores_the_normalised_phone_id_and_account(cli, seeded):
    run = register(cli, "--phone", "+86 138-1234-5678", "--id-number", "11010519491231002x",
                   "--account", "6222 0202 0000 1234")
    assert run.exit_code == 0, run.stderr
    with seeded.session() as s:
        row = s.exec(select(Complaint)).one()
        assert (row.customer_phone, row.customer_id_number, row.customer_account) == (
            "13812345678", "11010519491231002X", "6222020200001234")
    refused = register(cli, "--phone", "12345")
    assert refused.exit_code == 5
    assert refused.stderr == ("Error: Phone 12345 is not a mainland mobile (1 and 10 digits) or "
                              "a landline (0, area code and number); check it (CBIRC Art 22).\n")


def test_the_json_record_names_the_customer_field_at_fault(cli, tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"channel": "online", "summary": "s",
                                "customer": {"name": "张伟", "id_number": "123"}}))
    run = cli("register", "--json", str(path), as_="clerk")
    assert run.exit_code == 5
    assert "customer.id_number" in run.stderr and "CBIRC Art 22" in run.stderr


# --- verification and disclosure --------------------------------------------------------------

def test_personal_data_is_disclosed_to_the_customer_only_after_verification(cli, seeded):
    number = register(cli, "--phone", "13812345678",
                      "--id-number", "11010519491231002X").stdout.strip()
    refused = cli("customer-copy", number, "--format", "json", "--at", "2026-09-30T10:10",
                  as_="clerk")
    assert refused.exit_code == 3
    assert refused.stderr == (
        f"Error: {number}: the customer's identity is not verified; verify it first "
        f"(`complaintctl verify-identity {number} --method counter_id_check|phone_callback|"
        "online_real_name`) before disclosing personal data (CBIRC Art 22).\n")
    assert refused.stdout == ""
    bad = cli("verify-identity", number, "--method", "selfie", as_="clerk")
    assert bad.exit_code == 2
    done = cli("verify-identity", number, "--method", "phone_callback", "--note", "回拨核实",
               "--at", "2026-09-30T10:20", as_="clerk")
    assert done.exit_code == 0, done.stderr
    assert done.stderr == f"The customer's identity on {number} is verified.\n"
    shown = json.loads(cli("show", number, "--format", "json").stdout)
    assert shown["identity"] == {"verified_at": "2026-09-30T10:20:00+08:00",
                                 "method": "phone_callback", "verified_by": "clerk"}
    assert shown["customer"]["id_number"] == "110105********002X"  # show still masks
    copy = cli("customer-copy", number, "--format", "json", "--at", "2026-09-30T10:25",
               as_="clerk")
    assert copy.exit_code == 0, copy.stderr
    data = json.loads(copy.stdout)
    assert data["customer"]["id_number"] == "11010519491231002X"
    assert data["customer"]["phone"] == "13812345678"
    with seeded.session() as s:
        actions = [(e.kind, e.action, e.actor) for e in s.exec(
            select(Event).where(Event.number == number).order_by(Event.seq))]
    assert ("change", "verify_identity", "clerk") in actions
    assert ("access", "customer_copy", "clerk") in actions
    assert ("refusal", "customer_copy", "clerk") in actions
    assert cli("audit", "verify").exit_code == 0


def test_verification_before_registration_time_is_refused(cli):
    number = register(cli).stdout.strip()
    run = cli("verify-identity", number, "--method", "counter_id_check",
              "--at", "2026-09-30T09:00", as_="clerk")
    assert run.exit_code == 5
    assert run.stderr == ("Error: --at 2026-09-30T09:00:00+08:00 is before the complaint's "
                          "previous event (2026-09-30T10:05:00+08:00); give a later time.\n")
    assert json.loads(cli("show", number, "--format", "json").stdout)["identity"][
        "verified_at"] is None
