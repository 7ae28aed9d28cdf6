"""Mail fixtures built with the email library: the kinds of message the complaint mailbox gets.

Every builder returns bytes. ``corpus()`` is the standard mailbox of the intake tests; its
``EXPECTED`` says what intake must make of each message.
"""

from __future__ import annotations

import base64
import mailbox
import os
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: 镕 is not in GB2312 but is in GBK: mailers still label such text gb2312
GBK_ONLY = "镕"


#: fixtures are dated relative to when the tests started, so one builder gives the same bytes
#: on every call of a test session
BASE = datetime.now(timezone.utc).replace(microsecond=0)


def when(days_ago: float = 1.0) -> datetime:
    return BASE - timedelta(days=days_ago)


def _base(subject: str, *, sender: str, msgid: str, date: datetime | None) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "tousu@bank.example"
    m["Subject"] = subject
    m["Message-ID"] = msgid
    if date is not None:
        m["Date"] = format_datetime(date)
    return m


def _fixed(m: EmailMessage, msgid: str) -> bytes:
    """A multipart message with a boundary of its own Message-ID: the same bytes every time."""
    import hashlib

    m.set_boundary("==" + hashlib.sha256(msgid.encode()).hexdigest()[:24])
    return m.as_bytes()


def plain(msgid: str = "<plain-1@example.com>", *, subject: str = "信用卡年费重复扣收",
          body: str = "我的信用卡年费被扣了两次，请退还。\n张伟", sender: str = "张伟 <zhang.wei@example.com>",
          date: datetime | None = None, **headers: str) -> bytes:
    m = _base(subject, sender=sender, msgid=msgid, date=date or when(1))
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m.as_bytes()


def with_attachments(msgid: str = "<attach-1@example.com>") -> bytes:
    m = _base("Disputed transfer of 5,000 CNY", sender="Li Na <li.na@example.com>", msgid=msgid,
              date=when(2))
    m.set_content("Please see the attached statement and the screenshot.\nLi Na")
    m.add_attachment(PDF, maintype="application", subtype="pdf", filename="对账单.pdf")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="screenshot.png")
    return _fixed(m, msgid)


def html_only(msgid: str = "<html-1@example.com>") -> bytes:
    m = _base("ATM kept my card", sender="wang@example.com", msgid=msgid, date=when(1.5))
    m.set_content(
        "<html><head><style>p {color: red}</style><script>alert(1)</script></head><body>"
        "<p>The ATM at <b>Chaoyang</b> branch kept my card.</p><ul><li>Time: 9:40</li>"
        "<li>Card ending 1234</li></ul><p>Please call me&nbsp;back &amp; help.</p></body></html>",
        subtype="html",
    )
    return m.as_bytes()


def gb2312(msgid: str = "<gb-1@example.cn>") -> bytes:
    """Subject, sender name and body labelled GB2312 but holding a GBK-only character, the
    subject split into two encoded words in the middle of a character."""
    subject = f"投诉：朱{GBK_ONLY}的理财产品"
    raw_subject = subject.encode("gbk")
    first, second = raw_subject[:5], raw_subject[5:]  # byte 5 is inside a character
    name = "朱" + GBK_ONLY
    body = f"我是{name}，理财产品到期未兑付。\n请尽快处理。"
    lines = [
        f"From: =?GB2312?B?{base64.b64encode(name.encode('gbk')).decode()}?= <zhu@example.cn>",
        "To: tousu@bank.example",
        f"Subject: =?GB2312?B?{base64.b64encode(first).decode()}?=",
        f" =?GB2312?B?{base64.b64encode(second).decode()}?=",
        f"Message-ID: {msgid}",
        f"Date: {format_datetime(when(3))}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=GB2312",
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(body.encode("gbk")).decode().strip(),
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def utf8_chinese(msgid: str = "<utf8-1@example.cn>") -> bytes:
    return plain(msgid, subject="网银转账失败但已扣款", body="昨天网银转账5000元失败，但账户已扣款。",
                 sender="陈静 <chen.jing@example.cn>", date=when(0.5))


def reply(number: str, msgid: str = "<reply-1@example.com>", *,
          sender: str = "张伟 <zhang.wei@example.com>", in_reply_to: str | None = None,
          date: datetime | None = None) -> bytes:
    headers = {"In_Reply_To": in_reply_to} if in_reply_to else {}
    subject = f"Re: [{number}] 信用卡年费重复扣收" if number else "Re: 信用卡年费重复扣收"
    m = _base(subject, sender=sender, msgid=msgid, date=date or when(0.1))
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content("还没有收到退款，请再查一下。")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="bank-app.png")
    return _fixed(m, msgid)


def auto_reply(msgid: str = "<auto-1@example.com>") -> bytes:
    return plain(msgid, subject="自动回复: 您的投诉已收到", body="我正在休假，12月1日回来。",
                 sender="zhao@example.com", Auto_Submitted="auto-replied")


def bounce(msgid: str = "<bounce-1@mx.example.com>") -> bytes:
    m = EmailMessage()
    m["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.com>"
    m["To"] = "tousu@bank.example"
    m["Subject"] = "Undelivered Mail Returned to Sender"
    m["Message-ID"] = msgid
    m["Date"] = format_datetime(when(0.2))
    m.set_content("This is the mail system. Your message could not be delivered.")
    m.make_mixed()
    m.set_type("multipart/report")
    m.set_param("report-type", "delivery-status")
    return _fixed(m, msgid)


def malformed() -> bytes:
    """No header block worth the name: nobody to register it for."""
    return b"\x00\x01garbage without headers\r\n\xff\xfe\r\n\r\nmore garbage\r\n"


def damaged(msgid: str = "<damaged-1@example.com>") -> bytes:
    """Readable but broken: a Date in the future, an unknown charset, bad base64."""
    lines = [
        "From: Broken Client <broken@example.com>",
        "Subject: =?x-unknown?Q?Card_fee?=",
        f"Message-ID: {msgid}",
        "Date: Sat, 01 Jan 2039 10:00:00 +0000",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="XYZ"',
        "",
        "--XYZ",
        "Content-Type: text/plain; charset=x-unknown-charset",
        "Content-Transfer-Encoding: base64",
        "",
        base64.b64encode("The card fee was charged twice.".encode()).decode()[:-3] + "!!",
        "--XYZ",
        "Content-Type: application/octet-stream",
        "Content-Transfer-Encoding: base64",
        "",
        "not*base64*at*all",
        "--XYZ--",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def corpus() -> list[tuple[str, bytes]]:
    """The standard mailbox: (label, message), in delivery order."""
    return [
        ("plain", plain()),
        ("attachments", with_attachments()),
        ("html", html_only()),
        ("gb2312", gb2312()),
        ("utf8", utf8_chinese()),
        ("auto", auto_reply()),
        ("bounce", bounce()),
        ("malformed", malformed()),
        ("damaged", damaged()),
    ]


EXPECTED = {"read": 9, "registered": 6, "attached": 0, "duplicates": 0, "automatic": 2,
            "already_read": 0, "needs_review": 1, "failed": 0, "not_marked": 0}


def maildir(path: Path, messages: list[bytes]) -> Path:
    """A Maildir with ``messages`` in new/, delivered a minute apart in this order."""
    box = mailbox.Maildir(str(path), create=True)
    box.close()
    start = when(0.5).timestamp()
    for i, raw in enumerate(messages):
        add_to_maildir(path, raw, delivered=start + 60 * i)
    return path


def mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(str(path), create=True)
    box.lock()
    for raw in messages:
        box.add(raw)
    box.flush()
    box.unlock()
    box.close()
    return path


def add_to_maildir(path: Path, raw: bytes, *, delivered: float | None = None) -> str:
    box = mailbox.Maildir(str(path), create=False)
    key = box.add(raw)
    box.close()
    if delivered is not None:
        os.utime(path / "new" / key, (delivered, delivered))
    return key


def maildir_state(path: Path) -> dict[str, list[str]]:
    """The file names in new/ and cur/ (cur/ names carry the flags)."""
    return {sub: sorted(os.listdir(path / sub)) for sub in ("new", "cur")}


def raw(*headers: str, body: str | bytes = "The card fee was charged twice.\n",
        eol: bytes = b"\r\n", charset: str = "utf-8") -> bytes:
    """A message written by hand, byte for byte: ``headers`` as given (text, or raw 8-bit
    already escaped as Latin-1 characters), then the body."""
    data = body if isinstance(body, bytes) else body.encode(charset)
    head = eol.join(h.encode("latin-1") for h in headers)
    return head + eol + eol + data.replace(b"\n", eol).replace(b"\r" + eol, eol)


def received(by: str, at: datetime, *, source: str = "mail.sender.example") -> str:
    """A Received header as a mail server adds it."""
    return f"Received: from {source} ({source} [192.0.2.1]) by {by} with ESMTPS id 4Xy; " \
           f"{format_datetime(at)}"


def mbox_messages(path: Path) -> list[bytes]:
    """Every message of an mbox, as the mailbox module reads it."""
    box = mailbox.mbox(str(path), create=False)
    try:
        return [box.get_bytes(key) for key in box.keys()]
    finally:
        box.close()
