"""Infrastructure without a database: the evidence store (``evidence``), private files and
reading the files users name (``files``), and retrying work that lost a race on PostgreSQL
(``retry``). Imports errors and i18n only."""
