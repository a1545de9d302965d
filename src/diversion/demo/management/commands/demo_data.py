"""Load the synthetic demo force area. Safe to run again: what exists is left alone."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from diversion.accounts.models import Organisation, User
from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Person
from diversion.demo.commissioning import load as load_commissioning
from diversion.demo.commissioning_outcomes import build_outcome_cohort
from diversion.demo.contacts import build_contact_details
from diversion.demo.delivery import build_demo_delivery
from diversion.demo.evaluation import load_demo_evaluation
from diversion.demo.juno_cohort import build_juno_cohort
from diversion.demo.organisations import (
    DEMO_AUTHENTICATOR_KEY,
    DEMO_PASSWORD,
    ORGANISATIONS,
    USERS,
)
from diversion.demo.people import build_force_people
from diversion.demo.records import load_demo_records
from diversion.demo.referrals import build_demo_cases
from diversion.demo.retention import build_demo_retention
from diversion.demo.victims import build_victims


def give_demo_authenticator(user: User) -> None:
    """Demo users share one published authenticator key, so a walkthrough needs no set-up."""
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = base64.b32decode(DEMO_AUTHENTICATOR_KEY).hex()
    TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)


class Command(BaseCommand):
    help = "Create the synthetic demo organisations, users, people and offences (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=settings.DEMO_PEOPLE,
                            help="People in the main demo force (the second force gets a fifth).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--quiet", action="store_true", help="Do not print the sign-in table.")

    def handle(self, *args, people: int, seed: int, quiet: bool, **options):
        today = date.today()
        with transaction.atomic():
            orgs = {}
            for code, name, kind in ORGANISATIONS:
                orgs[code], _ = Organisation.objects.get_or_create(
                    code=code, defaults={"name": name, "kind": kind})
            for username, first, last, role, org_code in USERS:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": first, "last_name": last, "role": role,
                              "organisation": orgs[org_code],
                              "email": f"{username}@example.org"})
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                    give_demo_authenticator(user)
            for code, count in (("solent", people), ("downshire", max(people // 5, 1))):
                force = orgs[code]
                if Person.objects.filter(force=force).exists():
                    continue
                made_people, made_offences = build_force_people(
                    force, count, today, seed + len(code))
                record(actor=None, operation=Operation.COLLECTION,
                       justification=f"Synthetic demo data for {force.name}: "
                                     f"{made_people} people, {made_offences} offences",
                       obj=force)
        build_demo_cases(today)  # offence to caution: cases at every stage
        with transaction.atomic():
            build_victims(today)  # Victims: victims on the demo cases
        load_demo_records(None if quiet else self.stdout)  # records
        build_demo_delivery(today)  # provider delivery: events, compliance cases
        build_outcome_cohort(today)  # commissioning: delivered cohort
        build_juno_cohort(today)  # JUNO: one-to-ones, SWEMWBS change, single-group figure
        build_contact_details()  # the referred people's (fake) contact details
        load_commissioning(today)  # commissioning: contracts, aggregates
        load_demo_evaluation()  # evaluation runs: injected-effect trial
        build_demo_retention(today)  # retention reviews and a subject-access request
        if not quiet:
            self.print_sign_ins()

    def print_sign_ins(self) -> None:
        self.stdout.write("\nDemo users (synthetic data only). Password for every one: "
                          f"{DEMO_PASSWORD}\n"
                          "Then a code from an authenticator app with the key "
                          f"{DEMO_AUTHENTICATOR_KEY}, or from "
                          "`.venv/bin/python manage.py demo_code`\n")
        seen = set()
        for username, _first, _last, role, org_code in USERS:
            label = f"{role.label} ({org_code})" if role in seen else role.label
            seen.add(role)
            self.stdout.write(f"  {label:<42} {username}")
        self.stdout.write("")
