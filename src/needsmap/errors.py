"""Project exceptions: every data problem names the dataset, the file and the fix."""

from __future__ import annotations


class NeedsmapError(Exception):
    """Base class for errors a user can act on (shown as a message, never a traceback)."""


class ValidationError(NeedsmapError, ValueError):
    """A data file or an input was read but is not what it should be.

    ``dataset`` names the catalog dataset at fault, when the problem is in a data file.
    """

    def __init__(self, message: str, *, dataset: str | None = None) -> None:
        super().__init__(message)
        self.dataset = dataset


class DataMissingError(NeedsmapError, FileNotFoundError):
    """A dataset's file is not in the data directory."""

    def __init__(self, message: str, *, dataset: str | None = None) -> None:
        super().__init__(message)
        self.dataset = dataset


class NotFoundError(NeedsmapError, LookupError):
    """A register, saved view or workspace that does not exist, or is not in the user's workspaces.

    The message never says which: a view of another workspace is "not found", like one never made.
    """


class ConflictError(NeedsmapError):
    """Someone else saved a change to the same register or row since it was read (optimistic check).

    ``changes`` lists the other change(s) in words, who made them and when, for the second writer to
    see before trying again.
    """

    def __init__(self, message: str, *, changes: list[str] | None = None) -> None:
        super().__init__(message)
        self.changes = list(changes or [])
