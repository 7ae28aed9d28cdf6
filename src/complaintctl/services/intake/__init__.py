"""Complaints in and out in bulk: file imports with batches and undo (``imports``), exports
(``exports``), the complaint mailbox and the online platform's records (``mailbox``, with
message parsing in ``mail``), copying a database to another back end (``migrate``), and the
file readers the importer uses (``reading``)."""

__all__ = ["exports", "imports", "mail", "mailbox", "migrate", "online", "reading"]
