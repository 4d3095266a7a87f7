"""Run an ingest plan: raw cache or HTTP, parse, write to the catalog, resume, summarise."""

import asyncio
import dataclasses
import hashlib
import logging
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from nautilus_trader.core.data import Data
from nautilus_trader.model.instruments import Instrument
from tqdm import tqdm

from adapters.alphavantage.constants import AlphaVantageFunction as Fn
from adapters.alphavantage.errors import (
    AlphaVantageConfigError,
    AlphaVantageEntitlementError,
    AlphaVantageError,
    AlphaVantageParseError,
    AlphaVantageQuotaError,
)
from adapters.alphavantage.loaders.cache import ResponseCache
from adapters.alphavantage.loaders.convert import ReplyConverter
from adapters.alphavantage.loaders.journal import IngestJournal
from adapters.alphavantage.loaders.plan import IngestPlan, PlannedCall
from adapters.alphavantage.loaders.summary import IngestSummary
from catalog.nautilus_tables import OptionQuoteColumns, option_tables
from catalog.writer import CatalogTable, write_to_catalog

if TYPE_CHECKING:
    from adapters.alphavantage.http.client import AlphaVantageHttpClient

_log = logging.getLogger(__name__)
_CONTEXT_FUNCTIONS = frozenset({Fn.TIME_SERIES_DAILY_ADJUSTED, Fn.EARNINGS})
"""Replies later calls need (closes, release dates) even when their data are written."""


class WriteResult(Protocol):
    """What a catalog writer reports (``catalog.writer.WriteStats``)."""

    @property
    def rows_written(self) -> int:
        """Data rows newly stored."""

    @property
    def rows_already_present(self) -> int:
        """Data rows already stored."""

    @property
    def instruments_written(self) -> int:
        """Instrument definitions newly stored."""

    @property
    def conflicting_rows(self) -> int:
        """Rows refused because a stored row has their timestamp and other values."""


DEFAULT_FLUSH_ROWS = 1_000_000
"""Rows buffered before a catalog write, unless :class:`IngestSettings` says otherwise."""

CatalogWriter = Callable[[Path, Sequence[Instrument | Data], Sequence[CatalogTable]], WriteResult]
ClientFactory = Callable[[], "AlphaVantageHttpClient"]


def default_writer(
    catalog_dir: Path, data: Sequence[Instrument | Data], tables: Sequence[CatalogTable]
) -> WriteResult:
    """Write through ``catalog.writer.write_to_catalog`` (atomic and idempotent)."""
    return write_to_catalog(catalog_dir, data, tables=tables)


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """Where and how an ingest runs.

    Parameters
    ----------
    catalog_dir : Path
        The Parquet catalog.
    cache_dir : Path
        The raw reply cache (and resume journals).
    resume : bool, default True
        Skip calls an earlier run already wrote to this catalog.
    flush_rows : int, default 1_000_000
        Rows (objects, and option quote rows) buffered before a catalog write. The catalog
        keeps a file per contract and write, so fewer, larger writes are much faster: a
        million rows is about half a year of an 8,000-contract chain, about 150 MB.
    progress : bool, default True
        Show a progress bar on standard error.

    """

    catalog_dir: Path
    cache_dir: Path
    resume: bool = True
    flush_rows: int = DEFAULT_FLUSH_ROWS
    progress: bool = True


class AlphaVantageIngest:
    """Fetch the calls of a plan into the catalog.

    Parameters
    ----------
    settings : IngestSettings
        Paths and behaviour.
    client_factory : Callable[[], AlphaVantageHttpClient]
        Builds the HTTP client on the first call the cache cannot answer (so a fully cached
        run needs no API key).
    writer : CatalogWriter, optional
        Writes objects to the catalog; ``catalog.writer.write_to_catalog`` by default.
    clock_ns : Callable[[], int], default time.time_ns
        Wall-clock UNIX ns, the fetch time of new replies.

    """

    def __init__(
        self,
        settings: IngestSettings,
        client_factory: ClientFactory,
        writer: CatalogWriter | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.settings = settings
        self.cache = ResponseCache(settings.cache_dir)
        catalog_key = hashlib.sha256(str(settings.catalog_dir.resolve()).encode()).hexdigest()
        self.journal = IngestJournal(settings.cache_dir / f"journal-{catalog_key[:16]}.jsonl")
        self._client_factory = client_factory
        self._client: AlphaVantageHttpClient | None = None
        self._writer = writer or default_writer
        self._clock_ns = clock_ns
        self._buffer: list[Instrument | Data] = []
        self._option_rows: list[OptionQuoteColumns] = []
        self._buffered_rows = 0
        self._buffered_keys: list[str] = []

    def answered_count(self, plan: IngestPlan) -> int:
        """Return how many calls of `plan` need no request (cached or already written)."""
        return sum(
            1
            for call in plan.calls
            if (self.settings.resume and call.key in self.journal) or self.cache.path(call).exists()
        )

    async def run(self, plan: IngestPlan) -> IngestSummary:
        """Run `plan` and return the summary; a stop (quota, Ctrl-C) keeps what was written.

        Raises
        ------
        KeyboardInterrupt, asyncio.CancelledError
            After writing what was buffered, so the run resumes where it stopped.

        """
        summary = IngestSummary(planned=len(plan.calls))
        converter = ReplyConverter(plan.start, plan.end)
        queue = deque(plan.calls)
        refused_functions: set[str] = set()
        bar = tqdm(
            total=len(plan.calls),
            unit="call",
            file=sys.stderr,
            disable=not self.settings.progress,
            desc="alphavantage",
        )
        try:
            while queue:
                call = queue.popleft()
                bar.update(1)
                if call.function in refused_functions:
                    summary.errors.append(f"{call.key}: skipped, the key is not entitled")
                    continue
                try:
                    follow_up = await self._one(call, converter, summary)
                except AlphaVantageEntitlementError as exc:
                    refused_functions.add(call.function)
                    summary.failed += 1
                    summary.errors.append(str(exc))
                    continue
                except (AlphaVantageQuotaError, AlphaVantageConfigError) as exc:
                    summary.failed += 1
                    summary.stopped = str(exc)
                    break
                except AlphaVantageError as exc:
                    summary.failed += 1
                    summary.errors.append(f"{call.key}: {exc}")
                    continue
                if follow_up is not None:
                    queue.appendleft(follow_up)
                    bar.total += 1
                if self._buffered_rows >= self.settings.flush_rows:
                    self._flush(summary)
        except (KeyboardInterrupt, asyncio.CancelledError):
            summary.stopped = "interrupted"
            self._flush(summary)
            raise
        finally:
            bar.close()
            await self._close(summary)
        self._flush(summary)
        return summary

    async def _one(
        self, call: PlannedCall, converter: ReplyConverter, summary: IngestSummary
    ) -> PlannedCall | None:
        done = self.settings.resume and call.key in self.journal
        reply = self.cache.get(call)
        if done and (reply is None or call.function not in _CONTEXT_FUNCTIONS):
            summary.skipped += 1
            return None
        if reply is not None:
            summary.cached += 1
            body, fetched_ns = reply.body, reply.fetched_ns
        else:
            if self._client is None:
                self._client = self._client_factory()
            body = await self._client.query(call.function, dict(call.params), csv=call.is_csv)
            fetched_ns = self._clock_ns()
            self.cache.put(call, body, fetched_ns)
        try:
            converted = converter.convert(call, body, fetched_ns)
        except AlphaVantageParseError:
            self.cache.discard(call)
            raise
        summary.reject(call.dataset, len(converted.rejected))
        summary.gaps.extend(converted.gaps)
        for rejection in converted.rejected[:3]:
            _log.info("rejected %s row %s: %s", call.function, rejection.key, rejection.reason)
        if done:
            summary.skipped += 1  # read for context only: its data are in the catalog already
        else:
            self._buffer.extend(converted.objects)
            self._buffered_rows += len(converted.objects)
            if converted.option_rows is not None and len(converted.option_rows):
                self._option_rows.append(converted.option_rows)
                self._buffered_rows += len(converted.option_rows)
            self._buffered_keys.append(call.key)
        if converted.next_page:
            params = tuple(
                (name, converted.next_page if name == "time_from" else value)
                for name, value in call.params
            )
            return dataclasses.replace(call, params=params)
        return None

    def _flush(self, summary: IngestSummary) -> None:
        if not self._buffered_keys:
            return
        tables = option_tables(self._option_rows)
        if self._buffer or tables:
            stats = self._writer(self.settings.catalog_dir, self._buffer, tables)
            summary.rows_written += stats.rows_written
            summary.rows_already_present += stats.rows_already_present
            summary.instruments_written += stats.instruments_written
            summary.conflicting_rows += stats.conflicting_rows
        self.journal.record(self._buffered_keys)
        self._buffer = []
        self._option_rows = []
        self._buffered_rows = 0
        self._buffered_keys = []

    async def _close(self, summary: IngestSummary) -> None:
        if self._client is None:
            return
        stats = self._client.stats
        summary.requested += stats.requests
        summary.retried += stats.retries
        summary.throttled += stats.throttled
        summary.refused += stats.refused
        await self._client.close()
        self._client = None
