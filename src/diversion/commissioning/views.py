from __future__ import annotations

import hashlib
from datetime import date

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from diversion.accounts import policy
from diversion.accounts.http import AuthenticatedHttpRequest
from diversion.commissioning import exports, figures, regional, selectors, services, tables
from diversion.commissioning.forms import ContractForm, FilterForm, ReleaseForm, UnitCostForm
from diversion.commissioning.models import Contract, StatisticsRelease
from diversion.core import pdf


def _filter_form(request: AuthenticatedHttpRequest) -> FilterForm:
    today = timezone.localdate()
    data: QueryDict | dict[str, str] | None = (
        request.GET.copy() if "from_quarter" in request.GET else None)
    if data is None:
        # Default: the last four quarters, ending with the current one.
        this = figures.quarter_start(today)
        start = figures.quarters(date(this.year - 1, this.month, 1), this)[1]
        data = {"from_quarter": start.isoformat(), "to_quarter": this.isoformat()}
    return FilterForm(data, user=request.user, today=today)


@policy.rule(policy.COMMISSIONING)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Performance and outcomes: the landing page for this role."""
    return dashboard(request)


BOARD_CACHE_SECONDS = 3600


def _board_html(user, filters: selectors.Filters) -> tuple[SafeString, selectors.Version]:
    """The figures, tables and charts, rendered once per office, filters and version of what
    they are computed from (selectors.version): repeat views cost a few small queries."""
    version = selectors.version(user)
    key = "commissioning:board:" + hashlib.sha256(repr(
        (user.organisation_id, sorted(filters.query().items()), version)).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        board = selectors.dashboard(user, filters)
        html = render_to_string("commissioning/_board.html",
                                {"board": board, "formats": exports.FORMATS,
                                 "threshold": version.threshold,
                                 "query": filters.query()})
        cache.set(key, html, BOARD_CACHE_SECONDS)
    return mark_safe(html), version  # noqa: S308 (our own template's output)


@policy.rule(policy.COMMISSIONING)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filter_form(request)
    board_html = None
    if form.is_valid():
        board_html, version = _board_html(request.user, form.filters())
        services.log_dashboard_view(actor=request.user, filters=form.filters())
        services.request_refresh_if_stale(version.aggregates_at)
    return render(request, "commissioning/dashboard.html",
                  {"form": form, "board_html": board_html})


@policy.rule(policy.REGIONAL)
def regional_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    found = regional.regional(request.user, selectors.threshold())
    services.log_regional_view(actor=request.user, forces=len(found.forces))
    return render(request, "commissioning/regional.html", {"regional": found})


@policy.rule(policy.COMMISSIONING)
def dashboard_export(request: AuthenticatedHttpRequest, key: str, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    form = _filter_form(request)
    if not form.is_valid():
        messages.error(request, "Choose a valid period before downloading")
        return redirect("commissioning:dashboard")
    table = selectors.dashboard(request.user, form.filters()).table(key)
    if table is None:
        raise Http404
    services.log_download(actor=request.user, table=table, fmt=fmt)
    return exports.render(table, fmt, f"{key}-{form.cleaned_data['from_quarter']}-"
                                      f"{form.cleaned_data['to_quarter']}")


@policy.rule(policy.COMMISSIONING)
def contract_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "commissioning/contract_list.html",
                  {"contracts": selectors.contracts(request.user)})


def _save_contract(request: AuthenticatedHttpRequest, form: ContractForm,
                   contract: Contract | None = None) -> Contract:
    data = form.cleaned_data
    return services.save_contract(
        actor=request.user, contract=contract, programme_code=data["programme_code"],
        provider=data["provider"], start_date=data["start_date"], end_date=data["end_date"],
        annual_value=data["annual_value"], target_referrals=data["target_referrals"],
        target_starts=data["target_starts"], target_completions=data["target_completions"],
        target_days_to_first_contact=data["target_days_to_first_contact"])


@policy.rule(policy.COMMISSIONING)
def contract_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ContractForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        contract = _save_contract(request, form)
        messages.success(request, f"Contract recorded: {contract}")
        return redirect("commissioning:contract_list")
    return render(request, "commissioning/contract_form.html",
                  {"form": form, "heading": "Record a contract", "button": "Save contract"})


@policy.rule(policy.COMMISSIONING)
def contract_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contract = policy.get_visible_or_404(request, Contract, pk=pk)
    form = ContractForm(request.POST or None, instance=contract, user=request.user)
    if request.method == "POST" and form.is_valid():
        _save_contract(request, form, contract)
        messages.success(request, f"Changes saved: {contract}")
        return redirect("commissioning:contract_list")
    return render(request, "commissioning/contract_form.html",
                  {"form": form, "heading": "Change a contract", "button": "Save changes"})


@policy.rule(policy.COMMISSIONING)
def unit_costs(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = selectors.current_unit_costs(request.user)
    initial = {"da_victim_cost": current.da_victim_cost, "price_year": current.price_year,
               "source": current.source, "note": current.note}
    form = UnitCostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = services.save_unit_costs(
            actor=request.user, da_victim_cost=data["da_victim_cost"],
            price_year=data["price_year"], source=data["source"], note=data["note"])
        messages.success(request, f"Unit costs saved as version {version.number}")
        return redirect("commissioning:unit_costs")
    return render(request, "commissioning/unit_costs.html",
                  {"form": form, "current": current,
                   "versions": selectors.unit_cost_versions(request.user)})


@policy.rule(policy.COMMISSIONING)
def release_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ReleaseForm(request.POST or None, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            release = services.prepare_release(
                actor=request.user, quarter=date.fromisoformat(form.cleaned_data["quarter"]))
        except services.AlreadyPublished as exc:
            form.add_error("quarter", str(exc))
        else:
            return redirect("commissioning:release_detail", pk=release.pk)
    return render(request, "commissioning/release_list.html",
                  {"form": form, "releases": selectors.releases(request.user)})


@policy.rule(policy.COMMISSIONING)
def release_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    release = policy.get_visible_or_404(request, StatisticsRelease, pk=pk)
    return render(request, "commissioning/release_detail.html", _release_context(release))


@require_POST
@policy.rule(policy.COMMISSIONING)
def release_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    release = policy.get_visible_or_404(request, StatisticsRelease, pk=pk)
    try:
        services.publish_release(actor=request.user, release=release)
    except services.AlreadyPublished as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Release published on the public statistics page")
    return redirect("commissioning:release_detail", pk=pk)


@policy.rule(policy.COMMISSIONING)
def release_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The office's own release (draft or published) as a tagged PDF."""
    release = policy.get_visible_or_404(request, StatisticsRelease, pk=pk)
    return _release_pdf(request, release,
                        back=reverse("commissioning:release_detail", args=[release.pk]))


def _release_pdf(request: HttpRequest, release: StatisticsRelease, *, back: str) -> HttpResponse:
    try:
        body = pdf.render(render_to_string("commissioning/release_pdf.html",
                                           _release_context(release)))
    except pdf.PdfUnavailable:
        return pdf.unavailable(request, back=back,
                               alternative="Download its tables as CSV or XLSX instead.")
    services.log_release_pdf(actor=request.user, release=release)
    return pdf.response(body, f"statistics-{release.quarter_start}.pdf")


def _release_context(release: StatisticsRelease) -> dict:
    return {"release": release, "snapshot": release.snapshot,
            "tables": [tables.Table.from_json(t) for t in release.snapshot.get("tables", [])],
            "formats": exports.FORMATS}


# --- public ----------------------------------------------------------------------------------

@policy.rule(policy.PUBLIC_STATISTICS)
def public_list(request: HttpRequest) -> HttpResponse:
    return render(request, "commissioning/public_list.html",
                  {"releases": selectors.published_releases()})


@policy.rule(policy.PUBLIC_STATISTICS)
def public_release(request: HttpRequest, pk: int) -> HttpResponse:
    release = selectors.published_releases().filter(pk=pk).first()
    if release is None:
        raise Http404
    return render(request, "commissioning/public_release.html", _release_context(release))


@policy.rule(policy.PUBLIC_STATISTICS)
def public_release_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    release = selectors.published_releases().filter(pk=pk).first()
    if release is None:
        raise Http404
    return _release_pdf(request, release, back=reverse("statistics:release", args=[release.pk]))


@policy.rule(policy.PUBLIC_STATISTICS)
def public_export(request: HttpRequest, pk: int, key: str, fmt: str) -> HttpResponse:
    release = selectors.published_releases().filter(pk=pk).first()
    if release is None or fmt not in exports.FORMATS:
        raise Http404
    found = [t for t in release.snapshot.get("tables", []) if t["key"] == key]
    if not found:
        raise Http404
    table = tables.Table.from_json(found[0])
    services.log_download(actor=request.user, table=table, fmt=fmt, release=release)
    return exports.render(table, fmt, f"statistics-{release.quarter_start}-{key}")
