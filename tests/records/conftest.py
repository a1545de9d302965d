from __future__ import annotations

import pytest

from diversion.accounts.roles import Role


@pytest.fixture
def analyst(cast):
    return cast.users[Role.ANALYST]


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client
