"""Intake use cases: the complaint mailbox into complaints, and the online platform's records.

Mail. Each message is handled in one transaction of its own (``one_transaction``): the complaint
through the real ``register`` use case, the message and its attachments kept as evidence, the
acknowledgement queued. The message is marked as taken in the mailbox only after that commit.
A message already taken in is recognised by its Message-ID (or, without one, the digest of the
normalised message), stored as the complaint's ``external_ref`` (``external_source`` "mail"),
as a review queue entry's ``message_key``, or, for a reply, on the contact event of the
complaint it was attached to; so a crash between the commit and the marking never registers a
message twice: the next run skips it as a duplicate and marks it then.

Who acts: the member of staff running intake, who needs the ``register`` permission. Receiving
mail is part of receipt, not of handling: the evidence that arrives with a message and a
customer's reply are recorded under that permission, whatever the complaint's branch or
assignee, and the evidence does not go through the lifecycle's ``evidence add`` rule.
"""

# ``inbox`` runs a mailbox through, message by message; ``lookup`` finds what a message belongs
# to; ``registration`` registers a new one and queues the acknowledgement; ``replies`` attaches
# a customer's reply (and a review request); ``evidence`` keeps the email; ``outcomes`` is what
# came of it; ``review`` is the queue of messages whose sender a person must tell; ``platform``
# registers the online platform's records.

from complaintctl.services.intake.mailbox.inbox import run_mail, take_in_mail
from complaintctl.services.intake.mailbox.lookup import MAIL_SOURCE
from complaintctl.services.intake.mailbox.outcomes import MailSummary, MessageResult, Result
from complaintctl.services.intake.mailbox.platform import (
    RecordResult,
    RecordsSummary,
    register_records,
)
from complaintctl.services.intake.mailbox.registration import acknowledgement
from complaintctl.services.intake.mailbox.replies import REVIEW_TAG
from complaintctl.services.intake.mailbox.review import accept, reject, reviews

__all__ = [
    "MAIL_SOURCE", "REVIEW_TAG", "MailSummary", "MessageResult", "RecordResult",
    "RecordsSummary", "Result", "accept", "acknowledgement", "register_records", "reject",
    "reviews", "run_mail", "take_in_mail",
]
