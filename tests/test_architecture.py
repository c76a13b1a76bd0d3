"""The house rules of docs/architecture.md, checked on the source: imports run down the stages, only
`project/` touches SQL, only `cli/` prints, exits or imports typer and rich, module names are distinct."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qualcode"
STAGES = ["project", "ingest", "codebook", "autocode", "codings", "analysis", "report", "exchange", "api", "cli"]
LEAVES = {"model", "errors", "wording"}


def _modules() -> list[tuple[str, Path]]:
    return [(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts), p) for p in sorted(PACKAGE.rglob("*.py"))]


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def test_imports_run_down_the_stages() -> None:
    """No module imports from a later stage (cli → api → report → analysis → codings → autocode → codebook →
    ingest → project); model and errors import no stage at all."""
    wrong = []
    for module, path in _modules():
        here = _stage(module)
        for target in _imports(path):
            there = _stage(target)
            if not target.startswith("qualcode.") or there is None:
                continue
            if module.split(".")[-1] in LEAVES and len(module.split(".")) == 2:
                wrong.append(f"{module} (a leaf) imports {target}")
            elif here is not None and STAGES.index(there) > STAGES.index(here):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_only_project_touches_sql() -> None:
    """sqlite3 is imported only under qualcode/project/."""
    users = [m for m, p in _modules() if "sqlite3" in _imports(p) and _stage(m) != "project"]
    assert users == []


def test_only_the_cli_prints_or_exits() -> None:
    """typer, rich and prompt_toolkit are imported, and print/sys.exit called, only under qualcode/cli/."""
    wrong = []
    for module, path in _modules():
        if _stage(module) == "cli" or module == "qualcode.__main__":
            continue
        ui = {t for t in _imports(path) if t.split(".")[0] in ("typer", "rich", "prompt_toolkit", "click")}
        if ui:
            wrong.append(f"{module} imports {sorted(ui)}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("print", "sys.exit", "exit", "quit", "os._exit"):
                    wrong.append(f"{module}:{node.lineno} calls {name}")
    assert wrong == []


def _shape(name: str) -> str:
    return re.sub(r"s$", "", name.replace("_", ""))


def test_no_two_modules_differ_by_a_letter_or_a_plural() -> None:
    """`coding.py` beside `codings.py` and `coder.py` made every newcomer stop: no two module names are a plural
    of each other or one letter apart."""
    names = sorted({p.stem for p in PACKAGE.rglob("*.py") if p.stem != "__init__"}
                   | {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()})

    def one_apart(a: str, b: str) -> bool:
        if abs(len(a) - len(b)) > 1 or a == b:
            return False
        if len(a) == len(b):
            return sum(x != y for x, y in zip(a, b)) == 1
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1:] == short for i in range(len(long)))

    close = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
             if _shape(a) == _shape(b) or one_apart(a, b)]
    assert close == []
