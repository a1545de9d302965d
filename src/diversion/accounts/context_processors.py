from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from diversion.accounts.mfa import is_verified
from diversion.accounts.policy import ROLE_HOMES


def navigation(request) -> dict:
    """The service navigation items for the signed-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.role or not is_verified(user):
        return {"nav_items": []}  # nothing to offer before the second step
    home = reverse(ROLE_HOMES[user.role])
    items = [{"label": "Home", "href": home}]
    extra = {
        "administrator": [("Users", "administration:user_list"),
                          ("Programmes", "programmes:list"),  # offence to caution
                          ("Data sharing", "administration:agreement_list"),
                          ("Retention", "retention:reviews"),
                          ("Subject access", "retention:requests")],
        "auditor": [("Processing log", "audit:log"), ("Security events", "audit:security"),
                    ("Subject access", "retention:requests")],
    }.get(user.role, [])
    # Victims: police see the safeguarding alerts victim services raise.
    if user.role == "decision_maker":
        extra = [*extra, ("Safeguarding alerts", "victims:police_alerts")]
    # --- Provider delivery
    extra = extra + {
        "decision_maker": [("Compliance", "delivery:compliance")],
        "facilitator": [("Workshops and sessions", "delivery:events")],
        "provider_manager": [("Workshops and sessions", "delivery:events")],
    }.get(user.role, [])
    # --- end provider delivery
    for label, name in extra:
        href = reverse(name)
        if href != home:
            items.append({"label": label, "href": href})
    # records: analysts import police records and review links
    if user.role == "analyst":
        items.append({"label": "Police records", "href": reverse("records:home")})
        items.append({"label": "Trials", "href": reverse("trials:list")})
    # regional and national view: forces sharing under an agreement
    if user.role == "commissioner" or (
            user.role == "analyst"
            and user.organisation.kind in ("commissioner", "research_partner")):
        items.append({"label": "Regional view", "href": reverse("commissioning:regional")})
    for item in items:
        item["current"] = request.path == item["href"]
    return {"nav_items": items}


def session_timeout(request) -> dict:
    """When the idle sign-out warning opens (2 minutes before, or at half time if shorter)."""
    idle = int(settings.SESSION_COOKIE_AGE)
    return {"session_idle_seconds": idle, "session_warn_seconds": min(120, idle // 2)}
