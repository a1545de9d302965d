"""Every GET that shows personal data writes a processing-log row (tests/read_logging.py)."""

from __future__ import annotations

import pytest

from tests import read_logging


def test_every_page_that_shows_personal_data_logs_the_read(db):
    read_logging.load_demo()
    walked = read_logging.walk()
    assert walked.problems == [], "\n" + "\n".join(walked.problems)
    # The walk reached the pages it is about, not only refusals.
    assert walked.pages > 250 and len(walked.logged) > 150
    for page in ("victims:consultation as victim_worker", "victims:police_case as decision_maker",
                 "cases:contact as decision_maker", "delivery:case as facilitator",
                 "administration:user_edit as administrator",
                 "records:rejections_csv as analyst", "commissioning:dashboard as commissioner",
                 "commissioning:dashboard_export as commissioner"):
        assert page in walked.logged


@pytest.mark.urls("tests.read_logging_newcomer_urls")
def test_a_new_page_that_forgets_the_log_fails_the_walk(db):
    read_logging.load_demo()
    new = [r for r in read_logging.routes() if r.route.startswith("newcomer/")]
    assert len(new) == 2
    problems = read_logging.walk(new).problems
    assert len(problems) == 2, problems
    person, analysis = sorted(problems)
    assert person.startswith("forgetful_person_page as decision_maker: no processing-log row")
    assert "shows cases.Person." in person
    assert analysis.startswith("unclassified_page as analyst: unclassified")


def test_the_content_check_sees_a_protected_value_and_ignores_ordinary_words(db):
    sniffer = read_logging.Sniffer({"O'Hara": "cases.Person.family_name",
                                    "sam@example.org": "accounts.User.email"})
    assert sniffer.first("<td>O&#x27;Hara</td>") == "cases.Person.family_name ('O&#x27;Hara')"
    assert sniffer.first("mail sam@example.org now").startswith("accounts.User.email")
    assert sniffer.first("O'Harasson and xsam@example.org") is None
