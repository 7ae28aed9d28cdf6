"""The retry policy for deadlocks and serialization failures (no database needed)."""

import random

from complaintctl.infra import retry


class FakeDriverError(Exception):
    def __init__(self, sqlstate):
        super().__init__("x")
        self.sqlstate = sqlstate


class FakeWrapped(Exception):
    def __init__(self, orig):
        super().__init__("wrapped")
        self.orig = orig


def test_deadlocks_and_serialization_failures_are_retryable_and_nothing_else_is():
    assert retry.is_retryable(FakeWrapped(FakeDriverError("40P01")))
    assert retry.is_retryable(FakeWrapped(FakeDriverError("40001")))
    assert not retry.is_retryable(FakeWrapped(FakeDriverError("23505")))  # unique violation
    assert not retry.is_retryable(ValueError("no sqlstate"))


def test_a_retryable_error_is_found_behind_another_exception_that_wraps_it():
    try:
        try:
            raise FakeWrapped(FakeDriverError("40P01"))
        except FakeWrapped as inner:
            raise RuntimeError("while saving") from inner
    except RuntimeError as outer:
        assert retry.sqlstate(outer) == "40P01"


def test_the_backoff_is_jittered_below_a_cap_that_doubles_up_to_one_second():
    rng = random.Random(7)
    for attempt, cap in [(1, 0.02), (2, 0.04), (3, 0.08), (6, 0.64), (7, 1.0), (30, 1.0)]:
        delays = [retry.delay(attempt, rng) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8 and min(delays) < cap * 0.2  # spread: jitter


def test_the_number_of_attempts_comes_from_the_environment_with_a_sane_default(monkeypatch):
    monkeypatch.delenv("COMPLAINTCTL_DB_ATTEMPTS", raising=False)
    assert retry.attempts() == 8
    monkeypatch.setenv("COMPLAINTCTL_DB_ATTEMPTS", "3")
    assert retry.attempts() == 3
    monkeypatch.setenv("COMPLAINTCTL_DB_ATTEMPTS", "0")
    assert retry.attempts() == 1
    monkeypatch.setenv("COMPLAINTCTL_DB_ATTEMPTS", "many")
    assert retry.attempts() == 8
