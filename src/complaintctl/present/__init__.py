"""Presentation: the one place results become tables, JSON, CSV, Markdown, HTML, SVG and XLSX,
for every front-end. Imports domain, infra, errors and i18n only (never services or store): it
is handed plain data.

- ``render``: the console, and the JSON/CSV/table basics (``emit``, ``table``, ``fields``);
- ``views``: complaints (``list``, ``show``), imports, intake, migration and urgency;
- ``incident_views``: the emergency plan, incidents, drills and their reports;
- ``reports``: the report writers (``write_report``) and the monitor's screen;
- ``exporters``: streaming exports (``write``: CSV, JSON Lines, XLSX, the CFPB's layout).

Nothing is imported here: Rich and XlsxWriter are loaded when something is drawn or written.
"""
