"""The client address behind a reverse proxy (ASVS 4.1.3): X-Forwarded-For is believed only as
far as TRUSTED_PROXIES appended it, for lockouts, the two-step limits and every log row."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import ProcessingLog, SecurityEvent
from tests.factories import PASSWORD, make_offence, make_person
from tests.second_step import authenticator

LOGIN = "/sign-in/"
PROXY = "10.0.0.2"  # the load balancer, in the trusted network below
WRONG = "not the right password at all"


@pytest.fixture
def behind_proxy(settings):
    from diversion import env

    settings.TRUSTED_PROXIES = env.networks("X", "10.0.0.0/8")  # parsed as from the environment
    return settings


def _sign_in(username: str, password: str, *, peer: str, forwarded: str | None = None):
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return Client(REMOTE_ADDR=peer).post(LOGIN, {"username": username, "password": password},
                                         **extra)


def _failed_addresses() -> set[str]:
    return set(SecurityEvent.objects.filter(kind="sign_in_failed")
               .values_list("ip_address", flat=True))


def test_a_header_from_a_client_that_is_not_a_trusted_proxy_is_ignored(cast, behind_proxy):
    user = cast.users[Role.ANALYST]
    for index in range(5):  # each attempt claims a new address; only the socket peer counts
        _sign_in(user.username, WRONG, peer="198.51.100.7", forwarded=f"203.0.113.{index}")
    assert _sign_in(user.username, PASSWORD, peer="198.51.100.7",
                    forwarded="203.0.113.99").status_code == 429
    assert _failed_addresses() == {"198.51.100.7"}


def test_via_the_trusted_proxy_the_real_client_is_locked_out_and_another_is_not(
        cast, behind_proxy):
    user = cast.users[Role.ANALYST]
    attacker, colleague = "203.0.113.5", "203.0.113.6"
    for _ in range(5):
        # The attacker writes the colleague's address in; the proxy appends the real one.
        _sign_in(user.username, WRONG, peer=PROXY, forwarded=f"{colleague}, {attacker}")
    assert _failed_addresses() == {attacker}  # not the proxy's, not the framed colleague's
    assert _sign_in(user.username, PASSWORD, peer=PROXY,
                    forwarded=f"{colleague}, {attacker}").status_code == 429
    assert _sign_in(user.username, PASSWORD, peer=PROXY,
                    forwarded=attacker).status_code == 429
    # The colleague, through the same proxy, signs in: the lockout is not the proxy's address.
    assert _sign_in(user.username, PASSWORD, peer=PROXY, forwarded=colleague).status_code == 302
    locked = SecurityEvent.objects.filter(kind="locked_out")
    assert set(locked.values_list("ip_address", flat=True)) == {attacker}


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_address(
        cast, behind_proxy):
    user = cast.users[Role.ANALYST]
    # client-written junk, the client, an edge proxy, an internal proxy; then the peer
    _sign_in(user.username, WRONG, peer=PROXY,
             forwarded="6.6.6.6, 203.0.113.7, 10.1.0.1, 10.2.0.1")
    assert _failed_addresses() == {"203.0.113.7"}


def test_an_untrusted_hop_inside_the_chain_is_where_belief_stops(cast, behind_proxy):
    user = cast.users[Role.ANALYST]
    # 198.51.100.1 is not a listed proxy, so whatever it claims (203.0.113.8) is not believed.
    _sign_in(user.username, WRONG, peer=PROXY, forwarded="203.0.113.8, 198.51.100.1, 10.1.0.1")
    assert _failed_addresses() == {"198.51.100.1"}


@pytest.mark.parametrize("header", [
    "not-an-address", "203.0.113.9:4431", "203.0.113.9, 10.1.0.1, <script>", "", " , ",
    "999.1.1.1",
])
def test_a_malformed_header_from_the_proxy_is_ignored_and_logged(cast, behind_proxy, caplog,
                                                                 header):
    user = cast.users[Role.ANALYST]
    with caplog.at_level(logging.WARNING, logger="diversion.client_address"):
        response = _sign_in(user.username, WRONG, peer=PROXY, forwarded=header)
    assert response.status_code == 200  # an ordinary wrong-password page, not an error
    assert _failed_addresses() == {PROXY}  # nothing in the header is believed
    if header.strip(" ,"):
        assert "malformed X-Forwarded-For" in caplog.text


def test_junk_left_of_the_client_is_never_read(cast, behind_proxy, caplog):
    user = cast.users[Role.ANALYST]
    with caplog.at_level(logging.WARNING, logger="diversion.client_address"):
        _sign_in(user.username, WRONG, peer=PROXY, forwarded="junk\r\nX: y, 203.0.113.10")
    assert _failed_addresses() == {"203.0.113.10"}
    assert "malformed" not in caplog.text


def test_addresses_are_recorded_in_one_canonical_form(cast, behind_proxy):
    user = cast.users[Role.ANALYST]
    _sign_in(user.username, WRONG, peer=PROXY, forwarded="2001:DB8:0:0::1")
    _sign_in(user.username, WRONG, peer="::ffff:10.0.0.3", forwarded="2001:db8::1")
    assert _failed_addresses() == {"2001:db8::1"}  # one address, so one lockout counter


def test_the_second_step_limit_and_the_processing_log_use_the_forwarded_client(
        cast, behind_proxy):
    user = cast.users[Role.DECISION_MAKER]
    authenticator(user)
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.11")
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    client.post(reverse("accounts:second_step"), {"code": "000000"})
    refused = SecurityEvent.objects.get(kind="second_step_failed")
    assert refused.ip_address == "203.0.113.11"
    make_offence(make_person(cast.orgs["force"], "S9"), "REF/9")
    client.force_login(user)
    client.get(reverse("cases:home"))
    row = ProcessingLog.objects.get(operation="consultation")
    assert row.ip_address == "203.0.113.11"


def test_without_trusted_proxies_the_header_is_ignored_even_from_a_private_address(cast):
    user = cast.users[Role.ANALYST]
    _sign_in(user.username, WRONG, peer=PROXY, forwarded="203.0.113.12")
    assert _failed_addresses() == {PROXY}


@pytest.mark.parametrize("environment, allowed", [
    ({}, ["127.0.0.1"]),
    ({"TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1"}, ["10.0.0.0/8", "192.0.2.1"]),
    ({"TRUSTED_PROXIES": "10.0.0.0/8", "GUNICORN_FORWARDED_ALLOW_IPS": "192.0.2.9"},
     ["192.0.2.9"]),
])
def test_gunicorn_believes_the_forwarded_scheme_from_the_same_proxies(environment, allowed):
    import json
    import os
    import subprocess
    import sys

    show = ("import json; from gunicorn.config import Config; "
            "from diversion import gunicorn_conf as g; c = Config(); "
            "c.set('forwarded_allow_ips', g.forwarded_allow_ips); "
            "print(json.dumps(c.forwarded_allow_ips))")
    env = {k: v for k, v in os.environ.items()
           if k not in {"TRUSTED_PROXIES", "GUNICORN_FORWARDED_ALLOW_IPS"}}
    result = subprocess.run([sys.executable, "-c", show], env={**env, **environment},
                            capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == allowed
