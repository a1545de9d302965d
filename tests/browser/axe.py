"""Run axe-core in the page and return serious or critical WCAG 2.2 AA violations."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).with_name("axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def serious_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""",
        TAGS,
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]
