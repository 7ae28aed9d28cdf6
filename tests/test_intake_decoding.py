"""The decoding order (issue 25, point 6): the declared charset, the message's other declared
charsets, UTF-8, a detector (on enough 8-bit bytes), only then GB18030; and which was used is
recorded. What worked keeps working (GBK labelled gb2312, ISO-2022-JP, Chinese names)."""

from __future__ import annotations

import base64
import json

from sqlmodel import select

import mailkit
from complaintctl.services.intake import mailbox as intake
from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mail.decoding import Decoder, declared_charsets
from complaintctl.store.models import Event


def _latin1_subject_message() -> bytes:
    """An unencoded 8-bit Latin-1 subject; the body declares iso-8859-1."""
    return mailkit.raw("From: Hans <hans@example.de>", "Subject: Fr\xf6sche im Konto",
                       "Message-ID: <frosch@example.de>", "MIME-Version: 1.0",
                       "Content-Type: text/plain; charset=iso-8859-1",
                       "Content-Transfer-Encoding: 8bit",
                       body="Gr\xfc\xdfe aus M\xfcnchen\n", charset="latin-1")


def test_a_raw_8bit_subject_takes_the_charset_the_body_declares():
    record = mail.parse(_latin1_subject_message())
    assert record.subject == "Frösche im Konto"
    assert record.description == "Grüße aus München"
    assert record.decoding == {"subject": {"charset": "iso8859-1", "by": "message"},
                               "body": {"charset": "iso8859-1", "by": "declared"}}


def test_a_raw_8bit_byte_inside_a_declared_q_word_is_kept():
    record = mail.parse(mailkit.raw("From: a@example.de", "Subject: =?iso-8859-1?Q?Fr\xf6sche?=",
                                    body="x"))
    assert record.subject == "Frösche"
    assert record.decoding["subject"] == {"charset": "iso8859-1", "by": "declared"}


def test_the_order_is_declared_then_other_declared_then_utf8_then_detector_then_gb18030():
    text = "Привет, мой банк снова списал комиссию дважды"
    cp1251 = text.encode("cp1251")
    steps = {}
    for name, decoder, data, charset in [
        ("declared", Decoder(("koi8-r",)), cp1251, "cp1251"),
        ("message", Decoder(("cp1251",)), cp1251, None),
        ("utf-8", Decoder(), text.encode("utf-8"), None),
        ("detected", Decoder(), cp1251, None),
        ("gb18030", Decoder(), "张伟".encode("gbk"), None),  # four bytes: too few to detect
    ]:
        got, clean = decoder.bytes(data, charset, "f")
        steps[name] = (decoder.used["f"]["by"], clean)
        if name != "gb18030":
            assert got == text, name
        else:
            assert got == "张伟"
    assert steps == {k: (k, True) for k in steps}


def test_a_declared_charset_that_fails_falls_through_and_says_so():
    decoder = Decoder()
    assert decoder.bytes("中文".encode("utf-8"), "us-ascii", "f") == ("中文", True)
    assert decoder.used["f"] == {"charset": "utf-8", "by": "utf-8"}
    broken = Decoder()
    assert broken.bytes(b"\xff\xfe\xfa", "utf-8", "f") == ("\ufffd" * 3, False)
    assert broken.used["f"] == {"charset": "utf-8", "by": "replaced"}


def test_the_message_s_declared_charsets_are_found_in_parts_and_encoded_words():
    raw = mailkit.raw("Subject: =?GB2312?B?1tA=?=", "Content-Type: multipart/mixed; b=1",
                      body='--1\nContent-Type: text/plain; charset="ISO-8859-1"\n\nx\n')
    assert declared_charsets(raw) == ("gb2312", "iso8859-1")


def test_what_worked_still_works_gbk_labelled_gb2312_and_iso_2022_jp():
    gb = mail.parse(mailkit.gb2312())
    assert gb.subject == f"投诉：朱{mailkit.GBK_ONLY}的理财产品"
    assert gb.decoding["subject"] == {"charset": "gb18030", "by": "declared"}
    jp_subject = "口座の手数料について"
    word = base64.b64encode(jp_subject.encode("iso-2022-jp")).decode()
    jp = mail.parse(mailkit.raw("From: =?ISO-2022-JP?B?" + base64.b64encode(
        "山田".encode("iso-2022-jp")).decode() + "?= <yamada@example.jp>",
        f"Subject: =?ISO-2022-JP?B?{word}?=", "Content-Type: text/plain; charset=iso-2022-jp",
        body="手数料が二重に引き落とされました。\n".encode("iso-2022-jp")))
    assert (jp.subject, jp.sender_name) == (jp_subject, "山田")
    assert jp.description == "手数料が二重に引き落とされました。"


def test_the_charsets_used_are_in_the_summary_and_on_the_evidence_event(seeded, tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [_latin1_subject_message()])
    [result] = intake.run_mail(database=seeded, username="clerk", maildir=box).messages
    assert result.decoding["subject"] == {"charset": "iso8859-1", "by": "message"}
    with seeded.session() as session:
        event = session.exec(select(Event).where(Event.number == result.number,
                                                 Event.action == "evidence")).one()
    assert json.loads(event.details)["decoding"] == result.decoding
