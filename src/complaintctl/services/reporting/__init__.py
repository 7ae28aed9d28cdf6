"""Reports and monitoring: the report families (``reports``: summary, timeliness, quality,
regulatory), root causes and rectification actions (``rootcause``), the monitoring snapshot
(``monitor``), the explanations of a due time and an urgency score (``explain``) and the
regulator referrals with their reports back (``referrals``, CBIRC Art 33)."""

__all__ = ["explain", "monitor", "referrals", "reports", "rootcause"]
