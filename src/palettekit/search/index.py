"""Search a results file by color, over a compact index built once.

The index (the folder ``RESULTS.index`` by default) holds, for every
successful record, its colors in Oklab and their shares, padded to the
largest k, one ``.npy`` file a key and ``meta.json``:

============  ===================  ==========================================
key           shape, dtype         meaning
============  ===================  ==========================================
lab           (3, K, N) float32    swatch colors in Oklab (L in [0, 1], a, b),
                                   component-major, image index last
shares        (K, N) float32       swatch shares in [0, 1]; 0 pads short rows
rgb           (N, K, 3) uint8      swatch sRGB colors, for display
record_index  (N,) int64           the record's ``index`` in the batch
source_blob   (B,) uint8           UTF-8 sources, concatenated
source_ends   (N,) int64           end offset of each source in the blob
meta.json     JSON object          version, results file stamp, k, and the
                                   sizes N, K, B the arrays must have
============  ===================  ==========================================

Queries are vectorised over all rows in chunks (no Python loop per image);
with the image index last, every step is an element-wise operation over
contiguous rows of images, and reductions over the K swatches are K - 1
element-wise operations.
The arrays are memory-mapped when opened (``numpy.load(mmap_mode="r")``),
so opening a million-image index costs milliseconds. Reading one back is
bounded: ``meta.json`` is read first (at most 64 KB), the index is compared
with the results file (size, time, device and inode) before any array is
opened, and each array must have the dtype and shape the meta names. Each
file is replaced atomically (:func:`palettekit._io.write_atomic_with`) and
``meta.json`` last, so a run killed while saving leaves an index that is
stale or whole, and its temporary files are removed by the next save.
Indexes of the older ``.npz`` form are not read: they are built again.

Search by colors
----------------
For query colors q_1..q_m (Oklab) and image i with swatches c_ij, shares s_ij::

    d_ij    = min_m || c_ij - q_m ||                  (Euclidean, Oklab)
    score_i = sum_j s_ij * exp(-(d_ij / sigma) ** 2)

the share of the image that is close to some query color, each swatch
weighted by a Gaussian of its distance to the nearest query color: 1.0 for
an image made only of query colors, near 0 for one far from all of them.
``sigma`` (default 0.08) is the distance at which a swatch counts
exp(-1) = 37%; Oklab distances of 0.02 are about the smallest difference
people see, 0.08 separates shades (brick vs. tomato), 0.2 separates hues.
With ``mode="all"`` the score is the *smallest* per-query-color coverage
``min_m sum_j s_ij exp(-(||c_ij - q_m|| / sigma) ** 2)``, so an image must
hold every query color to rank high.

Search by palette (``like``)
----------------------------
Palettes are compared by the earth mover's distance (EMD) in Oklab with the
shares as masses: the least total share x distance needed to turn one
palette into the other. Exact EMD is a small linear program per image, too
slow for a million images, so the ranking uses

- lower bounds, vectorised over every row: the distance between the
  share-weighted mean colors, and each side's relaxed EMD (every unit of
  share moves to the nearest color of the other palette; Kusner et al.
  2015); the largest of the three is a lower bound of the EMD;
- the greedy transport cost (repeatedly move as much share as possible
  between the closest remaining pair of colors), an upper bound of the EMD,
  computed vectorised only for the rows whose lower bound is small enough
  to matter: rows are taken in increasing lower bound until the n-th best
  greedy cost is below the next row's lower bound, so the top n are exactly
  the top n by greedy cost.

Against an exact EMD (a linear program) on random palettes the greedy cost
is on average a few per cent above it, with a rank correlation above 0.95
(see tests/search/test_index.py and bench/bench_search.py).
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._io import write_atomic, write_atomic_with
from ..batch.writers import read_records, results_format_of
from ..display_text import one_line
from ..errors import ResultsFileError

__all__ = [
    "ColorIndex",
    "Hit",
    "build_index",
    "open_index",
    "default_index_path",
    "search_colors",
    "search_like",
    "DEFAULT_SIGMA",
    "emd_lower_bound",
    "greedy_emd",
]

DEFAULT_SIGMA = 0.08
INDEX_VERSION = 2
_CHUNK = 65_536
META_NAME = "meta.json"
MAX_META_BYTES = 1 << 16
_MEMBERS = ("lab", "shares", "rgb", "record_index", "source_blob", "source_ends")
_DTYPES = {
    "lab": np.dtype(np.float32),
    "shares": np.dtype(np.float32),
    "rgb": np.dtype(np.uint8),
    "record_index": np.dtype(np.int64),
    "source_blob": np.dtype(np.uint8),
    "source_ends": np.dtype(np.int64),
}


@dataclass(frozen=True)
class ColorIndex:
    """Compact arrays of a results file's palettes (see the module docstring)."""

    lab: npt.NDArray[np.float32]
    shares: npt.NDArray[np.float32]
    rgb: npt.NDArray[np.uint8]
    record_index: npt.NDArray[np.int64]
    source_blob: npt.NDArray[np.uint8]
    source_ends: npt.NDArray[np.int64]
    meta: dict[str, Any]

    def __len__(self) -> int:
        return int(self.record_index.shape[0])

    def source(self, row: int) -> str:
        """The source of row ``row``."""
        start = int(self.source_ends[row - 1]) if row > 0 else 0
        end = int(self.source_ends[row])
        return bytes(self.source_blob[start:end]).decode("utf-8", "surrogateescape")

    def find_source(self, source: str) -> int | None:
        """Row of ``source``, or None."""
        needle = source.encode("utf-8", "surrogateescape")
        blob = self.source_blob.tobytes()
        starts = np.concatenate([[0], self.source_ends[:-1]])
        at = blob.find(needle)
        while at >= 0:
            row = int(np.searchsorted(starts, at, side="right")) - 1
            if row >= 0 and starts[row] == at and self.source_ends[row] == at + len(needle):
                return row
            at = blob.find(needle, at + 1)
        return None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index into the folder ``path``: each array atomically,
        then ``meta.json`` (see the module docstring).

        Raises
        ------
        ResultsFileError
            ``path`` is a file (an index of the old ``.npz`` form, or not an index).
        OSError
            A file cannot be written.
        """
        path = os.fspath(path)
        if os.path.lexists(path) and not os.path.isdir(path):
            raise ResultsFileError(
                f"{_shown(path)} is a file, not a search index folder (an index of the old "
                ".npz form?): remove it or choose another --index"
            )
        os.makedirs(path, exist_ok=True)
        for name in _MEMBERS:
            array = np.ascontiguousarray(getattr(self, name))
            write_atomic_with(os.path.join(path, name + ".npy"), _npy_writer(array))
        k, n = self.shares.shape
        meta = {"results_stamp": None, "k": None, **self.meta}
        meta.update(
            version=INDEX_VERSION, rows=n, swatches=k, source_bytes=int(self.source_blob.shape[0])
        )
        write_atomic(os.path.join(path, META_NAME), json.dumps(meta))

    @classmethod
    def load(cls, path: str | os.PathLike[str], meta: dict[str, Any] | None = None) -> ColorIndex:
        """Read an index written by :meth:`save` (``meta``: its meta, if read already).

        Raises
        ------
        ResultsFileError
            Not an index of this version, or an array whose dtype or shape
            differs from what the meta says (a one-line message).
        """
        path = os.fspath(path)
        if meta is None:
            meta = read_index_meta(path)
        n, k, blob = meta["rows"], meta["swatches"], meta["source_bytes"]
        shapes = {
            "lab": (3, k, n),
            "shares": (k, n),
            "rgb": (n, k, 3),
            "record_index": (n,),
            "source_blob": (blob,),
            "source_ends": (n,),
        }
        arrays = {name: _load_member(path, name, shapes[name]) for name in _MEMBERS}
        ends = np.asarray(arrays["source_ends"])
        if n and (ends[0] < 0 or ends[-1] != blob or bool(np.any(np.diff(ends) < 0))):
            raise ResultsFileError(
                f"{_shown(path)}: source_ends do not index source_blob{_REBUILD}"
            )
        return cls(meta=meta, **arrays)


def _npy_writer(array: npt.NDArray[Any]) -> Any:
    def write(stream: Any) -> None:
        np.save(stream, array, allow_pickle=False)

    return write


_REBUILD = "; not a search index palettekit wrote (rebuild it with --rebuild-index)"


def _shown(path: str) -> str:
    return one_line(path, 200, escape=True)


def read_index_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The meta of the index folder ``path``, checked, without opening any array.

    Raises
    ------
    ResultsFileError
        No ``meta.json``, one larger than :data:`MAX_META_BYTES`, or one that
        is not an object of this version with sizes and stamp of the right types.
    """
    path = os.fspath(path)
    name = os.path.join(path, META_NAME)
    try:
        with open(name, "rb") as handle:
            data = handle.read(MAX_META_BYTES + 1)
    except OSError as exc:
        raise ResultsFileError(
            f"{_shown(path)}: not a search index ({exc.strerror or exc})"
        ) from None
    if len(data) > MAX_META_BYTES:
        raise ResultsFileError(
            f"{_shown(path)}: {META_NAME} is over {MAX_META_BYTES} bytes{_REBUILD}"
        )
    try:
        meta = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise ResultsFileError(f"{_shown(path)}: {META_NAME} is not JSON{_REBUILD}") from None
    if not isinstance(meta, dict):
        raise ResultsFileError(f"{_shown(path)}: {META_NAME} is not an object{_REBUILD}")
    if meta.get("version") != INDEX_VERSION:
        raise ResultsFileError(
            f"{_shown(path)}: index version {one_line(repr(meta.get('version')), 40)} unknown"
            + _REBUILD
        )
    sizes = [meta.get(key) for key in ("rows", "swatches", "source_bytes")]
    stamp = meta.get("results_stamp")
    if not all(type(size) is int and size >= 0 for size in sizes) or not (
        stamp is None or (isinstance(stamp, list) and all(type(x) is int for x in stamp))
    ):
        raise ResultsFileError(f"{_shown(path)}: {META_NAME} lacks sizes or stamp{_REBUILD}")
    if not (meta.get("k") is None or type(meta.get("k")) is int):
        raise ResultsFileError(
            f"{_shown(path)}: {META_NAME} has a k that is not a number{_REBUILD}"
        )
    return meta


def _load_member(path: str, name: str, shape: tuple[int, ...]) -> npt.NDArray[Any]:
    """One array of an index, memory-mapped, after its header was checked
    against ``shape`` and the expected dtype."""
    file = os.path.join(path, name + ".npy")
    try:
        with open(file, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(handle)
            else:
                header = np.lib.format.read_array_header_2_0(handle)
            offset = handle.tell()
            size = os.fstat(handle.fileno()).st_size
    except (OSError, ValueError) as exc:
        raise ResultsFileError(
            f"{_shown(path)}: {name}.npy unreadable ({one_line(str(exc), 120)}){_REBUILD}"
        ) from None
    found, fortran, dtype = header
    if tuple(found) != shape or dtype != _DTYPES[name] or fortran:
        raise ResultsFileError(
            f"{_shown(path)}: {name}.npy holds {dtype} {tuple(found)}, expected "
            f"{_DTYPES[name]} {shape}{_REBUILD}"
        )
    if size - offset < int(np.prod(shape)) * dtype.itemsize:
        raise ResultsFileError(f"{_shown(path)}: {name}.npy is cut short{_REBUILD}")
    if int(np.prod(shape)) == 0:
        return np.zeros(shape, dtype)
    return np.memmap(file, dtype=dtype, mode="r", offset=offset, shape=shape)


def results_stamp(path: str | os.PathLike[str]) -> list[int]:
    """(size, mtime_ns, device, inode) of a results file, or size summed and
    mtime_ns the latest over a Parquet directory's parts, with the
    directory's device and inode: an index copied from another results file
    does not match."""
    path = os.fspath(path)
    if os.path.isdir(path):
        size = mtime = 0
        for name in os.listdir(path):
            if name.endswith(".parquet") and not name.startswith("."):
                st = os.stat(os.path.join(path, name))
                size += st.st_size
                mtime = max(mtime, st.st_mtime_ns)
        here = os.stat(path)
        return [size, mtime, here.st_dev, here.st_ino]
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino]


def default_index_path(results: str | os.PathLike[str]) -> str:
    """``RESULTS.index`` (a folder) beside the results file (or Parquet directory)."""
    return os.fspath(results).rstrip("/" + os.sep) + ".index"


def is_index(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an index folder (it holds ``meta.json``)."""
    return os.path.isfile(os.path.join(os.fspath(path), META_NAME))


def _oklab_of(colors: list[dict[str, Any]]) -> list[list[float]]:
    if all("oklab" in c for c in colors):
        return [c["oklab"] for c in colors]
    from ..colorspace import srgb_to_oklab

    rgb = np.array([c["rgb"] for c in colors], dtype=np.float64) / 255.0
    return srgb_to_oklab(rgb).tolist()  # type: ignore[no-any-return]


class _Chunks:
    """Accumulates rows in fixed-size numpy chunks (no list of a million dicts)."""

    def __init__(self) -> None:
        self.parts: list[tuple[Any, ...]] = []
        self._reset()

    def _reset(self) -> None:
        self.oklab: list[list[list[float]]] = []
        self.shares: list[list[float]] = []
        self.rgb: list[list[list[int]]] = []
        self.index: list[int] = []
        self.sources: list[bytes] = []

    def add(self, record: dict[str, Any]) -> None:
        colors = record["colors"]
        self.oklab.append(_oklab_of(colors))
        self.shares.append([float(c["share"]) for c in colors])
        self.rgb.append([list(c["rgb"]) for c in colors])
        self.index.append(int(record["index"]))
        self.sources.append(str(record["source"]).encode("utf-8", "surrogateescape"))
        if len(self.index) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.index:
            return
        n = len(self.index)
        k = max(len(s) for s in self.shares)
        oklab = np.zeros((n, k, 3), np.float32)
        shares = np.zeros((n, k), np.float32)
        rgb = np.zeros((n, k, 3), np.uint8)
        rows = zip(self.oklab, self.shares, self.rgb, strict=True)
        for row, (lab, share, color) in enumerate(rows):
            m = len(share)
            oklab[row, :m] = lab
            shares[row, :m] = share
            rgb[row, :m] = color
        lengths = np.fromiter((len(s) for s in self.sources), np.int64, n)
        blob = np.frombuffer(b"".join(self.sources), np.uint8)
        self.parts.append((oklab, shares, rgb, np.array(self.index, np.int64), blob, lengths))
        self._reset()


def _pad(arrays: Sequence[npt.NDArray[Any]], k: int) -> npt.NDArray[Any]:
    out = []
    for a in arrays:
        if a.shape[1] < k:
            width = [(0, 0), (0, k - a.shape[1])] + [(0, 0)] * (a.ndim - 2)
            a = np.pad(a, width)
        out.append(a)
    return np.concatenate(out)


def build_index(
    results: str | os.PathLike[str] | Iterable[dict[str, Any]], fmt: str | None = None
) -> ColorIndex:
    """Index the successful records of a results file (or an iterable of records).

    Raises
    ------
    ResultsFileError
        The results file cannot be read.
    """
    chunks = _Chunks()
    stamp: list[int] | None = None
    records: Iterable[dict[str, Any]]
    if isinstance(results, (str, os.PathLike)):
        stamp = results_stamp(results) if os.path.exists(results) else None
        records = read_records(results, fmt)
    else:
        records = results
    k_counts: dict[int, int] = {}
    for record in records:
        if record.get("ok") and record.get("colors"):
            chunks.add(record)
            k = record.get("k")
            if isinstance(k, int):
                k_counts[k] = k_counts.get(k, 0) + 1
    chunks.flush()
    meta: dict[str, Any] = {
        "version": INDEX_VERSION,
        "results_stamp": stamp,
        "k": max(k_counts, key=lambda k: k_counts[k]) if k_counts else None,
    }
    if not chunks.parts:
        return ColorIndex(
            np.zeros((3, 1, 0), np.float32),
            np.zeros((1, 0), np.float32),
            np.zeros((0, 1, 3), np.uint8),
            np.zeros(0, np.int64),
            np.zeros(0, np.uint8),
            np.zeros(0, np.int64),
            meta,
        )
    k = max(p[1].shape[1] for p in chunks.parts)
    return ColorIndex(
        lab=np.ascontiguousarray(np.transpose(_pad([p[0] for p in chunks.parts], k), (2, 1, 0))),
        shares=np.ascontiguousarray(_pad([p[1] for p in chunks.parts], k).T),
        rgb=_pad([p[2] for p in chunks.parts], k),
        record_index=np.concatenate([p[3] for p in chunks.parts]),
        source_blob=np.concatenate([p[4] for p in chunks.parts]),
        source_ends=np.cumsum(np.concatenate([p[5] for p in chunks.parts])),
        meta=meta,
    )


OLD_TEMPORARY_SECONDS = 3600.0
"""Age after which a ``.palettekit-index-*.npz`` (the temporary file of the
old .npz form, which a killed run left for ever) is removed."""


def _remove_old_temporary_indexes(folder: str) -> None:
    """Remove the temporary files older palettekits left when killed while saving."""
    now = time.time()
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(".palettekit-index-")]
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
            if (
                entry.name.endswith(".npz")
                and stat.S_ISREG(info.st_mode)
                and now - info.st_mtime > OLD_TEMPORARY_SECONDS
            ):
                os.unlink(entry.path)
        except OSError:
            pass


def open_index(
    path: str | os.PathLike[str],
    *,
    index_path: str | os.PathLike[str] | None = None,
    rebuild: bool = False,
    fmt: str | None = None,
    log: Any = None,
) -> ColorIndex:
    """The index of a results file, built (and saved) when missing or stale.

    ``path`` may also be an index folder itself. The index's meta is
    compared with the results file before any of its arrays is opened; an
    index that is stale, of another version or damaged is built again.

    Raises
    ------
    ResultsFileError
        No such results file; ``path`` is an index of the old ``.npz``
        form; an index folder given as ``path`` is damaged; the index
        cannot be saved where a file is in the way.
    """
    path = os.fspath(path)
    if index_path is None and is_index(path):
        return ColorIndex.load(path)
    if path.endswith(".npz") and index_path is None and os.path.isfile(path):
        raise ResultsFileError(
            f"{_shown(path)}: a search index of the old .npz form, no longer read; search "
            "its results file, which builds the index again"
        )
    if not os.path.exists(path):
        raise ResultsFileError(f"{_shown(path)}: no such results file")
    target = os.fspath(index_path) if index_path is not None else default_index_path(path)
    stamp = results_stamp(path)
    if not rebuild and is_index(target):
        try:
            meta = read_index_meta(target)
            if meta.get("results_stamp") == stamp:
                return ColorIndex.load(target, meta)
        except ResultsFileError as exc:
            if log is not None:
                log(f"{exc}: building it again")
    if log is not None:
        log(f"building the search index {_shown(target)} from {_shown(path)}")
    results_format_of(path, fmt)
    index = build_index(path, fmt)
    _remove_old_temporary_indexes(os.path.dirname(os.path.abspath(target)))
    try:
        index.save(target)
    except OSError as exc:
        if isinstance(exc, ResultsFileError):
            raise
        if log is not None:
            log(f"cannot save the index {_shown(target)} ({exc.strerror or exc}); using it unsaved")
    return index


@dataclass(frozen=True)
class Hit:
    """One ranked image.

    Attributes
    ----------
    rank : int
        1 for the best.
    row : int
        Row in the index.
    index : int
        The record's ``index`` in the batch.
    source : str
    score : float
        Color search: coverage in [0, 1], higher is better. Palette search:
        distance (greedy transport cost in Oklab units), lower is better.
    hex : tuple of str
        The image's palette, largest share first.
    shares : tuple of float
    """

    rank: int
    row: int
    index: int
    source: str
    score: float
    hex: tuple[str, ...]
    shares: tuple[float, ...]

    def to_dict(self, score_name: str = "score") -> dict[str, Any]:
        """Plain data; ``score_name`` names the score ("distance" for a palette search)."""
        return {
            "rank": self.rank,
            "index": self.index,
            "source": self.source,
            score_name: self.score,
            "colors": [{"hex": h, "share": s} for h, s in zip(self.hex, self.shares, strict=False)],
        }


def _hits(index: ColorIndex, rows: npt.NDArray[np.int64], scores: npt.NDArray[Any]) -> list[Hit]:
    out = []
    for rank, (row, score) in enumerate(zip(rows.tolist(), scores.tolist(), strict=False), start=1):
        shares = np.asarray(index.shares[:, row])
        order = [j for j in np.argsort(-shares, kind="stable").tolist() if shares[j] > 0]
        hexes = tuple("#{:02x}{:02x}{:02x}".format(*index.rgb[row, j].tolist()) for j in order)
        out.append(
            Hit(
                rank=rank,
                row=row,
                index=int(index.record_index[row]),
                source=index.source(row),
                score=float(round(score, 6)),
                hex=hexes,
                shares=tuple(round(float(shares[j]), 6) for j in order),
            )
        )
    return out


_SLACK = 1e-4


def _check_values(values: npt.NDArray[np.float64], most: float) -> None:
    """Refuse scores that only an index with colors or shares that are not
    numbers (NaN, infinite) or shares outside [0, 1] can give: checked on
    the scores themselves, since any such value reaches them, at no extra pass."""
    if values.size and not (
        np.isfinite(values).all() and values.min() >= -_SLACK and values.max() <= most + _SLACK
    ):
        raise ResultsFileError(
            "the search index holds colors or shares that are not numbers in range; "
            "rebuild it with --rebuild-index"
        )


def _top(values: npt.NDArray[np.float64], top: int, *, largest: bool) -> npt.NDArray[np.int64]:
    """Rows of the ``top`` best values; ties broken by row (stable, deterministic)."""
    n = values.shape[0]
    if n == 0 or top <= 0:
        return np.zeros(0, np.int64)
    key = -values if largest else values
    if top < n:
        cut = np.partition(key, top - 1)[top - 1]
        candidates = np.flatnonzero(key <= cut)
    else:
        candidates = np.arange(n)
    order = np.lexsort((candidates, key[candidates]))
    return candidates[order[:top]].astype(np.int64)


def query_color(value: Any) -> tuple[int, int, int]:
    """A query color: ``"#rrggbb"``, ``"#rgb"``, a CSS color name (``"steelblue"``,
    the names palettekit prints; any case) or an RGB triple.

    Raises
    ------
    OptionsError
        Not a color in one of those forms.
    """
    from ..errors import OptionsError
    from ..options import parse_color

    if isinstance(value, str) and not value.strip().startswith("#"):
        from PIL import ImageColor

        name = value.strip().lower().replace(" ", "")
        if name in ImageColor.colormap:
            r, g, b = ImageColor.getrgb(name)[:3]
            return (r, g, b)
        raise OptionsError(
            f"not a color: {value!r} (expected #rrggbb, #rgb or a CSS color name such as "
            "red or steelblue)"
        )
    return parse_color(value)


def _query_oklab(colors: Sequence[Any]) -> npt.NDArray[np.float32]:
    from ..colorspace import srgb_to_oklab

    rgb = np.array([query_color(c) for c in colors], dtype=np.float64) / 255.0
    return srgb_to_oklab(rgb).astype(np.float32)


def _sum_rows(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """(K, n) -> (n,) sum over the K rows, as element-wise adds (fast for small K)."""
    total = values[0].copy()
    for row in values[1:]:
        total += row
    return total


def _min_rows(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """(K, n) -> (n,) minimum over the K rows."""
    best = values[0].copy()
    for row in values[1:]:
        np.minimum(best, row, out=best)
    return best


def _distances_to(
    lab: npt.NDArray[np.float32], color: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """(3, K, n) Oklab and one (3,) color -> (K, n) squared distances."""
    d = lab[0] - color[0]
    total = d * d
    d = lab[1] - color[1]
    total += d * d
    d = lab[2] - color[2]
    total += d * d
    return total


def coverage(
    lab: npt.NDArray[np.float32],
    shares: npt.NDArray[np.float32],
    query: npt.NDArray[np.float32],
    sigma: float,
    mode: str = "any",
) -> npt.NDArray[np.float64]:
    """Color-search score of each row (see the module docstring).

    Parameters
    ----------
    lab : (3, K, n) float32, Oklab
    shares : (K, n) float32
    query : (m, 3) float32, Oklab
    sigma : float > 0
    mode : {"any", "all"}

    Returns
    -------
    (n,) float64 in [0, 1]
    """
    inv = np.float32(-1.0 / (sigma * sigma))
    if mode == "all":
        best = None
        for color in query:
            per_query = _sum_rows(shares * np.exp(_distances_to(lab, color) * inv))
            best = per_query if best is None else np.minimum(best, per_query)
        assert best is not None
        return best.astype(np.float64)
    nearest = None
    for color in query:
        d2 = _distances_to(lab, color)
        nearest = d2 if nearest is None else np.minimum(nearest, d2, out=nearest)
    assert nearest is not None
    return _sum_rows(shares * np.exp(nearest * inv)).astype(np.float64)


def search_colors(
    index: ColorIndex,
    colors: Sequence[Any],
    *,
    top: int = 20,
    sigma: float = DEFAULT_SIGMA,
    mode: str = "any",
) -> list[Hit]:
    """Images with the most area close to the query colors, best first.

    Parameters
    ----------
    colors
        One or more colors, ``"#rrggbb"``/``"#rgb"``, CSS color names or RGB
        triples (see :func:`query_color`).
    top : int
        Number of hits.
    sigma : float
        Distance scale in Oklab (see the module docstring).
    mode : {"any", "all"}
        Close to any query color, or to all of them.
    """
    from ..errors import OptionsError

    if not colors:
        raise OptionsError("give at least one query color")
    if not (sigma > 0):
        raise OptionsError(f"sigma must be > 0, got {sigma}")
    if mode not in ("any", "all"):
        raise OptionsError(f"mode must be 'any' or 'all', got {mode!r}")
    query = _query_oklab(colors)
    n = len(index)
    scores = np.empty(n, np.float64)
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        scores[start:stop] = coverage(
            index.lab[:, :, start:stop], index.shares[:, start:stop], query, sigma, mode
        )
        _check_values(scores[start:stop], 1.0)
    rows = _top(scores, top, largest=True)
    return _hits(index, rows, scores[rows])


# --- palette distance ------------------------------------------------------------


def emd_lower_bound(
    lab: npt.NDArray[np.float32],
    shares: npt.NDArray[np.float32],
    query: npt.NDArray[np.float32],
    query_shares: npt.NDArray[np.float32],
) -> npt.NDArray[np.float64]:
    """A lower bound of the EMD between each row's palette and the query palette.

    The largest of: distance between the share-weighted mean colors, the
    row-side relaxed EMD (each swatch's share moves to its nearest query
    color), and the query-side one. Padding swatches (share 0) do not count.

    Parameters
    ----------
    lab : (3, K, n) float32, Oklab;  shares : (K, n) float32, each image's sum to 1
    query : (m, 3) float32;  query_shares : (m,) float32, sums to 1

    Returns
    -------
    (n,) float64 >= 0
    """
    padding = np.where(shares > 0, np.float32(0.0), np.float32(np.inf))  # (K, n)
    nearest2 = None  # squared distance of each swatch to its nearest query color
    query_side = np.zeros(shares.shape[1], np.float32)
    for color, weight in zip(query, query_shares, strict=True):
        d2 = _distances_to(lab, color)
        if nearest2 is None:
            nearest2 = d2.copy()
        else:
            np.minimum(nearest2, d2, out=nearest2)
        d2 += padding
        query_side += weight * np.sqrt(_min_rows(d2))
    assert nearest2 is not None
    nearest_query = np.sqrt(nearest2, out=nearest2)
    row_side = _sum_rows(shares * nearest_query)
    mean_query = query_shares @ query
    centroid2 = np.zeros(shares.shape[1], np.float32)
    for c in range(3):
        delta = _sum_rows(shares * lab[c]) - mean_query[c]
        centroid2 += delta * delta
    return np.maximum(np.maximum(row_side, query_side), np.sqrt(centroid2)).astype(np.float64)  # type: ignore[no-any-return]


def greedy_emd(
    lab: npt.NDArray[np.float32],
    shares: npt.NDArray[np.float32],
    query: npt.NDArray[np.float32],
    query_shares: npt.NDArray[np.float32],
) -> npt.NDArray[np.float64]:
    """Greedy transport cost between each row's palette and the query palette.

    Repeatedly moves as much share as possible between the closest pair of
    colors that both have share left. A feasible transport plan, so an upper
    bound of the EMD; vectorised over rows (K + m - 1 steps).

    Shapes as in :func:`emd_lower_bound`; returns (n,) float64 >= 0.
    """
    k, n = shares.shape
    m = query.shape[0]
    dist = np.sqrt(
        np.stack([_distances_to(lab, color).T for color in query], axis=2).astype(np.float64)
    ).reshape(n, k * m)
    left = shares.T.astype(np.float64)
    left = left / np.maximum(left.sum(axis=1, keepdims=True), 1e-300)
    right = np.broadcast_to(query_shares.astype(np.float64) / query_shares.sum(), (n, m)).copy()
    cost = np.zeros(n)
    rows = np.arange(n)
    open_ = dist.copy()
    open_[np.repeat(left <= 0, m, axis=1)] = np.inf
    for _ in range(k + m - 1):
        flat = open_.argmin(axis=1)
        d = open_[rows, flat]
        active = np.isfinite(d)
        if not active.any():
            break
        i, j = np.divmod(flat, m)
        moved = np.minimum(left[rows, i], right[rows, j])
        moved[~active] = 0.0
        cost += moved * np.where(active, d, 0.0)
        left[rows, i] -= moved
        right[rows, j] -= moved
        gone_i = active & (left[rows, i] <= 1e-12)
        gone_j = active & (right[rows, j] <= 1e-12)
        if gone_i.any():
            r = rows[gone_i]
            cols = i[gone_i][:, None] * m + np.arange(m)[None, :]
            open_[r[:, None], cols] = np.inf
        if gone_j.any():
            r = rows[gone_j]
            cols = np.arange(k)[None, :] * m + j[gone_j][:, None]
            open_[r[:, None], cols] = np.inf
    return cost


def search_like(
    index: ColorIndex,
    query_oklab: npt.ArrayLike,
    query_shares: npt.ArrayLike,
    *,
    top: int = 20,
) -> list[Hit]:
    """Images whose palettes are closest to a query palette, best first.

    Parameters
    ----------
    query_oklab : (m, 3) float, Oklab colors of the query palette
    query_shares : (m,) float >= 0, their shares (normalised to sum 1)

    Returns
    -------
    list of Hit
        ``score`` is the greedy transport distance (lower is better); the
        top ``top`` by that distance exactly (see the module docstring).
    """
    from ..errors import OptionsError

    q = np.asarray(query_oklab, dtype=np.float32).reshape(-1, 3)
    w = np.asarray(query_shares, dtype=np.float64).reshape(-1)
    if q.shape[0] == 0 or w.shape[0] != q.shape[0] or not np.all(w >= 0) or w.sum() <= 0:
        raise OptionsError("the query palette needs colors with non-negative shares")
    w32 = (w / w.sum()).astype(np.float32)
    n = len(index)
    if n == 0 or top <= 0:
        return []
    bound = np.empty(n, np.float64)
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        bound[start:stop] = emd_lower_bound(
            index.lab[:, :, start:stop], index.shares[:, start:stop], q, w32
        )
        _check_values(bound[start:stop], np.inf)
    distance = np.full(n, np.inf)
    evaluated = np.zeros(n, bool)
    count = max(4 * top, 2048)
    while True:
        # Evaluate every row whose bound is among the ``count`` smallest.
        if count >= n:
            rows = np.flatnonzero(~evaluated)
            next_bound = np.inf
        else:
            cut = np.partition(bound, [count - 1, count])[count - 1 : count + 1]
            rows = np.flatnonzero((bound <= cut[0]) & ~evaluated)
            next_bound = cut[1]
        if rows.size:
            distance[rows] = greedy_emd(index.lab[:, :, rows], index.shares[:, rows], q, w32)
            evaluated[rows] = True
        done = np.flatnonzero(evaluated)
        kth = np.partition(distance[done], min(top, done.size) - 1)[min(top, done.size) - 1]
        if count >= n or (done.size >= top and kth < next_bound):
            break  # no row left unevaluated can beat the current top
        count *= 4
    best = _top(distance, top, largest=False)
    best = best[np.isfinite(distance[best])]
    return _hits(index, best, distance[best])
