"""A message kept as evidence: the email as received and each attachment."""

from __future__ import annotations

from datetime import datetime

from complaintctl.domain.enums import Action, EventKind
from complaintctl.i18n import _
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import timezone_of
from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mailbox.lookup import MAIL_SOURCE
from complaintctl.store.models import Complaint, Evidence


def keep_evidence(session, actor, store, complaint: Complaint, record: mail.MailRecord,
                   at: datetime, *, details: dict | None = None) -> list[Evidence]:
    """The message as received (.eml) and each attachment, into the evidence store; ``details``
    (how it was read: receipt, Date, charsets) go on the event."""
    tz = timezone_of(session)
    stamp = at.astimezone(tz).strftime("%Y%m%d-%H%M%S")
    files = [(record.raw, f"email-{stamp}.eml",
              _("The email as received (Message-ID {id})").format(id=record.message_id))]
    files += [(a.data, a.filename, _("Attachment ({type}) of the email {id}").format(
        type=a.content_type, id=record.message_id)) for a in record.attachments]
    rows = []
    for data, name, description in files:
        stored = store.put_bytes(data, name)
        row = Evidence(complaint_id=complaint.id, sha256=stored.sha256, size=stored.size,
                       filename=stored.filename, description=description,
                       added_by=actor.username, added_at=at)
        session.add(row)
        rows.append(row)
    session.flush()
    complaint.last_event_at = max(complaint.last_event_at, at)
    session.add(complaint)
    audit.record(
        session, kind=EventKind.change, action=Action.evidence.value, actor=actor.username,
        at=complaint.last_event_at, complaint=complaint, from_status=complaint.status,
        to_status=complaint.status,
        details={"intake": MAIL_SOURCE, "message_id": record.key,
                 "files": [{"evidence": r.id, "sha256": r.sha256, "size": r.size}
                           for r in rows], **(details or {})},
        personal={"filenames": [r.filename for r in rows]},
    )
    return rows
