"""The complaint lifecycle: registration (``registration.register``), working on a complaint
(``handling``: assign, contact, investigate, note, consult, answer, evidence), automatic
assignment and recusal (``assignment``), extensions and compensation approvals
(``approvals``), the decision and closure (``decisions``: resolve, close, reopen, withdraw,
merge, archive), the review (``reviews``) and reading complaints (``queries``: show, list).
``handlers`` is internal: the lifecycle's rules that follow events (subscribed by bootstrap).
"""

__all__ = ["approvals", "assignment", "decisions", "handling", "queries", "registration",
           "reviews"]
