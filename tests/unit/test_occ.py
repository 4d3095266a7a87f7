import datetime as dt
from decimal import Decimal

import pytest
from nautilus_trader.model.enums import OptionKind

from options.instruments import make_option_contract
from options.market_calendar import expiration_close_ns, is_first_session_of_week, session_close_ns
from options.occ import format_occ, parse_occ


@pytest.mark.parametrize(
    ("raw", "root", "date", "kind", "strike"),
    [
        ("SPY240119P00470000", "SPY", dt.date(2024, 1, 19), OptionKind.PUT, Decimal(470)),
        ("O:SPY210219C00275000", "SPY", dt.date(2021, 2, 19), OptionKind.CALL, Decimal(275)),
        ("SPY   240119P00340000", "SPY", dt.date(2024, 1, 19), OptionKind.PUT, Decimal(340)),
        ("SPXW240119C04750000", "SPXW", dt.date(2024, 1, 19), OptionKind.CALL, Decimal(4750)),
        ("AAPL1130622C00420500", "AAPL1", dt.date(2013, 6, 22), OptionKind.CALL, Decimal("420.5")),
        # two-digit years as POSIX %y reads them: 00-68 are 2000-2068, 69-99 are 1969-1999
        ("SPY680119P00470000", "SPY", dt.date(2068, 1, 19), OptionKind.PUT, Decimal(470)),
        ("SPY690117P00470000", "SPY", dt.date(1969, 1, 17), OptionKind.PUT, Decimal(470)),
        ("SPY000121C00140000", "SPY", dt.date(2000, 1, 21), OptionKind.CALL, Decimal(140)),
    ],
)
def test_parse_occ(raw: str, root: str, date: dt.date, kind: OptionKind, strike: Decimal) -> None:
    occ = parse_occ(raw)
    assert (occ.root, occ.expiration, occ.kind, occ.strike) == (root, date, kind, strike)
    assert parse_occ(occ.compact) == occ


@pytest.mark.parametrize(
    "bad", ["", "SPY", "SPY241319P00470000", "SPY240119X00470000", "SPY240119P4700"]
)
def test_parse_occ_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="OCC option symbol"):
        parse_occ(bad)


def test_format_occ_rejects_sub_tick_strike() -> None:
    with pytest.raises(ValueError, match="strike"):
        format_occ("SPY", dt.date(2024, 1, 19), OptionKind.PUT, Decimal("470.0005"))


def test_contract_expires_at_the_session_close() -> None:
    contract = make_option_contract(parse_occ("SPY211126P00460000"))  # day after Thanksgiving
    assert contract.expiration_ns == session_close_ns(dt.date(2021, 11, 26))
    assert contract.multiplier.as_double() == 100
    # 2021-11-26 closed at 13:00 New York = 18:00 UTC
    assert contract.expiration_ns == 1637949600 * 10**9
    # 2021-02-19 16:00 New York = 21:00 UTC
    assert expiration_close_ns(dt.date(2021, 2, 19)) == 1613768400 * 10**9


def test_first_session_of_week() -> None:
    assert is_first_session_of_week(dt.date(2021, 1, 19))  # Monday 18th was MLK day
    assert not is_first_session_of_week(dt.date(2021, 1, 20))
