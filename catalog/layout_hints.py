"""Which ``tradefly ingest`` command reads a file, for files given to another command.

A LEAN universe given to ``eod-chains`` or a Cboe quote table given to ``option-bars`` matches
no layout of that command; :func:`command_hint` names the command whose layout it matches.
"""

from pathlib import Path

from catalog import eod_chains, option_bars, underlying_bars
from catalog.cboe_quotes import CBOE_QUOTETABLE, is_cboe_quotetable
from catalog.validation import Layout, open_csv

COMMAND_LAYOUTS: dict[str, tuple[Layout, ...]] = {
    "eod-chains": eod_chains.LAYOUTS,
    "option-bars": option_bars.LAYOUTS,
    "bars": underlying_bars.LAYOUTS,
}
"""The layouts each file ingest command reads."""


def _layout_of(path: Path) -> tuple[str, str] | None:
    """Return (command, layout name) of the first layout `path` matches, or None."""
    if is_cboe_quotetable(path):
        return "eod-chains", CBOE_QUOTETABLE.name
    try:
        with open_csv(path) as (header, _rows):
            for command, layouts in COMMAND_LAYOUTS.items():
                for layout in layouts:
                    if layout.matches(header):
                        return command, layout.name
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return None


def command_hint(command: str, paths: list[Path]) -> list[str]:
    """Return one line per file of `paths` that another ingest command reads.

    Parameters
    ----------
    command : str
        The command the files were given to (``eod-chains``, ``option-bars``, ``bars``).
    paths : list[Path]
        The files.

    Returns
    -------
    list[str]
        e.g. ``spy/20231228.csv is a lean-universe file: ingest it with tradefly ingest
        option-bars``; empty when every file is of `command`'s layouts or of none.

    """
    lines = []
    for path in paths:
        found = _layout_of(path)
        if found is not None and found[0] != command:
            other, layout = found
            lines.append(f"{path} is a {layout} file: ingest it with tradefly ingest {other}")
    return lines
