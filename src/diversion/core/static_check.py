"""Production serves CSS, JavaScript, fonts and images only from STATIC_ROOT (WhiteNoise reads
it at start-up), so a server started before `collectstatic` serves bare HTML. Refuse to start
instead, naming the command that fixes it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks

# One file every page needs: if it is there, collectstatic has run.
MARKER = Path("govuk") / "govuk-frontend.min.css"


@checks.register()
def static_files_collected(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    root = settings.STATIC_ROOT
    if not root or (Path(root) / MARKER).is_file():
        return []
    return [checks.Error(
        f"Static files have not been collected into {root}: pages would have no styles or "
        "scripts.",
        hint="Run `make production-setup` (or `manage.py collectstatic --noinput`) with the "
             "production environment set.",
        id="diversion.E010")]
