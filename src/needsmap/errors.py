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
