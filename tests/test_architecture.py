"""The layers of ARCHITECTURE.md hold, checked by import-linter with the contracts in
pyproject.toml, and the check is real: a deliberate bad import breaks it, naming the contract."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed "
                                "(pip install -e '.[test]' installs it)")


def _lint(src: Path, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(src), "PATH": "",
                                            "COLUMNS": "200", "LANG": "C.UTF-8",
                                            "NO_COLOR": "1"})
    done.stdout = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)  # some versions colour anyway
    return done


def test_every_import_contract_is_kept():
    done = _lint(ROOT / "src", ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout
    assert " broken." not in done.stdout.replace("0 broken.", "")


@pytest.mark.parametrize(("where", "line", "contract"), [
    ("domain/money.py", "from complaintctl.store import models", "The domain is pure"),
    ("services/core/kernel.py", "from complaintctl.services.complaints import decisions",
     "Capabilities build on the ones below them"),
    ("present/render.py", "from complaintctl.services.core import kernel",
     "Presentation turns results into output"),
    ("services/core/stored.py", "from complaintctl.services.core import context",
     "No import circles"),
    ("store/db.py", "def later():\n    from complaintctl.services.core import kernel",
     "Storage and infrastructure know nothing of the services above them"),
])
def test_a_deliberate_bad_import_breaks_its_contract(tmp_path, where, line, contract):
    """Even an import inside a function body breaks a contract (the last case)."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "complaintctl", copy / "complaintctl",
                    ignore=shutil.ignore_patterns("__pycache__", "locale", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = copy / "complaintctl" / where
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + line + "\n",
                      encoding="utf-8")
    done = _lint(copy, tmp_path)
    assert done.returncode != 0
    broken = [l for l in done.stdout.splitlines() if l.endswith("BROKEN")]
    assert any(l.startswith(contract) for l in broken), done.stdout
