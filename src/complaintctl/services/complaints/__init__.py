"""The complaint lifecycle: registration (``registration.register``), working on a complaint
(``handling``: assign, contact, investigate, note, consult, answer, evidence), automatic
assignment and recusal (``assignment``), extensions and compensation approvals
(``approvals``), the decision and closure (``decisions``: resolve, close, reopen, withdraw,
merge, archive), the review (``reviews``), reading complaints (``queries``: show, list;
``queue``: the staff console's work queue, paged by urgency; ``searches``: list's contact searches and its ranking by urgency), the shapes a complaint is handed
out in (``shapes``: its object, its CSV row), the CBIRC rules a registration meets
(``register_rules``) and the customer's identity (``verification``). ``handlers`` is
internal: the lifecycle's rules that follow events (subscribed by bootstrap); so are
``approvers`` (who may approve) and ``compensation`` (the resolution's compensation rule).
"""

__all__ = ["approvals", "assignment", "decisions", "handling", "queries", "queue",
           "merging", "register_rules", "registration", "repeats", "reviews", "searches", "shapes",
           "verification"]
