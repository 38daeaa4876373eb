"""One number style for the report's tables, figures and sentences, and for ``sanshe run``'s summary.

Every number a reader sees goes through this module, so a table, a figure's
annotation and a sentence of the summary show the same value the same way:

- **Precision from the interval.** A value shown with its 95% interval is
  rounded to the decimals that give the interval's half-width two
  significant figures (``0.622 [0.620, 0.625]`` is ``0.6224 [0.6197, 0.6251]``
  when the half-width is 0.0027, ``904 [869, 939]`` when it is 35); without an
  interval, three significant figures.
- **Shares in percent**, their differences in percentage points (``pp``,
  ``个百分点`` with ``lang="zh"``),
  one decimal unless the interval asks for more (at most two).
- **Counts** (organizations, people, items, projects, posts) as integers;
  a mean of counts with a narrow interval gets one decimal at most.
- **No negative zero**: a value that rounds to zero is shown without a sign.
- **p-values** as ``< 0.001`` below a thousandth, else two significant figures.
- **Not a number** (NaN, an infinity) is ``–``; huge and tiny values fall back
  to scientific notation rather than a string of hundreds of digits.

The bounds of an indicator (a share or an index in [0, 1]) are declared by
its unit (:data:`model.indicators.DISTRICT_INDICATORS`); :func:`bounds`
reads them for the analysis, whose intervals respect them
(:func:`experiments.analysis.t_interval`).
"""

from __future__ import annotations

import math

from model.indicators import DISTRICT_INDICATORS

PERCENT_UNITS = frozenset({"share"})
"""Units shown in percent (differences in percentage points)."""

UNIT_BOUNDED = frozenset({"share", "Gini in [0, 1]", "score in [0, 1]", "index in [0, 1]"})
"""Units whose values lie in [0, 1]: their intervals are computed on the logit scale."""

COUNT_UNITS = frozenset({"organizations", "people", "items", "projects", "posts"})
"""Units that count whole things: shown as integers."""

DASH = "–"
"""What a number that is not one (NaN, an infinity) is shown as."""

HUGE = 1e15
"""From this size on a value is shown in scientific notation (no such indicator exists; a guard)."""

MAX_DECIMALS = 6
"""The most decimals any value is shown with (smaller nonzero values go to scientific notation)."""


def unit_of(indicator: str) -> str:
    """The indicator's declared unit ("" for one the model does not declare, e.g. another model's)."""
    return DISTRICT_INDICATORS.get(indicator, ("", 0, ""))[0]


def is_percent(indicator: str) -> bool:
    """Whether the indicator is a share, shown in percent."""
    return unit_of(indicator) in PERCENT_UNITS


def is_count(indicator: str) -> bool:
    """Whether the indicator counts whole things (shown as an integer)."""
    return unit_of(indicator) in COUNT_UNITS


def bounds(indicator: str) -> tuple[float, float] | None:
    """The range the indicator's values lie in: (0, 1) for a share or an index, (0, inf) for a count, else None.

    Intervals of a share are computed on the logit scale, of a count on the log
    scale (:func:`experiments.analysis.bounded_interval`), so neither leaves
    its range: 36 contract holders from two replicates is not "[-21, 94]".
    """
    unit = unit_of(indicator)
    if unit in UNIT_BOUNDED:
        return (0.0, 1.0)
    return (0.0, math.inf) if unit in COUNT_UNITS else None


def _finite(v: object) -> bool:
    try:
        return math.isfinite(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def decimals_for(half: float, cap: int = MAX_DECIMALS) -> int:
    """Decimals that show a half-width ``half`` with two significant figures, within [0, ``cap``]."""
    if not _finite(half) or half <= 0:
        return -1  # no interval to go by
    return max(0, min(cap, 1 - math.floor(math.log10(half))))


def _sig_decimals(v: float, sig: int = 3) -> int:
    """Decimals that show ``v`` with ``sig`` significant figures, within [0, MAX_DECIMALS]."""
    if v == 0:
        return 0
    return max(0, min(MAX_DECIMALS, sig - 1 - math.floor(math.log10(abs(v)))))


def number(v: float, decimals: int | None = None, sign: bool = False) -> str:
    """``v`` with ``decimals`` decimals (default three significant figures) and thousands separators.

    ``sign`` puts "+" before a positive value. A value that rounds to zero has no
    sign; NaN and infinities are :data:`DASH`.
    """
    if not _finite(v):
        return DASH
    v = float(v)
    if abs(v) >= HUGE:
        return _scientific(v, sign)
    d = _sig_decimals(v) if decimals is None or decimals < 0 else decimals
    if v != 0 and (decimals is None or decimals < 0) and abs(v) < 0.5 * 10 ** -MAX_DECIMALS:
        return _scientific(v, sign)
    text = f"{v:,.{d}f}"
    if float(text.replace(",", "")) == 0:
        return text.lstrip("-")  # no "-0.0"
    return f"+{text}" if sign and v > 0 else text


def _scientific(v: float, sign: bool) -> str:
    text = f"{v:.2e}"
    return f"+{text}" if sign and v > 0 else text


def _scaled(v: float, factor: float, decimals: int | None, sign: bool = False) -> str:
    """:func:`number` of ``factor * v``, also where that product overflows (a share of 1e307 in percent)."""
    x = factor * v
    if math.isfinite(x) or not math.isfinite(v):
        return number(x, decimals, sign)
    mantissa, exponent = f"{v:.2e}".split("e")
    text = f"{mantissa}e{int(exponent) + round(math.log10(factor)):+03d}"
    return f"+{text}" if sign and v > 0 else text


def _scale(indicator: str) -> tuple[float, int, int]:
    """Factor to the shown unit, default decimals and the most decimals an interval may ask for.

    The default (-1) means three significant figures, for a value shown without an interval.
    """
    if is_percent(indicator):
        return 100.0, 1, 2
    if is_count(indicator):
        return 1.0, 0, 1
    return 1.0, -1, MAX_DECIMALS


ROUNDING = 1e-9
"""An interval narrower than this share of the values it holds is floating-point rounding (the same
outcomes summed in another order), not a measured spread: the values are shown as if it had no width."""


def _decimals(indicator: str, half: float | None, size: float = 0.0) -> tuple[float, int]:
    """Factor to the shown unit and the decimals: from ``half`` unless it is rounding of values of ``size``."""
    factor, default, cap = _scale(indicator)
    if half is not None and _finite(half) and _finite(size) and half <= ROUNDING * abs(size):
        half = 0.0
    d = decimals_for(factor * half, cap) if half is not None else -1
    return factor, (default if d < 0 else d)


POINTS = {"en": " pp", "zh": "个百分点"}
"""A difference of two shares: percentage points."""


def _suffix(indicator: str, diff: bool, lang: str = "en") -> str:
    if not is_percent(indicator):
        return ""
    return POINTS.get(lang, POINTS["en"]) if diff else "%"


def value(v: float, indicator: str, diff: bool = False, half: float | None = None, lang: str = "en") -> str:
    """A value of ``indicator`` as a reader wants it.

    Shares in percent (differences, ``diff``, in percentage points with a
    sign), counts as integers, others with three significant figures; with
    ``half`` (an interval's half-width) the decimals follow from it.
    """
    if not _finite(v):
        return DASH
    factor, d = _decimals(indicator, half, float(v))
    shown = _scaled(float(v), factor, d, sign=diff)
    return shown if shown == DASH else shown + _suffix(indicator, diff, lang)


def interval(lo: float, hi: float, indicator: str) -> str:
    """An interval "[low, high]" in the unit of :func:`value`, decimals from its own width; "" without ends."""
    if not (_finite(lo) and _finite(hi)):
        return ""
    lo, hi = float(lo), float(hi)
    factor, d = _decimals(indicator, (hi - lo) / 2, max(abs(lo), abs(hi)))
    if d < 0:  # an interval of no width: three significant figures of its ends
        d = _sig_decimals(factor * max(abs(lo), abs(hi))) if _finite(factor * max(abs(lo), abs(hi))) else 0
    return f"[{_scaled(lo, factor, d)}, {_scaled(hi, factor, d)}]"


def estimate_parts(v: float, lo: float, hi: float, indicator: str, diff: bool = False, lang: str = "en"
                   ) -> tuple[str, str]:
    """The value and its interval, both with the decimals the interval asks for (see :func:`estimate`)."""
    if not (_finite(lo) and _finite(hi)):
        return value(v, indicator, diff, lang=lang), ""
    lo, hi = float(lo), float(hi)
    factor, d = _decimals(indicator, (hi - lo) / 2, max(abs(lo), abs(hi), abs(float(v)) if _finite(v) else 0.0))
    if d < 0:  # an interval of no width: three significant figures of the value, for all three
        d = _sig_decimals(factor * float(v)) if _finite(factor * float(v)) else 0
    shown = DASH if not _finite(v) else _scaled(float(v), factor, d, sign=diff) + _suffix(indicator, diff, lang)
    return shown, f"[{_scaled(lo, factor, d)}, {_scaled(hi, factor, d)}]"


def estimate(v: float, lo: float, hi: float, indicator: str, diff: bool = False, lang: str = "en") -> str:
    """"value [low, high]": a mean or a difference with its 95% interval, one precision for all three."""
    shown, iv = estimate_parts(v, lo, hi, indicator, diff, lang)
    return f"{shown} {iv}".strip()


def magnitude(v: float, indicator: str, half: float | None = None, lang: str = "en") -> str:
    """The size of a change, without a sign ("12.6 pp", "35"), for sentences that say the direction in words."""
    if not _finite(v):
        return DASH
    return value(abs(float(v)), indicator, True, half, lang).lstrip("+")


def p_value(p: float) -> str:
    """A p-value: "< 0.001" below a thousandth, else two significant figures; :data:`DASH` when undefined."""
    if not _finite(p) or p < 0:
        return DASH
    p = min(float(p), 1.0)
    if p < 0.001:
        return "< 0.001"
    return f"{float(f'{p:.2g}'):g}"


def percent(share: float, decimals: int = 0) -> str:
    """A share in [0, 1] as a percentage ("88%"); :data:`DASH` when undefined."""
    if not _finite(share):
        return DASH
    return number(100 * float(share), decimals) + "%"


def count(v: float) -> str:
    """A count as an integer with thousands separators; :data:`DASH` when undefined."""
    return number(v, 0)
