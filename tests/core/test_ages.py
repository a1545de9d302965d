from datetime import date

import pytest

from diversion.core.ages import age_on


@pytest.mark.parametrize(("born", "day", "age"), [
    (date(1990, 6, 15), date(2020, 6, 14), 29),  # the day before the birthday
    (date(1990, 6, 15), date(2020, 6, 15), 30),  # the birthday itself
    (date(2000, 2, 29), date(2019, 2, 28), 18),  # no 29 February in 2019: not yet
    (date(2000, 2, 29), date(2019, 3, 1), 19),  # ... the birthday counts from 1 March
    (date(2000, 2, 29), date(2020, 2, 28), 19),  # a leap year: the day before
    (date(2000, 2, 29), date(2020, 2, 29), 20),  # ... and the day itself
    (date(1990, 1, 1), date(1990, 1, 1), 0),
])
def test_age_on(born, day, age):
    assert age_on(born, day) == age


def test_every_former_copy_uses_the_core_helper():
    from diversion.cases import services
    from diversion.commissioning import figures
    from diversion.evaluation import cohort

    assert services.age_on is figures.age_on is cohort.age_on is age_on
