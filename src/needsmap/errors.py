"""Project exceptions: every data problem names the dataset, the file and the fix."""

from __future__ import annotations


class NeedsmapError(Exception):
    """Base class for errors a user can act on (shown as a message, never a traceback)."""


class ValidationError(NeedsmapError, ValueError):
    """A data file or an input was read but is not what it should be."""


class DataMissingError(NeedsmapError, FileNotFoundError):
    """A dataset's file is not in the data directory."""
