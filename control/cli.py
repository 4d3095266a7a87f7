"""``tradefly control``: serve the owner's app; ``set-password`` and ``setup-totp`` set it up.

The app serves on 127.0.0.1 by default. To reach it from a phone, put it behind TLS: pass
``--ssl-certfile``/``--ssl-keyfile`` (the session cookie is ``Secure``, so browsers send it
over HTTPS and to ``localhost``/``127.0.0.1`` only), or keep it on 127.0.0.1 behind a
TLS-terminating tunnel or reverse proxy. ``--demo`` browses a store read-only, without login,
and only on a loopback address.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import ipaddress
import sys
import time
from pathlib import Path
from typing import Any

from statestore import StateStore
from statestore.control import PASSWORD_HASH, TOTP_SECRET, ControlLedger

MIN_PASSWORD = 12
DEFAULT_PORT = 8800
DEMO_STORE = Path("reports") / "demo-state.sqlite"


def add_control_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``tradefly control`` and its subcommands."""
    parser = commands.add_parser(
        "control",
        help="Serve the owner's control app (phone), or set its password and TOTP.",
        description=(
            "Serve the owner's control app over a node's state store (127.0.0.1 by default). "
            "Set it up first with 'tradefly control set-password --store FILE' and "
            "'tradefly control setup-totp --store FILE'."
        ),
    )
    parser.add_argument("--store", type=Path, default=None, help="the node's state store file")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8800)")
    parser.add_argument("--ssl-certfile", type=Path, default=None, help="TLS certificate (PEM)")
    parser.add_argument("--ssl-keyfile", type=Path, default=None, help="TLS private key (PEM)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help=f"browse read-only without login (default store {DEMO_STORE}, left by tradefly demo)",
    )
    actions = parser.add_subparsers(dest="control_command", metavar="ACTION")
    password = actions.add_parser(
        "set-password",
        help="Set the owner's password (asked twice; ends every session).",
        description="Set the owner's password (Argon2id hash in the store; ends every session).",
    )
    totp = actions.add_parser(
        "setup-totp",
        help="Make a new TOTP secret and show it as a QR code and an otpauth URI.",
        description=(
            "Make a new TOTP secret, store it and show it once as a QR code in the terminal and "
            "an otpauth:// URI for an authenticator app. Ends every session."
        ),
    )
    for sub in (password, totp):
        sub.add_argument("--store", type=Path, required=True, help="the node's state store file")
    vapid = actions.add_parser(
        "vapid-keys",
        help="Print a new VAPID key pair for web push (lines for the .env file).",
        description=(
            "Print TRADEFLY_VAPID_PRIVATE_KEY, TRADEFLY_VAPID_PUBLIC_KEY and "
            "TRADEFLY_VAPID_SUBJECT lines for the git-ignored .env file; the node sends web push "
            "with them and the app hands the public key to the browser."
        ),
    )
    vapid.add_argument("--subject", required=True, help="contact: mailto:you@example.com")
    parser.set_defaults(handler=_control)


def _open_existing(path: Path) -> StateStore:
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such state store", str(path))
    return StateStore(path)


def _control(args: argparse.Namespace) -> int:
    from control.security import new_totp_secret, provisioning_uri, set_password, set_totp_secret

    if args.control_command == "set-password":
        first = getpass.getpass("New owner password: ")
        if len(first) < MIN_PASSWORD:
            sys.stderr.write(f"error: the password must have at least {MIN_PASSWORD} characters\n")
            return 2
        if getpass.getpass("Again: ") != first:
            sys.stderr.write("error: the two passwords differ\n")
            return 2
        with _open_existing(args.store) as store:
            set_password(ControlLedger(store), first, time.time_ns())
        sys.stdout.write(f"owner password set in {args.store}; every session was ended\n")
        return 0
    if args.control_command == "vapid-keys":
        from risk.webpush import ENV_PRIVATE, ENV_PUBLIC, ENV_SUBJECT, VapidKeys

        if not args.subject.startswith(("mailto:", "https:")):
            sys.stderr.write("error: --subject must start with mailto: or https:\n")
            return 2
        keys = VapidKeys.generate(args.subject)
        sys.stdout.write(
            f"{ENV_PRIVATE}={keys.private}\n{ENV_PUBLIC}={keys.public}\n{ENV_SUBJECT}={keys.subject}\n"
        )
        return 0
    if args.control_command == "setup-totp":
        import segno

        secret = new_totp_secret()
        with _open_existing(args.store) as store:
            set_totp_secret(ControlLedger(store), secret, time.time_ns())
        uri = provisioning_uri(secret)
        segno.make(uri, error="m").terminal(out=sys.stdout, compact=True)
        sys.stdout.write(f"{uri}\nScan the code (or enter the URI) in an authenticator app.\n")
        return 0
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from control.main import create_app
    from control.settings import ControlSettings

    store = args.store or (DEMO_STORE if args.demo else None)
    if store is None:
        sys.stderr.write("error: --store FILE is required (or --demo)\n")
        return 2
    if args.demo and not _is_loopback(args.host):
        sys.stderr.write(f"error: --demo has no login: loopback addresses only, not {args.host}\n")
        return 2
    if (args.ssl_certfile is None) != (args.ssl_keyfile is None):
        sys.stderr.write("error: give both --ssl-certfile and --ssl-keyfile, or neither\n")
        return 2
    if args.demo and not store.is_file():
        sys.stderr.write(f"error: {store}: no such state store (run 'tradefly demo' first)\n")
        return 2
    app = create_app(ControlSettings.from_env(store, read_only=args.demo))
    if not args.demo:
        with StateStore(store) as check:
            ledger = ControlLedger(check)
            if None in (ledger.credential(PASSWORD_HASH), ledger.credential(TOTP_SECRET)):
                sys.stderr.write(
                    "warning: no password or TOTP set; run 'tradefly control set-password' and "
                    "'setup-totp' with --store first (nobody can log in)\n"
                )
    scheme = "https" if args.ssl_certfile else "http"
    sys.stderr.write(f"control app on {scheme}://{args.host}:{args.port}/ (Ctrl-C stops it)\n")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        server_header=False,
        log_level="info",
    )
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
