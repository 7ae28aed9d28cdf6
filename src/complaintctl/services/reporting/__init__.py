"""Reports and monitoring: the report families (``reports``: summary, timeliness, quality,
regulatory), root causes and rectification actions (``rootcause``), the monitoring snapshot
(``monitor``) and the explanations of a due time and an urgency score (``explain``)."""

__all__ = ["explain", "monitor", "reports", "rootcause"]
