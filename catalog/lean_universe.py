"""QuantConnect LEAN option universe files to Nautilus contracts, daily bars and vendor greeks.

Layout ``lean-universe`` (LEAN ``option/usa/universes/<ticker>/<yyyyMMdd>.csv`` and
``indexoption/usa/universes/<ticker>/<yyyyMMdd>.csv``): one end-of-day snapshot of a chain per
file, header ``#expiry, strike, right, open, high, low, close, volume, open_interest,
implied_volatility, delta, gamma, vega, theta, rho``. The file names the chain: its folder is
the option root (``spy``, ``spx``) and its name the session. A row with empty expiry, strike
and right is the underlying's own daily bar (equity universes have one, right after the
header; index universes have none).

Each option row becomes

- an ``OptionContract`` of the root (an index root such as ``SPX`` gets its index underlying
  and cash settlement, :mod:`options.instruments`),
- a daily ``Bar`` of type ``<OCC>.US-1-DAY-LAST-EXTERNAL`` from the row's trade OHLC and
  volume (prices in dollars per share rounded half-even to 2 decimals; LEAN writes 4), and
- unless its ``implied_volatility`` is blank, an ``OptionGreeks`` (IV as a decimal, delta per
  share, vega per 1 vol point, theta per calendar day, rho per 1 rate point, as LEAN writes
  them; open interest in contracts, ``None`` when blank; underlying price from the file's
  underlying row when it has one),

all stamped at the NYSE session close of the file's date. The underlying row becomes a daily
``Bar`` of the underlying (dollars per share, 4 decimals). The files have no bid or ask: a
backtest fills against the bars (``fill_model: trade_close_half_spread``).
"""

import datetime as dt
import re
from functools import partial
from pathlib import Path

from nautilus_trader.model.data import Bar, OptionGreeks
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from catalog.validation import (
    DuplicateGuard,
    Layout,
    LoadResult,
    RejectReason,
    RowRejected,
    check_bar_prices,
    column_index,
    field_text,
    parse_count,
    parse_decimal,
    parse_float,
    parse_price,
    parse_volume,
    session_close,
)
from options.index_options import index_of_root
from options.instruments import (
    EQUITY_PRICE_PRECISION,
    OPTION_PRICE_PRECISION,
    daily_bar_type,
    make_option_contract,
    make_underlying,
)
from options.occ import format_occ, parse_occ

LEAN_UNIVERSE = Layout(
    "lean-universe",
    (
        "#expiry",
        "strike",
        "right",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "open_interest",
        "implied_volatility",
        "delta",
        "gamma",
        "vega",
        "theta",
        "rho",
    ),
)

_FILE_NAME = re.compile(r"(?P<date>\d{8})\.csv", re.IGNORECASE)
_ROOT = re.compile(r"[A-Za-z0-9]{1,6}")


def universe_of(path: Path) -> tuple[str, dt.date]:
    """Return the option root and session a LEAN universe file's path names.

    Parameters
    ----------
    path : Path
        ``.../<root>/<yyyyMMdd>.csv``, e.g. ``.../universes/spy/20231228.csv``.

    Returns
    -------
    tuple[str, datetime.date]
        The root in upper case (``SPY``) and the date.

    Raises
    ------
    ValueError
        If the file is not named ``<yyyyMMdd>.csv`` inside a folder named by the root.

    """
    name = _FILE_NAME.fullmatch(path.name)
    root = path.resolve().parent.name
    if name is None or not _ROOT.fullmatch(root):
        raise ValueError(
            f"{path}: a LEAN universe file is named <root>/<yyyyMMdd>.csv (e.g. "
            f"spy/20231228.csv), which names its chain and session; this path does not"
        )
    try:
        day = dt.datetime.strptime(name["date"], "%Y%m%d").date()  # noqa: DTZ007 (a date)
    except ValueError as exc:
        raise ValueError(f"{path}: the file name {path.name!r} is not a date (yyyyMMdd)") from exc
    return root.upper(), day


class LeanUniverseRowParser:
    """Turns the rows of one LEAN universe file into contracts, bars and greeks.

    Parameters
    ----------
    path : Path
        The file (its path names the root and the session, :func:`universe_of`).
    header : list[str]
        The file's header row.
    result : LoadResult
        Receives the instruments and data of accepted rows.

    Raises
    ------
    ValueError
        If the path names no root and session.

    """

    def __init__(self, path: Path, header: list[str], result: LoadResult) -> None:
        self._root, self._day = universe_of(path)
        self._col = column_index(header, LEAN_UNIVERSE.columns)
        self._result = result
        self._duplicates = DuplicateGuard()
        self._ticker = index_of_root(self._root) or self._root
        self._underlying_price: float | None = None
        self._underlying = make_underlying(self._ticker)
        self._underlying_added = False

    def _text(self, row: list[str], column: str) -> str:
        return field_text(row, self._col[column])

    def _is_underlying_row(self, row: list[str]) -> bool:
        terms = ("#expiry", "strike", "right")
        return all(self._col[c] < len(row) and not row[self._col[c]].strip() for c in terms)

    def __call__(self, row: list[str]) -> None:
        """Add the objects of one row to the result.

        Raises
        ------
        RowRejected
            For the reasons listed in :func:`catalog.option_bars.load_option_bars`.

        """
        ts = session_close(self._day)
        if self._is_underlying_row(row):
            self._add_underlying_bar(row, ts)
            return
        text = partial(self._text, row)
        expiry = text("#expiry")
        try:
            expiration = dt.datetime.strptime(expiry, "%Y%m%d").date()  # noqa: DTZ007
        except ValueError as exc:
            raise RowRejected(RejectReason.UNPARSEABLE_DATE) from exc
        right = text("right").upper()
        if right not in ("C", "P"):
            raise RowRejected(RejectReason.UNPARSEABLE_SYMBOL)
        strike = parse_decimal(text("strike"))
        if strike <= 0:
            raise RowRejected(RejectReason.UNPARSEABLE_SYMBOL)
        if expiration < self._day:
            raise RowRejected(RejectReason.EXPIRED_BEFORE_QUOTE_DATE)
        kind = OptionKind.CALL if right == "C" else OptionKind.PUT
        try:
            occ = parse_occ(format_occ(self._root, expiration, kind, strike))
        except ValueError as exc:
            raise RowRejected(RejectReason.UNPARSEABLE_SYMBOL) from exc
        open_, high, low, close = (
            parse_price(text(c), OPTION_PRICE_PRECISION) for c in ("open", "high", "low", "close")
        )
        check_bar_prices(open_, high, low, close)
        volume = parse_volume(text("volume"))
        greeks = self._greeks(row)
        self._duplicates.check(occ.compact, ts)

        contract = make_option_contract(occ)
        result = self._result
        result.add_instrument(contract)
        self._add_underlying()
        bar_type = daily_bar_type(contract.id)
        result.data.append(Bar(bar_type, open_, high, low, close, volume, ts, ts))
        if greeks is not None:
            iv, delta, gamma, vega, theta, rho, open_interest = greeks
            result.data.append(
                OptionGreeks(
                    contract.id,
                    delta,
                    gamma,
                    vega,
                    theta,
                    rho,
                    iv,
                    iv,
                    iv,
                    self._underlying_price,
                    open_interest,
                    ts,
                    ts,
                )
            )

    def _greeks(
        self, row: list[str]
    ) -> tuple[float, float, float, float, float, float, float | None] | None:
        """Return IV, delta, gamma, vega, theta, rho and open interest, or None without IV."""
        iv_index = self._col["implied_volatility"]
        if iv_index >= len(row) or not row[iv_index].strip():
            return None
        text = partial(self._text, row)
        iv = parse_float(text("implied_volatility"))
        if iv < 0:
            raise RowRejected(RejectReason.NEGATIVE_VOLATILITY)
        delta, gamma, vega, theta, rho = (
            parse_float(text(c)) for c in ("delta", "gamma", "vega", "theta", "rho")
        )
        oi_index = self._col["open_interest"]
        open_interest = (
            float(parse_count(row[oi_index].strip()))
            if oi_index < len(row) and row[oi_index].strip()
            else None
        )
        return iv, delta, gamma, vega, theta, rho, open_interest

    def _add_underlying_bar(self, row: list[str], ts: int) -> None:
        text = partial(self._text, row)
        open_, high, low, close = (
            parse_price(text(c), EQUITY_PRICE_PRECISION) for c in ("open", "high", "low", "close")
        )
        check_bar_prices(open_, high, low, close)
        volume = parse_volume(text("volume"))
        self._duplicates.check(self._ticker, ts)
        underlying = self._add_underlying()
        self._underlying_price = close.as_double()
        self._result.data.append(
            Bar(daily_bar_type(underlying), open_, high, low, close, volume, ts, ts)
        )

    def _add_underlying(self) -> InstrumentId:
        if not self._underlying_added:
            self._result.add_instrument(self._underlying)
            self._underlying_added = True
        return self._underlying.id
