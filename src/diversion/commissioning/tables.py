"""Tables as the dashboard, the public page and the downloads show them: already disclosure-
controlled, so no code path can export a raw small count. Each table is protected on its own
when built, then the dashboard's tables again together (`protect_together`), as a reader sees
them together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from diversion.commissioning import disclosure


@dataclass
class Table:
    key: str
    title: str
    caption: str  # what is counted, in words (the numerator and its population)
    row_header: str
    columns: list[str]
    rows: list[tuple[str, list[int | str]]]
    total: tuple[str, list[int | str]] | None = None
    any_suppressed: bool = False
    chart_points: list[tuple[str, float | None]] = field(default_factory=list)
    # The counts before suppression (never serialised) and which totals are published: a
    # by-column table has column totals only.
    counts: list[list[int]] | None = field(default=None, repr=False)
    row_totals: bool = True
    chart: str = "row_totals"  # what the chart plots: "row_totals", "first_column" or ""

    def spec(self) -> disclosure.Table:
        assert self.counts is not None, "a table from a snapshot has no counts to protect"
        return disclosure.Table(self.counts, row_totals=self.row_totals)

    def apply(self, protected: disclosure.ProtectedTable) -> None:
        """Show the table as `protected` says: withheld entries as the marker."""
        labels = [label for label, _ in self.rows]
        if self.row_totals:
            self.rows = [(label, [c.export_value for c in protected.cells[i]]
                          + [protected.row_totals[i].export_value])
                         for i, label in enumerate(labels)]
            self.total = (self.total[0] if self.total else "Total",
                          [c.export_value for c in protected.column_totals]
                          + [protected.total.export_value])
        else:
            self.rows = [(label, [c.export_value for c in protected.cells[i]])
                         for i, label in enumerate(labels)]
            self.total = (self.total[0] if self.total else "Total",
                          [c.export_value for c in protected.column_totals])
        shown = [*(c for row in protected.cells for c in row), *protected.column_totals]
        if self.row_totals:
            shown += [*protected.row_totals, protected.total]
        self.any_suppressed = any(c.suppressed for c in shown)
        if self.chart == "row_totals":
            self.chart_points = [(label, None if protected.row_totals[i].suppressed
                                  else float(protected.row_totals[i].value))
                                 for i, label in enumerate(labels)]
        elif self.chart == "first_column":
            self.chart_points = [(label, None if protected.cells[i][0].suppressed
                                  else float(protected.cells[i][0].value))
                                 for i, label in enumerate(labels)]
        else:
            self.chart_points = []
        self.protected = protected

    protected: disclosure.ProtectedTable | None = field(default=None, repr=False)

    def export_rows(self) -> list[list[int | str]]:
        """Header then body then total: what CSV and XLSX downloads write."""
        out: list[list[int | str]] = [[self.row_header, *self.columns]]
        out += [[label, *values] for label, values in self.rows]
        if self.total is not None:
            out.append([self.total[0], *self.total[1]])
        return out

    def to_json(self) -> dict:
        return {"key": self.key, "title": self.title, "caption": self.caption,
                "row_header": self.row_header, "columns": self.columns,
                "rows": [[label, values] for label, values in self.rows],
                "total": list(self.total) if self.total else None,
                "any_suppressed": self.any_suppressed}

    @classmethod
    def from_json(cls, data: dict) -> Table:
        return cls(key=data["key"], title=data["title"], caption=data["caption"],
                   row_header=data["row_header"], columns=data["columns"],
                   rows=[(label, values) for label, values in data["rows"]],
                   total=tuple(data["total"]) if data.get("total") else None,
                   any_suppressed=data.get("any_suppressed", False))


def by_column(key: str, title: str, caption: str, row_header: str, row_labels: Sequence[str],
              columns: dict[str, Sequence[int]], threshold: int, *, alone: bool = True) -> Table:
    """Columns with their totals and no row totals: for columns that do not add up, such as
    referred and completed, where a row total would mean nothing. `alone=False`: shown with
    linked tables, so protected only by the caller's `protect_together` (the dashboard's)."""
    counts = [[int(columns[name][i]) for name in columns] for i in range(len(row_labels))]
    table = Table(key, title, caption, row_header, list(columns),
                  [(label, []) for label in row_labels], ("Total", []), counts=counts,
                  row_totals=False, chart="first_column")
    protect_together([table] if alone else [], threshold)
    return table


def grid(key: str, title: str, caption: str, row_header: str, row_labels: Sequence[str],
         column_labels: Sequence[str], counts: Sequence[Sequence[int]], threshold: int, *,
         alone: bool = True) -> Table:
    """A cross-tabulation with row and column totals, protected as one table (`alone=False`:
    as by_column)."""
    table = Table(key, title, caption, row_header, [*column_labels, "Total"],
                  [(label, []) for label in row_labels], ("Total", []),
                  counts=[[int(v) for v in row] for row in counts])
    protect_together([table] if alone else [], threshold)
    return table


def protect_together(tables: Sequence[Table], threshold: int,
                     relations: Iterable[disclosure.Relation] = (),
                     counts: Mapping[str, int] | None = None) -> dict[str, disclosure.Cell]:
    """Protect tables published together, with what links them. `counts`: single figures
    published beside the tables (a headline count), each a one-entry table named by its key
    that relations may link to a table's total; returned as protected cells. A relation that
    does not hold for these counts is dropped (disclosure.holds)."""
    specs: dict[str, disclosure.Table] = {t.key: t.spec() for t in tables}
    for name, value in (counts or {}).items():
        specs[name] = disclosure.Table([[int(value)]], row_totals=False, column_totals=False)
    kept = [r for r in relations if disclosure.holds(r, specs)]
    protected = disclosure.protect_together(specs, threshold, kept)
    for t in tables:
        t.apply(protected[t.key])
    return {name: protected[name].cells[0][0] for name in counts or {}}
