"""Load-stage timings: palettekit.load.load_image on the shared corpus.

Compares, per image, the loader (JPEG draft + reduction to the working size
by nearest-pixel sampling + ICC + EXIF) with a plain Pillow decode at full
size followed by a box resize to the same size, so the effect of decoding
JPEGs at a reduced DCT scale is visible.

    python bench/bench_load.py [--repeat 5] [--corpus ../shared/corpus]

Prints one line per image group: median milliseconds per image. Keep runs
small: the machine is shared.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from PIL import Image

from palettekit.load import load_image, working_size
from palettekit.options import Options


def _plain_pillow(path: Path, max_pixels: int) -> Image.Image:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    return rgb.resize(working_size(rgb.size, max_pixels), Image.Resampling.BOX)


def _median_ms(function, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    args = parser.parse_args()
    options = Options()
    assert options.max_pixels is not None
    groups = {
        "unsplash 3840x2560 JPEG": sorted((args.corpus / "unsplash" / "3840x2560").glob("*.jpg")),
        "unsplash 1920x1280 JPEG": sorted((args.corpus / "unsplash" / "1920x1280").glob("*.jpg")),
        "CQ100 768x512 PNG": sorted((args.corpus / "cq100").glob("*.png")),
    }
    print(f"max_pixels={options.max_pixels}, median of {args.repeat} runs, ms per image")
    for name, paths in groups.items():
        if not paths:
            print(f"{name}: no files")
            continue
        ours = [_median_ms(lambda p=p: load_image(p, options), args.repeat) for p in paths]
        plain = [
            _median_ms(lambda p=p: _plain_pillow(p, options.max_pixels), args.repeat) for p in paths
        ]
        print(
            f"{name} ({len(paths)} files): load_image {statistics.mean(ours):7.1f} ms "
            f"(min {min(ours):.1f}, max {max(ours):.1f}); "
            f"full decode + box resize {statistics.mean(plain):7.1f} ms"
        )


if __name__ == "__main__":
    main()
