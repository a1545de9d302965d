"""Every table that may scroll sideways (`app-table-wrapper`, overflow-x: auto) can be scrolled
from the keyboard: its wrapper is a named region that takes focus (WCAG 2.1.1; axe's
scrollable-region-focusable). The browser journeys run axe only on the widths and data they
reach, so each template is checked here."""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src" / "diversion"
WRAPPER = re.compile(r"<div[^>]*\bapp-table-wrapper\b[^>]*>")


def test_every_scrolling_table_wrapper_is_a_focusable_named_region():
    found = {}
    for template in SOURCE.rglob("templates/**/*.html"):
        for tag in WRAPPER.findall(template.read_text(encoding="utf-8")):
            found.setdefault(str(template.relative_to(SOURCE)), []).append(tag)
    assert len(found) >= 10, "the templates with scrolling tables were not found"
    for template, tags in found.items():
        for tag in tags:
            assert 'role="region"' in tag and 'tabindex="0"' in tag, (template, tag)
            assert re.search(r'aria-label="[^"]+"', tag), (template, tag)
