"""The split between the library and the page: `rag/` renders no HTML and imports no page code
(Gradio, `ui`, `app`), so a LangChain user, the CLI and the eval never load the page; the page's
modules stay small."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RAG = ROOT / "rag"
PAGE_PACKAGES = ("gradio", "gradio_client", "ui", "app", "markupsafe", "jinja2")
# A tag as a renderer writes it: "<div class=...>", "</span>", "<br>".
TAG = re.compile(
    r"<\s*/?\s*(html|body|div|span|p|li|ul|ol|button|details|summary|mark|article|strong|em|br|"
    r"a|h[1-6]|script|style|table|tr|td|input|label|section)(\s[^<>]*)?/?>",
    re.IGNORECASE,
)


def _modules() -> list[Path]:
    return sorted(RAG.rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants: prose may mention <tags>, code may not build them."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _imports(tree: ast.AST) -> list[tuple[str, ast.AST]]:
    found: list[tuple[str, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, node))
    return found


def test_the_library_has_no_html_rendering() -> None:
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and id(node) not in skip and TAG.search(text):
                offenders.append(f"{where} {text[:60]!r}")
            # html.escape / markupsafe.escape: escaping for markup is the page's job (ui.render)
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "escape"
                and isinstance(node.value, ast.Name)
                and node.value.id in ("html", "markupsafe")
            ):
                offenders.append(f"{where} {node.value.id}.escape")
    assert not offenders, "HTML rendering belongs in ui/render.py:\n" + "\n".join(offenders)


def test_the_library_imports_no_page_code() -> None:
    """The one way from the library to the page is `newsrag serve`: rag/cli.py's cmd_serve
    imports `app` when it runs, never at import time."""
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        serve = next(
            (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "cmd_serve"),
            None,
        )
        allowed = {id(n) for n in ast.walk(serve)} if path == RAG / "cli.py" and serve else set()
        for name, node in _imports(tree):
            if name.split(".")[0] not in PAGE_PACKAGES:
                continue
            if name == "app" and id(node) in allowed:
                continue
            offenders.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')} {name}")
    assert not offenders, "\n".join(offenders)


def test_importing_every_library_module_loads_no_page_code() -> None:
    """At run time too: nothing the library imports (directly or through a dependency) pulls in
    Gradio or the page."""
    code = (
        "import importlib, pkgutil, sys, rag\n"
        "for m in pkgutil.walk_packages(rag.__path__, 'rag.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(k for k in sys.modules if k.split('.')[0] in {PAGE_PACKAGES!r})\n"
        "print(len([k for k in sys.modules if k.startswith('rag.')]), bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    count, bad = out.stdout.strip().split(" ", 1)
    assert int(count) > 20 and bad == "[]", out.stdout


def test_page_modules_stay_small_and_assets_ship() -> None:
    for path in [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))]:
        n = len(path.read_text(encoding="utf-8").splitlines())
        assert n <= 400, f"{path.relative_to(ROOT)} has {n} lines"
    from ui.render import asset

    assert "#chat" in asset("page.css")
    for name in ("transcript.js", "sources.js", "viewer.js"):
        assert "trigger(" in asset(name), name
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"ui*"' in pyproject and "assets/*.css" in pyproject and "assets/*.js" in pyproject
