"""Any organisation list by name: a file, ``default:ID`` or ``register:NAME``.

Every command that takes ``--orgs`` (and the eligibility checker's LIST) goes through
:func:`load_list`, so a register can stand wherever a file can.
"""

from __future__ import annotations

import os

from needsmap.orgs.geocode import VINTAGES, Vintages
from needsmap.orgs.importer import ImportResult
from needsmap.orgs.layers import load_layer_spec
from needsmap.store.registers import SPEC_PREFIX, register_result
from needsmap.store.workspaces import LOCAL_SLUG, WorkspaceInfo, get_workspace

#: environment variable naming the workspace ``register:NAME`` is looked up in (default ``local``)
WORKSPACE_ENV = "NEEDSMAP_WORKSPACE"


def workspace_named(slug: str | None = None) -> WorkspaceInfo:
    """The workspace a command works in: ``slug``, else ``$NEEDSMAP_WORKSPACE``, else ``local``.

    Raises
    ------
    NotFoundError
        There is no such workspace.
    """
    return get_workspace(slug or os.environ.get(WORKSPACE_ENV) or LOCAL_SLUG)


def load_list(spec: str, *, sheet: str | None = None, vintages: Vintages = VINTAGES,
              column_map: dict[str, str | None] | None = None,
              workspace: str | None = None) -> tuple[ImportResult, str, str | None]:
    """Import the organisation list ``spec`` names.

    Parameters
    ----------
    spec
        A file path, ``default:ID`` (a default layer), or ``register:NAME`` (a register of
        ``workspace``).
    workspace
        The workspace of a register: this, else ``$NEEDSMAP_WORKSPACE``, else ``local``.
    sheet, vintages, column_map
        As :func:`needsmap.orgs.load_layer_spec` takes them (files only).

    Returns
    -------
    The import result, a label for captions, and the default layer's id (None otherwise).

    Raises
    ------
    NotFoundError
        No such register or workspace.
    ValidationError, DataMissingError
        As :func:`needsmap.orgs.load_layer_spec`.
    """
    if spec.startswith(SPEC_PREFIX):
        result = register_result(workspace_named(workspace), spec[len(SPEC_PREFIX):])
        return result, result.label, None
    return load_layer_spec(spec, sheet=sheet, vintages=vintages, column_map=column_map)


__all__ = ["WORKSPACE_ENV", "load_list", "workspace_named"]
