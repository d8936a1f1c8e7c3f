"""The tools the benchmark compares, each behind one signature.

Every tool is a :class:`Tool` whose ``load()`` imports what it needs and returns
a runner ``run(path, k) -> list of (r, g, b) ints``. The runner does the whole
job from a file path, decode included, so timing it times what a user waits
for. A tool whose import fails is reported as "not installed"; nothing here is
a dependency of palettekit (see bench/requirements.txt).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

RGB = tuple[int, int, int]
Runner = Callable[[str, int], list[RGB]]


def _centers_to_rgb(centers: np.ndarray) -> list[RGB]:
    c = np.clip(np.rint(np.asarray(centers, dtype=np.float64)[:, :3]), 0, 255).astype(int)
    return [tuple(int(v) for v in row) for row in c]  # type: ignore[misc]


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


# --- the tutorial recipe -------------------------------------------------------


def _load_recipe() -> Runner:
    from PIL import Image
    from sklearn.cluster import KMeans

    def run(path: str, k: int) -> list[RGB]:
        # As the tutorials write it: every pixel, every channel the file has
        # (alpha included when present), scikit-learn defaults, no seed.
        arr = np.array(Image.open(path))
        pixels = arr.reshape(-1, arr.shape[-1] if arr.ndim == 3 else 1)
        km = KMeans(n_clusters=k).fit(pixels)
        centers = km.cluster_centers_
        if centers.shape[1] == 1:  # grayscale file: repeat the gray level
            centers = np.repeat(centers, 3, axis=1)
        return _centers_to_rgb(centers)

    return run


def _load_recipe_fixed() -> Runner:
    from PIL import Image
    from sklearn.cluster import KMeans

    def run(path: str, k: int) -> list[RGB]:
        # The recipe made correct and repeatable: RGB only, random_state=0,
        # otherwise scikit-learn defaults (init="k-means++", n_init="auto").
        arr = np.asarray(Image.open(path).convert("RGB"))
        km = KMeans(n_clusters=k, random_state=0).fit(arr.reshape(-1, 3))
        return _centers_to_rgb(km.cluster_centers_)

    return run


# --- peers ---------------------------------------------------------------------


def _load_pylette(mode: str) -> Callable[[], Runner]:
    def load() -> Runner:
        import pylette

        def run(path: str, k: int) -> list[RGB]:
            pal = pylette.extract_colors(image=path, palette_size=k, mode=mode)
            return [tuple(int(v) for v in c.rgb[:3]) for c in pal.colors]  # type: ignore[misc]

        # Fail at load time, not in the timed loop, if this version lacks the mode.
        from pylette.src.extractors.registry import get_extractor

        get_extractor(mode)
        return run

    return load


def _load_colorthief() -> Runner:
    from colorthief import ColorThief

    def run(path: str, k: int) -> list[RGB]:
        return [tuple(int(v) for v in c) for c in ColorThief(path).get_palette(color_count=k)]  # type: ignore[misc]

    return run


def _load_fast_colorthief() -> Runner:
    import fast_colorthief

    def run(path: str, k: int) -> list[RGB]:
        return [
            tuple(int(v) for v in c[:3]) for c in fast_colorthief.get_palette(path, color_count=k)
        ]  # type: ignore[misc]

    return run


def _load_pillow(method_name: str) -> Callable[[], Runner]:
    def load() -> Runner:
        from PIL import Image

        method = getattr(Image.Quantize, method_name)

        def run(path: str, k: int) -> list[RGB]:
            q = Image.open(path).convert("RGB").quantize(colors=k, method=method)
            flat = q.getpalette() or []
            used = sorted(q.getcolors(maxcolors=256) or [], reverse=True)  # (count, index)
            return [tuple(flat[3 * i : 3 * i + 3]) for _, i in used]  # type: ignore[misc]

        return run

    return load


def _load_cv2_kmeans() -> Runner:
    import cv2

    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)

    def run(path: str, k: int) -> list[RGB]:
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        data = bgr.reshape(-1, 3).astype(np.float32)
        cv2.setRNGSeed(0)
        _, _, centers = cv2.kmeans(data, k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
        return _centers_to_rgb(centers[:, ::-1])

    return run


def _load_extcolors() -> Runner:
    import extcolors

    def run(path: str, k: int) -> list[RGB]:
        colors, _ = extcolors.extract_from_path(path, limit=k)
        return [tuple(int(v) for v in rgb[:3]) for rgb, _count in colors]  # type: ignore[misc]

    return run


def _load_palettekit() -> Runner:
    import palettekit

    if not hasattr(palettekit, "extract"):
        raise ImportError("palettekit is importable but has no extract() yet")

    def run(path: str, k: int) -> list[RGB]:
        pal = palettekit.extract(path, k=k)
        run.meta = getattr(pal, "meta", None)  # type: ignore[attr-defined]
        return [tuple(int(v) for v in s.rgb) for s in pal]  # type: ignore[misc]

    run.meta = None  # type: ignore[attr-defined]
    return run


# --- registry --------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    key: str
    label: str
    dist: str  # distribution whose version is reported
    settings: str  # what the bench calls, for the report
    load: Callable[[], Runner]
    # "recipe": slow, subset in --quick; "extcolors": too slow on large photos
    cost: str = "normal"
    # The result for k is the first k colors of a k-independent list (extcolors):
    # one call per image serves k = 5, 8 and 16.
    k_independent: bool = False

    def version(self) -> str:
        return _version(self.dist)


TOOLS: list[Tool] = [
    Tool(
        "recipe",
        "tutorial recipe",
        "scikit-learn",
        "PIL -> every pixel, every channel -> KMeans(n_clusters=k), sklearn defaults, no seed",
        _load_recipe,
        cost="recipe",
    ),
    Tool(
        "recipe_fixed",
        "fixed recipe (baseline)",
        "scikit-learn",
        "PIL RGB -> every pixel -> KMeans(n_clusters=k, random_state=0), n_init='auto'",
        _load_recipe_fixed,
        cost="recipe",
    ),
    Tool(
        "pylette_km",
        "Pylette KMeans",
        "pylette",
        "extract_colors(path, palette_size=k, mode='KMeans'), default resize=256",
        _load_pylette("KMeans"),
    ),
    Tool(
        "pylette_oklab",
        "Pylette OKLab",
        "pylette",
        "extract_colors(path, palette_size=k, mode='OKLab'), default resize=256",
        _load_pylette("OKLab"),
    ),
    Tool(
        "colorthief",
        "colorthief",
        "colorthief",
        "ColorThief(path).get_palette(color_count=k), default quality=10",
        _load_colorthief,
    ),
    Tool(
        "fast_colorthief",
        "fast-colorthief",
        "fast-colorthief",
        "get_palette(path, color_count=k), default quality=10",
        _load_fast_colorthief,
    ),
    Tool(
        "pil_mediancut",
        "Pillow median cut",
        "pillow",
        "open(path).convert('RGB').quantize(colors=k, method=MEDIANCUT), used entries",
        _load_pillow("MEDIANCUT"),
    ),
    Tool(
        "pil_octree",
        "Pillow fast octree",
        "pillow",
        "open(path).convert('RGB').quantize(colors=k, method=FASTOCTREE), used entries",
        _load_pillow("FASTOCTREE"),
    ),
    Tool(
        "cv2_kmeans",
        "OpenCV kmeans",
        "opencv-python-headless",
        "imread -> every pixel (float32) -> cv2.kmeans(k, (EPS|MAX_ITER, 20, 1.0), "
        "attempts=3, KMEANS_PP_CENTERS), setRNGSeed(0)",
        _load_cv2_kmeans,
    ),
    Tool(
        "extcolors",
        "extcolors",
        "extcolors",
        "extract_from_path(path, limit=k), default tolerance=32",
        _load_extcolors,
        cost="extcolors",
        k_independent=True,
    ),
    Tool(
        "palettekit",
        "**palettekit**",
        "palettekit",
        "palettekit.extract(path, k=k), defaults",
        _load_palettekit,
    ),
]

TOOLS_BY_KEY = {t.key: t for t in TOOLS}
