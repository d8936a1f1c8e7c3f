"""palettekit.sources: a path, URL, bytes or file object to bytes, within max_bytes."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from palettekit import fetch
from palettekit.errors import (
    ImageLoadError,
    ImageNotFoundError,
    ImageTooLargeError,
    OptionsError,
    UnsupportedImageError,
)
from palettekit.options import Options
from palettekit.sources import (
    READ_CHUNK,
    check_byte_count,
    is_url,
    open_path,
    read_file_object,
    source_bytes,
)


@pytest.mark.parametrize(
    "text",
    [
        "http://example.com/a.png",
        "HTTPS://EXAMPLE.COM/A.PNG",
        "ftp://host/file",
        "file:///tmp/a.png",
        "s3://bucket/key",
        "git+ssh://host/repo",
        "data:image/png;base64,AAAA",
        "DATA:,x",
    ],
)
def test_urls_are_recognised_by_their_scheme(text: str) -> None:
    assert is_url(text)


@pytest.mark.parametrize(
    "text",
    [
        "photo.png",
        "/tmp/photo.png",
        "C:\\photos\\a.png",
        "c:/photos/a.png",  # a one-letter "scheme" is a Windows drive
        "relative/http://x.png",
        "://no-scheme",
        "1http://digit-first",
        "",
        "data",
    ],
)
def test_paths_are_not_urls(text: str) -> None:
    assert not is_url(text)


# --- open_path --------------------------------------------------------------------


def test_open_path_opens_a_regular_file_for_binary_reading(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"\x89PNG")
    with open_path(str(path), "a.bin") as handle:
        assert handle.read() == b"\x89PNG"


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: p / "missing.png", ImageNotFoundError, "label: no such file"),
        (lambda p: p / "file.txt" / "below.png", ImageNotFoundError, "label: no such file"),
        (lambda p: p, ImageNotFoundError, "label: is a directory, not an image file"),
    ],
)
def test_open_path_refuses_what_is_not_a_file(tmp_path: Path, make, error, message) -> None:
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(error) as info:
        open_path(str(make(tmp_path)), "label")
    assert str(info.value) == message


def test_open_path_refuses_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(UnsupportedImageError, match="^empty.png: empty file$"):
        open_path(str(tmp_path / "empty.png"), "empty.png")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_open_path_never_opens_a_fifo_which_would_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UnsupportedImageError, match="^pipe: not a regular file$"):
        open_path(str(fifo), "pipe")


def test_open_path_reports_an_unreadable_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "secret.png"
    path.write_bytes(b"x")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(ImageLoadError, match="^secret.png: permission denied$"):
        open_path(str(path), "secret.png")


def test_open_path_reports_other_os_errors_on_one_line(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError) as info:
        open_path("bad\x00name", "bad name")
    assert str(info.value) == "bad name: cannot open (ValueError: embedded null byte)"


# --- the byte limit ---------------------------------------------------------------


def test_check_byte_count_admits_the_limit_and_refuses_one_more() -> None:
    check_byte_count(100, 100, "x")
    with pytest.raises(ImageTooLargeError) as info:
        check_byte_count(101, 100, "photo.png")
    assert str(info.value) == (
        "photo.png: 101 bytes is more than the limit of 100 (option max_bytes)"
    )
    assert isinstance(info.value, ImageLoadError)


class Trickle(io.RawIOBase):
    """A stream that returns at most ``step`` bytes per read, as a pipe may."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.asked = data, step, []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        chunk, self.data = self.data[: min(size, self.step)], self.data[min(size, self.step) :]
        return chunk


def test_read_file_object_gathers_short_reads_and_never_asks_past_the_limit() -> None:
    stream = Trickle(b"0123456789" * 10, step=7)
    assert read_file_object(stream, 100, "stream") == b"0123456789" * 10
    assert max(stream.asked) <= 101  # never more than the limit and one byte to see it passed
    big = Trickle(b"x" * (3 * READ_CHUNK), step=3 * READ_CHUNK)
    assert len(read_file_object(big, 10 * READ_CHUNK, "big")) == 3 * READ_CHUNK
    assert max(big.asked) == READ_CHUNK


def test_read_file_object_stops_once_the_limit_is_passed() -> None:
    with pytest.raises(ImageTooLargeError, match="^s: more than 99 bytes \\(option max_bytes\\)$"):
        read_file_object(io.BytesIO(b"x" * 100), 99, "s")
    assert read_file_object(io.BytesIO(b"x" * 99), 99, "s") == b"x" * 99


class Returns:
    def __init__(self, value: object) -> None:
        self.value = value

    def read(self, size: int = -1) -> object:
        return self.value


class Raises:
    def read(self, size: int = -1) -> bytes:
        raise RuntimeError("disk\non fire")


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (
            io.StringIO("text"),
            "s: file object is in text mode (read() returned str); open it with 'rb'",
        ),
        (Returns(None), "s: file object returned None (non-blocking stream?)"),
        (Returns([1, 2]), "s: file object returned list, not bytes"),
        (Raises(), "s: reading failed (RuntimeError: disk\\non fire)"),
    ],
)
def test_read_file_object_refuses_streams_that_do_not_give_bytes(stream, message) -> None:
    with pytest.raises(ImageLoadError) as info:
        read_file_object(stream, 1000, "s")
    assert str(info.value) == message


def test_read_file_object_takes_bytearrays_and_memoryviews() -> None:
    chunks = iter([bytearray(b"ab"), memoryview(b"cd"), b""])

    class Mixed:
        def read(self, size: int = -1) -> object:
            return next(chunks)

    assert read_file_object(Mixed(), 10, "m") == b"abcd"


# --- source_bytes -----------------------------------------------------------------


def test_every_kind_of_source_gives_the_same_bytes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4
    path = tmp_path / "image.bin"
    path.write_bytes(data)
    options = Options()
    for source in (str(path), path, data, bytearray(data), memoryview(data), io.BytesIO(data)):
        assert source_bytes(source, options, "label") == data


def test_source_bytes_applies_max_bytes_to_every_kind(tmp_path: Path) -> None:
    data = b"x" * 1000
    path = tmp_path / "image.bin"
    path.write_bytes(data)
    small = Options(max_bytes=999)
    for source in (str(path), data, memoryview(data), io.BytesIO(data)):
        with pytest.raises(ImageTooLargeError, match="999"):
            source_bytes(source, small, "label")
    exact = Options(max_bytes=1000)
    assert source_bytes(str(path), exact, "label") == data


def test_a_file_over_the_limit_is_refused_from_its_size_before_it_is_read(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "big.bin"
    with open(path, "wb") as handle:
        handle.truncate(10**9)  # sparse: reading it would take a second and a gigabyte
    with pytest.raises(ImageTooLargeError) as info:
        source_bytes(str(path), Options(max_bytes=1000), "big.bin")
    assert str(info.value) == (
        "big.bin: 1000000000 bytes is more than the limit of 1000 (option max_bytes)"
    )


def test_a_url_is_fetched_with_the_options_and_a_file_of_that_name_wins(
    tmp_path: Path, monkeypatch
) -> None:
    fetched: list[tuple[str, Options]] = []

    def fake_fetch(url: str, options: Options) -> bytes:
        fetched.append((url, options))
        return b"downloaded"

    monkeypatch.setattr(fetch, "fetch_with_options", fake_fetch)
    options = Options(timeout=3.0, block_private_urls=True)
    assert source_bytes("https://example.com/a.png", options, "url") == b"downloaded"
    assert fetched == [("https://example.com/a.png", options)]
    # A path spelled like a URL that exists is a file.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "http:").mkdir()
    (tmp_path / "http:" / "x.png").write_bytes(b"local")
    assert source_bytes("http://x.png", options, "local") == b"local"
    assert len(fetched) == 1


@pytest.mark.parametrize("source", [42, None, 3.5, ["a.png"], {"path": "a.png"}])
def test_other_types_are_an_options_error(source: object) -> None:
    with pytest.raises(OptionsError, match=f"^cannot read an image from {type(source).__name__}$"):
        source_bytes(source, Options(), "label")
