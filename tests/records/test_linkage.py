"""Identity linkage: deterministic by PNC ID then force reference, then Splink."""

from __future__ import annotations

from diversion.audit.models import Operation, ProcessingLog
from diversion.cases import pnc
from diversion.records.linkage import link_force
from diversion.records.models import CrimeRecord, LinkCandidate, LinkMethod, PersonLink
from tests.factories import make_person
from tests.records.helpers import csv_bytes, people_and_records, row
from tests.records.test_import import _import


def test_pnc_first_then_force_reference_within_the_same_force(analyst, cast):
    force = analyst.organisation
    by_pnc = make_person(force, "F1", pnc_id=pnc.make(2015, 1))
    by_ref = make_person(force, "F2", pnc_id="")
    # Another force's person with the same PNC ID and reference is never linked.
    make_person(cast.outsider_org, "F1", pnc_id=pnc.make(2015, 2))
    make_person(cast.outsider_org, "F3", pnc_id=pnc.make(2015, 3))
    _import(analyst, csv_bytes([
        row("A/1", pnc_id="15/1" + pnc.make(2015, 1)[-1], force_person_ref="F2"),
        row("A/2", force_person_ref="F2"),
        row("A/3", pnc_id=pnc.make(2015, 3), force_person_ref="F3", family_name="",
            date_of_birth=""),
    ]))
    run = link_force(force, actor=analyst)
    links = {link.record.crime_reference: link for link in PersonLink.objects.all()}
    assert links["A/1"].person == by_pnc and links["A/1"].method == LinkMethod.PNC
    assert links["A/2"].person == by_ref and links["A/2"].method == LinkMethod.FORCE_REFERENCE
    assert "A/3" not in links
    assert (run.linked_pnc, run.linked_force_reference, run.left_unlinked) == (1, 1, 1)
    assert all(link.run == run for link in links.values())
    entry = ProcessingLog.objects.get(operation=Operation.COMBINATION, object_id=str(run.pk))
    assert entry.actor == analyst


def test_a_shared_pnc_id_is_not_guessed_between_two_people(analyst):
    force = analyst.organisation
    make_person(force, "F1", pnc_id=pnc.make(2015, 1))
    make_person(force, "F2", pnc_id=pnc.make(2015, 1))
    _import(analyst, csv_bytes([row("A/1", pnc_id=pnc.make(2015, 1), family_name="",
                                    date_of_birth="")]))
    link_force(force, actor=analyst)
    assert not PersonLink.objects.exists()


def test_probabilistic_links_use_a_model_estimated_from_the_data(analyst):
    force = analyst.organisation
    people, rows = people_and_records(force)
    _import(analyst, csv_bytes(rows))
    run = link_force(force, actor=analyst)
    assert run.status == "done", run.problem
    links = PersonLink.objects.select_related("record", "person")
    assert run.linked_probabilistic == links.count() >= 40
    for link in links:
        assert link.method == LinkMethod.PROBABILISTIC
        assert link.match_probability >= run.upper_threshold
        assert link.record.crime_reference == "R/" + link.person.force_reference[1:]
    # No one named only in the records (the "…son" families) is linked.
    assert not links.filter(record__crime_reference__startswith="N/").exists()
    assert {c["output_column_name"] for c in run.model_settings["comparisons"]} == {
        "given_name", "family_name", "date_of_birth", "sex", "postcode_district"}
    for comparison in run.model_settings["comparisons"]:  # levels never seen keep no estimate
        assert any("m_probability" in level and "u_probability" in level
                   for level in comparison["comparison_levels"])
    assert 0 < run.model_settings["probability_two_random_records_match"] < 1


def test_pairs_between_the_thresholds_go_to_review_and_are_not_linked(analyst):
    force = analyst.organisation
    _people, rows = people_and_records(force)
    _import(analyst, csv_bytes(rows))
    run = link_force(force, actor=analyst, upper=1.01, lower=0.5)
    assert run.linked_probabilistic == 0
    assert run.sent_to_review == LinkCandidate.objects.count() >= 40
    assert not PersonLink.objects.exists()
    pair = LinkCandidate.objects.first()
    assert set(pair.comparisons) == {"given_name", "family_name", "date_of_birth", "sex",
                                     "postcode_district"}
    assert pair.comparisons["family_name"]["level"]
    # A second run leaves pending pairs alone (no duplicates).
    again = link_force(force, actor=analyst, upper=1.01, lower=0.5)
    assert again.sent_to_review == 0
    assert LinkCandidate.objects.count() == run.sent_to_review


def test_import_links_after_merging(analyst):
    force = analyst.organisation
    make_person(force, "F2", pnc_id="")
    batch = _import(analyst, csv_bytes([row("A/1", force_person_ref="F2")]), link=True)
    assert batch.status == "done"
    assert CrimeRecord.objects.get().link.method == LinkMethod.FORCE_REFERENCE
    assert batch.linkage_runs.count() == 1


def test_demo_extract_imports_links_and_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    from diversion.records.models import ImportBatch

    call_command("demo_data", people=60, quiet=True)
    batch = ImportBatch.objects.get()
    assert batch.status == "done" and batch.rows_rejected == 2 and batch.unknown_codes
    methods = set(PersonLink.objects.values_list("method", flat=True))
    assert {LinkMethod.PNC, LinkMethod.FORCE_REFERENCE, LinkMethod.PROBABILISTIC} <= methods
    assert LinkCandidate.objects.filter(decision="pending").exists()  # work for the queue
    counts = (CrimeRecord.objects.count(), PersonLink.objects.count(),
              LinkCandidate.objects.count())
    call_command("demo_data", people=60, stdout=StringIO())
    assert ImportBatch.objects.count() == 1
    assert counts == (CrimeRecord.objects.count(), PersonLink.objects.count(),
                      LinkCandidate.objects.count())


def test_a_small_import_after_the_first_still_links_and_queues(analyst):
    """Routine imports carry a handful of new rows; a lone near match gives this run's rows no
    pair to learn from, which made the old per-run model fail with "math domain error"."""
    force = analyst.organisation
    people, rows = people_and_records(force)
    _import(analyst, csv_bytes(rows))
    first = link_force(force, actor=analyst)
    assert first.status == "done", first.problem
    for reference, person, family in (("S/1", people[5], people[5].family_name[:-1] + "x"),
                                      ("S/2", people[3], people[3].family_name)):
        _import(analyst, csv_bytes([row(
            reference, given_name=person.given_name, family_name=family,
            date_of_birth=person.date_of_birth.isoformat(), sex=person.sex,
            postcode_district=person.postcode_district)]), name=f"{reference[2:]}.csv")
        run = link_force(force, actor=analyst, upper=0.99)
        assert run.status == "done", run.problem
        assert 0 < run.model_settings["probability_two_random_records_match"] < 1
        record_ = CrimeRecord.objects.get(crime_reference=reference)
        queued = LinkCandidate.objects.filter(record=record_, person=person).exists()
        linked = PersonLink.objects.filter(record=record_, person=person).exists()
        assert queued or linked, f"{reference} is neither linked nor queued for review"
        assert run.sent_to_review + run.linked_probabilistic == 1
