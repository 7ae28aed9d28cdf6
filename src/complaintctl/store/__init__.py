"""Storage: the tables, the database and its schema. Imports domain, infra, errors and i18n only;
services use it, front-ends never do.

- ``db``: where the database is (``resolve_url``, ``default_path``) and ``Database``, the object
  every command works through (sessions, ``prepared``, ``ensure_ready``, ``backup``, ``check``);
- ``models``: the tables (``models_ext``'s, used by only some commands, are loaded on first use;
  ``models.load_all()`` registers every one); ``base``: what the tables share;
- ``engine``: how connections are set up (SQLite's write lock, ``tune_for_bulk``);
- ``schema``: the revision and migrations (``head_revision``); ``migrations/``: Alembic's files;
- ``server``: a PostgreSQL server's databases; ``maintenance``: backup and integrity check;
- ``bulk``: the importer's fast insert path.

Nothing is imported here: SQLAlchemy and SQLModel are loaded by the modules that need them.
"""
