"""The regional and national view: the aggregates of every force sharing with the reader's
organisation under a data-sharing agreement in force (administration.DataSharingAgreement,
read through the access policy), per force and pooled, under the dashboard's disclosure control.

Its two tables are protected together with what links them: in each force's row (and the
pooled total row) referrals are among the cases recorded and completions and breaches among the
referrals; the programme table's row totals are the forces' referrals and its grand total the
pooled referrals. So no withheld count can be recovered from a force's row, the pooled totals,
or the other table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from diversion.accounts import policy
from diversion.accounts.models import User
from diversion.administration.models import DataSharingAgreement, in_force
from diversion.commissioning import disclosure, programme_codes, reoffending_figures, stages, tables
from diversion.commissioning.models import DashboardAggregate, ReoffendingSummary

COLUMNS = ("Cases recorded", "Referred", "Completed", "Breached")
RECORDED, REFERRED, COMPLETED, BREACHED = range(4)


@dataclass
class SharingForce:
    name: str
    since: date  # the earliest start of its agreements in force with the reader's organisation
    until: date | None  # the latest end among them (None: open-ended)


@dataclass
class Regional:
    forces: list[SharingForce]
    tables: list[tables.Table] = field(default_factory=list)
    pooled: list[PooledHeadline] = field(default_factory=list)

    @property
    def since(self) -> date | None:
        return min((f.since for f in self.forces), default=None)


def sharing_forces(actor: User) -> dict[int, SharingForce]:
    """Forces with an agreement in force with the actor's organisation, by id."""
    found: dict[int, SharingForce] = {}
    for a in (policy.visible(actor, DataSharingAgreement)
              .filter(in_force(), receiver_id=actor.organisation_id).select_related("force")
              .order_by("starts_on")):
        known = found.get(a.force_id)
        if known is None:
            found[a.force_id] = SharingForce(a.force.name, a.starts_on, a.ends_on)
        elif known.until is not None:
            known.until = None if a.ends_on is None else max(known.until, a.ends_on)
    return found


def regional(actor: User, threshold: int) -> Regional:
    forces = sharing_forces(actor)
    if not forces:
        return Regional([])
    order = sorted(forces, key=lambda pk: forces[pk].name)
    counts: dict[int, list[int]] = {pk: [0, 0, 0, 0] for pk in order}
    by_programme: dict[int, dict[str, int]] = {pk: defaultdict(int) for pk in order}
    rows = policy.visible(actor, DashboardAggregate).filter(force_id__in=order)
    for force_id, status, programme, n in rows.values_list(
            "force_id", "status", "programme_code", "count").order_by():
        stage = stages.STAGE_OF_STATUS.get(status)
        counts[force_id][RECORDED] += n
        if stage is not None:
            counts[force_id][REFERRED] += n
            by_programme[force_id][programme] += n
        if stage == stages.COMPLETED:
            counts[force_id][COMPLETED] += n
        if stage == stages.BREACHED:
            counts[force_id][BREACHED] += n
    names = [forces[pk].name for pk in order]
    programmes = programme_codes.keys()
    built = [
        tables.by_column(
            "regional_stages", "Cases by force",
            "Counts of cases each force recorded for a programme, of which referred to a "
            "provider, and of the referrals those completed and those breached (referred back "
            "to the police). The total row is the pooled region.", "Force", names,
            {name: [counts[pk][i] for pk in order] for i, name in enumerate(COLUMNS)},
            threshold, alone=False),
        tables.grid(
            "regional_referrals", "Referrals by force and programme",
            "Counts of people each force referred to a provider, by programme; the total row "
            "is the pooled region.", "Force", names, programmes,
            [[by_programme[pk][p] for p in programmes] for pk in order], threshold,
            alone=False),
    ]
    tables.protect_together(built, threshold, relations(len(order), len(programmes)))
    return Regional([forces[pk] for pk in order], built,
                    pooled_headlines(actor, forces, threshold))


def relations(forces: int, programmes: int) -> list[disclosure.Relation]:
    rel = disclosure.Relation
    found: list[disclosure.Relation] = []
    for i in range(forces + 1):  # each force, then the pooled total row
        found += [rel(("regional_stages", i, REFERRED), ("regional_stages", i, RECORDED), "<="),
                  rel(("regional_stages", i, COMPLETED), ("regional_stages", i, REFERRED), "<="),
                  rel(("regional_stages", i, BREACHED), ("regional_stages", i, REFERRED), "<="),
                  rel(("regional_referrals", i, programmes),
                      ("regional_stages", i, REFERRED))]
    return found


STRATIFIED = ("Stratified by force: the Mantel–Haenszel risk difference (each force weighted by "
              "its arm sizes), the stratified log-rank test and a Cox model with a baseline "
              "hazard per force, so no force's result is compared with another's people")
UNSTRATIFIED = "One force with people analysed: its unstratified result"


@dataclass
class PooledHeadline:
    """A programme's signed-off pooled run on the regional view, or why there is none."""

    programme: str
    section: reoffending_figures.Section | None = None
    forces: list[str] = field(default_factory=list)
    method: str = ""
    empty: str = ""


def pooled_headlines(actor: User, forces: dict[int, SharingForce],
                     limit: int) -> list[PooledHeadline]:
    """Per programme, the pooled run most recently signed off as the headline (one analyst
    proposed it, a second approved) that belongs to the actor's organisation and whose every
    pooled force still shares with it under an agreement in force: a withdrawal or an end date
    takes the run off this page at once. Its rates are under the dashboard's disclosure
    control (reoffending_figures.fill)."""
    found = []
    reader = actor.organisation.name if actor.organisation else "your organisation"
    for programme in programme_codes.keys():  # noqa: SIM118 - a module function, not a dict
        headline = PooledHeadline(programme)
        candidates = (policy.visible(actor, ReoffendingSummary)
                      .filter(pooled=True, force_id=actor.organisation_id,
                              programme_code=programme, approved_at__isnull=False)
                      .select_related("force").order_by("-approved_at", "-pk"))
        summary = next((s for s in candidates
                        if s.pooled_forces and all(pk in forces for pk, _ in s.pooled_forces)),
                       None)
        if summary is None:
            headline.empty = (f"No pooled evaluation run of {programme} has been signed off as "
                              "the headline over forces that all share with "
                              f"{reader} now.")
        else:
            headline.forces = [name for _, name in summary.pooled_forces]
            methods = summary.definitions.get("methods", [])
            headline.method = STRATIFIED if "mantel_haenszel" in methods else UNSTRATIFIED
            section = reoffending_figures.Section(
                programme, f"{programme}: pooled reoffending headline for the region")
            reoffending_figures.fill(section, summary, limit, key_prefix="regional_")
            headline.section = section
        found.append(headline)
    return found
