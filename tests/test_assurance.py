"""The ASVS L2 checklist in docs/assurance.md stays complete and true (security.md 30).

The checklist keeps its own list of the 30 numbered requirements (security.md is not in the
repository), then one table row per requirement or part of one. This test fails if a
requirement has no row, a row's status is not one of the three words, a `tested` or `partly`
row names no test, or a named test does not exist. Test ids are resolved by parsing the test
file with `ast`, so nothing is imported or run; a parametrised id (`test_x[case]`) and a test
in a class (`TestX::test_y`) resolve to their function.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKLIST = ROOT / "docs" / "assurance.md"
STATUSES = ("tested", "partly", "not built")
NEEDS_TESTS = ("tested", "partly")
ITEMS = range(1, 31)
_ITEM = re.compile(r"\**(\d+)([a-z]?)\**(?=[\s.:]|$)")


@dataclass
class Row:
    item: str
    number: int | None
    status: str
    tests: list[str]
    line: int


@dataclass
class Checklist:
    requirements: dict[int, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse(text: str) -> Checklist:
    """The requirement list, table rows and summary counts, by their `## ` sections."""
    found = Checklist()
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            section = line[3:].strip().lower()
        elif section == "requirements" and (match := re.match(r"(\d+)\.\s+(\S.*)", line)):
            item = int(match.group(1))
            if item in found.requirements:
                found.problems.append(f"line {number}: requirement {item} is listed twice")
            found.requirements[item] = match.group(2)
        elif section == "checklist" and line.startswith("|"):
            _row(found, line, number)
        elif section == "summary" and (match := re.match(r"- ([a-z ]+): (\d+)", line)):
            found.summary[match.group(1)] = int(match.group(2))
    return found


def _row(found: Checklist, line: str, number: int) -> None:
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    if cells[0].lower() == "item" or set(cells[0]) <= set("-: "):
        return  # the header and the separator
    if len(cells) != 4:
        found.problems.append(f"line {number}: a row needs 4 cells, not {len(cells)}")
        return
    match = _ITEM.match(cells[0])
    found.rows.append(Row(
        item=match.group(1) + match.group(2) if match else cells[0],
        number=int(match.group(1)) if match else None,
        status=cells[1].strip("`*"),
        tests=re.findall(r"`([^`]+)`", cells[2]),
        line=number,
    ))


def problems(text: str, root: Path) -> list[str]:
    """Everything wrong with a checklist; test ids are resolved against files under `root`."""
    checklist = parse(text)
    found = list(checklist.problems)
    listed = set(checklist.requirements)
    for item in sorted(set(ITEMS) - listed):
        found.append(f"requirement {item} is missing from the Requirements list")
    for item in sorted(listed - set(ITEMS)):
        found.append(f"requirement {item} is not one of 1-{ITEMS[-1]}")
    covered = {row.number for row in checklist.rows}
    for item in sorted(listed - covered):
        found.append(f"requirement {item} has no row in the Checklist table")
    seen: set[str] = set()
    trees: dict[Path, ast.Module | None] = {}
    for row in checklist.rows:
        where = f"line {row.line} ({row.item})"
        if row.number is None:
            found.append(f"{where}: the item must start with its number, e.g. 7 or 7a")
        elif row.number not in listed:
            found.append(f"{where}: {row.number} is not in the Requirements list")
        if row.item in seen:
            found.append(f"{where}: item {row.item} has two rows")
        seen.add(row.item)
        if row.status not in STATUSES:
            found.append(f"{where}: status '{row.status}' is not one of {', '.join(STATUSES)}")
        if row.status in NEEDS_TESTS and not row.tests:
            found.append(f"{where}: a '{row.status}' row must name at least one test")
        for test_id in row.tests:
            if (problem := resolve(test_id, root, trees)) is not None:
                found.append(f"{where}: {test_id}: {problem}")
    counts = {status: sum(row.status == status for row in checklist.rows) for status in STATUSES}
    if checklist.summary != counts:
        found.append(f"the Summary says {checklist.summary}, the table has {counts}")
    return found


def resolve(test_id: str, root: Path, trees: dict | None = None) -> str | None:
    """None if `test_id` names a test pytest would collect, else what is wrong with it."""
    path, _, rest = test_id.partition("::")
    if not rest:
        return "not a pytest node id (tests/file.py::test_name)"
    name = Path(path).name
    if not path.startswith("tests/") or not (name.startswith("test_") and name.endswith(".py")):
        return "not a test file under tests/"
    file = root / path
    trees = {} if trees is None else trees
    if file not in trees:
        trees[file] = ast.parse(file.read_text(), str(file)) if file.is_file() else None
    if trees[file] is None:
        return "no such file"
    *classes, function = re.sub(r"\[.*\]$", "", rest).split("::")
    body = trees[file].body
    for class_name in classes:
        found = [node for node in body
                 if isinstance(node, ast.ClassDef) and node.name == class_name]
        if not found or not class_name.startswith("Test"):
            return f"no test class {class_name}"
        body = found[0].body
    if not function.startswith("test") or not any(
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function
            for node in body):
        return f"no test function {function}"
    return None


def test_the_checklist_covers_every_item_and_names_real_tests():
    assert problems(CHECKLIST.read_text(), ROOT) == []


# --- The checker itself, on small hand-written checklists --------------------------------

FAKE_TESTS = '''
import pytest

@pytest.mark.parametrize("x", [1, 2])
def test_real(x):
    assert x

def helper():
    pass

class TestGroup:
    def test_inside(self):
        assert True

NOT_A_TEST = "def test_in_a_string(): pass"
'''


@pytest.fixture
def fake_root(tmp_path) -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_fake.py").write_text(FAKE_TESTS)
    return tmp_path


def _doc(rows: list[str], items=ITEMS, summary: dict | None = None) -> str:
    """A checklist with the given rows, plus a `not built` row for every item they skip."""
    given = {int(_ITEM.match(row.split("|")[1].strip()).group(1)) for row in rows}
    rows = rows + [f"| {n} Item {n} | not built | | missing |" for n in items if n not in given]
    statuses = [row.split("|")[2].strip() for row in rows]
    summary = summary or {status: statuses.count(status) for status in STATUSES}
    return "\n".join([
        "# Checklist", "", "## Requirements", "",
        *[f"{n}. Item {n}" for n in items], "",
        "## Checklist", "", "| item | status | tests | note |", "|---|---|---|---|",
        *rows, "", "## Summary", "",
        *[f"- {status}: {count}" for status, count in summary.items()], ""])


GOOD = ["| 1a Deny by default | tested | `tests/test_fake.py::test_real` | ok |",
        "| 1b Matrix | partly | `tests/test_fake.py::test_real[2]`, "
        "`tests/test_fake.py::TestGroup::test_inside` | ok |"]


def test_a_complete_checklist_with_real_tests_passes(fake_root):
    assert problems(_doc(GOOD), fake_root) == []


def test_an_item_with_no_row_fails(fake_root):
    text = _doc(GOOD).replace("| 17 Item 17 | not built | | missing |\n", "")
    assert problems(text, fake_root) == [
        "requirement 17 has no row in the Checklist table",
        "the Summary says {'tested': 1, 'partly': 1, 'not built': 29}, "
        "the table has {'tested': 1, 'partly': 1, 'not built': 28}"]


def test_an_item_missing_from_the_requirements_list_fails(fake_root):
    text = _doc(GOOD, items=range(1, 30))
    assert "requirement 30 is missing from the Requirements list" in problems(text, fake_root)


def test_a_row_for_an_unknown_item_fails(fake_root):
    found = problems(_doc([*GOOD, "| 31 Extra | not built | | x |"]), fake_root)
    assert any("31 is not in the Requirements list" in problem for problem in found)


@pytest.mark.parametrize("bogus, why", [
    ("tests/test_fake.py::test_ghost", "no test function test_ghost"),
    ("tests/test_fake.py::test_in_a_string", "no test function test_in_a_string"),
    ("tests/test_fake.py::helper", "no test function helper"),
    ("tests/test_fake.py::test_inside", "no test function test_inside"),
    ("tests/test_fake.py::TestGroup::test_real", "no test function test_real"),
    ("tests/test_fake.py::TestNobody::test_inside", "no test class TestNobody"),
    ("tests/test_gone.py::test_real", "no such file"),
    ("src/test_fake.py::test_real", "not a test file under tests/"),
    ("tests/test_fake.py", "not a pytest node id"),
])
def test_a_test_id_that_does_not_exist_fails(fake_root, bogus, why):
    rows = [GOOD[0], f"| 2 Object level | tested | `{bogus}` | claims a test |"]
    found = problems(_doc(rows), fake_root)
    assert len(found) == 1 and bogus in found[0] and why in found[0], found


@pytest.mark.parametrize("status", NEEDS_TESTS)
def test_a_tested_or_partly_row_without_tests_fails(fake_root, status):
    found = problems(_doc([*GOOD, f"| 3 Field level | {status} | | nothing named |"]), fake_root)
    assert len(found) == 1 and found[0].endswith(
        f"(3): a '{status}' row must name at least one test"), found


@pytest.mark.parametrize("status", ["done", "Tested", "n/a", ""])
def test_a_status_outside_the_three_words_fails(fake_root, status):
    found = problems(_doc([*GOOD, f"| 4 Agencies | {status} | | x |"]), fake_root)
    assert any("is not one of tested, partly, not built" in problem for problem in found)


def test_two_rows_for_one_item_fail(fake_root):
    found = problems(_doc([*GOOD, GOOD[0]]), fake_root)
    assert any("item 1a has two rows" in problem for problem in found)


def test_summary_counts_must_match_the_table(fake_root):
    text = _doc(GOOD, summary={"tested": 5, "partly": 1, "not built": 29})
    assert any(problem.startswith("the Summary says") for problem in problems(text, fake_root))
