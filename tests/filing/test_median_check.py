"""Issue 16.2: the "10 × province median" soft check applies only to a figure without the
base's own approved figure of last year; the own-history check covers the rest."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from reporting import indicators
from reporting.demo.data import demo_bases
from reporting.filing import checks


def grown(values: dict, factor: Decimal) -> dict:
    """Every numeric figure times `factor`, in the figure's own precision."""
    out = {}
    for code, value in values.items():
        indicator = indicators.BY_CODE[code]
        if value is None or indicator.is_bool or isinstance(value, bool):
            out[code] = value
            continue
        step = Decimal(1).scaleb(-indicator.decimals) if indicator.kind != "int" else Decimal(1)
        scaled = (Decimal(value) * factor).quantize(step, rounding=ROUND_HALF_UP)
        out[code] = int(scaled) if indicator.kind == "int" else scaled
    return out


def demo_2017() -> list[tuple[str, dict]]:
    return [(base.name, base.values[2017]) for base in demo_bases() if 2017 in base.values]


def test_last_years_figures_plus_5_percent_never_ask_about_the_median():
    filed = demo_2017()
    medians = checks.medians_by_code([(code, Decimal(value)) for _, values in filed
                                      for code, value in values.items()
                                      if value is not None and not isinstance(value, bool)])
    asked = {}
    for name, last in filed:
        findings = checks.soft_findings(grown(last, Decimal("1.05")), previous=last,
                                        medians=medians)
        median = [f.check for f in findings if f.kind == "median_outlier"]
        if median:
            asked[name] = median
        # ±5% never trips the own-history check either.
        assert not [f for f in findings if f.kind == "yoy_change"], name

    assert asked == {}
    assert len(filed) == 102


def test_a_figure_without_last_years_figure_still_meets_the_median_check():
    medians = {"tech_centers": Decimal(12), "employees": Decimal(100)}
    values = {"tech_centers": 121, "employees": 1100}

    findings = checks.soft_findings(values, previous={"employees": 1000}, medians=medians)

    assert [f.check for f in findings] == ["median_outlier:tech_centers"]
