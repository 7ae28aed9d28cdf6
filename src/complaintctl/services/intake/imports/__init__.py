"""Batch import: a file of complaints in, validated row by row, all or nothing by default.

One transaction per import. Rows are read as a stream and written in chunks through SQLAlchemy
Core executemany (never one ORM object per row): numbers come from the year's counter in one
``UPDATE ... RETURNING`` per chunk, every complaint gets an ``imported`` event appended to the
hash chain in bulk (``audit.BulkAppender``), and the import itself is a batch record. A row
whose key (``external_source`` + ``external_ref``) is already stored is skipped, so importing a
file twice adds nothing. Rejected rows go to the rejects file with their line and reason;
``max_errors`` (default 0) decides whether the good rows are committed.

The use cases: ``import_file`` (with ``ImportOptions``, giving an ``ImportSummary``),
``list_batches`` and ``undo`` (which raises ``BatchAlreadyUndone`` for a batch undone before).
Inside: ``opening`` (the file's container and layout), ``validation`` (one record to a checked
row), ``writing`` (a chunk into the database), ``rejects`` (the rejects file), ``importer``
(the run), ``batches`` (listing and undo), ``summary``, ``values`` (one field's text).
"""

from complaintctl.services.intake.imports.batches import BatchAlreadyUndone, list_batches, undo
from complaintctl.services.intake.imports.importer import import_file
from complaintctl.services.intake.imports.summary import ImportOptions, ImportSummary

__all__ = ["BatchAlreadyUndone", "ImportOptions", "ImportSummary", "import_file",
           "list_batches", "undo"]
