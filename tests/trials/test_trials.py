"""Randomisation: stratified permuted blocks, concealed sizes, one allocation per case, the log."""

from __future__ import annotations

from collections import Counter
from random import Random

import pytest
from django.db import IntegrityError, connection, transaction

from diversion.accounts.roles import Role
from diversion.audit.models import AppendOnlyError, ProcessingLog
from diversion.cases import services
from diversion.cases.services import CaseRefused
from diversion.disposals import services as caution_step
from diversion.programmes.schema import TrialSpec
from diversion.trials.models import TrialAllocation, TrialBlock
from diversion.trials.randomisation import make_block, stratum_key
from diversion.trials.services import allocate
from tests.cases.helpers import make_case
from tests.disposals.helpers import consult

TRIAL = TrialSpec(code="t-1", name="Test trial", arms=["workshop", "control"], ratio=[1, 1],
                  strata=["dash_risk"], block_multiples=[1, 2, 3], programme_arm="workshop")


def test_blocks_are_balanced_to_the_ratio_with_varying_sizes():
    rng = Random(7)
    sizes = Counter()
    for _ in range(300):
        block = make_block(["a", "b"], [2, 1], [1, 2, 3], rng)
        counts = Counter(block)
        assert counts["a"] == 2 * counts["b"]
        sizes[len(block)] += 1
    assert set(sizes) == {3, 6, 9}  # concealed: the size changes from block to block


def test_stratum_key():
    assert stratum_key(["dash_risk"], {"dash_risk": "medium"}) == "dash_risk=medium"
    assert stratum_key([], {}) == "-"


def _allocate_many(cast, n: int, risk: str):
    officer = cast.users[Role.DECISION_MAKER]
    arms = []
    for _ in range(n):
        case = make_case(cast, status="consulted", dash_risk=risk)
        with transaction.atomic():
            allocation, new = allocate(actor=officer, case=case, trial=TRIAL,
                                       programme_version=1, facts={"dash_risk": risk})
        assert new
        arms.append(allocation.arm)
    return arms


def test_balance_within_each_stratum_over_many_draws(cast):
    for risk in ("standard", "medium"):
        arms = _allocate_many(cast, 120, risk)
        counts = Counter(arms)
        # Permuted blocks of at most 6: the arms never differ by more than half a block.
        assert abs(counts["workshop"] - counts["control"]) <= 3
        running = 0
        for arm in arms:
            running += 1 if arm == "workshop" else -1
            assert abs(running) <= 3
    strata = set(TrialAllocation.objects.values_list("stratum", flat=True))
    assert strata == {"dash_risk=standard", "dash_risk=medium"}
    for block in TrialBlock.objects.all():
        used = list(block.allocations.order_by("position").values_list("arm", flat=True))
        assert used == block.arms[:len(used)]


def test_a_repeat_request_returns_the_same_allocation_and_nothing_is_redrawn(cast):
    officer = cast.users[Role.DECISION_MAKER]
    case = make_case(cast, status="consulted")
    with transaction.atomic():
        first, new = allocate(actor=officer, case=case, trial=TRIAL, programme_version=1,
                              facts={"dash_risk": "standard"})
    for _ in range(5):
        with transaction.atomic():
            again, new = allocate(actor=officer, case=case, trial=TRIAL, programme_version=1,
                                  facts={"dash_risk": "standard"})
        assert (again.pk, again.arm, new) == (first.pk, first.arm, False)
    assert TrialAllocation.objects.filter(case=case).count() == 1


def test_the_log_cannot_be_edited_or_deleted_or_drawn_twice(cast):
    officer = cast.users[Role.DECISION_MAKER]
    case = make_case(cast, status="consulted")
    with transaction.atomic():
        allocation, _ = allocate(actor=officer, case=case, trial=TRIAL, programme_version=1,
                                 facts={"dash_risk": "standard"})
    allocation.arm = "control" if allocation.arm == "workshop" else "workshop"
    with pytest.raises(AppendOnlyError):
        allocation.save()
    with pytest.raises(AppendOnlyError):
        allocation.delete()
    with pytest.raises(AppendOnlyError):
        TrialAllocation.objects.filter(pk=allocation.pk).update(arm="control")
    with pytest.raises(AppendOnlyError):
        TrialBlock.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        TrialAllocation.objects.create(
            trial_code="t-1", programme_code="cara", programme_version=1, case=case,
            stratum="x", block=allocation.block, position=99, arm="control",
            allocated_by=officer)


def test_the_database_itself_refuses_to_change_an_allocation(cast):
    officer = cast.users[Role.DECISION_MAKER]
    case = make_case(cast, status="consulted")
    with transaction.atomic():
        allocation, _ = allocate(actor=officer, case=case, trial=TRIAL, programme_version=1,
                                 facts={"dash_risk": "standard"})
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE trials_trialallocation SET arm = 'control' WHERE id = %s",
                       [allocation.pk])


@pytest.mark.postgres
def test_postgres_refuses_delete_of_the_log(cast):
    officer = cast.users[Role.DECISION_MAKER]
    case = make_case(cast, status="consulted")
    with transaction.atomic():
        allocate(actor=officer, case=case, trial=TRIAL, programme_version=1,
                 facts={"dash_risk": "standard"})
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM trials_trialallocation")


def test_randomising_needs_eligibility_and_consent_locked(cast):
    officer = cast.users[Role.DECISION_MAKER]
    for status in ("recorded", "eligible", "ineligible"):
        case = make_case(cast, status=status)
        with pytest.raises(services.InvalidTransition):
            caution_step.randomise(actor=officer, case=case, expected_version=case.version)
        assert not TrialAllocation.objects.filter(case=case).exists()


def test_randomising_through_the_case_is_logged_and_repeatable(cast):
    officer = cast.users[Role.DECISION_MAKER]
    case = make_case(cast)
    consult(cast, case)
    services.decide_eligibility(officer, case, expected_version=case.version)
    caution_step.confirm_consultation(actor=officer, case=case, expected_version=case.version,
                                  person_consents=True)
    before = ProcessingLog.objects.count()
    allocation = caution_step.randomise(actor=officer, case=case,
                                        expected_version=case.version)
    assert ProcessingLog.objects.filter(object_type="trials.TrialAllocation").count() == 1
    assert ProcessingLog.objects.count() > before
    case.refresh_from_db()
    assert case.status == "randomised"
    assert caution_step.randomise(actor=officer, case=case, expected_version=1).pk == allocation.pk


def test_a_programme_without_a_trial_cannot_randomise(cast):
    case = make_case(cast, programme="juno", status="consulted")
    with pytest.raises(CaseRefused, match="not running a trial"):
        caution_step.randomise(actor=cast.users[Role.DECISION_MAKER], case=case,
                               expected_version=1)


@pytest.mark.postgres
def test_concurrent_requests_for_one_case_draw_once(transactional_db, cast):
    import threading

    from django.db import connections

    officer = cast.users[Role.DECISION_MAKER]
    case = make_case(cast, status="consulted")
    results, barrier = [], threading.Barrier(4)

    def request() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                allocation, _ = allocate(actor=officer, case=case, trial=TRIAL,
                                         programme_version=1, facts={"dash_risk": "standard"})
            results.append(allocation.arm)
        except Exception as exc:  # an integrity refusal is also "no second draw"
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert TrialAllocation.objects.filter(case=case).count() == 1
    arm = TrialAllocation.objects.get(case=case).arm
    assert results == [arm] * 4
