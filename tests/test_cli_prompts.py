"""Prompts that forgive (issue 22), on a real terminal (``script`` gives the command a pty): a
bad channel is asked for again with the choices in the user's language, Chinese labels and
codes are both taken, and after three bad tries the command exits 2 having saved nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
from sqlmodel import func, select

from complaintctl.cli.prompts import match
from complaintctl.domain.enums import Channel
from complaintctl.i18n import set_language
from complaintctl.store.models import Complaint

EXE = os.path.join(os.path.dirname(sys.executable), "complaintctl")
needs_script = pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script")


def on_a_terminal(database, *args: str, typed: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COMPLAINTCTL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    command = " ".join([EXE, "--db", f"'{database.url}'", "--as", "clerk", *args])
    done = subprocess.run(["script", "-qec", command, "/dev/null"], input=typed,
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    done.stdout = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", done.stdout)
    return done


def count(database) -> int:
    with database.session() as session:
        return session.exec(select(func.count()).select_from(Complaint)).one()


def test_a_choice_is_taken_by_code_label_or_a_prefix_in_the_language():
    options = list(Channel)
    assert match("counter", options) is Channel.counter
    assert match(" Counter ", options) is Channel.counter
    assert match("coun", options) is Channel.counter
    assert match("o", options) is None  # online or other: not one choice
    assert match("cuonter", options) is None
    set_language("zh")
    try:
        assert match("柜面", options) is Channel.counter
        assert match("电话", options) is Channel.phone
        assert match("counter", options) is Channel.counter
    finally:
        set_language("en")


@needs_script
def test_a_typo_is_asked_again_and_the_registration_goes_through(seeded):
    run = on_a_terminal(seeded, "register", typed="cuonter\ncounter\n张三\n年费重复扣收\n")
    assert run.returncode == 0, run.stdout
    assert ("'cuonter' is not one of the choices; did you mean counter? Try again (2 left)."
            in run.stdout)
    assert "Channel (counter/phone/email/online/" in run.stdout
    assert count(seeded) == 1


@needs_script
def test_chinese_prompts_list_the_chinese_labels_and_take_them(seeded):
    run = on_a_terminal(seeded, "--lang", "zh", "register", typed="柜台\n柜面\n张三\n年费\n")
    assert run.returncode == 0, run.stdout
    assert "渠道（柜面（counter）、电话（phone）" in run.stdout
    assert "'柜台' 不在可选范围内；请重新输入（还可尝试 2 次）。" in run.stdout
    with seeded.session() as session:
        assert session.exec(select(Complaint.channel)).one() == "counter"


@needs_script
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_three_bad_tries_exit_2_and_save_nothing(seeded, lang):
    run = on_a_terminal(seeded, "--lang", lang, "register", typed="x\ny\nz\n")
    assert run.returncode == 2
    assert {"en": "Error: No valid --channel after 3 tries; nothing was saved.",
            "zh": "错误：尝试 3 次后仍未给出有效的 --channel；未保存任何内容。"}[lang] in run.stdout
    assert count(seeded) == 0


def test_without_a_terminal_a_missing_value_is_refused_at_once(cli):
    run = cli("register", "--customer", "张三", "--summary", "年费", input="counter\n")
    assert run.exit_code == 2
    assert run.stderr == "Error: Missing --channel; pass it (no prompt without a terminal).\n"
