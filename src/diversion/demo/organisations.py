"""The synthetic force area: its organisations and one demo user per role.

Every name here is invented. Nothing is real personal data.
"""

from __future__ import annotations

from diversion.accounts.roles import OrganisationKind as Kind
from diversion.accounts.roles import Role

DEMO_PASSWORD = "solent-demo-walkthrough-2026"  # noqa: S105 (synthetic demo accounts only)
# Every demo user's authenticator app key (base32, as apps take it): published, demo only.
DEMO_AUTHENTICATOR_KEY = "SOLENTDEMOWALKTHROUGHTWENTYSIXZZ"

# (code, name, kind)
ORGANISATIONS = [
    ("solent", "Solent Constabulary", Kind.POLICE_FORCE),
    ("downshire", "Downshire Police", Kind.POLICE_FORCE),
    ("harbour-trust", "Harbour Trust", Kind.PROVIDER),
    ("northgate", "Northgate Interventions", Kind.PROVIDER),
    ("solent-victim-care", "Solent Victim Care", Kind.VICTIM_SERVICE),
    ("solent-pcc", "Office of the Solent Police and Crime Commissioner", Kind.COMMISSIONER),
    ("wessex-uni", "University of Wessex", Kind.RESEARCH_PARTNER),
]

# (username, first name, last name, role, organisation code). The first user of each role is
# the one `make run` suggests; the Downshire and Northgate users exist to show separation.
USERS = [
    ("sgt.okafor", "Grace", "Okafor", Role.DECISION_MAKER, "solent"),
    ("facilitator.hughes", "Owen", "Hughes", Role.FACILITATOR, "harbour-trust"),
    ("manager.patel", "Asha", "Patel", Role.PROVIDER_MANAGER, "harbour-trust"),
    ("idva.morgan", "Rhian", "Morgan", Role.VICTIM_WORKER, "solent-victim-care"),
    ("analyst.lindqvist", "Erik", "Lindqvist", Role.ANALYST, "solent"),
    ("commissioner.adeyemi", "Tolu", "Adeyemi", Role.COMMISSIONER, "solent-pcc"),
    ("admin.brennan", "Siobhan", "Brennan", Role.ADMINISTRATOR, "solent"),
    ("auditor.fischer", "Lena", "Fischer", Role.AUDITOR, "solent"),
    ("researcher.cho", "Min-jun", "Cho", Role.ANALYST, "wessex-uni"),
    ("sgt.downshire", "Peter", "Ashworth", Role.DECISION_MAKER, "downshire"),
    ("admin.downshire", "Mary", "Kowalski", Role.ADMINISTRATOR, "downshire"),
    ("facilitator.northgate", "Dev", "Sharma", Role.FACILITATOR, "northgate"),
    # A second Solent analyst: a run reaches the commissioner only with two analysts' sign-off.
    ("analyst.osei", "Kwame", "Osei", Role.ANALYST, "solent"),
]

POSTCODE_DISTRICTS = {
    "solent": ["SO14", "SO15", "SO16", "SO17", "SO18", "SO19", "PO1", "PO2", "PO3", "PO4", "PO6"],
    "downshire": ["DN1", "DN2", "DN3", "DN4", "DN5"],
}
