"""The dashboard's context figure (issue 17): each force's recorded crimes flagged domestic
abuse and their share of all its recorded crime in the dashboard's period, from the counts the
recount keeps (RecordedCrimeAggregate, from records/context.py), under the dashboard's
disclosure control: the table (force × flagged / not flagged, with totals) is protected with
the dashboard's other tables, and a count or share is shown only when the table shows both the
force's flagged count and its total.

The counts follow the period (whole quarters, so a financial year is April's quarter to
March's) and the force filter; they do not depend on the programme or provider filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diversion.accounts.models import Organisation, User
from diversion.commissioning import disclosure, outcome_figures, tables
from diversion.commissioning.figures import Figure
from diversion.commissioning.models import RecordedCrimeAggregate
from diversion.records import context

KEY = "recorded_crime_domestic_abuse"
WITHHELD = "Withheld: fewer than the disclosure threshold"


@dataclass
class ForceCounts:
    name: str
    flagged: int = 0
    total: int = 0
    imports: dict[int, context.ImportUsed] = field(default_factory=dict)

    @property
    def without_flag_column(self) -> list[context.ImportUsed]:
        return [i for i in self.imports.values() if not i.flag_column]


@dataclass
class CrimeContext:
    period: str
    forces: list[ForceCounts]
    table: tables.Table | None
    figures: list[Figure] = field(default_factory=list)
    definitions: tuple[tuple[str, str], ...] = context.DEFINITIONS

    @property
    def imports(self) -> list[tuple[str, context.ImportUsed]]:
        return [(f.name, i) for f in self.forces for i in sorted(f.imports.values(),
                                                                  key=lambda i: i.number)]


def build(actor: User, filters, forces: list[Organisation], limit: int) -> CrimeContext:
    """The counts and the (not yet protected) table; `figures` come after protection."""
    rows = outcome_figures.overseen(actor, RecordedCrimeAggregate).filter(
        month_start__gte=filters.start, month_start__lte=filters.end)
    if filters.force is not None:
        rows = rows.filter(force=filters.force)
    by_force = {f.pk: ForceCounts(f.name) for f in forces}
    for (force_id, flagged, number, source, at, column, n) in rows.values_list(
            "force_id", "domestic_abuse", "import_number", "source_name", "imported_at",
            "flag_column", "count").order_by():
        found = by_force.get(force_id)
        if found is None:
            continue
        found.total += n
        found.flagged += n if flagged else 0
        known = found.imports.get(number)
        found.imports[number] = context.ImportUsed(number, source, at, column,
                                                   (known.records if known else 0) + n)
    ordered = sorted(by_force.values(), key=lambda f: f.name)
    # A force whose records include an import with no flag column has no honest split.
    tabled = [f for f in ordered if f.total and not f.without_flag_column]
    table = None
    if tabled:
        table = tables.grid(
            KEY, "Recorded crime flagged domestic abuse, by force",
            "Counts of crime records each force recorded in the period (by recorded date, each "
            "crime once, from the imported police extracts), by whether the force flagged "
            "them domestic abuse; the row total is all the force's recorded crime. Recorded "
            "crimes, not incidents.", "Force", [f.name for f in tabled],
            ["Flagged domestic abuse", "Not flagged"],
            [[f.flagged, f.total - f.flagged] for f in tabled], limit, alone=False)
        table.chart = "first_column"
    return CrimeContext(context.period_label(filters.start, filters.end), ordered, table)


def add_figures(found: CrimeContext) -> None:
    """Each force's figure from the protected table (after the dashboard's protection)."""
    table = found.table
    names = [label for label, _ in table.rows] if table is not None else []
    for force in found.forces:
        label = f"Recorded crimes flagged domestic abuse, {force.name}"
        if not force.total:
            found.figures.append(Figure(label, None, "", empty=context.NO_RECORDS))
            continue
        if force.without_flag_column:
            numbers = ", ".join(str(i.number) for i in force.without_flag_column)
            found.figures.append(Figure(
                label, None, "", empty=f"Not available: import {numbers} had no domestic-abuse "
                                       "flag column, so its records cannot be told apart"))
            continue
        assert table is not None and table.protected is not None
        row = names.index(force.name)
        cell: disclosure.Cell = table.protected.cells[row][0]
        whole: disclosure.Cell = table.protected.row_totals[row]
        shown = not cell.suppressed and not whole.suppressed
        share = (f"{100 * force.flagged / force.total:.2f}% of {force.total:,} recorded "
                 "crimes") if shown else None
        found.figures.append(Figure(
            label, f"{force.flagged:,} ({share})" if shown else None,
            "crime records the force flagged domestic abuse, recorded in the period",
            f"all the force's crime records recorded in the period ({whole.shown})",
            empty=WITHHELD))

