"""Mail parsing is pure: bytes in, a decoded record out. No database here."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

import mailkit
import pytest

from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mail.htmltext import html_to_text
from complaintctl.services.intake.mail.sources import imap_utf7, parse_imap_url
from complaintctl.errors import UsageProblem

UTC = timezone.utc


def test_a_plain_message_gives_sender_subject_body_date_and_id():
    r = mail.parse(mailkit.plain(date=datetime(2026, 11, 20, 9, 30, tzinfo=UTC)))
    assert (r.message_id, r.message_id_made) == ("<plain-1@example.com>", False)
    assert (r.sender_name, r.sender_email) == ("张伟", "zhang.wei@example.com")
    assert r.subject == "信用卡年费重复扣收"
    assert r.description == "我的信用卡年费被扣了两次，请退还。\n张伟"
    assert r.sent_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert r.automatic is None and r.attachments == () and r.numbers == ()


def test_attachments_keep_their_bytes_types_and_decoded_chinese_names():
    r = mail.parse(mailkit.with_attachments())
    assert [(a.filename, a.content_type, a.data) for a in r.attachments] == [
        ("对账单.pdf", "application/pdf", mailkit.PDF),
        ("screenshot.png", "image/png", mailkit.PNG),
    ]
    assert r.description.startswith("Please see the attached statement")


def test_an_html_only_message_is_read_as_text_without_script_or_style():
    r = mail.parse(mailkit.html_only())
    assert r.description == (
        "The ATM at Chaoyang branch kept my card.\n\n- Time: 9:40\n\n- Card ending 1234\n\n"
        "Please call me back & help."
    )


def test_gb2312_labelled_gbk_text_is_decoded_as_gb18030_even_split_across_encoded_words():
    r = mail.parse(mailkit.gb2312())
    assert r.subject == f"投诉：朱{mailkit.GBK_ONLY}的理财产品"
    assert r.sender_name == f"朱{mailkit.GBK_ONLY}"
    assert r.description == f"我是朱{mailkit.GBK_ONLY}，理财产品到期未兑付。\n请尽快处理。"
    assert "\ufffd" not in r.subject + r.description


def test_python_alone_would_not_decode_that_gb2312_label():
    with pytest.raises(UnicodeDecodeError):
        mailkit.GBK_ONLY.encode("gbk").decode("gb2312")


@pytest.mark.parametrize("charset", ["gbk", "GB18030", "utf-8"])
def test_encoded_words_in_each_chinese_charset(charset):
    text = "信用卡被盗刷"
    word = base64.b64encode(text.encode(charset)).decode()
    assert mail.decode_header_value(f"=?{charset}?B?{word}?=") == text


def test_q_encoded_words_and_plain_text_mix():
    assert mail.decode_header_value("Re: =?utf-8?Q?=E6=8A=95=E8=AF=89_No.1?= again") == (
        "Re: 投诉 No.1 again")


def test_raw_8bit_headers_in_gbk_are_read():
    raw = ("Subject: 投诉理财\r\nFrom: a@b.cn\r\n\r\nx").encode("gbk")
    assert mail.parse(raw).subject == "投诉理财"


def test_bytes_are_decoded_by_label_then_utf8_then_gb18030():
    assert mail.decode_bytes("中文".encode("utf-8"), "us-ascii") == ("中文", True)
    assert mail.decode_bytes("中文".encode("gbk"), None) == ("中文", True)
    assert mail.decode_bytes("中文".encode("gbk"), "no-such-charset") == ("中文", True)
    assert mail.decode_bytes(b"caf\xe9", "iso-8859-1") == ("café", True)


def test_a_subject_with_a_complaint_number_carries_it():
    r = mail.parse(mailkit.reply("CMP-2026-000042"))
    assert r.numbers == ("CMP-2026-000042",)
    assert mail.parse(mailkit.plain(subject="about cmp-2026-000007 and CMP-2025-123456")).numbers \
        == ("CMP-2026-000007", "CMP-2025-123456")


def test_references_are_in_reply_to_first_then_newest_reference_first():
    raw = mailkit.plain(In_Reply_To="<c@x>", References="<a@x> <b@x> <c@x>")
    assert mail.parse(raw).references == ("<c@x>", "<b@x>", "<a@x>")


@pytest.mark.parametrize("headers, reason", [
    ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
    ({"Auto_Submitted": "auto-generated; type=x"}, "Auto-Submitted: auto-generated; type=x"),
    ({"Precedence": "bulk"}, "Precedence: bulk"),
    ({"Precedence": "junk"}, "Precedence: junk"),
    ({"Precedence": "list"}, "Precedence: list"),
    ({"X_Autoreply": "yes"}, "X-Autoreply: yes"),
    ({"X_Autorespond": "x"}, "X-Autorespond: x"),
    ({"Return_Path": "<>"}, "Return-Path: <> (bounce)"),
])
def test_machine_made_mail_says_why(headers, reason):
    assert mail.parse(mailkit.plain(**headers)).automatic == reason


def test_auto_submitted_no_is_a_person():
    assert mail.parse(mailkit.plain(Auto_Submitted="no")).automatic is None


def test_a_delivery_status_report_is_a_bounce():
    assert mail.parse(mailkit.bounce()).automatic == "multipart/report; report-type=delivery-status"


def test_a_message_without_message_id_gets_one_from_its_normalised_content():
    raw = b"From: a@b.cn\r\nSubject: x\r\n\r\nbody\r\n"
    r = mail.parse(raw)
    assert r.message_id_made
    # computed a second way: the LF form of the headers and the body, hashed
    lf_form = b"from: a@b.cn\nsubject: x\n\nbody"
    assert r.message_id == f"<sha256-{hashlib.sha256(lf_form).hexdigest()}@complaintctl.invalid>"
    assert mail.parse(raw).message_id == r.message_id  # the same on every run
    assert r.keys == (r.message_id,
                      f"<sha256-{hashlib.sha256(raw).hexdigest()}@complaintctl.invalid>")


def test_a_very_long_message_id_is_stored_as_its_digest():
    long_id = "<" + "x" * 300 + "@example.com>"
    key = mail.message_key(long_id)
    assert key == "sha256:" + hashlib.sha256(long_id.encode()).hexdigest()
    assert mail.message_key("<short@x>") == "<short@x>"


def test_garbage_is_a_record_without_a_sender_not_an_exception():
    r = mail.parse(mailkit.malformed())
    assert r.sender_email is None and r.message_id_made


def test_a_damaged_message_is_read_as_far_as_it_goes():
    r = mail.parse(mailkit.damaged())
    assert r.sender_email == "broken@example.com"
    assert r.subject == "Card fee"
    assert r.description == "The card fee was charged twice"
    assert [a.filename for a in r.attachments] == ["attachment-1.bin"]


@pytest.mark.parametrize("sender, expected", [
    ("not an address", (None, None)),
    ("Zhang <zhang@localhost>", ("Zhang", None)),
    ('"Wang, Fang" <wf@example.com>', ("Wang, Fang", "wf@example.com")),
    ("=?utf-8?B?5byg5Lyf?= <zw@example.com>", ("张伟", "zw@example.com")),
])
def test_sender_name_and_address(sender, expected):
    raw = f"From: {sender}\r\nSubject: s\r\n\r\nb".encode()
    r = mail.parse(raw)
    assert (r.sender_name, r.sender_email) == expected


def test_an_unreadable_date_is_noted_and_not_used():
    r = mail.parse(b"From: a@b.cn\r\nDate: the day before yesterday\r\n\r\nx")
    assert r.sent_at is None and "bad-date" in r.problems


def test_filenames_cannot_name_a_path_and_are_never_empty():
    m = mailkit.EmailMessage()
    m["From"] = "a@b.cn"
    m.set_content("x")
    m.add_attachment(b"1", maintype="application", subtype="octet-stream",
                     filename="../../etc/passwd")
    m.add_attachment(b"2", maintype="image", subtype="jpeg")
    names = [a.filename for a in mail.parse(m.as_bytes()).attachments]
    assert names == ["passwd", "attachment-2.jpg"]


def test_a_gb2312_encoded_word_filename_is_decoded():
    name = base64.b64encode(f"朱{mailkit.GBK_ONLY}.pdf".encode("gbk")).decode()
    raw = (
        "From: a@b.cn\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nsee file\r\n"
        f'--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; '
        f'filename="=?gb2312?B?{name}?="\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{base64.b64encode(mailkit.PDF).decode()}\r\n--B--\r\n"
    ).encode()
    r = mail.parse(raw)
    assert [(a.filename, a.data) for a in r.attachments] == [(f"朱{mailkit.GBK_ONLY}.pdf",
                                                              mailkit.PDF)]
    assert r.description == "see file"


def test_html_to_text_keeps_blocks_and_drops_markup():
    assert html_to_text("<div>a<br>b</div><table><tr><td>x</td><td>y</td></tr></table>") == \
        "a\nb\n\nx y"
    assert html_to_text("<p>&lt;red&gt; &#x4E2D;</p>") == "<red> 中"


def test_imap_urls():
    a = parse_imap_url("imaps://tousu%40bank.example@mail.bank.example/%E6%8A%95%E8%AF%89")
    assert (a.tls, a.user, a.host, a.port, a.folder) == (
        "ssl", "tousu@bank.example", "mail.bank.example", 993, "投诉")
    b = parse_imap_url("imap://u@localhost:1143")
    assert (b.tls, b.port, b.folder) == ("starttls", 1143, "INBOX")
    with pytest.raises(UsageProblem, match="never in the URL"):
        parse_imap_url("pop3://u@h/INBOX")
    with pytest.raises(UsageProblem) as refused:
        parse_imap_url("imaps://u:hunter2@h/INBOX")
    assert "hunter2" not in str(refused.value)


def test_folder_names_in_modified_utf7():
    assert imap_utf7("INBOX") == "INBOX"
    assert imap_utf7("投诉") == "&YpWLyQ-"
    assert imap_utf7("A&B") == "A&-B"
