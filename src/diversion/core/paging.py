"""Long lists in pages of 50, with the GOV.UK pagination component, and the list search form.

A page number from the address bar is hostile input like any other: text, a negative number or
one past the end shows the nearest real page, never an error. Only the page's own rows are
read, so a list's processing-log row names the people on the page the user saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict

from diversion.core.forms import Form

PER_PAGE = 50
M = TypeVar("M")


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: an ellipsis
    href: str = ""
    current: bool = False


@dataclass(frozen=True)
class Listing:
    """One page of a list and what its template needs to draw the pagination."""

    page: Page
    items: list[Any]  # the page's rows, read once
    links: tuple[PageLink, ...]
    previous_href: str
    next_href: str

    @property
    def summary(self) -> str:
        count = self.page.paginator.count
        if count <= self.page.paginator.per_page:
            return f"{count:,} in all"
        return (f"{self.page.start_index():,} to {self.page.end_index():,} of {count:,}")


def _href(params: QueryDict, param: str, number: int) -> str:
    query = params.copy()
    query[param] = str(number)
    return "?" + query.urlencode()


def _numbers(current: int, last: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: the first, the last, and two either side of the current page."""
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out: list[int | None] = []
    for number in shown:
        if out and isinstance(out[-1], int) and number - out[-1] > 1:
            out.append(None)
        out.append(number)
    return out


def paginate(queryset: QuerySet[Any], params: QueryDict, *, param: str = "page",
             per_page: int = PER_PAGE) -> Listing:
    """The page of `queryset` named by `params[param]` (the nearest real one if it is not)."""
    paginator = Paginator(queryset, per_page)
    raw = params.get(param, "1")
    page = paginator.get_page(raw if raw.isdigit() and len(raw) < 10 else 1)
    last = paginator.num_pages
    links = tuple(PageLink(n) if n is None else
                  PageLink(n, _href(params, param, n), n == page.number)
                  for n in _numbers(page.number, last)) if last > 1 else ()
    return Listing(
        page=page, items=list(page.object_list), links=links,
        previous_href=_href(params, param, page.number - 1) if page.has_previous() else "",
        next_href=_href(params, param, page.number + 1) if page.has_next() else "")


class SearchForm(Form):
    """The search box above a list: a few words, matched by each list in its own way."""

    q = forms.CharField(label="Search", required=False, max_length=100)

    def __init__(self, data: QueryDict, *args: Any, label: str = "Search",
                 hint: str = "", **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.fields["q"].label = label
        self.fields["q"].help_text = hint

    def terms(self) -> list[str]:
        """The words searched for; none when the box is empty or the input was refused."""
        if not self.is_valid():
            return []
        return self.cleaned_data["q"].split()[:5]
