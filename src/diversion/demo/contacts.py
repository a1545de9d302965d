"""Contact details for every demo person with a referral, so the provider's first-contact page
has something to show. Clearly fake: Ofcom's drama numbers (07700 900xxx), example.org
addresses and made-up streets. Idempotent: people who have details keep them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from diversion.audit.models import Operation
from diversion.audit.services import record
from diversion.cases.models import Person, PersonContact, SafeContactMethod

STREETS = ("Example Street", "Specimen Road", "Placeholder Lane", "Sample Close",
           "Fictional Avenue", "Demo Crescent")
TOWNS = (("Southampton", "SO14"), ("Portsmouth", "PO1"), ("Eastleigh", "SO50"),
         ("Havant", "PO9"), ("Fareham", "PO16"))
# Mostly the cautious choice a DA case calls for: speak to the person, nothing others can see.
PLANS = (
    ([SafeContactMethod.CALL], "Lives with the victim. Call only; do not leave a voicemail, "
                               "text or write. Avoid evenings and weekends."),
    ([SafeContactMethod.CALL, SafeContactMethod.TEXT], "Text first to arrange a call. "
                                                      "Works shifts: mornings are best."),
    ([SafeContactMethod.CALL, SafeContactMethod.EMAIL], "Do not leave a voicemail."),
    ([SafeContactMethod.CALL, SafeContactMethod.TEXT, SafeContactMethod.VOICEMAIL,
      SafeContactMethod.EMAIL, SafeContactMethod.LETTER], ""),
)


def build_contact_details() -> int:
    """Give each referred person without contact details a fake set; returns how many."""
    people = (Person.objects.filter(cases__referral__isnull=False, contact__isnull=True)
              .distinct().order_by("pk"))
    made = []
    for n, person in enumerate(people):
        methods, notes = PLANS[n % len(PLANS)]
        town, district = TOWNS[n % len(TOWNS)]
        made.append(PersonContact(
            person=person, phone=f"+44 7700 900{n % 1000:03d}",
            email=(f"{person.given_name}.{person.family_name}.{n}@example.org".lower()
                   .replace(" ", "").replace("'", "")),
            address=f"{10 + n % 80} {STREETS[n % len(STREETS)]}\n{town}",
            postcode=f"{district} {1 + n % 9}XX",
            safe_methods=",".join(m.value for m in methods), notes=notes,
            updated_at=timezone.now()))
    if made:
        with transaction.atomic():
            PersonContact.objects.bulk_create(made)
            record(actor=None, operation=Operation.COLLECTION,
                   justification=f"Synthetic demo contact details for {len(made)} referred "
                                 "people",
                   subjects=[contact.person for contact in made])
    return len(made)
