"""Command line: ``needsmap profile | geocode | gaps | portfolio | eligibility | similar | data |
register | workspace | db``.

Each sub-command lives in its own module exposing ``add_parser(subparsers)``, which registers the
command with ``func`` set to a function taking the parsed arguments and returning an exit code.
``needsmap <command> …`` imports only that command's module (and each module imports its heavy
libraries inside the function that runs), so a command starts without loading the others;
``needsmap --help`` and an unknown command build the parser with every command. A new command-line
process runs Arrow on the C library's allocator (:data:`ARROW_POOL_ENV`), for a lower peak memory.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from needsmap.errors import NeedsmapError

#: modules under needsmap.cli providing one sub-command each
COMMANDS = ("profile", "geocode", "gaps", "portfolio", "eligibility", "similar", "data", "register",
            "workspace", "db")
#: environment variable choosing Arrow's memory pool (read when pyarrow first allocates)
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every available sub-command, or with ``command`` alone.

    Parameters
    ----------
    command
        A name in :data:`COMMANDS`: register (and import) only that command's module, which is
        all ``needsmap <command> …`` needs. None, or a name that is not a command: every one.
    """
    parser = argparse.ArgumentParser(
        prog="needsmap",
        description="Deprivation, community need and community organisations across England.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in (command,) if command in COMMANDS else COMMANDS:
        try:
            module = importlib.import_module(f"needsmap.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"needsmap.cli.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a sub-command; data and input problems print one line, exit 2."""
    if "pyarrow" not in sys.modules:  # a new process, not a caller that has loaded pyarrow already
        # Arrow's default pool (mimalloc) keeps freed pages: with the C library's allocator a
        # command's peak memory is about a fifth lower, at the same speed (a user's setting wins)
        os.environ.setdefault(ARROW_POOL_ENV, "system")
    args_in = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_in[0] if args_in else None)
    args = parser.parse_args(args_in)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0
    except NeedsmapError as exc:
        from needsmap.config import with_demo_hint
        from needsmap.safe_text import printable

        # a message may quote a file's text: control characters are spelled out, never run
        message = printable(with_demo_hint(str(exc)), limit=None, keep_lines=True)
        sys.stderr.write(f"needsmap {args.command}: error: {message}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
