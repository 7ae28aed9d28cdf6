"""The audit use cases: verify the hash chain (against anchors kept outside the database),
take an anchor, read the log, the unmask log (``trail``); reconcile the stored rows with the
chain (``reconcile``); the auditor's key pair and signed anchors (``keys``). Writing events is
``services.core.trail``, in the transaction of every change."""

__all__ = ["keys", "reconcile", "trail"]
