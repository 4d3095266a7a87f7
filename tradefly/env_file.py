"""Secrets from a git-ignored ``.env`` file: ``KEY=value`` lines loaded into the environment."""

import os
from pathlib import Path


def load_env_file(path: Path = Path(".env")) -> list[str]:
    """Set environment variables from `path` without overriding ones already set.

    Lines are ``KEY=value`` (an optional ``export`` prefix and matching quotes around the value
    are allowed); blank lines and ``#`` comments are skipped. Values are never logged.

    Returns
    -------
    list[str]
        The names that were set.

    Raises
    ------
    ValueError
        If a line is not of the form ``KEY=value`` (the message gives the line number only).

    """
    if not path.is_file():
        return []
    loaded = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"{path} line {number} was not KEY=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key not in os.environ:
            os.environ[key] = value
            loaded.append(key)
    return loaded
