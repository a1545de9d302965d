"""The real URLconf plus two new views that forget the processing log, for the walker's test."""

from django.http import HttpResponse
from django.urls import include, path

from diversion.accounts import policy
from diversion.cases.models import Person


@policy.rule(policy.POLICE_WORK)
def forgetful_person_page(request):
    person = policy.visible(request.user, Person).order_by("pk").first()
    return HttpResponse(f"<p>{person.given_name} {person.family_name}</p>")


@policy.rule(policy.ANALYSIS)
def unclassified_page(request):
    return HttpResponse("<p>Nothing personal, but nobody said so</p>")


urlpatterns = [
    path("newcomer/person/", forgetful_person_page, name="forgetful_person_page"),
    path("newcomer/analysis/", unclassified_page, name="unclassified_page"),
    path("", include("diversion.urls")),
]
