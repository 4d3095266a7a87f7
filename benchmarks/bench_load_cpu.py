"""CPU seconds of a backtest's catalog load and of the EOD chain loaders, to compare checkouts.

CPU time (user + system of this process) rather than wall time, so that two checkouts can be
compared on a machine other work is slowing down: run it alternately with each checkout first
on ``PYTHONPATH`` (see ``benchmarks/README.md``).

Usage::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_load_cpu.py load CONFIG CATALOG
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_load_cpu.py chains

``load``: :func:`tradefly.backtest.runner.load_run_data` of the run config on the catalog.
``chains``: :func:`catalog.eod_chains.load_eod_chain` (parse, validate, build the records; no
catalog write) on one real file of each EOD layout from ``../shared/data/``.
"""

import argparse
import datetime as dt
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAINS = ROOT.parent / "shared" / "data" / "options_chains"
CHAIN_FILES: list[tuple[str, dt.date | None]] = [
    ("lambdaclass_SPY_options_2021_prod_1y.csv", None),
    ("ivolatility/spx_sample_ivolatility.csv", None),
    ("cboe_quotedata_snapshots/spx_quotedata_commit2023-04-14_ceb5fc9.csv", dt.date(2023, 4, 14)),
]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load(config_path: Path, catalog: Path) -> None:
    from tradefly.backtest.config import load_run_config
    from tradefly.backtest.runner import load_run_data

    config = load_run_config(config_path)
    start = _cpu()
    data = load_run_data(config, catalog)
    print(f"load_run_data: {_cpu() - start:.2f} s CPU, {len(data.data):,} records")


def _chains() -> None:
    from catalog.eod_chains import load_eod_chain

    for name, quote_date in CHAIN_FILES:
        start = _cpu()
        result = load_eod_chain(CHAINS / name, quote_date=quote_date)
        print(f"{name}: {_cpu() - start:.2f} s CPU, {len(result.data):,} records")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load_run_data of a run config")
    load.add_argument("config", type=Path)
    load.add_argument("catalog", type=Path)
    commands.add_parser("chains", help="load_eod_chain on one real file per layout")
    args = parser.parse_args(argv)
    if args.command == "load":
        _load(args.config, args.catalog)
    else:
        _chains()
    return 0


if __name__ == "__main__":
    sys.exit(main())
