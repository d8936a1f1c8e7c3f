"""The package's layout: imports point one way, and each piece of knowledge has one home.

Imports inside functions count as much as those at the top of a module: a
lazy import is still a dependency, and a loop of them is still a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import palettekit

PACKAGE = Path(palettekit.__file__).resolve().parent
ADAPTERS = ("palettekit.batch", "palettekit.search", "palettekit.web")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str) -> set[str]:
    """palettekit modules ``module`` imports anywhere (TYPE_CHECKING blocks aside)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for inner in ast.walk(node)
    }
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                root = ".".join(base + ([node.module] if node.module else []))
            else:
                root = node.module or ""
            targets = [f"{root}.{alias.name}" for alias in node.names] + [root]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target not in (module, "palettekit"):
                found.add(target)
    return found


THIN_METHODS = {
    ("palettekit.palette", "palettekit.formats"): "Palette.save",
    ("palettekit.palette", "palettekit.plot"): "Palette.plot",
}
"""The only imports back up the layers: a method of ``Palette`` that hands the palette
to the I/O edge doing the work (issue 19 asks for ``palette.save(path)`` and
``palette.plot()``). Each is a lazy import inside that method, and nowhere else in
the module (``test_thin_methods_import_only_inside_themselves``)."""

GRAPH = {
    module: {dep for dep in _imports(module) if (module, dep) not in THIN_METHODS}
    for module in MODULES
}


def _cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(GRAPH[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return groups


def test_the_graph_sees_imports() -> None:
    # The walk must find what is there, or the tests below prove nothing.
    assert "palettekit.pipeline" in GRAPH["palettekit"]
    assert "palettekit.errors" in GRAPH["palettekit.options"]
    assert "palettekit.cli.flags" in GRAPH["palettekit.cli.batch"]
    assert "palettekit.pipeline" in GRAPH["palettekit.cli.extract"]  # imported inside a function


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_thin_methods_import_only_inside_themselves() -> None:
    for (module, target), method in THIN_METHODS.items():
        class_name, function_name = method.split(".")
        tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
        (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name]
        (function,) = [n for n in cls.body if getattr(n, "name", None) == function_name]
        inside = {id(node) for node in ast.walk(function)}
        relative = "." + target.removeprefix("palettekit.")
        found = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and ("." * node.level + (node.module or "")) in (relative, target)
        ]
        assert found, f"{method} no longer imports {target}: drop it from THIN_METHODS"
        assert all(id(node) in inside for node in found), (
            f"{module} imports {target} outside {method}"
        )
        assert len(function.body) <= 3, f"{method} is no longer a thin method"


def test_adapters_never_import_the_cli() -> None:
    offenders = {
        module: sorted(
            dep for dep in deps if dep == "palettekit.cli" or dep.startswith("palettekit.cli.")
        )
        for module, deps in GRAPH.items()
        if module.startswith(ADAPTERS)
    }
    assert {m: d for m, d in offenders.items() if d} == {}


def _definitions(names: set[str]) -> dict[str, list[str]]:
    """Where each of ``names`` is defined (def, class or assignment) in the package."""
    found: dict[str, list[str]] = {name: [] for name in names}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            defined: list[str] = []
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defined = [t.id for t in targets if isinstance(t, ast.Name)]
            for name in defined:
                if name in found:
                    found[name].append(module)
    return found


def test_one_definition_each() -> None:
    homes = {
        "one_line": "palettekit.display_text",
        "is_url": "palettekit.sources",
        "relative_luminance": "palettekit.roles",
        "contrast_ratio": "palettekit.roles",
        "format_share": "palettekit.display_text",
        "FORMATS": "palettekit.formats.registry",
        "format_for_path": "palettekit.formats.registry",
        "register_format": "palettekit.formats.registry",
        "ExportFormat": "palettekit.formats.registry",
    }
    spellings = {f"_{name}" for name in homes} | {"_URL_RE", "_READ_CHUNK", "READ_CHUNK"}
    found = _definitions(set(homes) | spellings)
    for name, home in homes.items():
        assert found[name] == [home], f"{name} defined in {found[name]}"
        assert found[f"_{name}"] == [], f"_{name} defined in {found[f'_{name}']}"
    assert found["_URL_RE"] == ["palettekit.sources"]
    assert found["READ_CHUNK"] == ["palettekit.sources"] and found["_READ_CHUNK"] == []


def test_formats_are_known_only_to_the_registry() -> None:
    # No table of formats, suffixes or media types beside the registry, and
    # only palettekit.formats registers the built-in formats (its writers' modules do not).
    tables = {"MEDIA_TYPES", "SUFFIXES", "MULTI_FORMATS", "JSONL_SUFFIXES", "FORMAT_SUFFIXES"}
    found = _definitions(tables | {f"_{name}" for name in tables})
    outside = {
        name: [home for home in homes if not home.startswith("palettekit.formats")]
        for name, homes in found.items()
    }
    assert {name: homes for name, homes in outside.items() if homes} == {}
    assert found["JSONL_SUFFIXES"] == ["palettekit.formats.text"]  # the walk sees them
    registering = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("register_format"):
                registering.add(module)
    assert registering == {"palettekit.formats"}


# --- tests mirror the source -----------------------------------------------------------

TESTS = Path(__file__).resolve().parent

NOT_MIRRORED = {
    "palettekit.__main__": "two lines that call cli.main; tests/cli/test_cli.py runs python -m",
    "palettekit._version": "one constant; tests/test_public_api.py checks __version__",
}
"""Source modules without a test module of their own, and why."""

MIRRORED_AS = {"palettekit": "test_public_api.py"}
"""Source modules whose test module has another name than the rule gives."""

CROSS_CUTTING = {
    "test_layout.py": "the package's layout (this module)",
    "test_lint.py": "ruff and mypy on the whole tree",
    "test_readme.py": "the README's examples run",
    "test_release.py": "the release check (tools/release_check.py) and the package metadata",
    "test_smoke.py": "one run through the public API",
    "test_surface.py": "--help, every format, the HTTP API and OpenAPI against golden files",
    "test_memory_bound.py": "peak memory of extract on large images",
    "test_bench_report.py": "bench/'s report script",
    "test_flag_images.py": "palettes of country-flag images with known colors",
    "web/test_e2e.py": "the page in a real browser",
    "web/test_e2e_names.py": "the page in a real browser: names and families",
    "web/test_event_loop.py": "no image is read on the server's event loop",
    "web/test_design_downloads.py": "the page's downloads come from the API",
}
"""Test modules that check the package across modules rather than one of them."""


def _only_imports(path: Path) -> bool:
    """True for an ``__init__`` that only imports and lists names (nothing of its own to test)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return not any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) for node in body)


def _mirror(module: str) -> str:
    """Path under tests/ of the test module of ``module`` (``palettekit.web.queue`` ->
    ``web/test_queue.py``; a package's own code -> ``cli/test_cli.py``)."""
    if module in MIRRORED_AS:
        return MIRRORED_AS[module]
    parts = module.split(".")[1:]
    if MODULES[module].name == "__init__.py":
        parts = [*parts, parts[-1]]
    *folders, name = parts
    return "/".join([*folders, f"test_{name.lstrip('_')}.py"])


def test_every_source_module_has_its_test_module() -> None:
    missing = {
        module: _mirror(module)
        for module, path in sorted(MODULES.items())
        if module not in NOT_MIRRORED
        and not (path.name == "__init__.py" and module not in MIRRORED_AS and _only_imports(path))
        and not (TESTS / _mirror(module)).is_file()
    }
    assert missing == {}


def test_every_test_module_tests_a_source_module_or_is_listed_as_cross_cutting() -> None:
    mirrors = {_mirror(module) for module in MODULES}
    for module in MODULES:  # test_pipeline_merged.py beside test_pipeline.py: one more aspect
        mirrors.add(_mirror(module).removesuffix(".py") + "_*")
    stray = []
    for path in sorted(TESTS.rglob("test_*.py")):
        name = path.relative_to(TESTS).as_posix()
        companion = any(
            pattern.endswith("_*") and name.startswith(pattern[:-1]) for pattern in mirrors
        )
        if name not in mirrors and name not in CROSS_CUTTING and not companion:
            stray.append(name)
    assert stray == []
    assert sorted(name for name in CROSS_CUTTING if not (TESTS / name).is_file()) == []


def test_the_mirror_rule() -> None:
    assert _mirror("palettekit.options") == "test_options.py"
    assert _mirror("palettekit._io") == "test_io.py"
    assert _mirror("palettekit.web.queue") == "web/test_queue.py"
    assert _mirror("palettekit.cli") == "cli/test_cli.py"
    assert _only_imports(MODULES["palettekit.batch"])
    assert not _only_imports(MODULES["palettekit.cli"])
