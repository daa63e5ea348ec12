"""The city viewer's page: how their city's bases stand in the open round (status, deadline,
last change) and the city's statistics, instead of opening every base one by one.

City viewers and reviewers only (anyone else: the 404 of `require_role`); the city is the viewer's
own, never one chosen in the request.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bases.access import cities_for, require_role
from bases.models import CITY_ROLES
from reporting.filing.completeness import STATES, Tally, completeness, states_for
from reporting.filing.selectors import default_year, year_coverage
from reporting.models import Report, Round
from reporting.statistics.cache import compute_city_breakdown


def city_page(request: HttpRequest) -> HttpResponse:
    require_role(request, *CITY_ROLES)
    city = request.user.city
    round_ = (Round.objects.filter(closed_at__isnull=True).prefetch_related("extensions")
              .first())
    # The round's own states: 市州已初审 only in a two-level round.
    states = states_for(round_) if round_ is not None else STATES
    bases, tally = [], Tally(city.name, dict.fromkeys((key for key, _ in states), 0))
    if round_ is not None:
        changed = dict(Report.objects.filter(year=round_.year, base__city=city)
                       .values_list("base__code", "updated_at"))
        for state in completeness(round_).bases:
            if state.city == city.name:
                tally.add(state)
                bases.append((state, changed.get(state.code)))
    year = default_year()
    breakdown = compute_city_breakdown(year=year, cities=cities_for(request.user))
    return render(request, "reporting/city.html", {
        "city": city, "round": round_, "bases": bases, "tally": tally, "states": states,
        "breakdown": breakdown, "coverage": year_coverage([year])[year]})
