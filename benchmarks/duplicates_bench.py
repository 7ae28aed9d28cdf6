"""Repeat detection measured (issue 21): precision and recall at the default threshold on a
labelled set, and the per-registration cost of the check at a large database.

Quality. Pairs (new, earlier) of one customer, labelled duplicate or not:
- from the real CFPB narratives in ../shared/data/cfpb (read, never copied): each narrative
  against a near-duplicate made by rewording (synonyms, sentence order), by typos (3 % of the
  letters swapped, dropped or doubled) or by cutting it to its first two thirds, and against
  another narrative of the same customer (a true non-duplicate: a third of them of the same
  product and issue, a third of the same product, a third of any);
- from Chinese complaints written here (``CHINESE``): each against its own rewording, typo,
  full-width and traditional variants, and against the same customer's other matters.
Each pair is scored by ``domain.repeats.score`` with the identity key it shares; a duplicate
is predicted at ``repeats.DEFAULT_THRESHOLD``.

Cost. A SQLite database of ``--rows`` complaints (default 100,000; report_bench's builder)
whose customers have about three complaints each (phones and identity keys), then the same
``--registrations`` registrations (``registration.register``) timed with the check and with
the check replaced by keeping the keys alone (the baseline), in the same run.

    python benchmarks/duplicates_bench.py                       # 100,000 complaints
    python benchmarks/duplicates_bench.py --rows 1000000 --db /tmp/dup.db --keep
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from datetime import UTC
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

CFPB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cfpb"
SYNONYMS = {"bank": "lender", "account": "acct", "credit": "credit", "report": "file",
            "payment": "installment", "company": "business", "called": "phoned",
            "letter": "notice", "debt": "balance", "told": "informed", "received": "got",
            "never": "not ever", "because": "since", "would": "will", "they": "the company",
            "my": "the", "card": "credit card", "loan": "mortgage loan", "asked": "requested"}

#: (product, issue, complaint, rewording) written for the tests; the variants are made below
CHINESE = [
    ("credit_card", "fee", "信用卡年费被重复扣收两次，客服说会退还但一直没有退",
     "我的信用卡年费扣了两次，客服答应退款到现在也没退"),
    ("credit_card", "fraud", "信用卡在境外被盗刷三笔共计五千元，本人从未出境",
     "本人没有出过国，信用卡却在国外被刷了三次，一共五千元"),
    ("mortgage", "prepayment", "提前还房贷被收取高额违约金，合同里没有写明",
     "房贷提前还款时银行收了很高的违约金，签合同时没说过"),
    ("deposit", "service", "网点柜员态度恶劣，办理存款业务排队两个小时",
     "去网点存款排了两个小时队，柜员态度还很差"),
    ("wealth", "mis_selling", "理财经理推销高风险基金时说保本，结果亏损百分之三十",
     "理财经理说这个基金保本我才买的，现在亏了三成"),
    ("debit_card", "frozen", "借记卡无故被冻结，无法取出工资，网点不给解释",
     "我的借记卡突然冻结了，工资取不出来，去网点也没人解释"),
    ("loan", "collection", "贷款逾期后催收人员每天打电话骚扰我的家人和同事",
     "逾期以后催收天天给我家人同事打电话骚扰"),
    ("mobile_banking", "transfer", "手机银行转账显示成功但对方一直没有收到款项",
     "用手机银行转的钱显示成功了，可是收款人到现在没收到"),
    ("insurance", "mis_selling", "在银行存钱被误导购买了分红保险，退保损失很大",
     "本来去银行存钱，却被引导买了分红险，现在退保要亏很多"),
    ("credit_card", "limit", "信用卡额度被无故降低，影响了正常消费，银行没有通知",
     "银行没通知就把我的信用卡额度降了，平时刷卡都受影响"),
    ("deposit", "interest", "定期存款到期后利息计算错误，少算了两百多元",
     "定期存款到期，利息算错了，少给了我两百多块"),
    ("mortgage", "rate", "房贷利率调整后月供没有按约定下调，多扣了三个月",
     "利率下调了但我的房贷月供没降，已经多扣三个月"),
]


# --- variants ----------------------------------------------------------------------------------


def typos(text: str, rng: random.Random, rate: float = 0.03) -> str:
    out = []
    for ch in text:
        r = rng.random()
        if ch.isalpha() and r < rate / 3:
            continue
        out.append(ch)
        if ch.isalpha() and r < rate * 2 / 3:
            out.append(ch)
    if len(out) > 3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return "".join(out)


def reword(text: str, rng: random.Random) -> str:
    words = [SYNONYMS.get(w.lower(), w) if rng.random() < 0.7 else w for w in text.split()]
    sentences = " ".join(words).split(". ")
    if len(sentences) > 2:
        i = rng.randrange(len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    return ". ".join(sentences)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def traditional(text: str) -> str:
    from complaintctl.domain.repeats import _TRADITIONAL

    back = {v: k for k, v in _TRADITIONAL.items() if k != v}
    return text.translate(back)


def cfpb_records(limit: int) -> list[tuple[str, str, str]]:
    path = CFPB / "complaints_2019_sample.csv"
    with path.open(encoding="utf-8", newline="") as f:
        next(f), next(f)  # the unzip lines before the header
        rows = [(r["Product"], r["Issue"], " ".join(r["Consumer complaint narrative"].split()))
                for r in csv.DictReader(f) if len(r["Consumer complaint narrative"]) > 200]
    return rows[:limit]


def labelled(rng: random.Random, limit: int):
    """(new Matter, earlier Matter, duplicate?) pairs."""
    from complaintctl.domain.repeats import Matter

    pairs = []
    records = cfpb_records(limit)
    for i, (product, issue, text) in enumerate(records):
        summary, body = text[:120], text
        variant = [reword(body, rng), typos(body, rng), body[: len(body) * 2 // 3]][i % 3]
        pairs.append((Matter(product, issue, variant[:120], variant),
                      Matter(product, issue, summary, body), True))
        same = [r for r in records if r[0] == product and r[2] != text]
        closest = [r for r in same if r[1] == issue]
        other = (rng.choice(closest) if (i % 3 == 0 and closest)
                 else rng.choice(same) if (i % 3 == 1 and same) else rng.choice(records))
        if other[2] != text:
            pairs.append((Matter(other[0], other[1], other[2][:120], other[2]),
                          Matter(product, issue, summary, body), False))
    for j, (product, issue, text, rewording) in enumerate(CHINESE):
        earlier = Matter(product, issue, text)
        for variant in (rewording, typos(text, rng, 0.08), full_width(text + "，金额5000元"),
                        traditional(text), traditional(full_width(rewording))):
            pairs.append((Matter(product, issue, variant), earlier, True))
        for k, (p2, i2, t2, _r) in enumerate(CHINESE):
            if k != j and ((k - j) % 4 == 1 or p2 == product):
                pairs.append((Matter(p2, i2, t2), earlier, False))
    return pairs


def quality(rng: random.Random, limit: int) -> None:
    from complaintctl.domain import repeats

    pairs = labelled(rng, limit)
    tp = fp = fn = tn = 0
    for new, old, dup in pairs:
        predicted = repeats.score(new, old, ["phone"]).score >= repeats.DEFAULT_THRESHOLD
        tp += predicted and dup
        fp += predicted and not dup
        fn += dup and not predicted
        tn += not dup and not predicted
    precision = tp / ((tp + fp) or 1)
    recall = tp / ((tp + fn) or 1)
    print(f"labelled pairs: {len(pairs)} ({tp + fn} duplicates, {fp + tn} not; CFPB "
          f"narratives and {len(CHINESE)} Chinese complaints with variants)")
    print(f"threshold {repeats.DEFAULT_THRESHOLD}: precision {precision:.3f}, recall "
          f"{recall:.3f} (tp {tp}, fp {fp}, fn {fn}, tn {tn}); target both >= 0.9")


# --- cost ----------------------------------------------------------------------------------------


def add_customers(path: Path) -> None:
    """Phones for the built complaints (about three complaints a customer) and their keys."""
    from complaintctl.domain import repeats

    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA synchronous = OFF")
    ids = [r[0] for r in conn.execute("SELECT id FROM complaint")]
    phones = [(f"139{i // 3:08d}", i) for i in ids]
    conn.executemany("UPDATE complaint SET customer_phone = ? WHERE id = ?", phones)
    conn.executemany("INSERT INTO complaint_identity_key (complaint_id, digest, kind) "
                     "VALUES (?, ?, 'phone')",
                     [(i, repeats.digest(repeats.KeyKind.phone, p)) for p, i in phones])
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def registrations(path: Path, count: int, *, check: bool, rng: random.Random) -> list[float]:
    from complaintctl.domain.enums import Channel, Role
    from complaintctl.services import bootstrap
    from complaintctl.services.complaints import registration, repeats
    from complaintctl.services.core.context import Actor
    from complaintctl.store.db import Database, resolve_url

    bootstrap.start()
    db = Database(resolve_url(str(path)))
    original, inner = repeats.candidates, registration._repeats
    if not check:
        repeats.candidates = lambda *a, **k: []
    times, spent = [], []

    def timed(*args, **kwargs):  # the check's own share of the registration
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)

    registration._repeats = timed
    try:
        with db.session() as session:
            actor = Actor("sup", Role.supervisor, "BR01")
            for n in range(count):
                new = registration.NewComplaint(
                    channel=Channel.phone, customer="Bench", branch="BR01",
                    phone=f"139{rng.randrange(1, 30_000):08d}", product=f"bench-{n % 97}",
                    summary=f"Card charged twice for the same purchase {n}")
                t0 = time.perf_counter()
                registration.register(session=session, actor=actor, new=new)
                times.append(time.perf_counter() - t0)
    finally:
        repeats.candidates, registration._repeats = original, inner
        db.engine.dispose()
    return times, spent


def check_alone(path: Path, count: int, rng: random.Random) -> list[float]:
    """The check by itself: ``repeats.candidates`` for a customer of the database."""
    from datetime import datetime

    from complaintctl.domain import repeats as domain
    from complaintctl.services.complaints import repeats
    from complaintctl.store.db import Database, resolve_url

    db = Database(resolve_url(str(path)))
    times = []
    with db.session() as session:
        settings = repeats.Settings.of(session)
        at = datetime.now(UTC)
        for _n in range(count):
            keys = domain.identity_keys(phone=f"139{rng.randrange(1, 30_000):08d}")
            matter = domain.Matter("P01", None, "Card charged twice for the same purchase")
            t0 = time.perf_counter()
            repeats.candidates(session, keys=keys, matter=matter, at=at, settings=settings)
            times.append(time.perf_counter() - t0)
    db.engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=600, help="CFPB narratives used")
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep (or reuse) --db")
    parser.add_argument("--quality-only", action="store_true")
    args = parser.parse_args()
    rng = random.Random(21)
    quality(rng, args.pairs)
    if args.quality_only:
        return
    path = args.db or Path(tempfile.mkdtemp()) / "dup-bench.db"
    if not (args.keep and path.exists()):
        from report_bench import build
        from tui_bench import staff

        t0 = time.perf_counter()
        build(path, args.rows)
        staff(path)
        add_customers(path)
        print(f"built {args.rows:,} complaints in {time.perf_counter() - t0:.1f} s ({path})")
    check_alone(path, 50, rng)  # warm the page cache
    alone = check_alone(path, args.registrations, rng)
    base, with_check, keys_only, check_in = [], [], [], []
    # a product of its own for most registrations: the emergency plan's detection (same
    # product within 24 h) would otherwise grow with every registration of the run
    for _round in range(4):  # interleaved, so neither side gets the warmer cache
        t, s = registrations(path, args.registrations // 4, check=False, rng=rng)
        base += t
        keys_only += s
        t, s = registrations(path, args.registrations // 4, check=True, rng=rng)
        with_check += t
        check_in += s
    b, w, a = (statistics.median(t) * 1000 for t in (base, with_check, alone))
    k, c = (statistics.median(t) * 1000 for t in (keys_only, check_in))
    print(f"the check alone (repeats.candidates), {len(alone)} customers: median {a:.2f} ms, "
          f"p95 {sorted(alone)[int(len(alone) * 0.95)] * 1000:.2f} ms; target < 20 ms")
    print(f"inside register: the check and keeping the keys median {c:.2f} ms, keeping the "
          f"keys alone {k:.2f} ms: the check costs {c - k:.2f} ms")
    print(f"register without the check (baseline): median {b:.2f} ms; with it: {w:.2f} ms; "
          f"{w / b:.2f}x the baseline ({len(base)} registrations each; most of a registration "
          "is the emergency plan's detection, so the ratio moves with the load)")
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    unicodedata.normalize("NFKC", "")
    main()
