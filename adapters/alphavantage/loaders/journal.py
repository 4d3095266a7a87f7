"""Resume journal: the calls whose data are already in the catalog.

A call is recorded only after its objects were written, so after an interruption a re-run
skips exactly the calls that completed; the rest are re-read from the raw cache or fetched.
"""

import json
import os
from pathlib import Path


class IngestJournal:
    """Append-only record of completed call keys.

    Parameters
    ----------
    path : Path
        The journal file (JSON lines); created on first record.

    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._done = self._load()

    def __contains__(self, key: str) -> bool:
        return key in self._done

    def __len__(self) -> int:
        return len(self._done)

    def record(self, keys: list[str]) -> None:
        """Mark `keys` as done, flushing them to disk before returning."""
        new = [key for key in keys if key not in self._done]
        if not new:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.writelines(json.dumps(key) + "\n" for key in new)
            file.flush()
            os.fsync(file.fileno())
        self._done.update(new)

    def _load(self) -> set[str]:
        done: set[str] = set()
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return done
        for line in lines:
            try:
                key = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash; that call is simply redone
            if isinstance(key, str):
                done.add(key)
        return done
