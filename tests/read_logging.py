"""The walker behind test_read_logging.py: GET every URL as each role its rule admits, over the
demo data, and report each page that shows personal data without writing a processing-log row.

Which pages show personal data is derived, not remembered:
- the roles the access policy lets read a protected field (`policy.FIELD_READERS`) are the
  personal-data roles: every page they can open is a personal-data read unless it is listed in
  `NO_PERSONAL_DATA` below;
- any page whose body contains the value of a protected field (a person's name, a PNC id, a
  victim's address, a user's e-mail...) is a personal-data read whoever opens it, whatever the
  lists say: an exemption that turns out to show such a value fails;
- roles that read no protected field (analysts, commissioners, auditors, the public) see
  pseudonymised records and aggregates: each of their pages must be classified by hand, in
  `PERSONAL_DATA` or `NO_PERSONAL_DATA`, and an unclassified page fails.
So a new view either logs, or someone decides in this file, in review, that it shows nothing
personal, and the content check keeps that decision honest.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from diversion.accounts import policy
from diversion.accounts.models import User
from diversion.audit.models import ProcessingLog

# Pages that show no personal data to anyone who may open them (forms before anything is
# chosen, reference data, the user's own account, aggregates published to the public...).
NO_PERSONAL_DATA: frozenset[str] = frozenset({
    "accounts:home", "accounts:login", "accounts:second_step", "accounts:set_up_authenticator",
    "accounts:change_password", "accounts:extend_session", "accounts:logout", "accounts:privacy",
    "accounts:accessibility", "accounts:health",
    "notifications:preferences",  # the user's own email choices; kinds and states of their emails
    "cases:record",  # an empty form
    "victims:victim_create", "victims:step_up",  # an empty form; the password prompt
    "delivery:events", "delivery:event_new",  # events, dates and places; an empty form
    "administration:user_create",  # an empty form
    "administration:agreement_create",  # an empty form (receiving organisations' names)
    "administration:agreement_withdraw",  # the form: which organisation an agreement is with
    "programmes:list",  # programme definitions: reference data
    "programmes:provider_set",  # an empty form (programmes and providers' names)
    "evaluation:home", "evaluation:run_new",  # runs' names and settings; an empty form
    "evaluation:run_detail",  # a run's status and settings; its results are disclosed below
    "records:home", "records:upload",  # imports' file names and counts; an empty form
    "records:mapping", "records:run",  # column names; a linkage run's parameters and counts
    "records:review_queue",  # the number of pairs waiting; a pair is shown (and logged) below
    "commissioning:home", "commissioning:contract_list", "commissioning:contract_create",
    "commissioning:contract_edit", "commissioning:unit_costs", "commissioning:release_list",
    "commissioning:release_detail",  # contracts and costs; releases' metadata
    "statistics:list", "statistics:release", "statistics:export",  # published, logged anyway
    "statistics:release_pdf", "commissioning:release_pdf",  # a release's aggregates, logged
    "audit:integrity_check",  # the result of a hash-chain check
    "api_clients:create",  # an empty form
    "api:schema", "api:docs",  # the OpenAPI document and its reference page
    "api:provider_events",  # events, dates and places (as delivery:events)
    "api:analysis_runs",  # runs' names and settings (as evaluation:home)
    "trials:list",  # the trials in the programme files
    # retention: reviews name records by type, number and dates only; an empty form
    "retention:reviews", "retention:review", "retention:request_create", "retention:step_up",
})


# Pages that show a search or query form until asked (?reference=, ?purpose=...): the bare
# GET needs no row, an answered query does (the walk asks one).
EMPTY_UNTIL_ASKED: frozenset[str] = frozenset({"victims:case_search", "audit:log",
                                               "audit:security"})

# Pages whose personal data the content check cannot see (pseudonymised records, counts of
# people): they must log whoever opens them.
PERSONAL_DATA: frozenset[str] = frozenset({
    "evaluation:run_report_html", "evaluation:run_table_csv",  # results about a cohort
    "evaluation:run_report_pdf",
    "records:batch", "records:rejections_csv",  # which rows of a police extract were wrong
    "records:review",  # a candidate pair of crime records
    "trials:log", "trials:log_csv",  # who was allocated to which arm (pseudonymised)
    "commissioning:dashboard", "commissioning:dashboard_export",  # counts of people's cases
    "commissioning:regional",  # counts of people's cases in the forces sharing
    "audit:log", "audit:security",  # who did what to whom (once a query is answered)
    "api:analysis_run",  # a run's result (as evaluation:run_report_html)
    "api:commissioning_dashboard",  # counts of people's cases (as commissioning:dashboard)
})

# The roles the field rules let read a protected field.
PERSONAL_DATA_ROLES: frozenset[str] = frozenset().union(*policy.FIELD_READERS.values())


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str
    rule: policy.Rule | None
    parameters: tuple[str, ...]


def routes(patterns=None, prefix: str = "", namespace: str | None = None) -> Iterator[Route]:
    """Every URL the resolver knows, with its rule and its parameters."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + str(entry.pattern),
                              entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
            yield Route(name=name or prefix + str(entry.pattern), route=prefix + str(entry.pattern),
                        rule=policy.rule_for(entry.callback),
                        parameters=tuple(entry.pattern.converters))


# --- Protected values: what the field rules protect, as it sits in the demo data -------------

MIN_LENGTH = 5  # shorter values (postcode districts, "Sam") match too much ordinary text
CODE = re.compile(r"[a-z_]+")


def protected_values() -> dict[str, str]:
    """value -> "app.Model.field" (or several, " or "-joined) for every protected field's
    non-trivial values."""
    found: dict[str, set[str]] = {}
    for (label, name), _readers in policy.FIELD_READERS.items():
        model = apps.get_model(label)
        model_field = model._meta.get_field(name)
        if model_field.is_relation or model_field.choices:
            continue  # an id or a choice code is no more personal than the word "yes"
        values = [getattr(obj, name) for obj in model.objects.all().only("pk", name)]
        values = [v.strip() for v in values if isinstance(v, str) and len(v.strip()) >= MIN_LENGTH]
        for value in values:
            if CODE.fullmatch(value) and values.count(value) > 1:
                continue  # a stored choice code ("unknown") shared by many rows
            found.setdefault(value, set()).add(f"{label}.{name}")
    return {value: " or ".join(sorted(where)) for value, where in found.items()}


class Sniffer:
    """Finds protected values in a page: as stored, or HTML-escaped, as whole words."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        variants: dict[str, str] = {}
        for value, where in values.items():
            for variant in {value, html.escape(value), html.escape(value, quote=False)}:
                variants[variant] = where
        ordered = sorted(variants, key=len, reverse=True)
        self.pattern = re.compile(
            r"(?<![\w@.])(" + "|".join(re.escape(v) for v in ordered) + r")(?![\w@])"
        ) if ordered else None
        self.where = variants

    def first(self, body: str) -> str | None:
        """The protected field whose value `body` shows first, or None."""
        if self.pattern is None:
            return None
        match = self.pattern.search(body)
        return None if match is None else f"{self.where[match.group(1)]} ({match.group(1)!r})"


# --- Sample arguments: demo objects each role may see -----------------------------------------

def _visible(user, label: str, **filters) -> list:
    model = apps.get_model(label)
    return list(policy.visible(user, model).filter(**filters).order_by("pk")[:200])


def _by_status(objs: list, attribute: str = "status", per_status: int = 2) -> list:
    """A few objects of each status, so a page that needs a stage finds one."""
    picked, counts = [], {}
    for obj in objs:
        key = getattr(obj, attribute)
        if counts.get(key, 0) < per_status:
            counts[key] = counts.get(key, 0) + 1
            picked.append(obj)
    return picked


def _cases(user) -> list[dict]:
    return [{"pk": c.pk} for c in _by_status(_visible(user, "cases.Case"))]


def _visible_cases_of_provider(user) -> list:
    """Cases referred to the user's provider (providers have no scope on cases themselves)."""
    from diversion.cases.models import Case

    return list(Case.objects.filter(referral__provider_id=user.organisation_id)
                .order_by("pk")[:200])


def _provider_cases(user) -> list[dict]:
    return [{"pk": c.pk} for c in _by_status(_visible_cases_of_provider(user))]


def _assessed_cases(user) -> list[dict]:
    from diversion.delivery import booking as booking_rules

    return [{"pk": c.pk} for c in _by_status(_visible_cases_of_provider(user), per_status=1)
            if booking_rules.definition_for(c).assessment_domains][:3]


def _questionnaires(user) -> list[dict]:
    from diversion.delivery import booking as booking_rules

    found = []
    for case in _by_status(_visible_cases_of_provider(user), per_status=1):
        definition = booking_rules.definition_for(case)
        found += [{"pk": case.pk, "qid": q.id} for q in definition.questionnaires[:1]]
    return found


def _events(user) -> list[dict]:
    booked = _visible(user, "delivery.WorkshopEvent", bookings__cancelled=False)
    return [{"pk": e.pk} for e in dict.fromkeys(booked)][:2]


def _bookings(user) -> list[dict]:
    return [{"pk": b.event_id, "booking_pk": b.pk}
            for b in _visible(user, "delivery.Booking", event__isnull=False,
                              attendance__isnull=False)[:3]]


def _victims(user) -> list[dict]:
    return [{"pk": v.pk} for v in _visible(user, "victims.Victim")[:3]]


def _victim_links(user) -> list[dict]:
    return [{"pk": link.victim_id, "case_pk": link.case_id}
            for link in _visible(user, "victims.CaseVictim")[:3]]


def _alert_cases(user) -> list[dict]:
    alerted = [{"case_pk": a.case_id} for a in _visible(user, "victims.SafeguardingAlert")[:2]]
    consulted = [{"case_pk": c.case_id}
                 for c in apps.get_model("victims.Consultation").objects.filter(
                     is_draft=False, case__force_id=user.organisation_id)[:2]]
    return consulted + alerted + [{"case_pk": c["pk"]} for c in _cases(user)[:2]]


def _runs(user) -> list[dict]:
    return [{"pk": r.pk} for r in _visible(user, "evaluation.EvaluationRun", status="done")[:2]]


def _run_tables(user) -> list[dict]:
    from diversion.evaluation import report

    found = []
    for run in _visible(user, "evaluation.EvaluationRun", status="done")[:1]:
        found += [{"pk": run.pk, "table": t.slug} for t in report.tables(run)[:1]]
    return found


def _batches(user) -> list[dict]:
    return [{"pk": b.pk} for b in _by_status(_visible(user, "records.ImportBatch"), per_status=1)]


def _rejected_batches(user) -> list[dict]:
    rejected = _visible(user, "records.ImportBatch", rejections__isnull=False)
    return [{"pk": b.pk} for b in dict.fromkeys(rejected)][:2]


def _linkage_runs(user) -> list[dict]:
    return [{"pk": r.pk} for r in _visible(user, "records.LinkageRun")[:1]]


def _candidates(user) -> list[dict]:
    return [{"pk": c.pk} for c in _visible(user, "records.LinkCandidate")[:2]]


def _dashboard_tables(user) -> list[dict]:
    from django.test import RequestFactory

    from diversion.commissioning import selectors
    from diversion.commissioning.views import _filter_form

    request = RequestFactory().get("/")
    request.user = user
    form = _filter_form(request)
    if not form.is_valid():
        return []
    tables = selectors.dashboard(user, form.filters()).tables
    return [{"key": t.key, "fmt": fmt} for t in tables for fmt in ("csv", "xlsx")]


def _contracts(user) -> list[dict]:
    return [{"pk": c.pk} for c in _visible(user, "commissioning.Contract")[:1]]


def _releases(user) -> list[dict]:
    return [{"pk": r.pk} for r in _visible(user, "commissioning.StatisticsRelease")[:1]]


def _published(user) -> list[dict]:
    from diversion.accounts.policy import public_visible
    from diversion.commissioning.models import StatisticsRelease

    return [{"pk": r.pk} for r in public_visible(StatisticsRelease).order_by("pk")[:1]]


def _published_tables(user) -> list[dict]:
    from diversion.commissioning.models import StatisticsRelease

    found = []
    for release in policy.public_visible(StatisticsRelease).order_by("pk")[:1]:
        keys = [t.get("key") for t in release.snapshot.get("tables", [])]
        found += [{"pk": release.pk, "key": key, "fmt": "csv"} for key in keys[:1] if key]
    return found


def _users(user) -> list[dict]:
    return [{"pk": u.pk} for u in _visible(user, "accounts.User") if u.pk != user.pk][:2]


def _agreements(user) -> list[dict]:
    return [{"pk": a.pk} for a in _visible(user, "administration.DataSharingAgreement",
                                           force_id=user.organisation_id)[:1]]


def _a_case_reference(user) -> str:
    found = _visible(user, "cases.Case")
    return found[0].reference if found else "none"


def _case_references(user) -> list[dict]:
    return [{"reference": c.reference} for c in _by_status(_visible(user, "cases.Case"))]


def _provider_references(user) -> list[dict]:
    return [{"reference": c.reference} for c in _by_status(_visible_cases_of_provider(user))]


def _api_clients(user) -> list[dict]:
    return [{"pk": c.pk} for c in _visible(user, "api.ApiClient")[:2]]


def _alerts(user) -> list[dict]:
    return [{"pk": a.pk} for a in _visible(user, "victims.SafeguardingAlert")[:1]]


def _victim_alerts(user) -> list[dict]:
    return [{"alert_pk": a.pk} for a in _visible(user, "victims.SafeguardingAlert")[:1]]


def _retention_reviews(user) -> list[dict]:
    return [{"pk": r.pk} for r in _visible(user, "retention.RetentionReview")[:1]]


def _subject_access_requests(user) -> list[dict]:
    return [{"pk": r.pk} for r in _visible(user, "retention.SubjectAccessRequest")[:1]]


def _subject_access_exports(user) -> list[dict]:
    return [{**sample, "fmt": fmt} for sample in _subject_access_requests(user)
            for fmt in ("html", "json")]


# URL name -> the samples to try, as a function of the user: each the URL's keyword arguments,
# plus "?" for a query string. A URL with parameters and no entry here fails the walk: say here
# how to reach it.
SAMPLES: dict[str, Callable[[User], list[dict]]] = {
    "retention:review": _retention_reviews,
    "retention:request": _subject_access_requests,
    "retention:export": _subject_access_exports,
    **{f"cases:{name}": _cases for name in ("facts", "eligibility", "timeline", "contact")},
    **{f"disposals:{name}": _cases for name in
       ("detail", "consultation", "randomise", "caution", "statement", "victim_view", "close")},
    **{f"trials:{name}": (lambda user: [{"code": "cara-trial-1"}]) for name in ("log", "log_csv")},
    **{f"delivery:{name}": _provider_cases for name in
       ("case", "contact", "note", "goal", "onward", "complete", "book", "one_to_one")},
    "delivery:assessment": _assessed_cases,
    "delivery:questionnaire": _questionnaires,
    "delivery:register": _events,
    "delivery:correct_attendance": _bookings,
    "delivery:progress": _cases,
    "delivery:decide": _cases,
    **{f"victims:{name}": _victims for name in
       ("victim", "link_case", "contact_details", "contact_details_edit", "contact_create",
        "disclosure_create")},
    **{f"victims:{name}": _victim_links for name in
       ("consultation", "follow_up_create", "safeguarding_create", "information_create")},
    "victims:lift_pause": _victim_alerts,
    "victims:police_acknowledge": _alerts,
    "victims:police_case": _alert_cases,
    "evaluation:run_detail": _runs,
    "evaluation:run_headline": _runs,
    "evaluation:run_report_html": _runs,
    "evaluation:run_report_pdf": _runs,
    "evaluation:run_table_csv": _run_tables,
    "records:batch": _rejected_batches,
    "records:mapping": _batches,
    "records:rejections_csv": _rejected_batches,
    "records:run": _linkage_runs,
    "records:review": _candidates,
    "commissioning:dashboard_export": _dashboard_tables,
    "commissioning:contract_edit": _contracts,
    "commissioning:release_detail": _releases,
    "commissioning:release_publish": _releases,
    "commissioning:release_pdf": _releases,
    "statistics:release": _published,
    "statistics:export": _published_tables,
    "statistics:release_pdf": _published,
    "administration:user_edit": _users,
    "administration:agreement_withdraw": _agreements,
    "audit:log": lambda user: [{}, {"?": "purpose=lawfulness"}],
    "audit:security": lambda user: [{}, {"?": "purpose=integrity_security"}],
    "victims:case_search": lambda user: [{}, {"?": "reference=" + _a_case_reference(user)}],
    "administration:sign_out_everywhere": _users,
    "api_clients:detail": _api_clients,
    "api_clients:revoke": _api_clients,
    **{f"api:police_{name}": _case_references for name in
       ("case", "eligibility", "consultation", "randomisation", "caution", "statement_date",
        "victim_view", "breach_decision")},
    **{f"api:provider_{name}": _provider_references for name in
       ("referral", "contact", "bookings", "completion", "assessment", "one_to_ones")},
    "api:provider_questionnaire": lambda user: [{**r, "qid": "cara_pre"}
                                                for r in _provider_references(user)],
    "api:provider_attendance": _events,
    "api:provider_attendance_correction": lambda user: [
        {"pk": b["pk"], "booking": b["booking_pk"]} for b in _bookings(user)],
    "api:analysis_run": _runs,
    "administration:reset_authenticator": _users,
}


# --- The walk ---------------------------------------------------------------------------------

@dataclass
class Walk:
    problems: list[str] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)  # "name as role" pages that wrote a row
    pages: int = 0


def demo_users() -> dict[str, User]:
    """The first demo user of each role (the one the README suggests)."""
    from diversion.demo.organisations import USERS

    found: dict[str, User] = {}
    for username, _first, _last, role, _org in USERS:
        found.setdefault(role, User.objects.get(username=username))
    return found


def load_demo() -> None:
    """The demo data, plus two statistics releases (one published) so their pages are walked."""
    from datetime import date

    from diversion.accounts.roles import Role
    from diversion.commissioning import figures
    from diversion.commissioning.models import StatisticsRelease

    _API_CLIENTS.clear()  # made in an earlier walk's transaction, rolled back since
    call_command("demo_data", people=20, quiet=True, stdout=StringIO())
    client = Client()
    client.force_login(demo_users()[Role.COMMISSIONER])
    this = figures.quarter_start(date.today())
    for months_back in (3, 6):
        month = this.month - months_back
        quarter = date(this.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        client.post(reverse("commissioning:release_list"), {"quarter": quarter.isoformat()})
    first = StatisticsRelease.objects.order_by("quarter_start").first()
    assert first is not None, "the walk needs a statistics release to walk"
    client.post(reverse("commissioning:release_publish", args=[first.pk]))
    _a_pair_to_review()
    _api_client_of(demo_users()[Role.DECISION_MAKER])  # so the API clients' pages show one


def _a_pair_to_review() -> None:
    """A small demo's model may link or leave every near-match, so the review page would have
    nothing to show: link again with a low lower threshold, as an analyst may."""
    from diversion.accounts.models import Organisation
    from diversion.accounts.roles import Role
    from diversion.records.linkage import link_force
    from diversion.records.models import LinkCandidate

    if not LinkCandidate.objects.exists():
        force = Organisation.objects.get(code="solent")
        link_force(force, actor=User.objects.get(organisation=force, username="analyst.lindqvist",
                                                 role=Role.ANALYST), lower=0.001)
    assert LinkCandidate.objects.exists(), "the walk needs a pair in the review queue"


def _api_client_of(user: User) -> User:
    """The account of an API client with `user`'s role and organisation (made once), carrying
    its token as `demo_token`."""
    from datetime import timedelta

    from django.utils import timezone

    from diversion.accounts.roles import Role
    from diversion.api import services
    from diversion.api.models import ApiClient

    made = _API_CLIENTS.get(user.pk)
    # A client made in an earlier test's (rolled back) transaction is gone; on SQLite the same
    # user pk comes back, so the cache alone would hand out a client that does not exist.
    if made is None or not ApiClient.objects.filter(user_id=made.pk).exists():
        admin = User.objects.filter(organisation_id=user.organisation_id,
                                    role=Role.ADMINISTRATOR, is_api_client=False).first()
        if admin is None:
            admin = User.objects.create(username=f"walk-admin-{user.organisation_id}",
                                        organisation_id=user.organisation_id,
                                        role=Role.ADMINISTRATOR)
        client, token = services.create_client(
            actor=admin, name=f"walk {user.role} {ApiClient.objects.count()}", role=user.role,
            can_read=True, can_write=True, expires_on=timezone.localdate() + timedelta(days=1))
        made = ApiClient.objects.select_related("user").get(pk=client.pk).user
        made.demo_token = token  # type: ignore[attr-defined]
        _API_CLIENTS[user.pk] = made
    return made


_API_CLIENTS: dict[int, User] = {}


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def walk(all_routes: list[Route] | None = None) -> Walk:
    """GET every route as every role its rule admits; collect what is wrong."""
    result = Walk()
    _API_CLIENTS.clear()
    users = demo_users()
    sniffer = Sniffer(protected_values())
    for route in all_routes if all_routes is not None else list(routes()):
        if route.rule is None:
            result.problems.append(f"{route.name}: no access rule")
            continue
        if route.rule.public:
            viewers: list[User | None] = [None]
        else:
            viewers = [users[role] for role in sorted(route.rule.roles) if role in users]
        samples = SAMPLES.get(route.name)
        if route.parameters and samples is None:
            result.problems.append(f"{route.name}: has parameters {route.parameters} but no "
                                   "sample arguments in tests/read_logging.py SAMPLES")
            continue
        rendered_any = False
        for viewer in viewers:
            rendered_any |= _walk_one(result, sniffer, route, viewer, samples)
        if not rendered_any and route.name in PERSONAL_DATA:
            result.problems.append(f"{route.name}: listed as personal data but no sample "
                                   "arguments gave a page to check")
    return result


def _walk_one(result: Walk, sniffer: Sniffer, route: Route, viewer: User | None,
              samples: Callable | None) -> bool:
    """GET `route` as `viewer` with each sample; True if any rendered a page."""
    client = Client()
    if viewer is not None and route.rule is not None and route.rule.token:
        viewer = _api_client_of(viewer)  # the API takes a token, not a session
        client = Client(headers={"Authorization": f"Bearer {viewer.demo_token}"})
    elif viewer is not None:
        client.force_login(viewer)
    who = viewer.role if viewer is not None else "anonymous"
    candidates = samples(viewer) if samples is not None else [{}]
    if not candidates:
        result.problems.append(f"{route.name} as {who}: the demo data gave no sample "
                               "arguments (tests/read_logging.py SAMPLES)")
        return False
    rendered, refused = False, []
    for sample in candidates:
        kwargs = {k: v for k, v in sample.items() if k != "?"}
        url = reverse(route.name, kwargs=kwargs) + (f"?{sample['?']}" if "?" in sample else "")
        before = ProcessingLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url)
        result.pages += 1
        if response.status_code == 405:
            return False  # a POST-only view: a GET reads nothing
        if 300 <= response.status_code < 400:
            refused.append(f"{url} → {response.status_code}")
            continue  # a redirect shows nothing
        if response.status_code != 200:
            result.problems.append(f"{route.name} as {who}: GET {url} → "
                                   f"{response.status_code} (fix its sample arguments)")
            continue
        rendered = True
        if "?" not in sample and route.name in EMPTY_UNTIL_ASKED:
            shown = sniffer.first(_body(response))
            if shown is not None:
                result.problems.append(f"{route.name} as {who}: shows {shown} before any "
                                       f"query at {url}")
            continue
        _check(result, sniffer, route, who, url, _body(response),
               wrote=ProcessingLog.objects.filter(
                   id__gt=before, **({"actor": viewer} if viewer is not None else {})).exists())
    if not rendered and route.name not in NO_PERSONAL_DATA:
        result.problems.append(f"{route.name} as {who}: no sample showed a page "
                               f"({'; '.join(refused) or 'no samples'}): add samples that do, "
                               "or list it in NO_PERSONAL_DATA")
    return rendered


def _check(result: Walk, sniffer: Sniffer, route: Route, who: str, url: str, body: str, *,
           wrote: bool) -> None:
    shown = sniffer.first(body)
    personal = (shown is not None or route.name in PERSONAL_DATA
                or (who in PERSONAL_DATA_ROLES and route.name not in NO_PERSONAL_DATA))
    if shown is not None and route.name in NO_PERSONAL_DATA:
        result.problems.append(f"{route.name} as {who}: listed as showing no personal data "
                               f"but shows {shown} at {url}")
    if personal and not wrote:
        because = f"shows {shown}" if shown else (
            "listed as personal data" if route.name in PERSONAL_DATA
            else f"{who} reads protected fields and it is not listed as no personal data")
        result.problems.append(f"{route.name} as {who}: no processing-log row for GET {url} "
                               f"({because})")
    elif not personal and route.name not in NO_PERSONAL_DATA:
        result.problems.append(f"{route.name} as {who}: unclassified: add it to "
                               "PERSONAL_DATA (and log the read) or NO_PERSONAL_DATA")
    if wrote:
        result.logged.append(f"{route.name} as {who}")
