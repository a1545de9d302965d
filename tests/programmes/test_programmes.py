"""Programmes are data: definitions load, bad files fail clearly, a new one needs no code."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.programmes import registry
from diversion.programmes.models import ProgrammeVersion
from diversion.programmes.registry import DefinitionError
from diversion.programmes.services import sync_versions

THIRD = """
code: sunrise
version: 1
name: Sunrise
audience: {sexes: [M, F], min_age: 18, description: Adults cautioned for criminal damage}
eligibility:
  - {id: damage, text: Criminal damage only, fact: offence_code, operator: in,
     value: ["58A", "58D"]}
  - {id: adult, text: 18 or over, fact: age_at_offence, operator: min, value: 18}
sessions:
  - {id: repair, name: Repair workshop, kind: group, hours: 3}
default_deadline_weeks: 8
outcome_measures:
  - {id: reoffending_any_12m, name: Any reoffending in 12 months}
"""


def test_cara_and_juno_load_with_everything_the_issue_lists():
    cara, juno = registry.current("cara"), registry.current("juno")
    assert cara.ruleset_version == "cara-v1" and juno.ruleset_version == "juno-v1"
    assert [s.id for s in cara.sessions] == ["part_a", "part_b"]
    assert (cara.sessions[1].min_weeks_after, cara.sessions[1].max_weeks_after) == (4, 5)
    assert {s.kind for s in juno.sessions} == {"group", "one_to_one"}
    assert cara.default_deadline_weeks == 16 and cara.questionnaires and cara.outcome_measures
    assert cara.trial and cara.trial.ratio == [1, 1] and juno.trial is None


@pytest.fixture
def extra_dir(tmp_path, settings):
    settings.DIVERSION_PROGRAMME_DIRS = [str(tmp_path)]
    registry.clear_cache()
    yield tmp_path
    registry.clear_cache()


def test_a_third_programme_is_a_new_file_and_no_code(extra_dir, cast, client):
    (extra_dir / "sunrise-v1.yaml").write_text(THIRD)
    registry.clear_cache()
    assert ("sunrise", "Sunrise") in registry.choices()
    # Its rules evaluate through the same engine as CARA's.
    from diversion.programmes.rules import evaluate, overall
    results = evaluate(registry.current("sunrise").eligibility,
                       {"offence_code": "58A", "age_at_offence": 30})
    assert overall(results) == "eligible"
    client.force_login(cast.users[Role.ADMINISTRATOR])
    page = client.get(reverse("programmes:list")).content.decode()
    assert "Sunrise" in page and "Project CARA" in page and "JUNO" in page
    assert ProgrammeVersion.objects.filter(code="sunrise", version=1).exists()


@pytest.mark.parametrize("text, expected", [
    (THIRD.replace("default_deadline_weeks: 8", "default_deadline_weeks: many"),
     "field default_deadline_weeks"),
    (THIRD.replace("operator: min", "operator: roughly"), "field eligibility.1.operator"),
    (THIRD.replace("name: Sunrise\n", ""), "field name: Field required"),
    (THIRD + "colour: blue\n", "field colour"),
    (THIRD.replace("value: 18}", "value: eighteen}"), "needs a number value"),
    ("just: [unclosed", "not valid YAML"),
])
def test_a_bad_definition_names_file_field_and_problem(extra_dir, text, expected):
    (extra_dir / "sunrise-v1.yaml").write_text(text)
    with pytest.raises(DefinitionError) as caught:
        registry.load_all([extra_dir])
    assert str(caught.value).startswith("sunrise-v1.yaml: ")
    assert expected in str(caught.value)


def test_the_file_name_must_match_code_and_version(tmp_path):
    (tmp_path / "sunrise-v2.yaml").write_text(THIRD)
    with pytest.raises(DefinitionError, match="must be named sunrise-v1.yaml"):
        registry.load_all([tmp_path])


def test_a_loaded_version_cannot_change_silently(db, extra_dir):
    (extra_dir / "sunrise-v1.yaml").write_text(THIRD)
    registry.clear_cache()
    sync_versions()
    (extra_dir / "sunrise-v1.yaml").write_text(THIRD.replace("weeks: 8", "weeks: 9"))
    registry.clear_cache()
    with pytest.raises(DefinitionError, match="add a new version"):
        sync_versions()


def test_only_administrators_see_the_programmes_page(cast, client):
    for role in Role.values:
        client.force_login(cast.users[role])
        status = client.get(reverse("programmes:list")).status_code
        assert status == (200 if role == Role.ADMINISTRATOR else 403), role


def test_definitions_directory_holds_only_valid_files():
    assert {p.name for p in Path(registry.BUILT_IN).glob("*.yaml")} == {"cara-v1.yaml",
                                                                          "juno-v1.yaml"}


def test_a_bad_file_stops_start_up_with_its_name(extra_dir):
    from django.apps import apps

    (extra_dir / "sunrise-v1.yaml").write_text(THIRD.replace("version: 1", "version: one"))
    registry.clear_cache()
    with pytest.raises(DefinitionError, match="sunrise-v1.yaml: field version"):
        apps.get_app_config("programmes").ready()
