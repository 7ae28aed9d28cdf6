"""What every capability builds on: who is acting and the transaction of a use case
(``context``), the wall clock and stored settings (``stored``), the audit trail's writer
(``trail``) and the state of a complaint its events carry (``state``), the configuration and
organisation tree as read (``config``, ``org_tree``), filter values as a clerk types them
(``filter_values``), audited delegation (``delegation``), the complaint kernel shared by every
use case on one complaint (``kernel``), the reason for a late effective time (``lateness``),
the message bus (``bus``) and whether the database moved since a front-end last looked
(``changes``). Imports no other services package.
"""

__all__ = ["bus", "changes", "config", "context", "delegation", "filter_values", "kernel",
           "lateness", "org_tree", "state", "stored", "trail"]
