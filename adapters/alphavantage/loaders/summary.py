"""The closing summary of an ingest run."""

from dataclasses import dataclass, field

_GAPS_SHOWN = 20


@dataclass(slots=True)
class IngestSummary:
    """What an ingest did.

    Parameters
    ----------
    planned : int
        Calls in the plan (news pages beyond the first not included).
    requested : int
        HTTP requests sent (retries included).
    cached : int
        Calls answered from the raw cache.
    skipped : int
        Calls already written to the catalog by an earlier run (resume).
    retried : int
        Retries after throttling or transient failures.
    throttled : int
        Throttle replies received.
    refused : int
        Calls the vendor refused (bad request, entitlement, daily limit).
    failed : int
        Calls that ended in any error (refusals included).
    rows_written : int
        Data rows newly stored in the catalog.
    rows_already_present : int
        Data rows identical to stored ones (not stored again).
    instruments_written : int
        Instrument definitions newly stored.
    conflicting_rows : int
        Rows not stored because a stored row has the same instrument and timestamp but other
        values (the stored row is kept).
    rows_rejected : dict[str, int]
        Vendor rows refused by the parsers, per dataset.
    gaps : list[str]
        Missing data found, e.g. trading days without a chain.
    errors : list[str]
        One line per failed call.
    stopped : str
        Why the run stopped early (``""`` if it completed).

    """

    planned: int = 0
    requested: int = 0
    cached: int = 0
    skipped: int = 0
    retried: int = 0
    throttled: int = 0
    refused: int = 0
    failed: int = 0
    rows_written: int = 0
    rows_already_present: int = 0
    instruments_written: int = 0
    conflicting_rows: int = 0
    rows_rejected: dict[str, int] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stopped: str = ""

    def reject(self, dataset: str, count: int) -> None:
        """Add `count` rejected rows to `dataset`."""
        if count:
            self.rows_rejected[dataset] = self.rows_rejected.get(dataset, 0) + count

    def format(self) -> str:
        """Return the summary as text lines for the terminal."""
        rejected = sum(self.rows_rejected.values())
        by_dataset = ", ".join(f"{k} {v}" for k, v in sorted(self.rows_rejected.items()))
        lines = [
            "Alpha Vantage ingest summary",
            f"  calls planned {self.planned}: requested {self.requested} (HTTP), "
            f"cached {self.cached}, skipped (done before) {self.skipped}",
            f"  retried {self.retried}, throttled {self.throttled}, refused {self.refused}, "
            f"failed {self.failed}",
            f"  rows written {self.rows_written}, already present {self.rows_already_present}, "
            f"conflicting with a stored row (refused) {self.conflicting_rows}, "
            f"instruments written {self.instruments_written}",
            f"  rows rejected {rejected}" + (f" ({by_dataset})" if by_dataset else ""),
            f"  gaps found {len(self.gaps)}",
        ]
        lines += [f"    {gap}" for gap in self.gaps[:_GAPS_SHOWN]]
        if len(self.gaps) > _GAPS_SHOWN:
            lines.append(f"    ... and {len(self.gaps) - _GAPS_SHOWN} more")
        lines += [f"  error: {error}" for error in self.errors[:_GAPS_SHOWN]]
        if self.stopped:
            lines.append(f"  stopped early: {self.stopped}; run the same command to resume")
        return "\n".join(lines)
