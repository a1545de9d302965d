"""A demo police crime-record extract for Solent, built from the demo people and imported.

Deterministic for a given database: each person's offences become extract rows, identified
in turn by PNC ID, force reference only, or name and date of birth only (some with a typo, so
the review queue has work); a few rows name people not on cases, carry an unknown offence
code, or are invalid (to show the rejection report). Re-running finds the same file already
imported and does nothing.
"""

from __future__ import annotations

import csv
import io
import random

from diversion.accounts.models import Organisation, User
from diversion.accounts.roles import Role
from diversion.cases.models import Offence
from diversion.records import services
from diversion.records.models import ImportBatch

SOURCE = "Solent RMS (demo extract)"
FILENAME = "solent-crime-records-demo.csv"
HEADER = ["Crime Ref", "PNC", "Nominal Ref", "Forename", "Surname", "DOB", "Sex",
          "Postcode District", "HO Code", "Offence Date", "Recorded Date", "DA", "Same Victim",
          "Outcome", "Outcome Date"]
MAPPING = {"crime_reference": "Crime Ref", "pnc_id": "PNC", "force_person_ref": "Nominal Ref",
           "given_name": "Forename", "family_name": "Surname", "date_of_birth": "DOB",
           "sex": "Sex", "postcode_district": "Postcode District", "offence_code": "HO Code",
           "offence_date": "Offence Date", "recorded_date": "Recorded Date",
           "domestic_abuse": "DA", "same_victim": "Same Victim", "outcome_type": "Outcome",
           "outcome_date": "Outcome Date"}


def build_extract(force: Organisation, seed: int = 2026) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    offences = (Offence.objects.filter(force=force).select_related("person")
                .order_by("person_id", "crime_reference"))
    # Styles follow each person's place in the force, not their id: ids depend on what the
    # database handed out before (PostgreSQL sequences survive rolled-back tests).
    place: dict[int, int] = {}
    for offence in offences:
        person = offence.person
        index = place.setdefault(person.pk, len(place))
        style = index % 4
        given, born, district = person.given_name, person.date_of_birth, person.postcode_district
        if style == 3 and index % 3 == 0:  # a typo and a move: probable, not certain
            given = given[:-1] + ("a" if given[-1] != "a" else "e")
            district = "PO9" if district != "PO9" else "SO14"
        family = person.family_name
        if style == 3 and index % 3 == 1:  # another given name (an alias?) and a move
            given = "Jordan" if given != "Jordan" else "Morgan"
            district = "PO9" if district != "PO9" else "SO14"
        writer.writerow([
            offence.crime_reference,
            person.pnc_id if style == 0 else "",
            person.force_reference if style in (0, 1) else "",
            given, family, born.strftime("%d/%m/%Y"),
            person.sex, district, offence.offence_code_id,
            offence.offence_date.strftime("%d/%m/%Y"), offence.recorded_date.strftime("%d/%m/%Y"),
            "Y" if offence.domestic_abuse else "N", "N", offence.get_outcome_type_display(),
            offence.outcome_date.strftime("%d/%m/%Y") if offence.outcome_date else ""])
    first = offences.first()
    if first is not None:  # an alias and a move: always something in the review queue
        person = first.person
        writer.writerow([
            "SOL/EX/ALIAS1", "", "", "Jordan" if person.given_name != "Jordan" else "Morgan",
            person.family_name, person.date_of_birth.strftime("%d/%m/%Y"), person.sex,
            "PO9" if person.postcode_district != "PO9" else "SO14", "105A", "01/03/2026",
            "02/03/2026", "Y", "N", "Under investigation", ""])
    for index in range(8):  # people the force holds no case file on
        writer.writerow([f"SOL/EX/{index:04d}", "", "", rng.choice(["Kai", "Noor", "Ellis"]),
                         f"Unmatched{index}", f"{index + 1:02d}/06/1990", "M", "SO14",
                         "ZZ99" if index < 3 else "105A", "01/03/2026", "02/03/2026", "Y", "N",
                         "Under investigation", ""])
    _background(writer, rng, [o.recorded_date for o in offences],
                flagged=sum(1 for o in offences if o.domestic_abuse) + 9,
                written=offences.count() + 9)
    writer.writerow(["SOL/EX/BAD1", "", "", "Ash", "Invalid", "31/02/1990", "M", "SO14",
                     "105A", "01/03/2026", "02/03/2026", "Y", "N", "", ""])
    writer.writerow(["SOL/EX/BAD2", "", "", "Ash", "Invalid", "01/02/1990", "M", "SO14",
                     "105A", "05/03/2026", "02/03/2026", "maybe", "N", "", ""])
    return out.getvalue().encode()


# The share of recorded crime flagged domestic abuse the demo aims at: Hampshire & Isle of
# Wight's 16.11% in 2023/24 (product.md), so the context figure looks like a real force's.
DEMO_SHARE = 0.1611
BACKGROUND_CODES = ("49", "46", "58C", "58D", "9A", "92E")


def _background(writer, rng: random.Random, days: list, *, flagged: int, written: int) -> None:
    """Recorded crimes of people not on any case, none flagged domestic abuse, on the days the
    cases' offences were recorded: the rest of the force's recorded crime, so the records page
    and the dashboard show a plausible share. Named by a force reference only (nobody on cases
    holds it), so linkage leaves them unlinked."""
    extra = max(round(flagged / DEMO_SHARE) - written, 0)
    for index in range(extra if days else 0):
        day = days[index % len(days)]
        writer.writerow([f"SOL/BG/{index:05d}", "", f"BG{index:05d}", "", "", "", "", "",
                         rng.choice(BACKGROUND_CODES), day.strftime("%d/%m/%Y"),
                         day.strftime("%d/%m/%Y"), "N", "N", "", ""])


def load_demo_records(stdout=None) -> None:
    force = Organisation.objects.filter(code="solent").first()
    analyst = User.objects.filter(organisation=force, role=Role.ANALYST).order_by("pk").first()
    if force is None or analyst is None:
        return
    content = build_extract(force)
    source = services.get_or_create_source(analyst, SOURCE)
    if not source.mapping:
        source.mapping = MAPPING
        source.save(update_fields=["mapping"])
    if ImportBatch.objects.filter(source=source, status=ImportBatch.Status.DONE).exists():
        return  # imported before: the demo extract is loaded once
    batch = services.start_import(analyst, source, FILENAME, content, enqueue=False)
    batch = services.run_import(batch.pk)
    if stdout is not None:
        stdout.write(f"Demo police extract: {batch.rows_accepted} rows imported, "
                     f"{batch.rows_rejected} rejected; see Police records as the analyst.")
