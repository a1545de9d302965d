"""Demo contracts for the Solent PCC office: CARA £125K a year for 3 years and JUNO
£90K a year for 4 years, both with Harbour Trust; both demo forces' data-sharing agreements with
the office (its regional view). Idempotent: existing rows are left alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from diversion.accounts.models import Organisation, User
from diversion.administration.models import DataSharingAgreement
from diversion.commissioning.aggregates import refresh
from diversion.commissioning.models import CommissionedForce, Contract

# (programme, annual value, years, referrals, starts, completions a year)
CONTRACTS = [("CARA", Decimal("125000.00"), 3, 240, 200, 170),
             ("JUNO", Decimal("90000.00"), 4, 120, 100, 80)]


def load(today: date) -> None:
    office = Organisation.objects.filter(code="solent-pcc").first()
    provider = Organisation.objects.filter(code="harbour-trust").first()
    force = Organisation.objects.filter(code="solent").first()
    author = User.objects.filter(username="commissioner.adeyemi").first()
    if not (office and provider and force and author):
        return
    # Financial years: the contracts began on 1 April of last year.
    start = date(today.year - 1 if today.month >= 4 else today.year - 2, 4, 1)
    with transaction.atomic():
        CommissionedForce.objects.get_or_create(commissioner_office=office, force=force)
        for programme, value, years, referrals, starts, completions in CONTRACTS:
            if Contract.objects.filter(commissioner_office=office,
                                       programme_code=programme).exists():
                continue
            Contract.objects.create(
                commissioner_office=office, programme_code=programme, provider=provider,
                start_date=start, end_date=date(start.year + years, 3, 31), annual_value=value,
                target_referrals=referrals, target_starts=starts,
                target_completions=completions, target_days_to_first_contact=14,
                created_by=author)
        _share(office, today)
    refresh()


def _share(office: Organisation, today: date) -> None:
    """Both demo forces share with the Solent PCC office (the regional view shows two forces)
    and with the University of Wessex (its analyst, researcher.cho, can pool them in one
    evaluation run), each agreement recorded by the force's own administrator."""
    receivers = [office, *Organisation.objects.filter(code="wessex-uni")]
    for receiver in receivers:
        for code, admin_name, agreed_by in (
                ("solent", "admin.brennan", "Deputy Chief Constable, Solent Constabulary"),
                ("downshire", "admin.downshire", "Data Protection Officer, Downshire Police")):
            force = Organisation.objects.filter(code=code).first()
            admin = User.objects.filter(username=admin_name).first()
            if force is None or admin is None or DataSharingAgreement.objects.filter(
                    force=force, receiver=receiver).exists():
                continue
            DataSharingAgreement.objects.create(
                force=force, receiver=receiver, agreed_by=agreed_by,
                starts_on=date(today.year - 1, 4, 1), ends_on=None,
                document_reference=f"DSA/{code.upper()}/{receiver.code.upper()}/001",
                recorded_by=admin)
