"""The decision notice (处理决定告知书, CBIRC Art 19) and its proof (Art 21).

``content`` builds the notice of a decided complaint, in the customer's language (the
complaint's ``notice_language``: zh or en): what was verified, the decision and its remedies,
the reasons and basis, the review route with its closing date (Art 20, by the complaint's clock
profile, counted from the decision), and the other routes (mediation, arbitration, litigation,
the regulator's consumer hotline 12378). It is plain data: ``present.notice`` lays it out as
printable HTML, and ``issue`` hands it to the renderer a front-end gives (HTML, or PDF through
headless Chromium) and writes the document's SHA-256 on the audit trail.

``notify_decision`` records the notice as its own step: how and when it was really given, with
the proof reference (required for phone, SMS, email and letter). A customer who cannot be
reached: each attempt is recorded (``unreachable``, with its own proof); after
``notice.unreachable_attempts`` attempts the notice counts as given, at the last attempt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines, limits, masking
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import ContactVia, EventKind, Status
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, TransitionNotAllowed
from complaintctl.i18n import (_, code, format_amount, format_date, format_datetime, label,
                               speaking, term)
from complaintctl.store.models import Complaint, Event, Remedy
from complaintctl.services.core import config as config_service
from complaintctl.services.core import org_tree, recusal
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, check_reading, now, timezone_of, use_case
from complaintctl.services.core.kernel import effective_time, get, resolve_number

#: the methods whose notice needs a proof reference (Art 21: a letter handed over or posted,
#: an SMS or email sent, a call made); in person it may have none
PROOF_NEEDED = frozenset({ContactVia.phone, ContactVia.sms, ContactVia.email, ContactVia.letter})
#: the statuses a complaint has a decision to tell in
DECIDED = (Status.resolved.value, Status.closed.value, Status.archived.value,
           Status.under_review.value)
LANGUAGES = ("zh", "en")


def check_proof(method: ContactVia, proof: str | None) -> str | None:
    """The proof reference of a notice by ``method``: required (not blank) for phone, SMS,
    email and letter (CBIRC Art 21); checked against its length limit."""
    proof = (proof or "").strip() or None
    if proof is None and method in PROOF_NEEDED:
        raise InvalidData(_(
            "A notice by {method} needs its proof reference (--proof: the call record, SMS or "
            "email id, letter or postal receipt number); CBIRC Art 21 requires proof of "
            "notice.").format(method=method.value))
    limits.check("notice_proof", proof)
    return proof


def check_language(lang: str | None, default: str) -> str:
    lang = (lang or default or "zh").strip().lower()
    if lang not in LANGUAGES:
        raise InvalidData(_("'{lang}' is not a notice language; use zh or en.").format(lang=lang))
    return lang


# --- the notice's content ----------------------------------------------------------------------


def decided_at(session: Session, complaint: Complaint) -> datetime:
    """When the complaint's current decision was made: its latest ``resolve`` event."""
    at = session.exec(select(Event.at).where(Event.complaint_id == complaint.id,
                                             Event.action == "resolve")
                      .order_by(col(Event.seq).desc())).first()
    return at or complaint.last_event_at


def content(session: Session, complaint: Complaint, *, at: datetime | None = None
            ) -> dict[str, Any]:
    """The decision notice of ``complaint`` (decided at ``at``, else its latest decision), in
    its notice language: plain data, the same bytes for the same decision."""
    cfg = config_service.load(session)
    tz = cfg.tz
    at = at or decided_at(session, complaint)
    profile = cfg.profile(complaint.clock_profile)
    closes = deadlines.review_window_closes(profile, at, tz=tz, calendar=cfg.calendar(profile))
    superior = org_tree.parent_of(session, complaint.branch)
    remedies = session.exec(select(Remedy).where(Remedy.complaint_id == complaint.id)
                            .order_by(col(Remedy.id))).all()
    lang = complaint.notice_language or "zh"
    name = complaint.customer_name  # names are shown as everywhere; contact data is not on it
    with speaking(lang):
        return _content_in_language(complaint, lang=lang, at=at, tz=tz, closes=closes,
                                    rule=profile.review_window, superior=superior,
                                    remedies=remedies, name=name)


def _content_in_language(complaint: Complaint, *, lang, at, tz, closes, rule, superior,
                         remedies, name) -> dict[str, Any]:
    decision = _("The complaint is {outcome}.").format(outcome=label(complaint.outcome))
    given = [_remedy_text(r, lang) for r in remedies]
    if closes is not None:
        review = _("If you disagree with this decision, you may ask {body} for a review (核查) "
                   "within {rule} of this decision, at the latest by {date} (CBIRC Art 20); "
                   "the review is decided within 30 days.").format(
            body=superior or _("the bank's superior organisation"), rule=rule.describe(),
            date=format_date(closes.astimezone(tz).date(), lang, weekday=False))
    else:
        review = _("If you disagree with this decision, you may ask the bank's superior "
                   "organisation for a review (核查).")
    return {
        "language": lang,
        "title": _("Decision notice"),
        "number": complaint.number,
        "greeting": _("Dear {name},").format(name=name or _("customer")),
        "intro": _("We have handled your complaint received on {received} (number {number}) "
                   "and tell you our decision, as Article 19 of the CBIRC Measures for "
                   "handling consumer complaints requires.").format(
            received=format_date(complaint.received_at.astimezone(tz).date(), lang, weekday=False),
            number=complaint.number),
        "sections": [
            {"heading": _("What we verified"), "paragraphs": [text(complaint.findings)]},
            {"heading": _("Our decision"), "paragraphs": [decision], "items": given},
            {"heading": _("Reasons"), "paragraphs": [text(complaint.decision_reasons)]},
            {"heading": _("Basis"), "paragraphs": [text(complaint.decision_basis)]},
            {"heading": _("Review of the decision"), "paragraphs": [review]},
            {"heading": _("Other routes open to you"), "paragraphs": [], "items": [
                _("Mediation: apply to a banking and insurance dispute mediation organisation."),
                _("Arbitration: apply to an arbitration commission under an arbitration "
                  "agreement with the bank."),
                _("Litigation: bring a lawsuit in the people's court."),
                _("The regulator: call the banking and insurance consumer hotline 12378."),
            ]},
        ],
        "decided": format_date(at.astimezone(tz).date(), lang, weekday=False),
        "decided_at": iso(at, tz),
        "review_closes": iso(closes, tz),
        "issuer": complaint.branch or _("the bank"),
    }


def text(value: str | None) -> str:
    """Free text on the notice, its personal data masked (``masking.mask_text``)."""
    return masking.mask_text(value) or ""


def _remedy_text(remedy: Remedy, lang: str) -> str:
    shown = term(remedy.kind) if lang == "zh" else remedy.kind.replace("_", " ")
    if remedy.amount_cents is not None:
        shown += " " + format_amount(remedy.amount_cents / 100, "CNY", lang)
    return shown + (f": {masking.mask_text(remedy.note)}" if remedy.note else "")


def digest(data: bytes | dict[str, Any]) -> str:
    """SHA-256 of a rendered notice, or of its content (canonical JSON)."""
    if isinstance(data, dict):
        data = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


# --- issuing the notice ------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeDocument:
    number: str
    format: str
    language: str
    data: bytes
    sha256: str


def issue(*, session: Session, actor: Actor, number: str, fmt: str,
          render: Callable[[dict[str, Any]], bytes]) -> NoticeDocument:
    """The decision notice of ``number`` rendered by ``render`` (``fmt``: html or pdf); the
    document's SHA-256 goes on the audit trail (``notice`` event)."""
    number = resolve_number(session, number)
    complaint = get(session, number)
    check_reading(session, actor, "notice", complaint=complaint)  # a refusal is recorded there
    with use_case(session, actor, "notice", number):
        if complaint.status not in DECIDED or complaint.outcome is None:
            raise TransitionNotAllowed(_(
                "{number} has no decision to notify yet (it is {status}); resolve it first."
            ).format(number=number, status=complaint.status))
        made = content(session, complaint)
        data = render(made)
        sha = digest(data)
        audit.record(session, kind=EventKind.access, action="notice", actor=actor.username,
                     at=now(), number=number,
                     details={"format": fmt, "language": made["language"], "sha256": sha,
                              "content_sha256": digest(made)})
    return NoticeDocument(number, fmt, made["language"], data, sha)


# --- proof of notice ---------------------------------------------------------------------------


def notify_decision(*, session: Session, actor: Actor, number: str, method: ContactVia,
                    proof: str | None, at: datetime | None = None,
                    unreachable: bool = False) -> Complaint:
    """Record that the decision was told to the customer (by ``method``, at ``at``, with
    ``proof``), or, with ``unreachable``, one attempt that did not reach them."""
    number = resolve_number(session, number)
    with use_case(session, actor, "notify-decision", number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.contact, complaint=complaint)
        recusal.check_actor(session, actor.username, "notify-decision", complaint)
        _check_undelivered(complaint, timezone_of(session))
        proof = check_proof(method, proof)
        at = effective_time(session, at, complaint)
        needed = config_service.load(session)["notice.unreachable_attempts"]
        details: dict[str, Any] = {"method": method.value, "proof": proof}
        old = (complaint.notified_at, complaint.notified_via, complaint.notice_proof)
        if unreachable:
            complaint.notice_attempts += 1
            details.update(unreachable=True, attempt=complaint.notice_attempts, needed=needed)
            if complaint.notice_attempts >= needed:
                complaint.notice_unreachable = True
                details["counts_as_given"] = True
        if not unreachable or complaint.notice_unreachable:
            complaint.notified_at, complaint.notified_via = at, method.value
            complaint.notice_proof = proof
            details["changes"] = {"notified_at": [iso(old[0]), iso(at)],
                                  "notified_via": [old[1], method.value],
                                  "notice_proof": [old[2], proof]}
        complaint.last_event_at = at
        session.add(complaint)
        audit.record(session, kind=EventKind.change, action="notify-decision",
                     actor=actor.username, at=at, complaint=complaint,
                     from_status=complaint.status, to_status=complaint.status, details=details)
    return complaint


def _check_undelivered(complaint: Complaint, tz) -> None:
    if complaint.status not in DECIDED or complaint.outcome is None:
        raise TransitionNotAllowed(_(
            "Can't record the decision notice of {number} when it is {status}: there is no "
            "decision yet; resolve it first.").format(number=complaint.number,
                                                      status=complaint.status))
    if complaint.notified_at is not None:
        raise TransitionNotAllowed(_(
            "The decision notice of {number} was already given on {at} by {via}; it is on "
            "record.").format(number=complaint.number,
                              at=format_datetime(iso(complaint.notified_at, tz)),
                              via=code(complaint.notified_via)))
