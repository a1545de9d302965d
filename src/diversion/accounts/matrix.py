"""Render the access policy as a document: rules × roles, URLs × rules, object scopes, fields.

docs/access-policy.md is generated from this; a test fails when it drifts from the code.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from diversion.accounts import policy
from diversion.accounts.roles import Role


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + str(entry.pattern), entry


def render() -> str:
    roles = list(Role)
    lines = [
        "# Access policy",
        "",
        "Generated from `src/diversion/accounts/policy/` by "
        "`manage.py access_matrix > docs/access-policy.md`. Do not edit by hand.",
        "",
        "## Rules by role",
        "",
        "| rule | " + " | ".join(role.label for role in roles) + " | meaning |",
        "|---|" + "---|" * len(roles) + "---|",
    ]
    for rule in policy.RULES:
        cells = ["all" if rule.public else ("yes" if role.value in rule.roles else "–")
                 for role in roles]
        lines.append(f"| `{rule.name}` | " + " | ".join(cells) + f" | {rule.description} |")
    lines += ["", "## Pages and the rule each declares", "", "| URL | name | rule |",
              "|---|---|---|"]
    for route, entry in sorted(_routes(get_resolver().url_patterns), key=lambda item: item[0]):
        declared = policy.rule_for(entry.callback)
        lines.append(f"| `{route}` | {entry.name or ''} | "
                     f"`{declared.name if declared else 'NONE (refused)'}` |")
    lines += ["", "## Object scopes", "",
              "Rows of these models are visible only as each scope function says; any model "
              "not listed is visible to nobody.", "", "| model | scope |", "|---|---|"]
    for label, scope in policy.SCOPES.items():
        doc = (scope.__doc__ or scope.__name__).strip().splitlines()[0]
        lines.append(f"| `{label}` | {doc} |")
    lines += ["", "## Field-level rules", "", "| model.field | roles that may read it |",
              "|---|---|"]
    for (label, field), readers in policy.FIELD_READERS.items():
        names = ", ".join(sorted(Role(r).label for r in readers))
        lines.append(f"| `{label}.{field}` | {names} |")
    return "\n".join(lines) + "\n"
