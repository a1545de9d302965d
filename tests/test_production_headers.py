"""Production mode over real HTTPS: the cookies and HSTS a browser receives (security.md 12).

A gunicorn server runs with DIVERSION_ENV=production and serves TLS itself (a self-signed
certificate), so these are the Set-Cookie and Strict-Transport-Security headers of real HTTPS
responses under the production settings, read off the wire through a sign-in, a saved form
(which shows a confirmation message) and a sign-out.
"""

from __future__ import annotations

import pytest

from diversion.accounts.roles import Role
from tests.cases.helpers import make_case
from tests.factories import PASSWORD
from tests.second_step import authenticator, code_now
from tests.servers import Browser, client_context, gunicorn, production_environment

pytestmark = pytest.mark.django_db(transaction=True)

CONTACT = {"phone": "07700 900123", "email": "sam.person@example.org",
           "address": "12 Example Street\nSouthampton", "postcode": "SO14 1XX",
           "safe_methods": ["call"], "notes": ""}


@pytest.fixture
def production(cast, tmp_path):
    """A production-mode HTTPS server on the test's data (a case for the police to save a form
    on); yields (its URL, a browser, the case)."""
    for user in cast.users.values():
        authenticator(user)
    case = make_case(cast)
    with gunicorn(production_environment(tmp_path), tmp_path, tls=True) as url:
        yield url, Browser(client_context(tmp_path)), case


def _journey(cast, url: str, browser: Browser, case) -> None:
    """A wrong password, a sign-in with the code, a saved form and its message, a sign-out."""
    officer = cast.users[Role.DECISION_MAKER]
    sign_in = f"{url}/sign-in/"
    _, _, page = browser.post(sign_in, sign_in, {"username": officer.username,
                                                 "password": "not-the-password-at-all"})
    assert "Enter a correct username and password" in page
    status, landed, _ = browser.post(sign_in, sign_in, {"username": officer.username,
                                                        "password": PASSWORD})
    assert status == 200 and landed.endswith("/sign-in/code/")
    code = f"{url}/sign-in/code/"
    status, landed, _ = browser.post(code, code, {"code": code_now(authenticator(officer))})
    assert status == 200 and "/sign-in" not in landed
    contact = f"{url}/police/cases/{case.pk}/contact/"
    status, _, page = browser.post(contact, contact, CONTACT)
    assert status == 200 and "Contact details saved" in page  # the message made it through
    status, landed, _ = browser.post(f"{url}/sign-out/", f"{url}/", {})
    assert status == 200 and landed.endswith("/sign-in/")


def _cookies(browser: Browser) -> list[tuple[str, str, dict[str, str]]]:
    """Every Set-Cookie header received: (name, value, attributes with lower-case names)."""
    cookies = []
    for response in browser.seen:
        for header in response.headers.get_all("Set-Cookie") or []:
            pair, *attributes = (part.strip() for part in header.split(";"))
            name, _, value = pair.partition("=")
            parsed = {}
            for attribute in attributes:
                key, _, setting = attribute.partition("=")
                parsed[key.lower()] = setting
            cookies.append((name, value.strip('"'), parsed))  # a deletion's value is ""
    return cookies


def test_every_cookie_is_host_only_secure_http_only_and_same_site(cast, production):
    url, browser, case = production
    _journey(cast, url, browser, case)
    cookies = _cookies(browser)
    names = {name for name, _, _ in cookies}
    # Both are set (and the session is ended at sign-out), so the rules below are not vacuous.
    assert {"__Host-session", "__Host-csrftoken"} <= names
    assert any(name == "__Host-session" and value == "" for name, value, _ in cookies)
    for name, value, attributes in cookies:
        # The __Host- prefix: the browser refuses the cookie unless it is Secure, has Path=/
        # and no Domain, so no other host or path (a subdomain, an http page) can set it.
        assert name.startswith("__Host-"), f"{name} is not a __Host- cookie"
        assert "secure" in attributes, name
        assert attributes.get("path") == "/", name
        assert "domain" not in attributes, name
        assert attributes.get("samesite", "").lower() in {"lax", "strict"}, name
        if value:  # a deletion (sign-out) carries nothing to protect from scripts
            assert "httponly" in attributes, name


def test_every_https_response_sends_hsts_for_a_year_with_subdomains(cast, production):
    url, browser, case = production
    _journey(cast, url, browser, case)
    browser.get(f"{url}/health/")
    browser.get(f"{url}/no-such-page/")
    statuses = {response.status for response in browser.seen}
    assert {200, 302, 404} <= statuses  # pages, redirects and an error page
    for response in browser.seen:
        hsts = response.headers.get("Strict-Transport-Security", "")
        directives = [part.strip() for part in hsts.split(";")]
        max_age = [int(part.split("=", 1)[1]) for part in directives
                   if part.lower().startswith("max-age=")]
        assert max_age and max_age[0] >= 31536000, (response.url, hsts)
        assert "includesubdomains" in {part.lower() for part in directives}, (response.url, hsts)
