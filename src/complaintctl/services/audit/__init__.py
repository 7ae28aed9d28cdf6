"""The audit use cases: verify the hash chain (against anchors kept outside the database),
take an anchor, read the log, the unmask log (``trail``). Writing events is
``services.core.trail``, in the transaction of every change."""

__all__ = ["trail"]
