"""Source expansion: command-line source specs -> a stream of unique sources.

A *spec* is what a user types: a file, a directory (walked recursively for
image files), a glob pattern, an http(s) URL, a list file ``@paths.txt`` (one
path or URL per line; ``@-`` or ``-`` reads standard input). Expansion is
lazy: directories are walked one at a time with their entries sorted, glob
patterns are matched directory by directory, list files are read line by
line, so millions of sources never sit in memory as a list. Only a set of
64-bit digests of the sources seen is kept, to drop duplicates.

Order is stable: specs in the order given; inside a directory, entries sorted
by name (code point order), subdirectories walked where they sort. Names
starting with "." are skipped when walking directories and matching globs.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from ..errors import ListFileError
from ..sources import is_url

__all__ = [
    "IMAGE_SUFFIXES",
    "ExpansionReport",
    "expand_sources",
    "source_digest",
]

IMAGE_SUFFIXES = frozenset(
    ".jpg .jpeg .jpe .jfif .png .apng .gif .bmp .dib .tif .tiff .webp .ppm .pgm .pbm .pnm"
    " .pfm .tga .ico .jp2 .j2k .jpx .avif .heic .heif .qoi .sgi .rgb .dds".split()
)
"""File suffixes (lowercase) taken as images when walking a directory."""

_MAGIC = re.compile(r"[*?\[]")


def source_digest(source: str) -> int:
    """Stable 64-bit digest of a source string (used for duplicate and resume sets).

    Two distinct sources collide with probability about n**2 / 2**65: for a
    million sources, about 3e-8.
    """
    data = source.encode("utf-8", "surrogateescape")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


@dataclass
class ExpansionReport:
    """What expansion noticed, filled in as the stream is consumed.

    Attributes
    ----------
    duplicates : int
        Sources dropped because they were already given.
    blank_lines : int
        Blank lines skipped in list files.
    empty_specs : list of str
        Directories or patterns that gave no image file.
    """

    duplicates: int = 0
    blank_lines: int = 0
    empty_specs: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        """Human-readable one-line notes (empty when nothing to say)."""
        out = []
        if self.duplicates:
            out.append(f"skipped {self.duplicates} duplicate source(s)")
        for spec in self.empty_specs:
            out.append(f"{spec}: no image file found")
        return out


def _is_image_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def _sorted_entries(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            entries = [e for e in it if not e.name.startswith(".")]
    except OSError:
        return []
    entries.sort(key=lambda e: e.name)
    return entries


def walk_images(directory: str) -> Iterator[str]:
    """Image files under ``directory``, depth first, entries sorted by name.

    Symbolic links to files are followed; links to directories are not (no
    cycles). Unreadable subdirectories are skipped.
    """
    for entry in _sorted_entries(directory):
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from walk_images(entry.path)
            elif entry.is_file() and _is_image_name(entry.name):
                yield entry.path
        except OSError:
            continue


def _glob(pattern: str) -> Iterator[str]:
    """Paths matching a glob pattern, lazily, in sorted order (``**`` recursive)."""
    drive, rest = os.path.splitdrive(pattern)
    absolute = rest.startswith(os.sep) or (os.altsep is not None and rest.startswith(os.altsep))
    parts = [p for p in re.split(r"[\\/]" if os.altsep else re.escape(os.sep), rest) if p]
    if absolute:
        start = drive + os.sep
    else:
        start = drive
    yield from _glob_parts(start, parts)


def _join(base: str, name: str) -> str:
    return os.path.join(base, name) if base else name


def _glob_parts(base: str, parts: list[str]) -> Iterator[str]:
    if not parts:
        yield base
        return
    head, tail = parts[0], parts[1:]
    if head == "**":
        # zero directories, then each subdirectory in sorted order
        yield from _glob_parts(base, tail)
        for entry in _sorted_entries(base or "."):
            try:
                if entry.is_dir(follow_symlinks=False):
                    yield from _glob_parts(_join(base, entry.name), parts)
            except OSError:
                continue
        return
    if not _MAGIC.search(head):
        path = _join(base, head)
        if tail:
            if os.path.isdir(path):
                yield from _glob_parts(path, tail)
        elif os.path.lexists(path):
            yield path
        return
    for entry in _sorted_entries(base or "."):
        if fnmatch.fnmatchcase(entry.name, head):
            path = _join(base, entry.name)
            if tail:
                try:
                    if entry.is_dir():
                        yield from _glob_parts(path, tail)
                except OSError:
                    continue
            else:
                yield path


def _list_lines(stream: IO[str], report: ExpansionReport) -> Iterator[str]:
    for line in stream:
        text = line.strip()
        if not text:
            report.blank_lines += 1
            continue
        if text.startswith("#"):
            continue
        yield text


def _expand_spec(spec: str, report: ExpansionReport, stdin: IO[str] | None) -> Iterator[str]:
    if spec in ("-", "@-"):
        yield from _list_lines(stdin if stdin is not None else sys.stdin, report)
        return
    if spec.startswith("@") and len(spec) > 1:
        path = spec[1:]
        try:
            handle = open(path, encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise ListFileError(f"cannot read list file {path}: {exc.strerror or exc}") from None
        with handle:
            yield from _list_lines(handle, report)
        return
    if is_url(spec):
        yield spec
        return
    if os.path.isdir(spec):
        found = False
        for path in walk_images(spec):
            found = True
            yield path
        if not found:
            report.empty_specs.append(spec)
        return
    if _MAGIC.search(spec) and not os.path.lexists(spec):
        found = False
        for path in _glob(spec):
            if os.path.isdir(path):
                for inner in walk_images(path):
                    found = True
                    yield inner
            else:
                found = True
                yield path
        if not found:
            report.empty_specs.append(spec)
        return
    yield spec  # a file, or a missing path that gets its own error record


def expand_sources(
    specs: Iterable[str | os.PathLike[str]],
    report: ExpansionReport | None = None,
    *,
    stdin: IO[str] | None = None,
) -> Iterator[str]:
    """Stream the unique sources named by ``specs``, in a stable order.

    Parameters
    ----------
    specs
        Files, directories, glob patterns, http(s) URLs, ``@listfile`` or
        ``-`` (standard input, one source per line).
    report : ExpansionReport, optional
        Filled in with duplicates, blank lines and empty specs as the stream
        is consumed.
    stdin
        Text stream read for ``-`` (default ``sys.stdin``).

    Yields
    ------
    str
        Each source once, as given or as found (paths keep the spelling of
        their spec, e.g. relative stays relative).

    Raises
    ------
    ListFileError
        A list file cannot be opened.
    """
    report = report if report is not None else ExpansionReport()
    seen: set[int] = set()
    for spec in specs:
        for source in _expand_spec(os.fspath(spec), report, stdin):
            digest = source_digest(source)
            if digest in seen:
                report.duplicates += 1
                continue
            seen.add(digest)
            yield source
