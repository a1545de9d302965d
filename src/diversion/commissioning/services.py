"""Writes for the commissioner's pages. Contracts and costs are not personal data; downloads and
publications are disclosures of aggregates drawn from it, so each writes a processing-log row."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from diversion.accounts import policy
from diversion.accounts.models import Organisation, User
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.commissioning import figures, programme_codes, selectors, tables
from diversion.commissioning.models import Contract, StatisticsRelease, UnitCostVersion


class AlreadyPublished(Exception):
    """A published release is frozen."""


class UnknownProgramme(ValueError):
    """No loaded programme file has this code."""



def _office_id(actor: User) -> int:
    # The COMMISSIONING rule admits only users who belong to an organisation (their office).
    return cast(int, actor.organisation_id)

def save_contract(*, actor: User, contract: Contract | None = None, programme_code: str,
                  provider: Organisation, start_date: date, end_date: date,
                  annual_value: Decimal, target_referrals: int, target_starts: int,
                  target_completions: int, target_days_to_first_contact: int) -> Contract:
    """Record a new contract for the actor's office, or change `contract`."""
    unchanged = contract is not None and contract.programme_code == programme_code
    if not (unchanged or programme_codes.is_known(programme_code)):
        raise UnknownProgramme(f"Programme: no programme file has the code {programme_code!r}")
    if contract is None:
        contract = Contract(commissioner_office_id=_office_id(actor), created_by=actor)
    contract.programme_code = programme_code
    contract.provider = provider
    contract.start_date, contract.end_date = start_date, end_date
    contract.annual_value = annual_value
    contract.target_referrals = target_referrals
    contract.target_starts = target_starts
    contract.target_completions = target_completions
    contract.target_days_to_first_contact = target_days_to_first_contact
    with transaction.atomic():
        contract.save()
    return contract


def save_unit_costs(*, actor: User, da_victim_cost: Decimal, price_year: str, source: str,
                    note: str = "") -> UnitCostVersion:
    """Add a new version; earlier versions are never changed."""
    version = UnitCostVersion(da_victim_cost=da_victim_cost, price_year=price_year,
                              source=source, note=note,
                              commissioner_office_id=_office_id(actor), created_by=actor)
    with transaction.atomic():
        last = (policy.visible(actor, UnitCostVersion).select_for_update()
                .aggregate(n=Max("number"))["n"])
        version.number = (last or 0) + 1
        version.save()
    return version


def release_snapshot(*, actor: User, quarter: date) -> dict:
    """The headline figures of one quarter, disclosure-controlled before they are stored: the
    snapshot never holds a suppressed value."""
    filters = selectors.Filters(start=quarter, end=figures.quarter_end(quarter))
    board = selectors.dashboard(actor, filters)
    kept = [t for t in board.tables if t.key in ("quarters", "equality_sex", "equality_age_band",
                                                 "equality_ethnic_group",
                                                 "delivery", "attitude", "victim_feedback")
            or t.key.startswith("reoffending_")]  # the latest evaluation runs' counts

    def shown(items: list[figures.Figure]) -> list[dict]:
        return [{"label": f.label, "shown": f.shown, "numerator": f.numerator,
                 "denominator": f.denominator, "explanation": f.explanation} for f in items]

    return {
        "quarter": figures.quarter_label(quarter),
        "office": cast(Organisation, actor.organisation).name,
        "threshold": selectors.threshold(),
        "headline": shown(board.headline + board.money + board.outcomes),
        "reoffending": [{**section.to_json(), "figures": shown(section.figures)}
                        for section in board.reoffending],
        "tables": [t.to_json() for t in kept],
    }


def prepare_release(*, actor: User, quarter: date) -> StatisticsRelease:
    """Create or refresh the draft release for a quarter (a published one is left alone)."""
    with transaction.atomic():
        release = policy.visible(actor, StatisticsRelease).select_for_update().filter(
            quarter_start=quarter).first()
        if release is not None and release.status == StatisticsRelease.Status.PUBLISHED:
            raise AlreadyPublished(f"The {figures.quarter_label(quarter)} release is published "
                                   "and cannot change")
        snapshot = release_snapshot(actor=actor, quarter=quarter)
        if release is None:
            try:
                with transaction.atomic():
                    release = StatisticsRelease.objects.create(
                        commissioner_office_id=_office_id(actor), quarter_start=quarter,
                        threshold=selectors.threshold(), snapshot=snapshot)
            except IntegrityError:
                raise AlreadyPublished("Another release for that quarter was just made") from None
        else:
            release.snapshot = snapshot
            release.threshold = selectors.threshold()
            release.prepared_at = timezone.now()
            release.save(update_fields=["snapshot", "threshold", "prepared_at"])
    return release


def publish_release(*, actor: User, release: StatisticsRelease) -> StatisticsRelease:
    with transaction.atomic():
        release = policy.visible(actor, StatisticsRelease).select_for_update().get(pk=release.pk)
        if release.status == StatisticsRelease.Status.PUBLISHED:
            raise AlreadyPublished("This release is already published")
        release.status = StatisticsRelease.Status.PUBLISHED
        release.published_at = timezone.now()
        release.published_by = actor
        release.save(update_fields=["status", "published_at", "published_by"])
        record(actor=actor, operation=Operation.DISCLOSURE, obj=release,
               recipient="the public (published statistics page)",
               justification=f"Publication of the {release.snapshot.get('quarter')} statistics "
                             "release: aggregates only, small cells suppressed")
    return release


def _downloader(actor: User | AnonymousUser) -> tuple[bool, str]:
    """Whether a signed-in user downloads, and how the log names the recipient."""
    signed_in = bool(getattr(actor, "is_authenticated", False))
    return signed_in, (f"{actor.username} ({cast(User, actor).organisation})" if signed_in
                       else "a member of the public (anonymous download)")


def log_download(*, actor: User | AnonymousUser, table: tables.Table, fmt: str,
                 release: StatisticsRelease | None = None) -> None:
    """A download is a disclosure to whoever downloads it: one processing-log row each."""
    signed_in, recipient = _downloader(actor)
    with transaction.atomic():
        record(actor=actor if signed_in else None, operation=Operation.DISCLOSURE, obj=release,
               recipient=recipient,
               justification=f"Download of the table ‘{table.title}’ as {fmt.upper()} "
                             "(aggregates, small cells suppressed)")


def log_release_pdf(*, actor: User | AnonymousUser, release: StatisticsRelease) -> None:
    """The whole release as a PDF: a disclosure to whoever downloads it, as the tables are."""
    signed_in, recipient = _downloader(actor)
    with transaction.atomic():
        record(actor=actor if signed_in else None, operation=Operation.DISCLOSURE, obj=release,
               recipient=recipient,
               justification=f"Download of the statistics release for {release.quarter_start} "
                             "as PDF (aggregates, small cells suppressed)")


def log_dashboard_view(*, actor: User, filters: selectors.Filters) -> None:
    """Viewing the dashboard reads the same counts of people's cases as downloading its tables:
    one processing-log row each time, even when the rendering comes from the cache."""
    with transaction.atomic():
        record(actor=actor, operation=Operation.CONSULTATION,
               justification="Commissioning dashboard viewed for "
                             f"{filters.start:%-d %B %Y} to {filters.end:%-d %B %Y} "
                             "(aggregates, small cells suppressed)")


def log_regional_view(*, actor: User, forces: int) -> None:
    """The regional view reads counts of people's cases of other forces: one row each time."""
    with transaction.atomic():
        record(actor=actor, operation=Operation.CONSULTATION,
               justification=f"Regional view: aggregates of {forces} force(s) sharing under a "
                             "data-sharing agreement (small cells suppressed)")


STALE_AFTER = timedelta(minutes=10)


def request_refresh_if_stale(computed_at: datetime | None) -> bool:
    """Queue a recount when the aggregates are missing or old; at most one queued per period."""
    from diversion.commissioning.tasks import refresh_dashboard_aggregates

    if computed_at is not None and timezone.now() - computed_at < STALE_AFTER:
        return False
    if not cache.add("commissioning:refresh-queued", True, STALE_AFTER.total_seconds()):
        return False
    transaction.on_commit(refresh_dashboard_aggregates.enqueue)
    return True
