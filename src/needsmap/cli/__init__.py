"""Command line: ``needsmap profile | geocode | gaps | portfolio``.

Each sub-command lives in its own module exposing ``add_parser(subparsers)``, which registers the
command with ``func`` set to a function taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from needsmap.errors import NeedsmapError

#: modules under needsmap.cli providing one sub-command each
COMMANDS = ("profile", "geocode", "gaps", "portfolio", "data")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="needsmap",
        description="Deprivation, community need and community organisations across England.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
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
    parser = build_parser()
    args = parser.parse_args(argv)
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
