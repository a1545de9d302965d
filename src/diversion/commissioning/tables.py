"""Tables as the dashboard, the public page and the downloads show them: already disclosure-
controlled, so no code path can export a raw small count."""

from __future__ import annotations

from collections.abc import Sequence
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
              columns: dict[str, Sequence[int]], threshold: int) -> Table:
    """Each column protected on its own (with its total): for columns that do not add up,
    such as referred and completed, where a row total would mean nothing."""
    protected = {name: disclosure.protect([[v] for v in values], threshold)
                 for name, values in columns.items()}
    rows = [(label, [protected[name].cells[i][0].export_value for name in columns])
            for i, label in enumerate(row_labels)]
    total = ("Total", [protected[name].column_totals[0].export_value for name in columns])
    first = next(iter(columns))
    return Table(key, title, caption, row_header, list(columns), rows, total,
                 any(t.any_suppressed for t in protected.values()),
                 [(label, None if protected[first].cells[i][0].suppressed
                   else float(protected[first].cells[i][0].value))
                  for i, label in enumerate(row_labels)])


def grid(key: str, title: str, caption: str, row_header: str, row_labels: Sequence[str],
         column_labels: Sequence[str], counts: Sequence[Sequence[int]], threshold: int) -> Table:
    """A cross-tabulation with row and column totals, protected as one table."""
    protected = disclosure.protect(counts, threshold)
    rows = [(label, [c.export_value for c in protected.cells[i]]
             + [protected.row_totals[i].export_value])
            for i, label in enumerate(row_labels)]
    total = ("Total", [c.export_value for c in protected.column_totals]
             + [protected.total.export_value])
    return Table(key, title, caption, row_header, [*column_labels, "Total"], rows, total,
                 protected.any_suppressed,
                 [(label, None if protected.row_totals[i].suppressed
                   else float(protected.row_totals[i].value))
                  for i, label in enumerate(row_labels)])
