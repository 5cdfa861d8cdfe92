"""One exception hierarchy for the whole engine.

Programming errors raise straight away; data problems are collected as `Issue`s and raised together
inside the matching exception, so a user sees every problem of a run at once.
"""
from __future__ import annotations

from collections.abc import Sequence

from cdisc.issues import Issue, format_issues


class CdiscError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, issues: Sequence[Issue] = ()) -> None:
        self.issues = tuple(issues)
        super().__init__(message if not self.issues else f"{message}\n{format_issues(self.issues)}")


class SpecError(CdiscError):
    """The spec in `specs/` is inconsistent (broken reference, bad name, over-long label...)."""


class RawInputError(CdiscError):
    """The raw export is unusable: missing file or column, bad code, bad date, duplicate key..."""


class MappingError(CdiscError):
    """A mapping module produced data that the spec does not allow."""


class DerivationError(CdiscError):
    """An ADaM derivation met inconsistent input."""


class XptError(CdiscError):
    """A dataset breaks an XPT v5 limit (name, label, length, encoding, number range)."""


class ValidationFailed(CdiscError):
    """The output breaks conformance rules; the datasets were written but are not submission-ready."""

    exit_code = 1


class PackageError(CdiscError):
    """A dataset package (XPT folder or CORE test case) cannot be read."""
