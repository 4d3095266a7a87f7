"""The ``tradefly`` command line.

Exit codes: 0 success, 2 a user error (a config file, a missing file, a refused start), 130
interrupted (Ctrl-C), 141 stdout closed early (``tradefly backtest ... --json | head -c 10``;
nothing more is printed). User errors print one line each on stderr; other exceptions are bugs
and keep their traceback.
"""

import argparse
import importlib.metadata
import os
import sys
from collections.abc import Sequence

from configfile.fields import ConfigError
from tradefly.env_file import load_env_file

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    # Imported here so that Ctrl-C during these slow imports is handled by ``main``.
    from adapters.alphavantage.cli import add_alphavantage_ingest_parser
    from adapters.tradier.cli import add_live_parser
    from catalog.cli import add_catalog_parser, add_ingest_parser
    from control.cli import add_control_parser
    from tradefly.backtest.cli import add_backtest_parser, add_demo_parser
    from tradefly.check import add_check_parser
    from tradefly.journal_cli import add_journal_parser
    from tradefly.risk_cli import add_risk_parser
    from tradefly.sweep import add_sweep_parser
    from tradefly.train import add_train_parser

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
    add_alphavantage_ingest_parser(add_ingest_parser(commands))
    add_catalog_parser(commands)
    add_backtest_parser(commands)
    add_demo_parser(commands)
    add_live_parser(commands)
    add_check_parser(commands)
    add_risk_parser(commands)
    add_journal_parser(commands)
    add_train_parser(commands)
    add_sweep_parser(commands)
    add_control_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code.

    Returns
    -------
    int
        The command's code; 2 after a config problem or a missing or unreadable file named by
        the error (one ``error: ...`` line each on stderr); 130 after Ctrl-C (``interrupted``
        on stderr, no traceback); 141, silently, when stdout was closed before everything
        was written to it.

    """
    try:
        load_env_file()
        args = build_parser().parse_args(argv)
        result: int = args.handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
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


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a file descriptor (captured in tests): nothing to flush
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
