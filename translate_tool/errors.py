"""The tool's exception hierarchy; cli.py maps each class to an exit code in one place."""

from __future__ import annotations


class TranslateToolError(Exception):
    """Base class: a failure we can explain to the user in one line."""

    exit_code = 1


class InputError(TranslateToolError):
    """Bad input or usage: an unreadable, empty, binary or wrong-language file (exit 2)."""

    exit_code = 2


class PackageError(InputError):
    """An Argos package file that is damaged, hostile or not a translation package (exit 2)."""


class ModelError(TranslateToolError):
    """No usable model, or the model failed at run time (exit 1)."""


class NetworkError(TranslateToolError):
    """A download the user asked for failed (exit 1)."""


class Flagged(TranslateToolError):
    """`--strict` and the QA checks flagged passages; the documents were still written (exit 3)."""

    exit_code = 3


class ReviewConflict(TranslateToolError):
    """`review import` left rows whose reviewer had not seen the memory's current English (exit 4).

    Everything else in the file was stored; the conflicting rows wait for `--take-theirs` or
    `tm resolve`.
    """

    exit_code = 4


class MemoryPending(TranslateToolError):
    """The documents were written but the memory was busy: its entries wait in the pending journal (exit 5)."""

    exit_code = 5


class TranslationMemoryError(TranslateToolError):
    """The translation memory file cannot be opened, created, read or written (exit 1)."""


class NotAMemory(TranslationMemoryError):
    """The --tm file is not a translation memory: another program's database, or no database (exit 2).

    Bad input like any other: the file is left as it was, and the user chooses another.
    """

    exit_code = 2


class MemoryBusy(TranslationMemoryError):
    """Another process held the memory's write lock for longer than `memory.BUSY_TIMEOUT_S`."""
