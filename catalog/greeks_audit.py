"""Vendor greeks audited on ingest: IV and delta recomputed from the mid and compared.

For each option row that has both a quote and vendor greeks (``OptionGreeks``), the implied
vol and delta are recomputed from the mid ``(bid + ask) / 2`` and the vendor's underlying
price, to the option's expiry (ACT/365 from the row's timestamp):

- index options (European, cash-settled: SPX, SPXW, ... :mod:`options.index_options`) with
  the Black-Scholes-Merton formulas of :mod:`options.pricing`;
- equity options (American) with :mod:`options.american` (Black-Scholes plus a binomial
  tree's early-exercise premium).

Assumptions, stated because vendors use their own: a flat risk-free rate and dividend yield
(defaults :data:`AUDIT_RATE` and :data:`AUDIT_DIVIDEND_YIELD`, both 0 since no rate curve or
dividend forecast is in the files; ``tradefly ingest eod-chains --audit-rate R
--audit-dividend-yield Q`` sets them; at 0 an American put or call is worth its European
value, so the early-exercise premium only enters with a positive rate or yield), mid prices
(not the vendor's own reference price), and the vendor's underlying price. Rows without a
bid (mid would be half the ask), expiring at the row's instant, or whose mid has no implied
vol (below intrinsic value, say) are counted but not compared.

The disagreement is summarised per underlying as the median and 90th percentile of
``|model IV - vendor IV|`` in vol points (0.01 of IV is one point) and of
``|model delta - vendor delta|``. A row is **flagged** when either exceeds its threshold
(:data:`IV_THRESHOLD_POINTS`, :data:`DELTA_THRESHOLD`). Every compared row is stored in the
catalog as a :class:`VendorGreeksAudit` record (custom data, one directory per underlying,
stamped like the row), so ``tradefly catalog`` can summarise and list the flagged rows.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from nautilus_trader.core.data import Data
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument, OptionContract
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from options.american import american_implied_vol_array, american_price_delta_array
from options.index_options import is_index
from options.instruments import equity_id
from options.market_calendar import NEW_YORK
from options.pricing import NS_PER_YEAR, bs_delta_array, implied_vol_array

if TYPE_CHECKING:
    from dataclasses import dataclass as customdataclass
else:
    from nautilus_trader.model.custom import customdataclass

AUDIT_RATE = 0.0
"""Risk-free rate (continuously compounded, decimal per year) used to recompute IV and delta."""

AUDIT_DIVIDEND_YIELD = 0.0
"""Dividend yield (continuous, decimal per year) used to recompute IV and delta."""

IV_THRESHOLD_POINTS = 5.0
"""A row whose IV differs by more than this many vol points (0.05 of IV) is flagged."""

DELTA_THRESHOLD = 0.10
"""A row whose delta differs by more than this (per share) is flagged."""


@customdataclass
class VendorGreeksAudit(Data):  # type: ignore[misc]
    """One option row's vendor IV and delta next to the values recomputed from its mid.

    Parameters
    ----------
    instrument_id : InstrumentId
        The underlying (``SPY.US``): one catalog directory per underlying.
    option : str
        The option's instrument ID (``SPY210219P00370000.US``).
    mid : float
        ``(bid + ask) / 2``, dollars per share.
    vendor_iv, model_iv : float
        Implied vols as decimals.
    vendor_delta, model_delta : float
        Deltas per share.
    flagged : bool
        Beyond :data:`IV_THRESHOLD_POINTS` or :data:`DELTA_THRESHOLD`.
    rate, dividend_yield : float
        The assumptions the model values used (decimals per year).

    """

    instrument_id: InstrumentId
    option: str
    mid: float
    vendor_iv: float
    model_iv: float
    vendor_delta: float
    model_delta: float
    flagged: bool
    rate: float
    dividend_yield: float
    if TYPE_CHECKING:
        ts_event: int = 0
        ts_init: int = 0


@dataclass(frozen=True, slots=True)
class AuditSummary:
    """The disagreement of one underlying's vendor greeks with the recomputed ones.

    Parameters
    ----------
    underlying : str
        The ticker.
    model : str
        ``european`` (index options) or ``american``.
    rows : int
        Rows with a quote and vendor greeks.
    compared : int
        Of those, rows with a model IV (a bid, time left, a mid with an implied vol).
    iv_median, iv_p90 : float
        Median and 90th percentile of ``|model IV - vendor IV|``, vol points.
    delta_median, delta_p90 : float
        Median and 90th percentile of ``|model delta - vendor delta|``.
    flagged : int
        Compared rows beyond a threshold.

    """

    underlying: str
    model: str
    rows: int
    compared: int
    iv_median: float
    iv_p90: float
    delta_median: float
    delta_p90: float
    flagged: int

    def line(self) -> str:
        """Return the summary as one line of text."""
        of = f" of {self.rows:,}" if self.rows != self.compared else ""
        return (
            f"  {self.underlying} ({self.model}): {self.compared:,}{of} rows "
            f"compared; |IV diff| median {self.iv_median:.2f}, p90 {self.iv_p90:.2f} vol points; "
            f"|delta diff| median {self.delta_median:.3f}, p90 {self.delta_p90:.3f}; "
            f"{self.flagged:,} flagged"
        )


def header_line(rate: float, dividend_yield: float) -> str:
    """Return the line introducing audit summaries (assumptions and thresholds)."""
    return (
        f"vendor greeks audit (IV and delta from the mid; rate {rate:g}, dividend yield "
        f"{dividend_yield:g}; flagged beyond {IV_THRESHOLD_POINTS:g} vol points or "
        f"{DELTA_THRESHOLD:g} delta):"
    )


def audit_vendor_greeks(
    instruments: dict[str, Instrument],
    data: Sequence[Data],
    rate: float = AUDIT_RATE,
    dividend_yield: float = AUDIT_DIVIDEND_YIELD,
) -> tuple[list[VendorGreeksAudit], list[AuditSummary]]:
    """Recompute IV and delta of every row with a quote and vendor greeks; compare.

    Parameters
    ----------
    instruments : dict[str, Instrument]
        The options by instrument ID string (other instruments are ignored).
    data : Sequence[Data]
        Loaded rows; ``QuoteTick`` and ``OptionGreeks`` of one option at one ``ts_init``
        make a row.
    rate, dividend_yield : float
        Flat continuously compounded rate and dividend yield, decimals per year.

    Returns
    -------
    tuple[list[VendorGreeksAudit], list[AuditSummary]]
        One record per compared row, and one summary per underlying (sorted by ticker).

    """
    quotes = {(q.instrument_id.value, q.ts_init): q for q in data if isinstance(q, QuoteTick)}
    rows: dict[str, list[tuple[OptionContract, QuoteTick, OptionGreeks]]] = defaultdict(list)
    for greeks in data:
        if not isinstance(greeks, OptionGreeks):
            continue
        contract = instruments.get(greeks.instrument_id.value)
        quote = quotes.get((greeks.instrument_id.value, greeks.ts_init))
        if isinstance(contract, OptionContract) and quote is not None:
            rows[contract.underlying].append((contract, quote, greeks))
    records: list[VendorGreeksAudit] = []
    summaries = []
    for underlying in sorted(rows):
        found, summary = _audit_one(underlying, rows[underlying], rate, dividend_yield)
        records.extend(found)
        summaries.append(summary)
    return records, summaries


def _audit_one(
    underlying: str,
    rows: list[tuple[OptionContract, QuoteTick, OptionGreeks]],
    rate: float,
    dividend_yield: float,
) -> tuple[list[VendorGreeksAudit], AuditSummary]:
    def column(values: list[float]) -> npt.NDArray[np.float64]:
        return np.asarray(values, dtype=np.float64)

    bid = column([q.bid_price.as_double() for _, q, _ in rows])
    ask = column([q.ask_price.as_double() for _, q, _ in rows])
    spot = column([g.underlying_price for _, _, g in rows])
    strike = column([c.strike_price.as_double() for c, _, _ in rows])
    years = column([(c.expiration_ns - g.ts_init) / NS_PER_YEAR for c, _, g in rows])
    calls = np.array([c.option_kind == OptionKind.CALL for c, _, _ in rows])
    vendor_iv = column([g.mark_iv for _, _, g in rows])
    vendor_delta = column([g.delta for _, _, g in rows])
    mid = (bid + ask) / 2.0
    usable = (bid > 0) & (years > 0) & (spot > 0) & np.isfinite(spot)
    model_iv = np.full(len(rows), np.nan)
    model_delta = np.full(len(rows), np.nan)
    european = is_index(underlying)
    if usable.any():
        args = (spot[usable], strike[usable], years[usable], rate, dividend_yield)
        if european:
            model_iv[usable] = implied_vol_array(mid[usable], *args, calls[usable])
        else:
            model_iv[usable] = american_implied_vol_array(mid[usable], *args, calls[usable])
    solved = np.isfinite(model_iv)
    if solved.any():
        at = (spot[solved], strike[solved], years[solved], model_iv[solved], rate)
        if european:
            model_delta[solved] = bs_delta_array(*at, dividend_yield, calls[solved])
        else:
            _, deltas = american_price_delta_array(*at, dividend_yield, calls[solved])
            model_delta[solved] = deltas
    iv_points = np.abs(model_iv - vendor_iv) * 100.0
    delta_diff = np.abs(model_delta - vendor_delta)
    flagged = solved & ((iv_points > IV_THRESHOLD_POINTS) | (delta_diff > DELTA_THRESHOLD))
    instrument_id = equity_id(underlying)
    records = [
        VendorGreeksAudit(
            instrument_id=instrument_id,
            option=rows[i][0].id.value,
            mid=float(mid[i]),
            vendor_iv=float(vendor_iv[i]),
            model_iv=float(model_iv[i]),
            vendor_delta=float(vendor_delta[i]),
            model_delta=float(model_delta[i]),
            flagged=bool(flagged[i]),
            rate=rate,
            dividend_yield=dividend_yield,
            ts_event=rows[i][2].ts_event,
            ts_init=rows[i][2].ts_init,
        )
        for i in np.flatnonzero(solved)
    ]
    summary = summarise(
        underlying, "european" if european else "american", len(rows), iv_points, delta_diff
    )
    return records, summary


def summarise(
    underlying: str,
    model: str,
    rows: int,
    iv_points: npt.NDArray[np.float64],
    delta_diff: npt.NDArray[np.float64],
) -> AuditSummary:
    """Return the summary of absolute differences (NaN entries are rows not compared)."""
    compared = np.isfinite(iv_points) & np.isfinite(delta_diff)
    iv, delta = iv_points[compared], delta_diff[compared]
    if not compared.any():
        return AuditSummary(underlying, model, rows, 0, *(float("nan"),) * 4, 0)
    return AuditSummary(
        underlying=underlying,
        model=model,
        rows=rows,
        compared=int(compared.sum()),
        iv_median=float(np.median(iv)),
        iv_p90=float(np.percentile(iv, 90)),
        delta_median=float(np.median(delta)),
        delta_p90=float(np.percentile(delta, 90)),
        flagged=int(((iv > IV_THRESHOLD_POINTS) | (delta > DELTA_THRESHOLD)).sum()),
    )


def stored_audit(catalog: ParquetDataCatalog) -> list[VendorGreeksAudit]:
    """Return the audit records stored in `catalog`, by time (empty if none)."""
    try:
        stored = catalog.query(VendorGreeksAudit)
    except (FileNotFoundError, KeyError, ValueError):
        return []
    # the catalog returns CustomData wrappers
    return [getattr(item, "data", item) for item in stored]


def flagged_lines(records: Sequence[VendorGreeksAudit]) -> list[str]:
    """Return one line per flagged record: date, option, mid, vendor and model IV and delta."""
    lines = []
    for r in records:
        if not r.flagged:
            continue
        day = dt.datetime.fromtimestamp(r.ts_init / 1e9, tz=NEW_YORK).date()
        lines.append(
            f"  {day} {r.option}: mid {r.mid:.2f}; IV vendor {r.vendor_iv:.4f} model "
            f"{r.model_iv:.4f}; delta vendor {r.vendor_delta:.4f} model {r.model_delta:.4f}"
        )
    return lines


def audit_summary_lines(catalog: ParquetDataCatalog) -> list[str]:
    """Return the audit summary of the records stored in `catalog` (empty if none).

    The row counts are of compared rows (rows not compared are not stored).
    """
    groups: dict[tuple[float, float], dict[str, list[VendorGreeksAudit]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for record in stored_audit(catalog):
        key = (record.rate, record.dividend_yield)
        groups[key][record.instrument_id.symbol.value].append(record)
    lines = []
    for (rate, dividend_yield), by_underlying in sorted(groups.items()):
        lines.append(header_line(rate, dividend_yield))
        lines.extend(_summary_lines(by_underlying))
    return lines


def _summary_lines(by_underlying: dict[str, list[VendorGreeksAudit]]) -> list[str]:
    lines = []
    for underlying in sorted(by_underlying):
        records = by_underlying[underlying]
        iv = np.array([abs(r.model_iv - r.vendor_iv) * 100.0 for r in records])
        delta = np.array([abs(r.model_delta - r.vendor_delta) for r in records])
        model = "european" if is_index(underlying) else "american"
        lines.append(summarise(underlying, model, len(records), iv, delta).line())
    return lines
