"""The pure domain: no database, no I/O. Tested without either."""
