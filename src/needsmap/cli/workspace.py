"""``needsmap workspace``: the workspaces of needsmap's database and who may use them.

Examples
--------
::

    needsmap workspace list
    needsmap workspace create food-network --name "Food network" --member ann@example.org
    needsmap workspace add-member food-network bob@example.org
    needsmap workspace members food-network

Without sign-in there is one workspace, ``local``. With sign-in a user sees the workspaces whose
members include the address they sign in with. These commands run with the rights of whoever can
reach the database (the server's operator).
"""

from __future__ import annotations

import argparse
import sys

from needsmap.safe_text import printable


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``needsmap workspace {list,create,add-member,members}``."""
    p = subparsers.add_parser(
        "workspace", help="list and make workspaces; say who may use them",
        description=(
            "A workspace holds a team's registers and saved views. Without sign-in everyone uses "
            "the workspace 'local'; with sign-in a user sees the workspaces they are a member of "
            "(by the e-mail address they sign in with)."),
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("list", help="every workspace, with its name and number of members",
                           description="Every workspace: short name (slug), name and number of members.")
    a.set_defaults(func=run_list)
    a = actions.add_parser("create", help="make a workspace", description="Make a workspace.")
    a.add_argument("slug", metavar="SLUG", help="its short name: lower-case letters, digits and hyphens")
    a.add_argument("--name", metavar="N", help="its display name (default: SLUG)")
    a.add_argument("--member", metavar="EMAIL", action="append", default=[],
                   help="an e-mail address that may use it; repeat for several")
    a.set_defaults(func=run_create)
    a = actions.add_parser("add-member", help="let someone use a workspace",
                           description="Let the e-mail address EMAIL use the workspace SLUG.")
    a.add_argument("slug", metavar="SLUG", help="the workspace's short name")
    a.add_argument("email", metavar="EMAIL", help="the address they sign in with")
    a.set_defaults(func=run_add_member)
    a = actions.add_parser("members", help="who may use a workspace",
                           description="The e-mail addresses that may use the workspace SLUG.")
    a.add_argument("slug", metavar="SLUG", help="the workspace's short name")
    a.set_defaults(func=run_members)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def run_list(args: argparse.Namespace) -> int:
    """Print every workspace (``local`` always among them)."""
    from needsmap.store import workspaces as wsp

    wsp.ensure_local()
    rows = [(w.slug, printable(w.name, limit=60), f"{len(wsp.members(w)):,}") for w in wsp.all_workspaces()]
    head = ("slug", "name", "members")
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    for line in (head, *rows):
        _out("  ".join(v.rjust(w) if i == 2 else v.ljust(w)
                       for i, (v, w) in enumerate(zip(line, widths, strict=True))).rstrip())
    return 0


def run_create(args: argparse.Namespace) -> int:
    """Make the workspace."""
    from needsmap.store import workspaces as wsp

    ws = wsp.create_workspace(args.slug, args.name, members=list(args.member))
    n = len(wsp.members(ws))
    _out(f"made workspace {ws.slug} ({printable(ws.name, limit=None)}) with {n:,} member{'' if n == 1 else 's'}")
    return 0


def run_add_member(args: argparse.Namespace) -> int:
    """Add the member (saying so when they were one already)."""
    from needsmap.store import workspaces as wsp

    ws = wsp.get_workspace(args.slug)
    email = wsp.normalise_email(args.email)
    if email in wsp.members(ws):
        _out(f"{email} may already use {ws.slug}")
        return 0
    wsp.add_member(ws, email)
    n = len(wsp.members(ws))
    _out(f"{email} may now use {ws.slug} ({n:,} member{'' if n == 1 else 's'})")
    return 0


def run_members(args: argparse.Namespace) -> int:
    """Print the members, one address a line."""
    from needsmap.store import workspaces as wsp

    ws = wsp.get_workspace(args.slug)
    emails = wsp.members(ws)
    if not emails:
        extra = (": without sign-in everyone using this needsmap uses it" if ws.slug == wsp.LOCAL_SLUG
                 else f": `needsmap workspace add-member {ws.slug} EMAIL` adds one")
        _out(f"the workspace {ws.slug} has no members{extra}")
        return 0
    for email in emails:
        _out(printable(email, limit=None))
    return 0
