"""The CBIRC 2020 rules a registration must meet besides its fields' own checks.

``check`` (called by ``registration.validate_new``, so by every path, the importer's too): the
customer's identity and contact formats (Art 22), at most five representatives each with a
name and a phone (Art 12), the regulator's deadline a date and only on a referral (Art 33), and
the fields the emergency plan reads as tags (Art 29).

``require`` (called by ``registration.register``: the clerk, the online platform, the mailbox):
what a complaint received now must carry: a joint in-person complaint names its representatives
(Art 12), a regulator referral its reference and deadline (Art 33). The importer brings history
from other systems (a CFPB "Referral" is no CBIRC referral; a native export has no
representatives column) and does not require what its source never recorded.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from complaintctl.domain import attention, identity
from complaintctl.domain.enums import Channel
from complaintctl.errors import InvalidData
from complaintctl.i18n import _

#: ``registration.NewComplaint`` (not imported: registration imports this module)
NewComplaint = Any


def check(new: NewComplaint, today: date | None = None) -> dict[str, Any]:
    """The normalised values of ``new``'s checked fields, or InvalidData naming the article."""
    today = today or datetime.now(timezone.utc).date()
    return {
        "phone": identity.normal_phone(new.phone) if new.phone else None,
        "id_number": identity.normal_id_number(new.id_number, today) if new.id_number else None,
        "account": identity.normal_account(new.account) if new.account else None,
        "representatives": representatives(new),
        "regulator_due": referral_due(new),
        "attention_tags": attention_tags(new),
    }


def representatives(new: NewComplaint) -> str | None:
    """The representatives as stored (JSON), checked: each a name and a phone, at most five,
    and a joint in-person complaint names at least one (Art 12)."""
    found = []
    for given in new.representatives:
        name = (given.get("name") or "").strip() if isinstance(given, dict) else ""
        phone = (given.get("phone") or "").strip() if isinstance(given, dict) else ""
        if not name or not phone:
            raise InvalidData(_("Each representative needs a name and a contact phone "
                                "(NAME,PHONE) (CBIRC Art 12)."))
        found.append(identity.Representative(name[:200], identity.normal_phone(phone)))
    if len(found) > identity.MAX_REPRESENTATIVES:
        raise InvalidData(identity.representatives_problem(new.channel.value, new.group_size,
                                                           len(found)))
    if not found:
        return None
    return json.dumps([r.as_dict() for r in found], ensure_ascii=False)


def require(new: NewComplaint) -> None:
    """What a complaint received now must carry (Art 12, Art 33); InvalidData naming it."""
    if new.channel is Channel.regulator:
        if not (new.source_ref or "").strip():
            raise InvalidData(_("A regulator referral needs the regulator's reference "
                                "(--source-ref) (CBIRC Art 33)."))
        if not (new.regulator_due or "").strip():
            raise InvalidData(_("A regulator referral needs the regulator's deadline "
                                "(--regulator-due DATE) (CBIRC Art 33)."))
    why = identity.representatives_problem(new.channel.value, new.group_size,
                                           len(new.representatives))
    if why:
        raise InvalidData(why)


def referral_due(new: NewComplaint) -> str | None:
    """A regulator referral's deadline (ISO date), refused on any other channel (Art 33)."""
    due = (new.regulator_due or "").strip()
    if new.channel is not Channel.regulator and due:
        raise InvalidData(_("--regulator-due is for a complaint the regulator referred "
                            "(--channel regulator) (CBIRC Art 33)."))
    if not due:
        return None
    try:
        return date.fromisoformat(due).isoformat()
    except ValueError:
        raise InvalidData(_("--regulator-due {value} is not a date (YYYY-MM-DD).").format(
            value=due)) from None


def attention_tags(new: NewComplaint) -> list[str]:
    """The plan tags of ``--media``, ``--cause`` and ``--regulator-designated`` (Art 29)."""
    if new.media and new.media not in attention.MEDIA:
        raise InvalidData(_("--media {value} is not one of {values}.").format(
            value=new.media, values=", ".join(attention.MEDIA)))
    if new.cause and new.cause not in attention.CAUSES:
        raise InvalidData(_("--cause {value} is not one of {values}.").format(
            value=new.cause, values=", ".join(attention.CAUSES)))
    return attention.tags_of(media=new.media, regulator_designated=new.regulator_designated,
                             cause=new.cause)
