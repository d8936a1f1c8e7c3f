"""The command line's exit statuses, and the error that carries one.

Every command returns one of these; ``palettekit --help`` lists them.
"""

from __future__ import annotations

EXIT_OK = 0
"""Success."""
EXIT_ERROR = 1
"""An input or runtime error: an image that cannot be read, a file that cannot be written."""
EXIT_USAGE = 2
"""A usage error: bad arguments or option values."""
EXIT_PARTIAL = 3
"""Some sources of a batch failed, the others succeeded."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl+C): 128 + SIGINT, as shells report it."""
EXIT_BROKEN_PIPE = 141
"""Standard output closed early (``| head``): 128 + SIGPIPE, as shells report it."""


class CliError(Exception):
    """An error the command reports as one line, with its exit status.

    Parameters
    ----------
    message : str
        The line after ``palettekit: error:``.
    code : int
        The exit status (default :data:`EXIT_ERROR`).
    """

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code
