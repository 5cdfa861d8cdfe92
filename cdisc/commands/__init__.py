"""The command line's commands, one small module per command family; `cli.py` assembles them. Each stays thin:
parse options, call the library, print, set the exit code."""
from __future__ import annotations

import functools
import sys

import click

from cdisc.errors import CdiscError


def reports_errors(command):
    """Turn engine errors into a readable message on stderr and the error's exit code (no traceback); so too a
    file or folder given that cannot be read or written (a missing parent, no permission, a file where a folder
    belongs), named with the system's reason, exit 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CdiscError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:
            if exc.filename is None:
                raise
            click.echo(f"error: {exc.filename}: {exc.strerror or exc}", err=True)
            sys.exit(2)

    return wrapper
