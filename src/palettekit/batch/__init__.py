"""Batch extraction at catalog scale, search by color, and a cluster runner.

Nothing here is imported by the core; optional parts load their extras
lazily (``palettekit[batch]`` for the progress bar, ``palettekit[parquet]``
for Parquet results, ``palettekit[dask]`` for a Dask cluster).

>>> from palettekit.batch import expand_sources, iter_results, write_results
>>> for result in iter_results(expand_sources(["photos/"]), workers=2):   # doctest: +SKIP
...     print(result.index, result.source, result.ok)
>>> summary = write_results(expand_sources(["photos/"]), "results.jsonl")  # doctest: +SKIP
"""

from ..errors import (
    BatchError,
    BatchInterrupted,
    ListFileError,
    MissingExtraError,
    ResultsFileError,
)
from .expand import ExpansionReport, expand_sources
from .job import BatchSummary, Progress, write_results
from .results import BatchResult
from .runner import iter_results
from .writers import read_records

__all__ = [
    "expand_sources",
    "ExpansionReport",
    "iter_results",
    "BatchResult",
    "write_results",
    "BatchSummary",
    "BatchInterrupted",
    "Progress",
    "read_records",
    "BatchError",
    "ListFileError",
    "ResultsFileError",
    "MissingExtraError",
]
