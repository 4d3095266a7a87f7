"""The ``tradefly`` command line.

Exit codes: 0 success, 2 a user error (a config file, a missing file, a refused start), 130
interrupted (Ctrl-C). User errors print one line each on stderr; other exceptions are bugs and
keep their traceback.
"""

import argparse
import importlib.metadata
import sys
from collections.abc import Sequence

from tradefly.config_fields import ConfigError
from tradefly.env_file import load_env_file

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    # Imported here so that Ctrl-C during these slow imports is handled by ``main``.
    from adapters.tradier.cli import add_live_parser
    from catalog.cli import add_ingest_parser
    from tradefly.backtest.cli import add_backtest_parser, add_demo_parser
    from tradefly.check import add_check_parser
    from tradefly.risk_cli import add_risk_parser

    parser = argparse.ArgumentParser(
        prog="tradefly",
        description="Tradefly: an options-trading strategy pack for NautilusTrader.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"tradefly {importlib.metadata.version('tradefly')} "
        f"(nautilus_trader {importlib.metadata.version('nautilus_trader')})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_ingest_parser(commands)
    add_backtest_parser(commands)
    add_demo_parser(commands)
    add_live_parser(commands)
    add_check_parser(commands)
    add_risk_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code.

    Returns
    -------
    int
        The command's code; 2 after a config problem or a missing or unreadable file named by
        the error (one ``error: ...`` line each on stderr); 130 after Ctrl-C (``interrupted``
        on stderr, no traceback).

    """
    try:
        load_env_file()
        args = build_parser().parse_args(argv)
        result: int = args.handler(args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        sys.stderr.writelines(f"error: {line}\n" for line in exc.lines)
        return EXIT_USAGE
    except OSError as exc:
        if exc.filename is None:
            raise
        sys.stderr.write(f"error: {exc.filename}: {exc.strerror}\n")
        return EXIT_USAGE
    return result


if __name__ == "__main__":
    sys.exit(main())
