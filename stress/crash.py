"""Crash safety: writers killed with SIGKILL at random moments, the file checked after each kill.

Each round forks a writer that runs complaintctl commands in-process through the real CLI and
appends an acknowledgement line to a file after every command that exited 0. Half the rounds
the writer works complaints through their lifecycle (register, assign, contact, investigate,
evidence add, note, resolve, close, archive); the other half it imports a generated CFPB file
(``--import-rows`` rows, one batch). The parent kills it with SIGKILL at a random moment once it
is at work, then checks the file, as the next clerk's command would find it:

- ``PRAGMA integrity_check`` is ``ok`` (and ``db check`` passes: foreign keys too);
- no acknowledged change is lost: every acknowledged (number, action) is on the timeline as
  often as it was acknowledged, and every acknowledged import batch is stored with its count;
- no partially applied import batch: every batch holds exactly ``rows_imported`` complaints,
  each with its ``imported`` event (or its leaf in the batch's tree, issue 20), and has its
  ``import`` event; no complaint points to a
  batch that is not stored;
- no orphan: every event's complaint exists, every complaint has the event that created it,
  its status is the last status change on its timeline, and every evidence row's file is in
  the store;
- ``audit verify`` passes.

Prints kills and losses (both per kind); exits 1 unless every check held after every kill. The
database starts afresh every ``--fresh-every`` rounds, so ``audit verify`` stays quick.

    python stress/crash.py                     # 200 kills
    python stress/crash.py --kills 20 --seed 7 --import-rows 300
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import multiprocessing
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kit  # noqa: E402

LIFECYCLE = [
    ("register", "w00"), ("assign", "boss"), ("contact", "handler"), ("investigate", "handler"),
    ("evidence", "handler"), ("note", "handler"), ("resolve", "handler"), ("close", "handler"),
    ("archive", "boss"),
]


def _arguments(action: str, number: str, step: int, evidence: Path) -> list[str]:
    return {
        "register": ["register", "--channel", "phone", "--customer", f"客户 {step}",
                     "--phone", "13812345678", "--summary", f"crash round {step}"],
        "assign": ["assign", number, "--to", "handler"],
        "contact": ["contact", number, "--via", "phone", "--summary", "acknowledged"],
        "investigate": ["investigate", number],
        "evidence": ["evidence", "add", number, str(evidence), "--description", "statement"],
        "note": ["note", number, f"note {step}"],
        "resolve": ["resolve", number, "--outcome", "not_upheld", "--findings", "no fault",
                    "--reasons", "no fault found", "--basis", "the account terms",
                    "--remedy", "explanation", "--notified-via", "phone", "--proof", "CALL-1"],
        "close": ["close", number, "--satisfaction", "4"],
        "archive": ["archive", number],
    }[action]


def child(url: str, acks: str, kind: str, job: dict, ready) -> None:
    """The writer: runs commands until killed, acknowledging each exit 0 with one line."""
    fd = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def ack(**line) -> None:
        os.write(fd, (json.dumps(line) + "\n").encode())

    cli = kit.Cli(url)
    if kind == "import":
        ready.set()
        done = cli("import", job["file"], "--format", "cfpb", "--json")
        if done.exit_code == 0:
            summary = json.loads(done.stdout)
            ack(batch=summary["batch"], imported=summary["imported"])
        else:
            ack(error=done.stderr.strip()[-300:], exit=done.exit_code)
        os._exit(0)
    rng = random.Random(job["seed"])
    evidence = Path(job["dir"]) / f"statement-{job['seed']}.txt"
    ready.set()
    number, step = None, 0
    while True:
        for action, actor in LIFECYCLE:
            step += 1
            if action == "evidence":  # new content each time: a new file in the store
                evidence.write_text(f"statement {job['seed']} {step} {rng.random()}")
            done = cli(*_arguments(action, number, step, evidence), as_=actor)
            if done.exit_code != 0:
                ack(error=done.stderr.strip()[-300:], exit=done.exit_code, action=action)
                os._exit(1)
            if action == "register":
                number = done.stdout.strip()
            ack(number=number, action=action)


def import_file(directory: Path, rows: int, offset: int, seed: int) -> Path:
    """A generated CFPB file whose Complaint IDs start at ``offset`` (each file new rows)."""
    from import_bench import generate

    raw = directory / "generated.csv"
    generate(raw, rows, seed=seed)
    path = directory / f"import-{offset}.csv"
    with open(raw, encoding="utf-8", newline="") as src, \
            open(path, "w", encoding="utf-8", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\r\n")
        writer.writerow(next(reader))
        for k, row in enumerate(reader):
            row[-1] = str(offset + k)
            writer.writerow(row)
    raw.unlink()
    return path


def problems(url: str, acked: list[dict]) -> dict[str, list[str]]:
    """What is wrong with the file after a kill, by check (empty lists when all is well)."""
    from complaintctl.store.db import sqlite_path

    path = sqlite_path(url)
    found: dict[str, list[str]] = collections.defaultdict(list)
    conn = sqlite3.connect(str(path))
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            found["integrity"] += integrity[:5]
            return found
        timeline = collections.Counter(conn.execute(
            "SELECT number, action FROM event WHERE kind = 'change'").fetchall())
        wanted = collections.Counter((a["number"], a["action"]) for a in acked if "action" in a
                                     and "error" not in a)
        for key, times in wanted.items():
            if timeline[key] < times:
                found["lost"].append(f"{key[0]} {key[1]}: acknowledged {times}, stored "
                                     f"{timeline[key]}")
        batches = {b: (n, undone) for b, n, undone in conn.execute(
            "SELECT id, rows_imported, undone_at FROM import_batch")}
        for ack in acked:
            if "batch" in ack and batches.get(ack["batch"], (None,))[0] != ack["imported"]:
                found["lost"].append(f"import batch {ack['batch']}: acknowledged "
                                     f"{ack['imported']} rows, stored {batches.get(ack['batch'])}")
        held = dict(conn.execute("SELECT import_batch_id, COUNT(*) FROM complaint WHERE "
                                 "import_batch_id IS NOT NULL GROUP BY import_batch_id"))
        evented = dict(conn.execute(  # its imported event, or (issue 20) its batch's leaf
            "SELECT c.import_batch_id, COUNT(*) FROM complaint c WHERE c.import_batch_id IS "
            "NOT NULL AND (EXISTS (SELECT 1 FROM event e WHERE e.complaint_id = c.id AND "
            "e.action = 'imported') OR EXISTS (SELECT 1 FROM import_leaf l WHERE l.number = "
            "c.number AND l.batch_id = c.import_batch_id)) GROUP BY c.import_batch_id"))
        logged = collections.Counter(r[0] for r in conn.execute(
            "SELECT json_extract(details, '$.batch') FROM event WHERE kind = 'admin' AND "
            "action = 'import'"))
        for batch, (count, undone) in batches.items():
            expected = 0 if undone else count
            if held.get(batch, 0) != expected or evented.get(batch, 0) != expected:
                found["partial batch"].append(
                    f"batch {batch}: {count} imported, {held.get(batch, 0)} stored, "
                    f"{evented.get(batch, 0)} with their event")
            if logged[batch] != 1:
                found["partial batch"].append(f"batch {batch}: {logged[batch]} import events")
        for batch in set(held) - set(batches):
            found["partial batch"].append(f"{held[batch]} complaints of batch {batch}, which "
                                          "is not stored")
        found["orphan"] += [f"event {seq} of complaint id {cid}" for seq, cid in conn.execute(
            "SELECT seq, complaint_id FROM event WHERE complaint_id IS NOT NULL AND "
            "complaint_id NOT IN (SELECT id FROM complaint)")]
        found["orphan"] += [f"event {seq} of {n}" for seq, n in conn.execute(
            "SELECT seq, number FROM event WHERE kind = 'change' AND number IS NOT NULL AND "
            "number NOT IN (SELECT number FROM complaint)")]
        found["orphan"] += [f"leaf {at} of batch {b} ({n}) has no complaint" for b, at, n in
                            conn.execute(
            "SELECT l.batch_id, l.position, l.number FROM import_leaf l JOIN import_batch b ON "
            "b.id = l.batch_id WHERE b.undone_at IS NULL AND l.number NOT IN (SELECT number "
            "FROM complaint)")]
        found["orphan"] += [f"{n} has no register/imported event" for (n,) in conn.execute(
            "SELECT number FROM complaint c WHERE NOT EXISTS (SELECT 1 FROM event e WHERE "
            "e.complaint_id = c.id AND e.action IN ('register', 'imported')) AND NOT EXISTS "
            "(SELECT 1 FROM import_leaf l WHERE l.number = c.number)")]
        found["orphan"] += [f"{n} is {status} but its timeline says {last}" for n, status, last
                            in conn.execute(
            "SELECT c.number, c.status, (SELECT e.to_status FROM event e WHERE e.complaint_id = "
            "c.id AND e.to_status IS NOT NULL ORDER BY e.seq DESC LIMIT 1) AS last FROM "
            "complaint c") if last is not None and last != status]
        store = path.with_name(path.name + ".evidence")
        found["orphan"] += [f"evidence {sha[:12]} has no file" for (sha,) in conn.execute(
            "SELECT sha256 FROM evidence") if not (store / sha[:2] / sha).is_file()]
    finally:
        conn.close()
    checked = kit.verified(url)
    if not checked["db_check_ok"]:
        found["db check"].append(checked["db_check"])
    if not checked["audit_ok"]:
        found["audit verify"].append(checked["audit_verify"])
    return {k: v for k, v in found.items() if v}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--import-rows", type=int, default=1500)
    p.add_argument("--window", type=float, default=2.5,
                   help="the kill comes 0..WINDOW seconds after the writer starts work")
    p.add_argument("--fresh-every", type=int, default=50)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    context = multiprocessing.get_context("fork")  # the writer starts at once, ready to work
    tally = {kind: {"kills": 0, "acknowledged": 0, "losses": 0, "exited_before_kill": 0}
             for kind in ("lifecycle", "import")}
    failures: list[dict] = []
    began = time.time()
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        root = Path(tmp)
        url = None
        for round_ in range(args.kills):
            if round_ % args.fresh_every == 0:
                directory = root / f"db-{round_}"
                directory.mkdir()
                url = kit.seed(directory / "complaints.db", clerks=1)
                acked: list[dict] = []
            kind = "import" if rng.random() < 0.5 else "lifecycle"
            job = {"seed": args.seed * 100_000 + round_, "dir": str(directory)}
            if kind == "import":
                job["file"] = str(import_file(directory, args.import_rows,
                                              10_000_000 + round_ * args.import_rows,
                                              seed=round_))
            acks = directory / f"acks-{round_}.jsonl"
            ready = context.Event()
            writer = context.Process(target=child, args=(url, str(acks), kind, job, ready))
            writer.start()
            ready.wait(60)
            time.sleep(rng.uniform(0, args.window))
            exited = not writer.is_alive()
            writer.kill()
            writer.join()
            lines = [json.loads(x) for x in acks.read_text().splitlines()] if acks.exists() else []
            acked += lines
            tally[kind]["kills"] += 1
            tally[kind]["exited_before_kill"] += exited
            tally[kind]["acknowledged"] += sum("error" not in x for x in lines)
            errors = [x for x in lines if "error" in x]
            found = problems(url, acked)
            if errors:
                found["command failed"] = [json.dumps(e, ensure_ascii=False) for e in errors]
            if found:
                tally[kind]["losses"] += 1
                failures.append({"round": round_, "kind": kind, **found})
                if not args.json:
                    print(f"round {round_} ({kind}): {json.dumps(found, ensure_ascii=False)}",
                          flush=True)
            if kind == "import":
                Path(job["file"]).unlink()
    kills = sum(t["kills"] for t in tally.values())
    losses = sum(t["losses"] for t in tally.values())
    summary = {"kills": kills, "rounds_with_a_loss": losses, "by_kind": tally,
               "seconds": round(time.time() - began, 1), "failures": failures[:10]}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for kind, t in tally.items():
            print(f"{kind}: {t['kills']} kills ({t['exited_before_kill']} had finished), "
                  f"{t['acknowledged']} acknowledged commands, {t['losses']} rounds with a loss")
        print(f"kills: {kills}, losses: {losses} ({summary['seconds']} s; integrity_check, "
              "acknowledged changes, import batches, orphans, db check and audit verify after "
              "every kill)")
    return summary


if __name__ == "__main__":
    sys.exit(0 if main()["rounds_with_a_loss"] == 0 else 1)
