"""Disclosure control on hand-built tables, including secondary suppression."""

from __future__ import annotations

import itertools

import pytest

from diversion.commissioning import disclosure
from diversion.commissioning.disclosure import protect


def hidden(table):
    return [[c.suppressed for c in row] for row in table.cells]


def lines_with_one_hidden(table):
    """Every row and column of the published grid (cells plus totals), as (hidden?) flags."""
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.total])
    rows = [[c.suppressed for c in row] for row in grid]
    cols = [list(col) for col in zip(*rows, strict=True)]
    return [line for line in rows + cols if sum(line) == 1]


def test_nothing_small_nothing_hidden():
    table = protect([[10, 20], [30, 40]])
    assert not table.any_suppressed
    assert [c.value for c in table.row_totals] == [30, 70]
    assert [c.value for c in table.column_totals] == [40, 60]
    assert table.total.value == 100


def test_small_cell_and_a_partner_in_row_and_column_are_hidden():
    table = protect([[3, 20, 30], [15, 12, 40], [25, 35, 45]])
    h = hidden(table)
    assert h[0][0] is True and table.cells[0][0].primary
    # Its row and its column each get a second hidden cell: the smallest other one.
    assert h[0][1] is True  # 20 is the smallest other cell in row 0
    assert h[1][0] is True  # 15 is the smallest other cell in column 0
    # ...and those create new single-hidden lines that are closed in turn.
    assert lines_with_one_hidden(table) == []
    assert not any(c.suppressed for c in table.row_totals)


def test_zero_is_not_small_and_is_shown():
    table = protect([[0, 12], [9, 7]])
    assert not table.any_suppressed


def test_threshold_is_configurable():
    counts = [[6, 12], [9, 7]]
    assert not protect(counts, threshold=5).any_suppressed
    assert protect(counts, threshold=7).cells[0][0].suppressed
    assert protect(counts, threshold=10).cells[0][0].suppressed


def test_default_threshold_is_five():
    assert disclosure.DEFAULT_THRESHOLD == 5
    assert protect([[4, 10], [10, 10]]).cells[0][0].suppressed
    assert not protect([[5, 10], [10, 10]]).cells[0][0].suppressed


def test_only_non_zero_cell_in_a_row_forces_its_total_to_be_hidden():
    # Row 0 is [3, 0]; hiding 3 alone would leave total 3 - 0 revealing it, and the only
    # other cell is a zero. The row total is hidden too (it is itself small).
    table = protect([[3, 0], [10, 12]])
    assert table.cells[0][0].suppressed
    assert table.row_totals[0].suppressed
    assert lines_with_one_hidden(table) == []


def test_single_column_table_hides_two_groups_not_one():
    # A one-column split (e.g. by sex) with its total: one small group means another goes too.
    table = protect([[2], [40], [30]])
    assert [c.suppressed for row in table.cells for c in row] == [True, False, True]
    assert not table.total.suppressed
    assert lines_with_one_hidden(table) == []


def test_small_total_is_itself_hidden():
    table = protect([[2], [1]])
    assert table.total.suppressed
    assert all(c.suppressed for row in table.cells for c in row)


def test_suppressed_cells_render_as_c_and_export_as_c():
    table = protect([[2], [40], [30]])
    assert table.cells[0][0].shown == "[c]"
    assert table.cells[0][0].export_value == "[c]"
    assert table.cells[1][0].shown == "40"


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_cell_can_be_recovered_from_one_line(seed):
    import random

    rng = random.Random(seed)
    rows, cols = rng.randint(1, 5), rng.randint(1, 5)
    counts = [[rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 40]) for _ in range(cols)]
              for _ in range(rows)]
    table = protect(counts)
    assert lines_with_one_hidden(table) == []
    # Every primary (small) cell is hidden, and nothing shown is small.
    for i, j in itertools.product(range(rows), range(cols)):
        cell = table.cells[i][j]
        if 0 < counts[i][j] < 5:
            assert cell.suppressed
        assert cell.value == counts[i][j]


def test_protect_rate_withholds_when_either_count_is_hidden():
    small, big = disclosure.protect_count(3), disclosure.protect_count(40)
    assert disclosure.protect_rate(small, big) == "[c]"
    assert disclosure.protect_rate(big, small) == "[c]"
    assert disclosure.protect_rate(disclosure.protect_count(10), big) == "25.0%"
    assert disclosure.protect_rate(disclosure.protect_count(0), disclosure.protect_count(0)) \
        == "no denominator"


@pytest.mark.parametrize("bad", [[], [[]], [[1, 2], [3]], [[-1]]])
def test_malformed_tables_are_refused(bad):
    with pytest.raises(ValueError):
        protect(bad)


def test_threshold_below_one_is_refused():
    with pytest.raises(ValueError):
        protect([[1]], threshold=0)
