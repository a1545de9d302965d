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


def _people_and_extract(count: int, seed: int, transposed: bool = True):
    """`count` people and an extract of one row each (a tenth of them strangers, a tenth with
    a typo in the family name, a twentieth without a date of birth, a few with day and month
    transposed), as rows of COMPARED values."""
    import random
    from datetime import timedelta

    from tests.records.helpers import DISTRICTS, FAMILY, GIVEN

    rng = random.Random(seed)

    def someone() -> list:
        born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000))
        return [rng.choice(GIVEN).lower(), rng.choice(FAMILY).lower(), born.isoformat(),
                rng.choice("mf"), rng.choice(DISTRICTS).lower()]

    people = [someone() for _ in range(count)]
    extract = []
    for person in people:
        row = list(person) if rng.random() < 0.9 else someone()
        if rng.random() < 0.1:
            row[1] = row[1][:-1] + "x"
        if rng.random() < 0.05:
            row[2] = None
        elif rng.random() < 0.03 and transposed and int(row[2][8:]) <= 12:
            row[2] = f"{row[2][:4]}-{row[2][8:]}-{row[2][5:7]}"
        extract.append(row)
    return people, extract


def _table(rows: list[list], first_id: int = 0) -> dict[str, list]:
    table: dict[str, list] = {"unique_id": list(range(first_id, first_id + len(rows)))}
    for position, name in enumerate(matching.COMPARED):
        table[name] = [row[position] for row in rows]
    return table


def test_a_handful_of_rows_against_a_few_thousand_people_links_and_queues():
    """Issue 17: a routine import of a few rows, against a force's few thousand people.
    The model is trained on the force's whole extract; with this little data one EM step can
    underflow an m, which used to leave the model without the name comparisons it was blocked
    on (and before that failed with "math domain error"). The rows still link or queue."""
    people, extract = _people_and_extract(3000, seed=3)
    model, skipped = matching.train(_table(extract), _table(people))
    compared = {c["output_column_name"] for c in model["comparisons"]}
    assert compared == set(matching.COMPARED), skipped
    assert 0 < model["probability_two_random_records_match"] < 1
    for column in matching.COMPARED:  # each estimated by some EM step (unseen levels aside)
        assert matching._trained(model, column), (column, skipped)  # noqa: SLF001
    exact, no_date, stranger = people[5], people[9], ["zed", "quorn", "1999-01-01", "m", "so14"]
    transposed_of = next(i for i, p in enumerate(people[20:], start=20)
                         if int(p[2][8:]) <= 12 and p[2][5:7] != p[2][8:])
    year, month, day = people[transposed_of][2].split("-")
    transposed = [*people[transposed_of][:2], f"{year}-{day}-{month}",
                  *people[transposed_of][3:]]
    rows = [exact, [*no_date[:2], None, *no_date[3:]], transposed, stranger]
    pairs = {pair.record_id: pair for pair in matching.predict(
        model, _table(rows, first_id=100_000), _table(people))}
    assert pairs[100_000].person_id == 5
    assert pairs[100_000].probability >= matching.UPPER_THRESHOLD
    assert pairs[100_002].person_id == transposed_of
    assert pairs[100_002].probability >= matching.UPPER_THRESHOLD
    assert pairs[100_002].gammas["date_of_birth"] > 0
    labels = matching.level_labels(model)["date_of_birth"]
    assert labels[pairs[100_002].gammas["date_of_birth"]] == "Day and month transposed"
    # No date of birth and common names: the analysts' review, not an automatic link.
    assert pairs[100_001].person_id == 9
    assert matching.LOWER_THRESHOLD <= pairs[100_001].probability < matching.UPPER_THRESHOLD
    assert 100_003 not in pairs


def test_a_close_level_no_true_pair_showed_is_neutral_not_a_veto():
    """A small force whose extract had no date with day and month transposed: EM drives that
    level's m to about 0, which made such a row score as a certain non-match. It is neutral
    now, so the row (names, sex and district exact) still goes to review."""
    people, extract = _people_and_extract(3000, seed=3, transposed=False)
    model, _skipped = matching.train(_table(extract), _table(people))
    levels = {(comparison["output_column_name"], level.get("label_for_charts")): level
              for comparison in model["comparisons"] for level in comparison["comparison_levels"]}
    unseen = levels["date_of_birth", "Day and month transposed"]
    assert unseen["m_probability"] == unseen["u_probability"]
    # "All other comparisons" keeps its m: sex differing stays strong evidence against.
    assert levels["sex", "All other comparisons"]["m_probability"] < 1e-6
    of = next(i for i, p in enumerate(people[20:], start=20)
              if int(p[2][8:]) <= 12 and p[2][5:7] != p[2][8:])
    year, month, day = people[of][2].split("-")
    row = [*people[of][:2], f"{year}-{day}-{month}", *people[of][3:]]
    [pair] = matching.predict(model, _table([row], first_id=100_000), _table(people))
    assert pair.person_id == of and pair.probability >= matching.LOWER_THRESHOLD
