"""Commands on complaints: register, work them through the lifecycle, show and list them.

One module per part of the lifecycle (``registration``, ``handling``, ``decisions``,
``queries``) and one for the ``evidence`` group; this module lists them with their help.
"""

from __future__ import annotations

import typer

from complaintctl.cli import panels
from complaintctl.cli.common import helptext
from complaintctl.cli.complaints.decisions import archive, close, merge, reopen, resolve, withdraw
from complaintctl.cli.complaints.evidence import evidence_add, evidence_app, evidence_list
from complaintctl.cli.complaints.handling import answer, assign, consult, contact, investigate, note
from complaintctl.cli.complaints.notices import notice, notify_decision
from complaintctl.cli.complaints.identity import customer_copy, verify_identity
from complaintctl.cli.complaints.queries import list_, show
from complaintctl.cli.complaints.registration import register
from complaintctl.i18n import _

N = "CMP-2026-000042"
COMMANDS = [
    (register, "register", _("Register a complaint and print its new number."),
     ["complaintctl register --channel phone --customer 张伟 --phone 13812345678 "
      "--summary '信用卡年费重复扣收' --product credit_card --amount 300",
      "echo '{\"channel\": \"online\", \"customer\": {\"name\": \"张伟\"}, "
      "\"summary\": \"信用卡年费重复扣收\"}' | complaintctl register --json -"]),
    (assign, "assign", _("Assign a complaint to a handler (or reassign it)."),
     [f"complaintctl assign {N} --to lihua", f"complaintctl assign {N} --auto"]),
    (contact, "contact", _("Log a contact with the customer; the first outbound one is the acknowledgement."),
     [f"complaintctl contact {N} --via phone --summary 'Explained the process; decision by 12 Dec'"]),
    (verify_identity, "verify-identity", _("Record that the customer's identity was verified (CBIRC Art 22)."),
     [f"complaintctl verify-identity {N} --method counter_id_check --note 'ID card seen'"]),
    (customer_copy, "customer-copy", _("What the bank holds on a complaint, for its verified customer (Art 22)."),
     [f"complaintctl customer-copy {N} --format json"]),
    (investigate, "investigate", _("Start the investigation of an assigned complaint."),
     [f"complaintctl investigate {N}"]),
    (note, "note", _("Add an internal note to the timeline."),
     [f"complaintctl note {N} 'Card ops say the fee posted twice'"]),
    (consult, "consult", _("Ask another department a question about the complaint."),
     [f"complaintctl consult {N} --department card_ops --question 'Was the fee charged twice?'"]),
    (answer, "answer", _("Record a department's answer to a consultation."),
     [f"complaintctl answer {N} 1 'Yes: posted twice on 3 Nov'"]),
    (resolve, "resolve", _("Record the decision: the facts verified, the result, its reasons and basis (CBIRC Art 19); its decision notice is made in the customer's language."),
     [f"complaintctl resolve {N} --outcome upheld --findings 'Fee charged twice' "
      "--reasons 'The annual fee was posted twice' --basis 'Card agreement art. 5' "
      "--remedy apology --remedy fee_refund:300",
      f"complaintctl resolve {N} --outcome not_upheld --facts 'Fee charged once' "
      "--reasons 'One posting only' --basis 'Card agreement art. 5' --notified-via phone "
      "--proof CALL-7781"]),
    (notice, "notice", _("Print a decided complaint's decision notice (处理决定告知书): HTML, or PDF through headless Chromium; its SHA-256 goes on the audit trail."),
     [f"complaintctl notice {N} -o notice.html",
      f"complaintctl notice {N} --format pdf -o notice.pdf"]),
    (notify_decision, "notify-decision", _("Record how and when the customer was told the decision, with its proof (CBIRC Art 21), or an attempt that did not reach them."),
     [f"complaintctl notify-decision {N} --method sms --proof SMS-20261207-0042 --at '2026-12-07 10:30'",
      f"complaintctl notify-decision {N} --method phone --proof CALL-1 --unreachable"]),
    (close, "close", _("Close a resolved complaint after checking the customer's satisfaction."),
     [f"complaintctl close {N} --satisfaction 4 --feedback 'Quick refund'"]),
    (reopen, "reopen", _("Reopen a resolved or closed complaint for more investigation."),
     [f"complaintctl reopen {N} --reason 'Customer found a second charge'"]),
    (withdraw, "withdraw", _("Record that the complainant withdrew the complaint."),
     [f"complaintctl withdraw {N} --reason 'Customer withdrew by phone'"]),
    (merge, "merge", _("Merge a duplicate complaint into another; both keep their history."),
     [f"complaintctl merge CMP-2026-000043 --into {N}"]),
    (archive, "archive", _("Archive a closed complaint."), [f"complaintctl archive {N}"]),
    (show, "show", _("Show a complaint: its details and timeline."),
     [f"complaintctl show {N}", f"complaintctl show {N} --format json"]),
    (list_, "list", _("List complaints, filtered and sorted."),
     ["complaintctl list --status investigating --branch BJ01 --sort due",
      "complaintctl list --overdue --format csv > overdue.csv",
      "complaintctl list --due-within 2d --sort urgency"]),
]


#: The one-line summaries of ``--help`` where the first sentence is longer than a line.
SHORT = {
    "contact": _("Log a contact with the customer."),
    "resolve": _("Record the decision, its reasons and remedies."),
    "reopen": _("Reopen a resolved or closed complaint."),
    "verify-identity": _("Record how the customer's identity was verified."),
    "customer-copy": _("Show a verified customer what the bank holds."),
    "notice": _("Print a decision notice (HTML or PDF)."),
    "notify-decision": _("Record that the customer was told the decision."),
    "close": _("Close a resolved complaint after checking satisfaction."),
    "merge": _("Merge a duplicate complaint into another."),
}


def register_commands(app: typer.Typer) -> None:
    """The complaint commands at the top level, in this order, then the ``evidence`` group."""
    for function, name, summary, examples in COMMANDS:
        app.command(name, help=helptext(summary, *examples), short_help=SHORT.get(name))(function)
    evidence_app.command("add", help=helptext(
        _("Keep a file as evidence (copied into the store with its SHA-256)."),
        f"complaintctl evidence add {N} statement.pdf --description 'Card statement, Nov'",
    ))(evidence_add)
    evidence_app.command("list", help=helptext(
        _("List a complaint's evidence files."), f"complaintctl evidence list {N}"))(evidence_list)
    app.add_typer(evidence_app, name="evidence", rich_help_panel=panels.INTAKE)
