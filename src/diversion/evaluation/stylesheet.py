"""The GOV.UK stylesheet, made self-contained for the downloadable report: font faces and every
url(...) reference removed, so the file never fetches anything."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

FONT_FACE = re.compile(r"@font-face\s*{[^}]*}")
URL = re.compile(r"url\([^)]*\)")


@cache
def inline_css() -> str:
    found = finders.find("govuk/govuk-frontend.min.css")
    path = Path(found) if found else Path(settings.BASE_DIR) / "missing.css"
    css = path.read_text(encoding="utf-8") if path.exists() else ""
    css = FONT_FACE.sub("", css)
    css = URL.sub("none", css)
    return css.replace("</", "<\\/")  # cannot close the <style> element early
