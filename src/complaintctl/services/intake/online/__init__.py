"""The online complaint platform's use cases (issue 19), for the web front-end: a customer
submits the form (``submission.submit``: registered through ``complaints.registration.register``
with channel ``online``, attachments into the evidence store, a one-time access code of which
only the SHA-256 digest is kept, the acknowledgement through the outbox), reads the status page
with the number and the code (``status.customer_view``), adds information (an inbound contact),
answers the satisfaction question or disputes the decision (``status.answer``), and asks for a
new code, which goes only to the contact on record (``submission.reissue_code``).

Who acts: the platform's intake account (a clerk; ``serve`` proves it like any command), as
the mailbox's intake does. A wrong number and a wrong code are the same ``NotFound``.
"""

__all__ = ["codes", "form", "status", "submission"]
