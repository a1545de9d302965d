"""Bodies for the API tests: an offence to push and a caution to record."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from diversion.cases import regimes

_counter = iter(range(1, 10_000_000))


def offence_body(ref: str | None = None, **person) -> dict:
    n = next(_counter)
    ref = ref or f"CR/API/{n}"
    return {
        "programme": "cara",
        "person": {"force_reference": f"PER-{ref}", "given_name": "Jordan",
                   "family_name": f"Pushed{n}", "date_of_birth": "1988-04-02", "sex": "M",
                   "pnc_id": "", **person},
        "offence": {"crime_reference": ref, "offence_code": "105A",
                    "offence_date": (timezone.localdate() - timedelta(days=10)).isoformat(),
                    "domestic_abuse": True, "relationship": "current_partner"},
        "facts": {"admission": True, "on_bail": False, "court_order": False,
                  "community_sentence": False, "violence_disposal_within_2_years": False,
                  "interpreter_needed": False, "appropriate_adult_needed": False,
                  "dash_risk": "standard"},
    }


def caution_body(version: int, *, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    return {"version": version, "disposal_date": today.isoformat(),
            "regime": regimes.regimes_for(today)[0].code, "authorising_officer": "Insp Rowe 4411",
            "authorising_rank": "inspector", "programme_condition": True,
            "deadline": (today + timedelta(weeks=16)).isoformat(), "signed_document": True}
