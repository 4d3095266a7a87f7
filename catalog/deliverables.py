"""The deliverables table: what the contracts of an adjusted option root deliver, and from when.

No vendor file layout says what a contract of an adjusted root (``XYZ1``, ``AAPL7``)
delivers, so the ingest takes it from a table the user writes from OCC's information memos
(``tradefly ingest option-bars FILE --deliverables deliverables.csv``). The table is a CSV
with the header ``root,underlying,effective,shares,cash,multiplier`` and an optional last
column ``memo``:

``root``
    The adjusted option root (``XYZ1``).
``underlying``
    The ticker of the delivered shares (``XYZ``).
``effective``
    ``YYYY-MM-DD``: the memo's effective date, the first session the root trades with this
    deliverable.
``shares``
    Shares of the underlying delivered per contract (150).
``cash``
    Cash delivered per contract with the shares, dollars (0 when none).
``multiplier``
    Dollars per contract of one dollar of premium or strike (100 for adjustments since 2007).
``memo``
    Free text, e.g. the OCC memo number.

A row of the root with the latest ``effective`` on or before a vendor row's date gives that
row's contract its deliverable (OCC reuses a root for a later adjustment once the earlier
series have expired); a vendor row dated before every ``effective`` of its root, or of a root
the table lacks, is rejected as an adjusted root without a deliverable.
"""

import csv
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

from options.deliverables import Deliverable

COLUMNS = ("root", "underlying", "effective", "shares", "cash", "multiplier")


class DeliverablesTable:
    """Deliverables of adjusted roots by effective date (see the module docstring).

    Parameters
    ----------
    rows : Mapping[str, list[tuple[datetime.date, str, Deliverable]]]
        Per root (upper case): ``(effective, underlying, deliverable)``, any order.

    """

    def __init__(self, rows: Mapping[str, list[tuple[dt.date, str, Deliverable]]]) -> None:
        self._rows = {root.upper(): sorted(entries) for root, entries in rows.items()}

    def lookup(self, root: str, underlying: str, day: dt.date) -> Deliverable | None:
        """Return the deliverable of `root` contracts on `underlying` at `day`, or ``None``."""
        found = None
        for effective, owner, deliverable in self._rows.get(root.upper(), []):
            if effective <= day and owner == underlying.upper():
                found = deliverable
        return found


def load_deliverables(path: Path) -> DeliverablesTable:
    """Read a deliverables table CSV.

    Parameters
    ----------
    path : Path
        The CSV (see the module docstring for its columns).

    Returns
    -------
    DeliverablesTable

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If a column is missing or a row's field is not valid; the message names the file,
        line and field. A table is small and hand-written, so one bad row stops the ingest
        before anything is written.

    """
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: deliverables table lacks the column(s) {', '.join(missing)}")
        rows: dict[str, list[tuple[dt.date, str, Deliverable]]] = {}
        for record in reader:
            line = reader.line_num
            field = "root"
            try:
                root = record["root"].strip().upper()
                field = "underlying"
                underlying = record["underlying"].strip().upper()
                if not root or not underlying:
                    raise ValueError
                field = "effective"
                effective = dt.date.fromisoformat(record["effective"].strip())
                field = "shares"
                shares = int(record["shares"])
                field = "cash"
                cash = Decimal(record["cash"].strip() or "0")
                field = "multiplier"
                multiplier = int(record["multiplier"])
                field = "shares"
                deliverable = Deliverable(shares, cash, multiplier)
            except (ValueError, InvalidOperation, AttributeError):
                value = record.get(field)
                raise ValueError(f"{path}:{line}: {field} was not valid: {value!r}") from None
            rows.setdefault(root, []).append((effective, underlying, deliverable))
    return DeliverablesTable(rows)
