"""The dashboard's arithmetic on hand-built data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from diversion.commissioning import figures, stages
from diversion.commissioning.figures import ContractTerms


def test_quarters():
    assert figures.quarter_start(date(2026, 5, 17)) == date(2026, 4, 1)
    assert figures.quarter_end(date(2026, 5, 17)) == date(2026, 6, 30)
    assert figures.quarter_end(date(2026, 11, 2)) == date(2026, 12, 31)
    assert figures.quarter_label(date(2026, 1, 9)) == "Jan to Mar 2026"
    assert figures.quarters(date(2025, 12, 31), date(2026, 4, 1)) == [
        date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1)]


def test_overlap_days_is_inclusive_and_zero_when_apart():
    assert figures.overlap_days(date(2026, 1, 1), date(2026, 1, 31),
                                date(2026, 1, 31), date(2026, 2, 5)) == 1
    assert figures.overlap_days(date(2026, 1, 1), date(2026, 1, 31),
                                date(2026, 2, 1), date(2026, 2, 5)) == 0


def test_cost_in_period_is_pro_rata_by_day():
    cara = ContractTerms(date(2025, 4, 1), date(2028, 3, 31), Decimal("125000"))
    # A whole 365-day year inside the contract costs the annual value.
    assert figures.cost_in_period([cara], date(2025, 4, 1), date(2026, 3, 31)) == Decimal(
        "125000.00")
    # One quarter of 91 days (Apr-Jun): 125000 * 91 / 365 = 31164.383... -> 31164.38
    assert figures.cost_in_period([cara], date(2026, 4, 1), date(2026, 6, 30)) == Decimal(
        "31164.38")
    juno = ContractTerms(date(2026, 6, 1), date(2030, 3, 31), Decimal("90000"))
    # June only for JUNO: 30 days of 90000/365 = 7397.26; plus CARA's quarter.
    assert figures.cost_in_period([cara, juno], date(2026, 4, 1), date(2026, 6, 30)) == (
        Decimal("31164.38") + Decimal("7397.26"))
    # Outside every contract: nothing.
    assert figures.cost_in_period([cara], date(2030, 1, 1), date(2030, 3, 31)) == Decimal("0")


def test_cost_per_handles_zero():
    assert figures.cost_per(Decimal("31164.38"), 40) == Decimal("779.11")
    assert figures.cost_per(Decimal("1000"), 0) is None


def test_rate():
    assert figures.rate(17, 20) == pytest.approx(85.0)
    assert figures.rate(0, 0) is None
    with pytest.raises(ValueError):
        figures.rate(21, 20)


def test_offences_avoided_and_benefit_cost():
    # 100 completers; comparison group 30% reoffend, treated 18%: 12 offences avoided.
    avoided = figures.offences_avoided(100, 0.30, 0.18)
    assert avoided == Decimal("12.0")
    result = figures.benefit_cost(avoided, Decimal("34015"), Decimal("125000"))
    assert result.benefit == Decimal("408180.00")  # 12 x 34,015
    assert result.ratio == Decimal("3.27")  # 408,180 / 125,000 = 3.265 -> 3.27
    # A programme that does harm shows a negative benefit, not zero.
    worse = figures.benefit_cost(figures.offences_avoided(50, 0.2, 0.3), Decimal("1000"),
                                 Decimal("10000"))
    assert worse.benefit == Decimal("-5000.00")
    assert worse.ratio == Decimal("-0.50")
    assert figures.benefit_cost(Decimal(1), Decimal(1), Decimal(0)).ratio is None
    with pytest.raises(ValueError):
        figures.offences_avoided(10, 1.2, 0.1)


def test_offences_avoided_interval_carries_the_ci_through():
    # 150 treated; comparison 32%, treated 20%: the engine's difference (treated − comparison)
    # is −0.12 with CI −0.20 to −0.04, so 8% to 20% of the 150 are avoided: 6 to 30.
    avoided = figures.avoided_interval(150, 0.32, 0.20, (-0.20, -0.04))
    assert (avoided.estimate, avoided.low, avoided.high) == (Decimal("18.00"), Decimal("6.00"),
                                                             Decimal("30.00"))
    assert avoided.significant
    result = figures.benefit_cost_interval(avoided, Decimal("1000"), Decimal("6000"))
    assert (result.benefit.estimate, result.benefit.low, result.benefit.high) == (
        Decimal("18000.00"), Decimal("6000.00"), Decimal("30000.00"))
    assert (result.ratio.estimate, result.ratio.low, result.ratio.high) == (
        Decimal("3.00"), Decimal("1.00"), Decimal("5.00"))


def test_an_interval_across_zero_is_not_significant_and_keeps_its_negative_end():
    avoided = figures.avoided_interval(100, 0.30, 0.27, (-0.10, 0.04))
    assert (avoided.low, avoided.high) == (Decimal("-4.00"), Decimal("10.00"))
    assert not avoided.significant
    result = figures.benefit_cost_interval(avoided, Decimal("500"), Decimal("1000"))
    assert result.benefit.low == Decimal("-2000.00") and result.ratio.low == Decimal("-2.00")
    # A significant increase in reoffending is significant too: a disbenefit.
    assert figures.avoided_interval(100, 0.2, 0.3, (0.02, 0.18)).significant
    # Nothing spent: no ratio, but the benefit stands.
    assert figures.benefit_cost_interval(avoided, Decimal("500"), Decimal(0)).ratio is None


def test_interval_inputs_are_checked():
    with pytest.raises(ValueError, match="proportions"):
        figures.avoided_interval(10, 1.5, 0.1, (-0.1, 0.1))
    with pytest.raises(ValueError, match="lower end"):
        figures.avoided_interval(10, 0.3, 0.1, (0.1, -0.1))


def test_age_bands_on_the_day():
    born = date(2000, 6, 15)
    assert figures.age_band(born, date(2018, 6, 14)) == "Under 18"
    assert figures.age_band(born, date(2018, 6, 15)) == "18 to 24"
    assert figures.age_band(born, date(2025, 6, 15)) == "25 to 34"
    assert figures.age_band(date(1950, 1, 1), date(2026, 1, 1)) == "55 and over"


def test_ethnic_groups_from_police_codes():
    assert figures.ethnic_group("W1") == "White"
    assert figures.ethnic_group("B2") == "Black or Black British"
    assert figures.ethnic_group("NS") == "Not stated"
    assert figures.ethnic_group("") == "Not stated"


def test_split_counts_every_label_in_order():
    assert figures.split(["M", "F", "M"], ["M", "F", "X"]) == [("M", 2), ("F", 1), ("X", 0)]
    with pytest.raises(ValueError):
        figures.split(["Q"], ["M"])


def test_durations():
    assert figures.median_days([3, 20, 7, 14]) == 10.5
    assert figures.median_days([]) is None
    assert figures.share_within([3, 20, 7, 14, 15], 14) == (3, 5)


def test_figure_shows_units_and_empty_states():
    assert figures.Figure("x", Decimal("1234.5"), "n", unit="£").shown == "£1,234.50"
    assert figures.Figure("x", 85.0, "n", "d", unit="%").shown == "85.0%"
    assert figures.Figure("x", None, "n", empty="No referrals recorded yet").shown == (
        "No referrals recorded yet")
    assert figures.Figure("x", "[c]", "n").shown == "[c]"
    assert figures.Figure("x", 12000, "n").shown == "12,000"


def test_stage_counts_from_statuses():
    got = stages.counts_by_stage({"recorded": 50, "cautioned": 4, "referred": 10,
                                  "in_progress": 5, "completed": 20,
                                  stages.CLOSED_COMPLETED: 2, "breached": 3, "decided": 1})
    assert got == {"referred": 41, "started": 27, "completed": 22, "breached": 4}
    # closed after a breach is a breach, closed for another reason a referral only
    assert stages.counts_by_stage({stages.CLOSED_AFTER_BREACH: 3, stages.CLOSED_OTHER: 2}) == {
        "referred": 5, "started": 0, "completed": 0, "breached": 3}
    assert [stages.closed_status(r) for r in ("programme_completed", "nfa_after_breach",
                                              "prosecuted_after_breach", "other", None)] == [
        stages.CLOSED_COMPLETED, stages.CLOSED_AFTER_BREACH, stages.CLOSED_AFTER_BREACH,
        stages.CLOSED_OTHER, stages.CLOSED_OTHER]
    assert stages.counts_by_stage({"recorded": 9}) == {
        "referred": 0, "started": 0, "completed": 0, "breached": 0}
