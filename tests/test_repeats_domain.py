"""The repeat-detection rules, pure (issue 21; CBIRC Art 18): identity keys hashed from their
normalised forms, text folded across full-width, case and traditional characters, and a score
with its reasons."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from complaintctl.domain import repeats
from complaintctl.domain.repeats import Matter


def test_a_phone_in_any_format_has_one_hashed_key():
    forms = ["13812345678", "+86 138-1234-5678", "0086 138 1234 5678", "１３８１２３４５６７８"]
    digests = {next(iter(repeats.identity_keys(phone=f))) for f in forms}
    assert digests == {hashlib.sha256(b"phone:13812345678").hexdigest()[:32]}


def test_keys_of_different_kinds_never_collide_and_email_ignores_case():
    keys = repeats.identity_keys(account="6222021234567890", customer_id="6222021234567890",
                                 email="Zhang.Wei@Example.com")
    assert sorted(keys.values()) == ["account", "customer_id", "email"]
    assert repeats.identity_keys(email="zhang.wei@example.com").keys() <= keys.keys()


def test_an_id_number_is_compared_upper_case_and_nothing_is_kept_in_clear():
    lower, upper = (repeats.identity_keys(id_number=v) for v in ("11010519491231002x",
                                                                "11010519491231002X"))
    assert lower == upper
    assert all("11010519491231002" not in d for d in upper)


def test_full_width_case_and_traditional_characters_fold_to_one_text():
    assert repeats.fold("ＡＢＣ１２３ 銀行卡被盜刷，錢沒了！") == "abc123 银行卡被盗刷 钱没了"
    assert repeats.similarity("信用卡被盗刷5000元", "信用卡被盜刷５０００元") == 100


def test_the_score_says_why_and_counts_the_same_product_and_issue():
    match = repeats.score(Matter("card", "fee", "信用卡年费被重复扣收两次"),
                          Matter("card", "fee", "信用卡年费被重复扣收两次"), ["id_number"])
    assert match == repeats.Match(100, ("same ID number", "same product", "same issue",
                                        "summary 100 % similar"))
    assert repeats.reasons_text(match.reasons) == (
        "same ID number; same product; same issue; summary 100 % similar")


def test_another_product_lowers_the_score_below_the_threshold():
    text = "信用卡年费被重复扣收两次"
    assert repeats.score(Matter("mortgage", None, text), Matter("card", None, text),
                         ["phone"]).score == 75
    other = repeats.score(Matter("mortgage", None, "房贷利率调整没有通知我"),
                          Matter("card", None, text), ["phone"])
    assert other.score < repeats.DEFAULT_THRESHOLD


def test_english_rewording_stays_similar_and_another_matter_does_not():
    same = repeats.similarity("My card was charged twice for the same purchase",
                              "I was charged twice on my card for the same purchase")
    other = repeats.similarity("My card was charged twice for the same purchase",
                               "The bank closed my savings account without notice")
    assert same > 70 and other < 30


def dice(a: str, b: str) -> int:
    """The trigram Dice coefficient computed a second way, by counting."""
    def grams(t):
        t = f" {' '.join(t.casefold().split())} "
        return {t[i:i + 3] for i in range(len(t) - 2)}
    ga, gb = grams(a), grams(b)
    return round(200 * sum(1 for g in ga if g in gb) / (len(ga) + len(gb)))


def test_the_english_similarity_is_the_trigram_dice_coefficient():
    a, b = "fee charged twice", "fees charged twice again"
    assert repeats.similarity(a, b) == dice(a, b)


words = st.text(alphabet="abcdefgh 信用卡年费扣收銀行", min_size=1, max_size=40)


@given(words, words)
def test_similarity_is_symmetric_and_bounded(a, b):
    value = repeats.similarity(a, b)
    assert value == repeats.similarity(b, a)
    assert 0 <= value <= 100


@given(words)
def test_a_text_is_fully_similar_to_itself_and_folding_is_idempotent(a):
    assert repeats.fold(repeats.fold(a)) == repeats.fold(a)
    if repeats.fold(a):
        assert repeats.similarity(a, a) == 100
