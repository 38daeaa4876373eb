"""Residents as a struct of numpy arrays (DESIGN §2, §9).

One row per resident (a row stands for ``1 / population_scale`` people);
rows are stored contiguously by community, so community totals are
``np.bincount`` or ``np.add.reduceat`` over ``community_start``. No Python
object per resident exists anywhere in the model; the one-object-per-resident
code in ``tests/oracle.py`` is only a test oracle and benchmark baseline.

Open needs are kept as a sorted list of keys ``resident * 8 + category``
with their age and whether they were detected, because only a few percent
of the 8 × 630,000 resident-category cells hold an open need at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model import kernels
from model.parameters import N_CATEGORIES, Params

# Bits of a resident's group profile (32 profiles index the need-rate table).
CHILD, ELDERLY, DISABLED, LOW_INCOME, SPECIAL = 1, 2, 4, 8, 16
N_PROFILES = 32

def stratified_uniform(group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uniforms stratified within each group.

    In a group of k items exactly one falls in each interval [j/k, (j+1)/k), in
    random order. Each item's marginal is U(0, 1), and a group's share of any
    threshold event is within 1/k of its expectation.
    """
    n = group.size
    key = rng.random(n)
    if n and (group[1:] >= group[:-1]).all():  # residents by community: sort each group's block
        order = _order_in_blocks(group, key)
    else:
        order = np.lexsort((key, group))
    g = group[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(g)) + 1])
    lengths = np.diff(np.concatenate([starts, [n]]))
    rank = np.arange(n) - np.repeat(starts, lengths)
    u = np.empty(n)
    u[order] = (rank + rng.random(n)) / np.repeat(lengths, lengths)
    return u


def _order_in_blocks(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``np.lexsort((key, group))`` for a non-decreasing ``group`` and keys in [0, 1).

    A stable sort of the keys inside each group's block, by a bucket sort
    (:func:`model.kernels.order_in_blocks`): about ten times faster than
    sorting the blocks one by one with ``argsort``.
    """
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [group.size]])
    return kernels.order_in_blocks(bounds, key)


# Keys split by shifts when the number of categories is a power of two (8); None otherwise.
CATEGORY_BITS = N_CATEGORIES.bit_length() - 1 if N_CATEGORIES & (N_CATEGORIES - 1) == 0 else None
# The same for the compiled kernels (``model.kernels._split_key``), which split by division at -1.
KERNEL_CATEGORY_BITS = -1 if CATEGORY_BITS is None else CATEGORY_BITS

# Volunteer states.
NOT_VOLUNTEER, STATE_MOBILISED, GRASSROOTS = 0, 1, 2

# The category that each vulnerable group needs most (the report's F6 labels).
GROUP_CATEGORIES: dict[int, tuple[int, ...]] = {
    CHILD: (4,),  # children and youth
    ELDERLY: (1,),  # home-based elderly care
    DISABLED: (2,),  # disability rehabilitation
    LOW_INCOME: (3, 0),  # social assistance, employment training
    SPECIAL: (5,),  # family and mental health
}


@dataclass
class Residents:
    """All residents of the district.

    Attributes:
        community: community of each row (intp, so gathers need no conversion).
        household: household id (int32), contiguous within a community.
        grid: global grid id (intp); a grid holds ``households_per_grid`` real households
            (``households_per_grid × population_scale`` households of rows).
        grid_households: real households in each grid (the last grid of a community is smaller).
        profile: group bits (CHILD | ELDERLY | ...), uint8 (the 32 profiles; a byte a resident).
        vulnerable: elderly, disabled, low-income or other special (bool).
        adult: not a child (bool).
        civic: civic disposition in [0, 1] (float32).
        threshold: participation threshold, share of neighbours (float32).
        participant: takes part in community affairs (bool).
        volunteer: NOT_VOLUNTEER, STATE_MOBILISED or GRASSROOTS (int8).
        last_attended: month of last consultation attended, -10**4 if never (int32).
        satisfaction, expectation, trust_committee, trust_government: in [0, 1] (float32).
        served_last: needs of this resident met last month (float32), for word of mouth.
        need_key: sorted keys ``row * 8 + category`` of open needs (int64).
        need_age: months each open need has waited (int16).
        need_detected: whether the service system knows of the need (bool).
    """

    community_start: np.ndarray
    community: np.ndarray
    household: np.ndarray
    grid: np.ndarray
    grid_households: np.ndarray
    profile: np.ndarray
    vulnerable: np.ndarray
    adult: np.ndarray
    civic: np.ndarray
    threshold: np.ndarray
    participant: np.ndarray
    volunteer: np.ndarray
    last_attended: np.ndarray
    satisfaction: np.ndarray
    expectation: np.ndarray
    trust_committee: np.ndarray
    trust_government: np.ndarray
    served_last: np.ndarray
    need_key: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    need_age: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    need_detected: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    @property
    def n(self) -> int:
        """Number of resident rows."""
        return int(self.community.size)

    @property
    def need_resident(self) -> np.ndarray:
        """The row of the resident each open need belongs to."""
        if CATEGORY_BITS is None:
            return self.need_key // N_CATEGORIES
        return self.need_key >> CATEGORY_BITS  # keys are never negative: the same, three times faster

    @property
    def need_category(self) -> np.ndarray:
        """The category of each open need."""
        if CATEGORY_BITS is None:
            return self.need_key % N_CATEGORIES
        return self.need_key & (N_CATEGORIES - 1)

    def community_sizes(self) -> np.ndarray:
        """Resident rows in each community."""
        return np.diff(self.community_start)


def need_rate_table(params: Params) -> np.ndarray:
    """Monthly need rate by profile and category, shape (32, 8).

    A resident's rate in a category is the general rate (times
    ``vulnerable_multiplier`` for vulnerable residents) plus
    ``rate_group_month`` in the categories of each group they belong to.
    """
    n = params.needs
    table = np.full((N_PROFILES, N_CATEGORIES), n.rate_general_month, dtype=np.float64)
    vulnerable = (np.arange(N_PROFILES) & (ELDERLY | DISABLED | LOW_INCOME | SPECIAL)) > 0
    table[vulnerable] *= n.vulnerable_multiplier
    for bit, cats in GROUP_CATEGORIES.items():
        has = (np.arange(N_PROFILES) & bit) > 0
        for k in cats:
            table[has, k] += n.rate_group_month
    # At most one new need per resident a month: keep total rates below the cap.
    total = table.sum(axis=1, keepdims=True)
    return table * np.minimum(1.0, n.total_rate_cap_month / np.maximum(total, 1e-12))


def community_sizes(params: Params, rng: np.random.Generator) -> np.ndarray:
    """Rows per community: lognormal sizes (CV ``community_size_cv``) summing to the scaled population."""
    pop = params.population
    n_rows = max(int(round(pop.residents_total * pop.population_scale)), 2 * pop.communities)
    cv = pop.community_size_cv
    sigma = np.sqrt(np.log1p(cv**2))
    w = rng.lognormal(-sigma**2 / 2, sigma, pop.communities) if cv > 0 else np.ones(pop.communities)
    raw = w / w.sum() * n_rows
    sizes = np.maximum(np.floor(raw).astype(np.int64), 2)
    # Hand the rounding remainder to the largest fractional parts.
    short = n_rows - sizes.sum()
    if short > 0:
        sizes[np.argsort(raw - np.floor(raw))[::-1][:short]] += 1
    elif short < 0:
        sizes[np.argsort(sizes)[::-1][: -short]] -= 1
    return sizes


def _beta_ppf(q: np.ndarray, a: float, b: float) -> np.ndarray:
    """``scipy.stats.beta.ppf(q, a, b)`` for ``q`` in [0, 1), without importing ``scipy.stats`` (0.4 s).

    ``beta.ppf`` is the ufunc below (Boost's inverse incomplete beta) with
    ``scale = 1`` and ``loc = 0``, and 0 at ``q = 0``, where the ufunc gives 0
    too; ``tests/test_build.py`` checks the two agree bit for bit.
    """
    try:
        from scipy.special._ufuncs import _beta_ppf as ppf
    except ImportError:  # another SciPy's layout: the public route
        from scipy import stats
        return stats.beta.ppf(q, a, b)
    return ppf(q, a, b)


# Quantiles the civic table is interpolated from: dense in the middle, geometric toward 0 and 1.
_CIVIC_GRID = np.unique(np.concatenate([np.geomspace(1e-12, 1e-3, 2000, endpoint=False),
                                        np.linspace(1e-3, 1.0 - 1e-3, 16_001),
                                        1.0 - np.geomspace(1e-3, 1e-12, 2000)]))


def _beta_ppf32(q: np.ndarray, a: float, b: float) -> np.ndarray:
    """``float32(scipy.stats.beta.ppf(q, a, b))``, bit for bit, in a quarter of its time at the district's size.

    The exact quantile costs about 1.1 µs a value (0.7 s for 630,000
    residents). Here it is interpolated from a table of 20,000 exact
    quantiles and polished by one Newton step on the incomplete beta function
    (about 0.3 µs a value). A value whose float32 rounding the remaining error
    could still change is computed exactly: one closer to a rounding midpoint
    than its error bound (Newton's error, |F''/2F'| times the step squared,
    a hundredfold, plus 1e-13 relative), or one outside the table; that is
    well under 1% of values.
    Small arrays and shapes outside [0.5, 50] take the exact route.
    ``tests/test_kernels.py`` checks the bits against ``scipy.stats``.
    """
    if q.size < 50_000 or not (0.5 <= min(a, b) and max(a, b) <= 50.0):
        return _beta_ppf(q, a, b).astype(np.float32)
    from scipy.special import betainc, betaln

    x0 = np.interp(q, _CIVIC_GRID, _beta_ppf(_CIVIC_GRID, a, b))
    with np.errstate(all="ignore"):
        density = np.exp((a - 1.0) * np.log(x0) + (b - 1.0) * np.log1p(-x0) - betaln(a, b))
        x1 = x0 - (betainc(a, b, x0) - q) / density
    out = x1.astype(np.float32)
    wide = out.astype(float)
    below = (wide + np.nextafter(out, np.float32(-1.0)).astype(float)) / 2.0  # the rounding midpoints
    above = (wide + np.nextafter(out, np.float32(2.0)).astype(float)) / 2.0
    with np.errstate(all="ignore"):
        # Newton's error after the step is about |F''/2F'| × step² (F the incomplete beta), ×100 for safety.
        error = 50.0 * np.abs((a - 1.0) / x1 - (b - 1.0) / (1.0 - x1)) * (x1 - x0) ** 2 + 1e-13 * x1
        unsure = ~((np.minimum(np.abs(x1 - below), np.abs(x1 - above)) > error)
                   & (q >= _CIVIC_GRID[0]) & (q <= _CIVIC_GRID[-1]))
    out[unsure] = _beta_ppf(q[unsure], a, b)
    return out


def _norm_ppf(q: np.ndarray, loc: float, scale: float) -> np.ndarray:
    """``scipy.stats.norm.ppf(q, loc, scale)`` for ``q`` in [0, 1): ``ndtri(q) × scale + loc``, as it computes it."""
    from scipy.special import ndtri

    return ndtri(q) * scale + loc


def build_residents(params: Params, rng: np.random.Generator) -> Residents:
    """Create the residents of the district with vectorised draws."""
    pop, part = params.population, params.participation
    sizes = community_sizes(params, rng)
    start = np.concatenate([[0], np.cumsum(sizes)])
    n = int(start[-1])
    community = np.repeat(np.arange(sizes.size, dtype=np.intp), sizes)

    # Households: consecutive blocks of 1 + Poisson(mean - 1) members, cut at community edges.
    hh_sizes = 1 + rng.poisson(max(pop.household_size_mean - 1.0, 0.0), n)
    hh_bounds = np.cumsum(hh_sizes)
    first_of_household = np.zeros(n, bool)
    first_of_household[0] = True
    first_of_household[hh_bounds[hh_bounds < n]] = True
    first_of_household[start[:-1]] = True
    household = (np.cumsum(first_of_household) - 1).astype(np.int32)

    # Grids (F15): households_per_grid real households in a row, numbered globally.
    hh_first = household[start[:-1]]
    hh_in_comm = household - hh_first[community]
    rows_per_grid = max(int(round(params.detection.households_per_grid * pop.population_scale)), 1)
    grid_in_comm = hh_in_comm // rows_per_grid
    grids_per_comm = grid_in_comm[start[1:] - 1] + 1  # households (so grids) rise within a community
    grid_offset = np.concatenate([[0], np.cumsum(grids_per_comm)[:-1]])
    grid = (grid_offset[community] + grid_in_comm).astype(np.intp)
    grid_households = np.bincount(grid[first_of_household], minlength=int(grid[-1]) + 1) \
        / pop.population_scale

    # Groups, civic disposition and thresholds are drawn with uniforms stratified
    # within each community, so a community of a few dozen rows (a small scale)
    # has the district's shares, not a sample's: scale stays a weight. Low income
    # is drawn per household (stratified over its community's households) and
    # shared by its members.
    u_age = stratified_uniform(community, rng)
    child = u_age < pop.share_children
    elderly = u_age >= 1.0 - pop.share_elderly
    disabled = stratified_uniform(community, rng) < pop.share_disabled
    household_community = community[first_of_household]
    low_income = (stratified_uniform(household_community, rng) < pop.share_low_income)[household]
    special = stratified_uniform(community, rng) < pop.share_other_special
    profile = (CHILD * child + ELDERLY * elderly + DISABLED * disabled
               + LOW_INCOME * low_income + SPECIAL * special).astype(np.uint8)
    vulnerable = elderly | disabled | low_income | special

    m = pop.civic_disposition_mean
    conc = pop.civic_concentration
    civic = _beta_ppf32(stratified_uniform(community, rng), max(m * conc, 1e-3), max((1 - m) * conc, 1e-3))
    threshold = np.clip(_norm_ppf(stratified_uniform(community, rng), part.threshold_mean,
                                  max(part.threshold_sd, 1e-12)), 0.0, 1.0).astype(np.float32)

    t0 = np.float32(params.trust.initial)
    return Residents(
        community_start=start,
        community=community,
        household=household,
        grid=grid,
        grid_households=grid_households,
        profile=profile,
        vulnerable=vulnerable,
        adult=~child,
        civic=civic,
        threshold=threshold,
        participant=np.zeros(n, bool),
        volunteer=np.zeros(n, np.int8),
        last_attended=np.full(n, -10_000, np.int32),
        satisfaction=np.full(n, t0, np.float32),
        expectation=np.full(n, t0, np.float32),
        trust_committee=np.full(n, t0, np.float32),
        trust_government=np.full(n, t0, np.float32),
        served_last=np.zeros(n, np.float32),
    )
