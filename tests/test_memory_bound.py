"""Peak memory of one extract stays under 250 MiB for any image the limits accept.

Each case runs ``palettekit.extract`` in a fresh interpreter and reads its
peak resident set size when it is done (``VmHWM``, or ``ru_maxrss`` where
there is no /proc): a memory bound, not a timing. The images are at the web
server's pixel limit (50 megapixels), in the modes whose samples are wider
than a byte or that need a conversion (float, 32-bit and 16-bit gray,
palette with alpha, gray with alpha, RGBA, CMYK), in PNG, TIFF and WebP.
They compress to a few hundred KB: the "small file, huge memory" inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("resource")

PEAK_LIMIT_KIB = 250 * 1024
SIDE = 7071  # 7071 x 7071 = 49,999,041 pixels, at the server's 50-megapixel limit
WEBP_SIDE = 3535  # the largest square WebP the default max_decode_bytes accepts

# mode, format, file name; PA has no PNG form in Pillow, so it is tested in a TIFF.
FILES = [
    ("F", "TIFF", "float.tif"),
    ("I", "TIFF", "int32.tif"),
    ("I;16", "PNG", "gray16.png"),
    ("I;16B", "TIFF", "gray16be.tif"),
    ("LA", "PNG", "gray-alpha.png"),
    ("PA", "TIFF", "palette-alpha.tif"),
    ("RGBA", "PNG", "rgba.png"),
    ("RGBA", "TIFF", "rgba.tif"),
    ("CMYK", "TIFF", "cmyk.tif"),
]

_MAKE = textwrap.dedent(
    """
    import sys
    from PIL import Image

    mode, fmt, path, side = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    fill = {"F": 0.25, "I": 100, "I;16": 30000, "I;16B": 30000, "LA": (90, 200),
            "PA": (3, 200), "RGBA": (10, 120, 200, 255), "CMYK": (0, 255, 255, 0),
            "RGB": (10, 120, 200)}[mode]
    image = Image.new(mode, (side, side), fill)
    if mode == "PA":
        image.putpalette([i % 256 for i in range(768)])
    # a second color in one corner, so the palette is not a single swatch
    second = {"F": 0.75, "I": 200, "I;16": 60000, "I;16B": 60000, "LA": (10, 255),
              "PA": (40, 255), "RGBA": (250, 20, 20, 255), "CMYK": (0, 0, 255, 0),
              "RGB": (250, 20, 20)}[mode]
    image.paste(second, (0, 0, side // 2, side // 2))
    params = {"compression": "tiff_deflate"} if fmt == "TIFF" else {}
    if fmt == "WEBP":
        params = {"lossless": True}
    image.save(path, fmt, **params)
    """
)

_MAKE_ANIMATION = textwrap.dedent(
    """
    import sys
    from PIL import Image

    path, side = sys.argv[1], int(sys.argv[2])
    frames = [Image.new("P", (side, side), 0) for _ in range(3)]
    for number, frame in enumerate(frames):
        frame.putpalette([(50 * (number + 1) + j) % 256 for j in range(768)])
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    """
)

_MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    import palettekit
    from palettekit.errors import PaletteError

    try:
        palette = palettekit.extract(sys.argv[1], k=3, frames=sys.argv[2])
        outcome = [color.hex for color in palette]
    except PaletteError as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    # ru_maxrss of a child also counts the parent's resident size at the
    # fork (Linux keeps the larger of the two across execve), and pytest may
    # be large; /proc's VmHWM is this process's own peak. Elsewhere
    # ru_maxrss (bytes on macOS) is used.
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":
            peak //= 1024
    print(json.dumps({"peak_kib": peak, "outcome": outcome}))
    """
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _make(directory: Path, mode: str, fmt: str, name: str, side: int) -> Path:
    path = directory / name
    subprocess.run(
        [sys.executable, "-c", _MAKE, mode, fmt, str(path), str(side)],
        check=True,
        env=_env(),
        timeout=300,
    )
    return path


def _measure(path: Path, frames: str = "first") -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), frames],
        check=True,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def wide_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("wide")
    for mode, fmt, name in FILES:
        _make(directory, mode, fmt, name, SIDE)
    _make(directory, "RGB", "WEBP", "largest.webp", WEBP_SIDE)
    _make(directory, "RGB", "WEBP", "at-pixel-limit.webp", SIDE)
    return directory


@pytest.mark.parametrize(("mode", "fmt", "name"), FILES, ids=[name for *_, name in FILES])
def test_peak_memory_of_wide_sample_images(wide_images, mode, fmt, name):
    path = wide_images / name
    assert path.stat().st_size < 2_000_000  # a small file ...
    result = _measure(path)
    assert isinstance(result["outcome"], list), result["outcome"]  # ... that is read
    assert len(result["outcome"]) == 2
    assert result["peak_kib"] < PEAK_LIMIT_KIB, f"{name}: {result['peak_kib'] / 1024:.0f} MiB"


def test_largest_accepted_webp_stays_under_the_bound(wide_images):
    result = _measure(wide_images / "largest.webp")
    assert sorted(result["outcome"]) == ["#0a78c8", "#fa1414"]
    assert result["peak_kib"] < PEAK_LIMIT_KIB


def test_webp_at_the_pixel_limit_is_refused_before_decoding(wide_images):
    path = wide_images / "at-pixel-limit.webp"
    assert path.stat().st_size < 20_000
    result = _measure(path)
    assert result["outcome"].startswith("ImageTooLargeError: ")
    assert "max_decode_bytes" in result["outcome"]
    assert result["peak_kib"] < 100 * 1024


@pytest.mark.parametrize(("side", "frames_used"), [(3950, 3), (6000, 1)])
def test_animation_frames_stay_under_the_bound(tmp_path, side, frames_used):
    """Later GIF frames are drawn on RGB(A) canvases (12.5 bytes a pixel): the frames
    path uses them only while they fit ``max_decode_bytes``, else the first alone."""
    path = tmp_path / "anim.gif"
    subprocess.run(
        [sys.executable, "-c", _MAKE_ANIMATION, str(path), str(side)],
        check=True,
        env=_env(),
        timeout=300,
    )
    result = _measure(path, frames="all")
    assert isinstance(result["outcome"], list), result["outcome"]
    assert len(result["outcome"]) == frames_used
    assert result["peak_kib"] < PEAK_LIMIT_KIB, f"{result['peak_kib'] / 1024:.0f} MiB"


def _crafted() -> list[tuple[str, bytes]]:
    from badinputs import formats

    return [
        ("jpeg2000-7000.jp2", formats.jpeg2000_claiming_size(7000, 7000)),
        ("avif-7000.avif", formats.avif_claiming_size(7000, 7000)),
        ("progressive-12000.jpg", formats.progressive_jpeg_claiming_size(12000, 12000)),
        ("progressive-cmyk-7000.jpg", formats.progressive_jpeg_claiming_size(7000, 7000, "CMYK")),
        ("multiscan-12000.jpg", formats.multiscan_jpeg_claiming_size(12000, 12000)),
        ("runs-7000.qoi", formats.qoi_of_runs(7000, 7000)),
        ("fill.jpg", b"\xff\xd8" + b"\xff" * 19_000_000),
        ("chunks-after-idat.png", formats.png_with_chunks_after_idat(1_660_000)),
    ]


@pytest.mark.parametrize("index", range(8), ids=[name for name, _ in _crafted()])
def test_small_files_in_costly_formats_are_refused_before_decoding(tmp_path, index):
    """Formats whose decoders keep more than the image (JPEG 2000, AVIF,
    progressive and multi-scan JPEG, Python-decoded QOI) and floods Pillow
    parses a byte or a chunk at a time: refused from the header, in little memory."""
    name, data = _crafted()[index]
    path = tmp_path / name
    path.write_bytes(data)
    result = _measure(path)
    assert isinstance(result["outcome"], str), result["outcome"]
    assert result["outcome"].startswith(("ImageTooLargeError: ", "ImageLoadError: "))
    assert result["peak_kib"] < 100 * 1024, f"{name}: {result['peak_kib'] / 1024:.0f} MiB"


def test_largest_accepted_qoi_stays_under_the_bound(tmp_path):
    from badinputs import formats

    path = tmp_path / "runs-4500.qoi"
    path.write_bytes(formats.qoi_of_runs(4500, 4500))
    result = _measure(path)
    assert result["outcome"] == ["#000000"], result["outcome"]
    assert result["peak_kib"] < PEAK_LIMIT_KIB, f"{result['peak_kib'] / 1024:.0f} MiB"
