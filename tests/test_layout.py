"""The package's shape: every module imports, imports run one way down the pipeline, no circles."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "report"

# Each module's stage, from the command line (top) down to the leaves every stage may use. A
# module may import its own stage and the stages below it, never one above.
STAGES = [
    ("report", "report.__main__", "report.cli"),
    ("report.commands",),
    ("report.collect",),
    ("report.preview",),
    ("report.preview_pages",),
    ("report.pipeline",),
    ("report.shelf",),
    ("report.outputs",),
    ("report.render",),
    ("report.content",),
    (
        "report.shards",
        "report.plan",
        "report.cache",
        "report.filekinds",
        "report.files",
        "report.interrupts",
        "report.assets",
        "report.options",
        "report.version",
        "report.errors",
    ),
]


def module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts).removesuffix(".__init__"))
    return names


def stage_of(module: str) -> int:
    for rank, members in enumerate(STAGES):
        # A subpackage's modules belong to its stage; "report" alone is only report/__init__.
        if any(module == m or (m != "report" and module.startswith(m + ".")) for m in members):
            return rank
    raise AssertionError(f"{module} belongs to no stage: add it to STAGES")


def imports_of(module: str) -> set[str]:
    """The package's modules that `module` imports anywhere in its code (also inside functions)."""
    known = set(module_names())
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {name for name in names if name in known and name != module}
    return found


@pytest.mark.parametrize("module", module_names())
def test_every_module_imports(module: str) -> None:
    if module == "report.__main__":
        pytest.skip("runs the command line when imported")
    importlib.import_module(module)


def test_imports_run_one_way_down_the_pipeline() -> None:
    upward = [
        f"{module} imports {imported}"
        for module in module_names()
        for imported in sorted(imports_of(module))
        if stage_of(imported) < stage_of(module)
    ]
    assert upward == []


def test_no_module_imports_itself_through_others() -> None:
    graph = {module: imports_of(module) for module in module_names()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            circle = " -> ".join([*path[path.index(module) :], module])
            raise AssertionError(f"import circle: {circle}")
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_the_checks_see_a_circle_and_an_upward_import() -> None:
    """The checks above can fail: the content loader importing the build would be caught."""
    assert stage_of("report.pipeline") < stage_of("report.content.loader")
    assert "report.content.model" in imports_of("report.content.loader")
    assert "report.render.templates" in imports_of("report")  # inside a function, still seen


def test_each_subpackage_says_what_it_owns_and_may_import() -> None:
    for package in ("content", "render", "outputs"):
        doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
        assert doc and "import" in doc.lower(), package


def test_no_function_is_named_like_a_module() -> None:
    """`report.build` must stay the function, never become the module of the same name."""
    modules = {name.rpartition(".")[2] for name in module_names()}
    clashes = [
        f"{path.relative_to(PACKAGE)}: {node.name}"
        for path in PACKAGE.rglob("*.py")
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in modules
    ]
    assert clashes == []


def test_the_public_api_builds_twice(tmp_path: Path) -> None:
    import report

    source = Path(__file__).parent / "fixtures" / "minimal.yaml"
    for folder in ("one", "two"):
        (written,) = report.build([source], tmp_path / folder, formats=["epub"])
        assert written.path == tmp_path / folder / "minimal.epub"
    assert report.load_brief(source).title


def test_the_pdf_worker_loads_no_template_or_content_library() -> None:
    """The PDF worker imports WeasyPrint while the build loads the rest; what it unpickles and
    runs must not load Jinja, the validator or Markdown as well (that cost 0.1 s a build)."""
    probe = (
        "import sys, report.outputs.pdf, report.outputs.pdf_worker, "
        "report.render.print_document; "
        "print([m for m in ('jinja2', 'pydantic_core', 'markdown_it', 'yaml') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
