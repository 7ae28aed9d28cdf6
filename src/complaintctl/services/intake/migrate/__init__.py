"""``db migrate-to``: copy a branch's database (normally its SQLite file) into another one
(normally the central PostgreSQL), keeping complaint numbers and the audit chain.

Every table is copied generically from the models' metadata, parents before children. In one
target transaction, with the target's chain head locked (other writers wait):

- complaint numbers (and other unique keys) that exist on both sides refuse the whole copy,
  with a report of the collisions; nothing is written;
- ids are kept when none of them is taken in the target (the first branch into a new central
  database keeps everything as it was); otherwise rows get new ids and every foreign key that
  points at them is rewritten;
- staff are matched by user name, and plan versions by content: a row already in the target
  stands for the branch's (differences are reported, the target's row is kept); so are rows
  of tables keyed by a natural key (organisations) and settings;
- the year counters become the larger of the two, so numbers are never reused;
- the audit chain: into an empty chain the events are copied exactly (same sequence numbers,
  hashes and key for personal-data digests); onto a chain that already has events they are
  appended in order, re-linked and re-hashed, and the branch's own chain head is recorded in
  the closing ``db migrate-to`` event, so the original stays provable from the branch file;
- evidence files are copied into the target's evidence store (content-addressed: no clashes).

Before committing, the copy is verified: per-table counts, and ``audit verify`` on the target.
"""

# ``migration`` runs it; ``checks`` come before copying; ``copier`` copies the rows and the
# chain; ``tables`` says how each table is copied; ``results`` is what the copy did.

from complaintctl.services.intake.migrate.migration import migrate
from complaintctl.services.intake.migrate.results import Collision, Migration, TableCopy

__all__ = ["Collision", "Migration", "TableCopy", "migrate"]
