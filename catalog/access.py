"""Opening the catalog: one lock for writers and repair, and repair before any read.

:func:`open_catalog` is how Tradefly opens a catalog to read it, and
:func:`catalog.writer.write_to_catalog` repairs under the same lock before it plans a write,
so whatever opens a catalog after a killed write first completes or discards that write
(:func:`catalog.commit.repair_staging`) and logs one line per repaired write on the
``catalog`` logger (shown on stderr when logging is not configured).

The lock is an exclusive ``flock`` on the catalog's parent directory, so writes and repairs of
catalogs in one parent directory wait for each other; a reader holds it only while it repairs.
"""

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nautilus_trader.persistence.catalog import ParquetDataCatalog

from catalog.commit import repair_staging

_log = logging.getLogger("catalog")


@contextmanager
def catalog_lock(target: Path) -> Iterator[None]:
    """Hold the write lock of the catalog at `target` (whose parent directory must exist).

    Waits while another process holds it, after saying so on the ``catalog`` logger. The
    operating system releases the lock when its holder dies, even by ``SIGKILL``.

    Raises
    ------
    OSError
        If the parent directory cannot be opened or locked.

    """
    fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _log.warning("catalog: waiting for another write to %s to finish", target)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def repair_locked(target: Path) -> None:
    """Repair interrupted writes of the catalog at `target`; the caller holds its lock.

    Raises
    ------
    OSError
        If the repair cannot move or delete a staged path.
    ValueError
        If a commit journal is unreadable.

    """
    for repair in repair_staging(target):
        _log.warning(repair.message())


def open_catalog(catalog_dir: Path) -> ParquetDataCatalog:
    """Return the catalog at `catalog_dir` for reading, after repairing interrupted writes.

    Parameters
    ----------
    catalog_dir : Path
        The catalog root.

    Returns
    -------
    ParquetDataCatalog

    Raises
    ------
    OSError
        If the repair cannot move or delete a staged path.
    ValueError
        If a commit journal is unreadable.

    """
    target = Path(os.path.abspath(catalog_dir))
    if target.parent.is_dir():
        with catalog_lock(target):
            repair_locked(target)
    return ParquetDataCatalog(str(catalog_dir))
