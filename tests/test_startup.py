"""Start-up: `complaintctl --help` must not pay for SQLAlchemy, SQLModel, Alembic or Rich."""

import json
import os
import subprocess
import sys

PROBE = r"""
import json, sys
from complaintctl.cli import app
try:
    app(["--help"], prog_name="complaintctl")
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "sqlmodel", "alembic", "rich"})
print(json.dumps(heavy), file=sys.stderr)
"""


def test_help_imports_no_sqlalchemy_sqlmodel_alembic_or_rich():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            timeout=60, env={"COMPLAINTCTL_LANG": "en", "PATH": ""})
    assert "Usage: complaintctl" in result.stdout
    assert json.loads(result.stderr.strip().splitlines()[-1]) == []


def test_the_console_scripts_lazy_root_offers_exactly_the_apps_commands():
    import typer.main

    from complaintctl.cli import app, lazy_root

    full = typer.main.get_command(app)
    lazy = lazy_root()
    assert lazy.list_commands(None) == list(full.commands)
    for name, command in full.commands.items():
        built = lazy.get_command(None, name)
        assert built.name == command.name
        assert built.help == command.help
        assert [p.name for p in built.params] == [p.name for p in command.params]
        assert sorted(getattr(built, "commands", {})) == sorted(getattr(command, "commands", {}))


def test_the_console_script_runs_a_command_and_maps_its_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "complaintctl", "--db", str(tmp_path / "none.db"), "list"],
        capture_output=True, text=True, timeout=60,
        env={"COMPLAINTCTL_LANG": "en", "PATH": "", "HOME": str(tmp_path)},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: No complaint database at")
    assert "Traceback" not in result.stderr


CONSOLE_PROBE = r"""
import json, sys
sys.argv = ["complaintctl", "--help"]
from complaintctl.cli import main
try:
    main()
except SystemExit:
    pass
heavy = {"sqlalchemy", "sqlmodel", "alembic", "rich", "pydantic"}
ours = {"complaintctl.store.models", "complaintctl.store.db", "complaintctl.services", "complaintctl.present.render"}
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & heavy)
                 + sorted(m for m in sys.modules if m in ours)), file=sys.stderr)
"""


def test_the_console_scripts_help_loads_no_database_output_or_validation_library():
    """What users run (main: the lazy root, the garbage-collector settings) stays as light as
    the test above: no SQLAlchemy, SQLModel, Alembic, Rich, pydantic, nor our models, database,
    services or renderer."""
    result = subprocess.run([sys.executable, "-c", CONSOLE_PROBE], capture_output=True,
                            text=True, timeout=60, env={"COMPLAINTCTL_LANG": "en", "PATH": ""})
    assert result.stdout.startswith("Usage: complaintctl [OPTIONS] COMMAND [ARGS]...")
    assert json.loads(result.stderr.strip().splitlines()[-1]) == []


SHOW_PROBE = r"""
import json, sys
url, number = sys.argv[1:3]
sys.argv = ["complaintctl", "--db", url, "--as", "admin", "show", number]
from complaintctl.cli import main
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
print(json.dumps(sorted(m for m in sys.modules
                        if m.split(".")[0] == "alembic" or m == "complaintctl.store.models_ext")),
      file=sys.stderr)
"""


def test_show_loads_no_alembic_and_builds_none_of_the_tables_it_does_not_read(cli):
    """`show` is timed against `import sqlmodel` (benchmarks/startup.py, target <= 1.3): the
    schema version is read with plain SQL (no Alembic), and the tables of ``models_ext`` (the
    emergency plan, root causes, notifications, staff conflicts) are not built."""
    number = cli("register", "--channel", "phone", "--customer", "Wang Fang",
                 "--summary", "Card fee").stdout.strip()
    cli.database.close()
    result = subprocess.run([sys.executable, "-c", SHOW_PROBE, cli.database.url, number],
                            capture_output=True, text=True, timeout=60,
                            env={"COMPLAINTCTL_LANG": "en", "PATH": "",
                                 "HOME": os.environ.get("HOME", "/tmp")})
    assert result.returncode == 0, result.stderr
    assert number in result.stdout and "Card fee" in result.stdout
    assert json.loads(result.stderr.strip().splitlines()[-1]) == []


def test_every_table_of_models_ext_is_found_through_models_and_load_all_registers_them():
    """``from complaintctl.store.models import Incident`` must keep working for every table moved
    to ``models_ext``; ``load_all`` is what migrate-to and the schema tests rely on."""
    code = r"""
import json
import os
from sqlmodel import SQLModel
import complaintctl.store.models as models
core = set(SQLModel.metadata.tables)
from complaintctl.store import models_ext
moved = {name for name, value in vars(models_ext).items()
         if getattr(value, "__module__", None) == models_ext.__name__
         and hasattr(value, "__table__")}
models.load_all()
print(json.dumps({"moved": sorted(moved), "later": sorted(models.LATER),
                  "same": all(getattr(models, n) is getattr(models_ext, n) for n in moved),
                  "core": len(core), "all": len(SQLModel.metadata.tables)}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={"PATH": ""})
    found = json.loads(done.stdout)
    assert found["moved"] == found["later"] and len(found["moved"]) == 15  # AccessCode: issue 19
    assert found["same"]
    assert found["all"] == found["core"] + 15 + 4  # and models_identity's four (issue 18)
