"""The words the interface shows for stored codes, marked for the catalog and looked up by
``complaintctl.i18n`` (``label``, ``term``, ``scenario``, ``os_problem``): enum values,
timeline actions and other codes, drill scenarios, the operating system's errors. Data only;
it imports nothing of the project."""

from __future__ import annotations

import errno


def N_(message: str) -> str:
    return message


#: The operating system's words for the errors a file path meets (os_problem)
OS_PROBLEMS = {
    errno.ENOENT: N_("No such file or directory"), errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"), errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"), errno.EEXIST: N_("File exists"),
    errno.ENOSPC: N_("No space left on device"), errno.EROFS: N_("Read-only file system"),
    errno.ENAMETOOLONG: N_("File name too long"),
}


LABELS = {
    # statuses
    "registered": N_("registered"), "assigned": N_("assigned"),
    "investigating": N_("investigating"), "resolved": N_("resolved"), "closed": N_("closed"),
    "archived": N_("archived"), "withdrawn": N_("withdrawn"), "merged": N_("merged"),
    # channels
    "counter": N_("counter"), "phone": N_("phone"), "email": N_("email"),
    "online": N_("online"), "letter": N_("letter"), "fax": N_("fax"),
    "regulator": N_("regulator"), "social_media": N_("social media"),
    "self_service": N_("self-service"), "other": N_("other"),
    # outcomes
    "upheld": N_("upheld"), "partially_upheld": N_("partially upheld"),
    "not_upheld": N_("not upheld"),
    # priorities
    "low": N_("low"), "normal": N_("normal"), "high": N_("high"), "urgent": N_("urgent"),
    "under_review": N_("under review"),
    # roles
    "clerk": N_("clerk"), "handler": N_("handler"), "supervisor": N_("supervisor"),
    "auditor": N_("auditor"), "admin": N_("admin"),
}

#: Values shown in Chinese under zh only (English tables have always shown the value itself).
TERMS = {
    # timeline actions (the regulation's vocabulary: docs/glossary.md)
    "register": N_("register (timeline)"), "assign": N_("assign (timeline)"),
    "reassign": N_("reassign (timeline)"), "contact": N_("contact (timeline)"),
    "investigate": N_("investigate (timeline)"), "note": N_("note (timeline)"),
    "consult": N_("consult (timeline)"), "answer": N_("answer (timeline)"),
    "evidence": N_("evidence (timeline)"), "resolve": N_("resolve (timeline)"),
    "close": N_("close (timeline)"), "reopen": N_("reopen (timeline)"),
    "withdraw": N_("withdraw (timeline)"), "merge": N_("merge (timeline)"),
    "archive": N_("archive (timeline)"), "imported": N_("imported (timeline)"),
    "pause": N_("pause (timeline)"), "resume": N_("resume (timeline)"),
    "extend": N_("extend (timeline)"), "approve": N_("approve (timeline)"),
    "approval_request": N_("approval request (timeline)"),
    "review_request": N_("review request (timeline)"),
    "review_uphold": N_("review upholds (timeline)"),
    "review_change": N_("review changes (timeline)"),
    "sla_warning": N_("time-limit warning (timeline)"), "escalate": N_("escalate (timeline)"),
    # remedies and how the customer was reached
    "apology": N_("apology"), "compensation": N_("compensation"),
    "fee_refund": N_("fee refund"), "correction": N_("correction"),
    "explanation": N_("explanation"), "tracking": N_("tracking"),
    "sms": N_("SMS"), "in_person": N_("in person"),
    # the clock and why it stops
    "decision": N_("decision (clock)"), "review": N_("review (clock)"),
    "appraisal": N_("appraisal (pause)"), "mediation": N_("mediation (pause)"),
    # where a setting or a plan version comes from
    "default": N_("default (source)"), "built-in": N_("built-in (source)"),
    "database": N_("database (source)"),
    # intake results
    "attached": N_("attached (intake)"), "duplicate": N_("duplicate (intake)"),
    "automatic": N_("automatic (intake)"), "failed": N_("failed (intake)"),
    "already_read": N_("already read (intake)"), "needs_review": N_("needs review (intake)"),
    "rejected": N_("rejected (review)"), "accepted": N_("accepted (review)"),
    # incidents, their timeline and checklist
    "active": N_("active (incident)"), "manual": N_("declared by hand (incident)"),
    "declare": N_("declare (incident)"), "notify": N_("notify (incident)"),
    "update": N_("update (incident)"), "action": N_("action taken (incident)"),
    "done": N_("done (checklist)"), "report": N_("report (incident)"),
    "link": N_("link (incident)"), "open": N_("open (checklist)"),
    "overdue": N_("overdue"), "pending": N_("pending (checklist)"),
    "met": N_("met (checklist)"), "late": N_("late (checklist)"),
    "missed": N_("missed (checklist)"),
    # what detection did to an incident (import's note), and the rules that fire
    "opened": N_("opened (incident)"), "linked": N_("linked (incident)"),
    "escalated": N_("escalated (incident)"), "same_cluster": N_("same cluster (rule)"),
    "spike": N_("spike (rule)"), "group_visit": N_("group visit (rule)"),
    "amount": N_("large amount (rule)"), "tag_combination": N_("tag combination (rule)"),
    # what a conflict of interest matches (staff conflict)
    "customer_id": N_("customer id (conflict)"), "account": N_("account (conflict)"),
    "branch": N_("branch (conflict)"), "colleague": N_("colleague (conflict)"),
}

SCENARIOS = {
    "surge": N_("surge (drill)"), "group-visit": N_("group visit (drill)"),
    "outage": N_("outage (drill)"), "media": N_("media (drill)"),
    "regulator": N_("regulator (drill)"),
}
