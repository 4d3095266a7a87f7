"""Per-contract session volume, the record that carries a vendor's traded volume of an option.

Nautilus's ``OptionGreeks`` carries a contract's open interest but has no volume field, so
the contracts traded in a session travel as an :class:`OptionVolume` (Nautilus custom data,
``@customdataclass``): stored in the catalog one directory per contract like the quotes and
greeks (``data/custom_option_volume/SPY210219P00370000.US/``), replayed and published live on
the topic ``data.OptionVolume.<venue>.<symbol>``.
"""

from typing import TYPE_CHECKING

from nautilus_trader.core.data import Data
from nautilus_trader.model.data import DataType
from nautilus_trader.model.identifiers import InstrumentId

if TYPE_CHECKING:
    from dataclasses import dataclass as customdataclass
else:
    from nautilus_trader.model.custom import customdataclass


@customdataclass
class OptionVolume(Data):  # type: ignore[misc]
    """The contracts of one option traded in one session, as the vendor reports them.

    Construct with keyword arguments (``ts_event``/``ts_init`` included).

    Parameters
    ----------
    instrument_id : InstrumentId
        The option (``SPY210219P00370000.US``).
    volume : float
        Contracts traded in the session up to ``ts_event`` (the whole session in end-of-day
        files, the session so far in a live quote): a finite, non-negative whole number.

    """

    instrument_id: InstrumentId
    volume: float
    if TYPE_CHECKING:
        ts_event: int = 0
        ts_init: int = 0


OPTION_VOLUME = DataType(OptionVolume)
"""The data type :class:`OptionVolume` records are published under."""


def option_volume_topic(venue: str, symbol_pattern: str) -> str:
    """Return the message-bus topic of the volume records of `symbol_pattern` on `venue`.

    Parameters
    ----------
    venue : str
        The venue (``US``).
    symbol_pattern : str
        An option symbol, or a pattern such as ``SPY*`` (Nautilus's topic wildcards).

    Returns
    -------
    str
        ``data.OptionVolume.<venue>.<symbol_pattern>``, the topic Nautilus's data engine
        publishes a ``CustomData`` of :data:`OPTION_VOLUME` on.

    """
    return f"data.{OptionVolume.__name__}.{venue}.{symbol_pattern}"


def session_volume(instrument_id: InstrumentId, volume: float, ts: int) -> OptionVolume:
    """Return the :class:`OptionVolume` of `volume` contracts stamped ``ts_event = ts_init = ts``.

    Parameters
    ----------
    instrument_id : InstrumentId
        The option.
    volume : float
        Contracts traded, a validated finite non-negative whole number.
    ts : int
        UNIX ns (the session close in end-of-day files, the receive time live).

    """
    return OptionVolume(instrument_id=instrument_id, volume=float(volume), ts_event=ts, ts_init=ts)
