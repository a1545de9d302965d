"""The linkage core without Django (records.matching): what the app and bench/linkage.py share."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from diversion.records import matching


def test_shared_values_are_never_used_to_link():
    index = matching.unique_index([(1, "a"), (2, "b"), (3, "b"), (4, ""), (5, "b")])
    assert index == {"a": 1}


def test_exact_keys_pnc_first_then_force_reference():
    links, rest = matching.deterministic(
        [(10, "p1", "r2"), (11, "", "r2"), (12, "p9", ""), (13, "", "")],
        {"p1": 1}, {"r2": 2})
    assert links == [(10, 1, "pnc"), (11, 2, "force_reference")]
    assert rest == [12, 13]


def test_cleaning_and_what_can_be_scored():
    assert matching.clean(" Smith ") == "smith"
    assert matching.clean(date(1985, 3, 2)) == "1985-03-02"
    assert matching.clean("") is None
    assert matching.is_comparable("sam", "smith", None)  # no date of birth: names still score
    assert matching.is_comparable(None, "smith", "1985-03-02")
    assert not matching.is_comparable("sam", None, "1985-03-02")
    assert not matching.is_comparable(None, "smith", None)


def test_training_sample_is_even_and_bounded():
    table = {"unique_id": list(range(10)), "given_name": list("abcdefghij")}
    assert matching.sample(table, 4)["unique_id"] == [0, 3, 6, 9]
    assert matching.sample(table, 20) is table


def test_the_core_imports_no_django():
    code = ("import sys; import diversion.records.matching as m; m.settings(); "
            "assert not any(n == 'django' or n.startswith('django.') for n in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
