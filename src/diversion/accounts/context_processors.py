from __future__ import annotations

from django.urls import reverse

from diversion.accounts.policy import ROLE_HOMES


def navigation(request) -> dict:
    """The service navigation items for the signed-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.role:
        return {"nav_items": []}
    home = reverse(ROLE_HOMES[user.role])
    items = [{"label": "Home", "href": home}]
    extra = {
        "administrator": [("Users", "administration:user_list"),
                          ("Programmes", "programmes:list")],  # offence to caution (issue 3)
        "auditor": [("Processing log", "audit:log"), ("Security events", "audit:security")],
    }.get(user.role, [])
    for label, name in extra:
        href = reverse(name)
        if href != home:
            items.append({"label": label, "href": href})
    for item in items:
        item["current"] = request.path == item["href"]
    return {"nav_items": items}
