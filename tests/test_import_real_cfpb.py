"""The four real CFPB exports in ../shared/data/cfpb: every record accounted for, counted
against a plain ``csv`` count of the file. Skipped when ../shared is absent."""

from __future__ import annotations

import pytest
from conftest import CFPB_DIR
from importing import chain_ok, plain_csv_records, run_import

FILES = {
    "complaints_2019_sample.csv": 2,  # junk lines before the header
    "complaints_2019_resaved.csv": 0,
    "complaints_2013_snake_case.csv": 0,
    "complaints_subset_5col.csv": 0,
}

pytestmark = pytest.mark.skipif(not CFPB_DIR.is_dir(), reason="../shared/data/cfpb is absent")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FILES))
def test_each_real_file_imports_with_every_record_counted(cli, name):
    path = CFPB_DIR / name
    expected = plain_csv_records(path, skip_lines=FILES[name])
    run, summary = run_import(cli, path, "--max-errors", "0")
    assert run.exit_code == 0, run.stderr
    assert summary["junk_lines"] == FILES[name]
    assert summary["read"] == expected
    assert summary["rejected"] == 0, summary["errors"]
    assert summary["imported"] + summary["skipped"] == expected
    assert summary["keyed"] is (name != "complaints_subset_5col.csv")
    assert chain_ok(cli.database)


@pytest.mark.slow
def test_the_sample_and_its_resaved_copy_are_the_same_complaints(cli):
    run, first = run_import(cli, CFPB_DIR / "complaints_2019_sample.csv")
    run, second = run_import(cli, CFPB_DIR / "complaints_2019_resaved.csv")
    assert first["imported"] == 6623
    assert (second["imported"], second["skipped"]) == (0, 6623)
