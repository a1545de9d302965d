"""The pseudonyms are stored and compared across runs: the values must never change. The
expected values were computed with the derivations as they stood before the helper was shared."""

from datetime import date

import pytest

from diversion.core.pseudonyms import pseudonym, value_token
from diversion.evaluation import cohort

KEY = "test-secret-key-for-pseudonyms-" + "k" * 30


@pytest.fixture(autouse=True)
def _fixed_key(settings):
    settings.SECRET_KEY = KEY


@pytest.mark.parametrize(("person_id", "expected"), [
    (1, "e740478a639aa30f"), (42, "d2970933ac23e06b"), (123456, "fd5c7d507b9956a1")])
def test_evaluation_person_pseudonym_is_unchanged(person_id, expected):
    assert cohort.pseudonym(person_id) == expected
    assert pseudonym(str(person_id), length=16, key_prefix="evaluation-pseudonym:") == expected


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("given_name", "  Alice ", "IRTIPF"),
    ("given_name", "alice", "IRTIPF"),
    ("date_of_birth", date(1990, 2, 28), "IP5N7M"),
    ("pnc_id", "2001/0012345X", "D6QEIT"),
    ("sex", None, "missing"),
    ("sex", "", "missing"),
])
def test_record_value_token_is_unchanged(field, value, expected):
    assert value_token(field, value) == expected


def test_the_key_matters(settings):
    before = value_token("given_name", "alice"), cohort.pseudonym(1)
    settings.SECRET_KEY = KEY + "-other"
    assert (value_token("given_name", "alice"), cohort.pseudonym(1)) != before
