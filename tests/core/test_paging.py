"""core.paging: page numbers from the address bar never fail, and the links keep the search."""

from __future__ import annotations

from django.http import QueryDict

from diversion.core.paging import SearchForm, _numbers


def test_page_numbers_show_ends_and_neighbours():
    assert _numbers(1, 1) == [1]
    assert _numbers(1, 3) == [1, 2, 3]
    assert _numbers(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert _numbers(3, 20) == [1, 2, 3, 4, 5, None, 20]


def test_search_words_are_bounded():
    form = SearchForm(QueryDict("q=a+b+c+d+e+f+g"))
    assert form.terms() == ["a", "b", "c", "d", "e"]
    assert SearchForm(QueryDict("q=" + "x" * 101)).terms() == []
    assert SearchForm(QueryDict("q=%E2%80%AEevil")).terms() == []  # a direction control
    assert SearchForm(QueryDict("")).terms() == []
