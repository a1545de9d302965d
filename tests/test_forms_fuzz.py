"""Every form, fed junk, answers with a page, never a server error (security.md 13).

For each role, a demo user crawls the pages their role can reach (following links from their
home page, as a person would), collects every POST form on them, and Hypothesis posts each form
with mutated values: empty, very long, control and NUL characters, impossible dates, huge and
negative numbers, other options' values, and missing fields. Any unhandled exception fails the
test with the form's address in the notes. Nothing about what the page says is asserted here:
each form's own tests check its messages.
"""

from __future__ import annotations

import os
import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from diversion.accounts import policy
from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.cases.models import Case

MAX_PAGES = 90  # per role: enough to reach one page of each kind from the demo data
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))  # per form; raise it for a deeper local run
NEVER_POST = {"accounts:logout", "accounts:login", "accounts:second_step",
              "accounts:set_up_authenticator"}
DEMO_USER = {Role.DECISION_MAKER: "sgt.okafor", Role.FACILITATOR: "facilitator.hughes",
             Role.PROVIDER_MANAGER: "manager.patel", Role.VICTIM_WORKER: "idva.morgan",
             Role.ANALYST: "analyst.lindqvist", Role.COMMISSIONER: "commissioner.adeyemi",
             Role.ADMINISTRATOR: "admin.brennan", Role.AUDITOR: "auditor.fischer"}


class _Forms(HTMLParser):
    """The links and POST forms on a page: fields with their current and offered values."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "files": False}
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self._form["files"] = True
                return
            values = self._form["fields"].setdefault(a["name"], {"kind": kind, "options": []})
            values["options"].append(a.get("value") or "")
        elif tag in ("textarea", "button"):
            entry = self._form["fields"].setdefault(a["name"], {"kind": tag, "options": []})
            entry["options"].append(a.get("value") or "")
        elif tag == "select":  # its option values are added by _options()
            self._form["fields"].setdefault(a["name"], {"kind": "select", "options": []})

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)



def _options(parser: _Forms, html: str) -> None:
    """Add each select's option values (a second, simple pass keeps the parser small)."""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        values = re.findall(r'<option[^>]*value="([^"]*)"', body)
        for form in parser.forms:
            if name in form["fields"]:
                form["fields"][name]["options"].extend(values)


def _same_site_path(page_url: str, href: str) -> str | None:
    target = urlsplit(urljoin("http://testserver" + page_url, href))
    if target.netloc != "testserver" or target.path.startswith("/assets/"):
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def _discover(client: Client, starts: list[str]) -> dict[str, tuple[str, dict]]:
    """Crawl from `starts`; one POST form per URL name and field set (the first found)."""
    found: dict[str, tuple[str, dict]] = {}
    seen_names: dict[str, int] = {}
    queue, seen = deque(starts), set(starts)
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        parser = _Forms()
        parser.feed(html)
        _options(parser, html)
        for form in parser.forms:
            action = _same_site_path(url, form["action"]) or url
            try:
                name = resolve(urlsplit(action).path).view_name
            except Resolver404:
                continue
            if name not in NEVER_POST and not form["files"]:
                found.setdefault(f"{name} {sorted(form['fields'])}", (action, form))
        for href in parser.links:
            path = _same_site_path(url, href)
            if path is None or path in seen:
                continue
            try:
                name = resolve(urlsplit(path).path).view_name
            except Resolver404:
                continue
            # Breadth over depth: a few pages of each kind, not every case in the list.
            if seen_names.get(name, 0) >= 8 or "download" in name or "export" in name:
                continue
            seen_names[name] = seen_names.get(name, 0) + 1
            seen.add(path)
            queue.append(path)
    return found


JUNK = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=400),
    st.sampled_from(["\x00", "a\x00b", "\r\n", "0", "-1", "-99999999999999999999",
                     "99999999999999999999", "1e308", "NaN", "2026-02-30", "0000-00-00",
                     "9999-12-31", "31/12/2026", "<script>alert(1)</script>", "' OR 1=1 --",
                     "SO14 0AA", "../../etc/passwd", "１２３"]),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
)


def _values(form: dict) -> st.SearchStrategy[dict]:
    fields = {}
    for name, spec in form["fields"].items():
        if name == "csrfmiddlewaretoken":
            continue
        choices = [st.sampled_from(spec["options"])] if spec["options"] else []
        fields[name] = st.one_of(*choices, JUNK, st.none())
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not None})


@pytest.fixture
def demo(db):
    call_command("demo_data", people=20, quiet=True, stdout=StringIO())


@pytest.mark.parametrize("role", list(DEMO_USER))
def test_every_form_answers_junk_with_a_page_not_a_server_error(demo, role):
    user = User.objects.get(username=DEMO_USER[role])
    client = Client(raise_request_exception=True)
    client.force_login(user)
    starts = [reverse(policy.ROLE_HOMES[role])]
    if role == Role.DECISION_MAKER:  # one case at each stage: each stage has its own forms
        for status in set(Case.objects.values_list("status", flat=True)):
            case = Case.objects.filter(status=status, force=user.organisation).first()
            if case is not None:
                starts.append(reverse("disposals:detail", args=[case.pk]))
    forms = _discover(client, starts)
    if role not in (Role.AUDITOR, Role.COMMISSIONER, Role.ANALYST):
        assert forms, f"no forms found for {role}"

    for key, (action, form) in sorted(forms.items()):
        _post_junk(client, user, key, action, form)


def _post_junk(client: Client, user, key: str, action: str, form: dict) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=_values(form))
    def post(data):
        note(f"form {key} at {action}: {data!r}")
        client.force_login(user)  # a form may have signed the user out or changed them
        response = client.post(action, data)
        assert response.status_code < 500, (key, action, data)

    post()
