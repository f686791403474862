"""The shape of the code: tests mirror the source, modules stay small, and each part imports only what it may."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: The library's packages (installed), and the development tools checked as strictly (not installed).
INSTALLED_DIRS = ("batch_stack", "lambdas", "batchctl")
SOURCE_DIRS = (*INSTALLED_DIRS, "emulator")
#: Folders that install under another name (pyproject.toml's package-dir).
PACKAGE_NAMES = {"lambdas": "batch_stack_lambdas"}
#: The longest a source module may be.
MAX_LINES = 600


def source_modules() -> list[Path]:
    return sorted(
        path
        for folder in SOURCE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if path.name not in ("__init__.py", "__main__.py") and "__pycache__" not in path.parts
    )


def mirrored_test(module: Path) -> Path:
    """``batch_stack/x.py`` -> ``tests/constructs/test_x.py``; ``lambdas/p/x.py`` -> ``tests/lambdas/p/test_x.py``; ..."""
    relative = module.relative_to(ROOT)
    top, *middle = relative.parts[:-1]
    folder = {"batch_stack": "constructs"}.get(top, top)
    return ROOT.joinpath("tests", folder, *middle, f"test_{module.name}")


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against its package."""
    package = [PACKAGE_NAMES.get(part, part) for part in path.relative_to(ROOT).parent.parts]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] if node.level else [])
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def importers_of(module: str, folder: str = "batch_stack") -> list[str]:
    return sorted(
        path.name
        for path in (ROOT / folder).glob("*.py")
        if any(name == module or name.startswith(module + ".") for name in imported_modules(path))
    )


def test_there_are_modules_to_check():
    assert len(source_modules()) > 30


def test_every_source_module_has_its_test_file():
    missing = [
        f"{module.relative_to(ROOT)} has no {mirrored_test(module).relative_to(ROOT)} with a test in it"
        for module in source_modules()
        if not (mirrored_test(module).is_file() and "def test_" in mirrored_test(module).read_text())
    ]
    assert missing == []


def test_every_test_folder_is_a_package_so_equal_basenames_do_not_collide():
    folders = {path.parent for path in (ROOT / "tests").rglob("test_*.py")}
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").is_file())
    assert missing == []


def test_no_source_module_is_over_600_lines():
    lines = {str(module.relative_to(ROOT)): len(module.read_text().splitlines()) for module in source_modules()}
    assert {name: count for name, count in lines.items() if count > MAX_LINES} == {}


def test_only_the_stack_reads_the_apps_config_schema():
    assert importers_of("batch_stack.config") == ["stack.py"]
    assert importers_of("batch_stack.config_jobs") == ["config.py"]
    assert importers_of("batch_stack.config_table") == ["config.py", "config_jobs.py"]


def test_relative_imports_are_resolved_when_checking():
    assert "batch_stack_lambdas.common" in imported_modules(ROOT / "lambdas" / "notify_slack" / "__init__.py")
    assert "batch_stack_lambdas.notify_slack.events" in imported_modules(ROOT / "lambdas" / "notify_slack" / "message.py")


def test_the_shared_runtime_package_needs_only_the_standard_library():
    allowed = set(sys.stdlib_module_names) | {"batch_stack_lambdas", "boto3", "botocore"}
    for path in (ROOT / "lambdas" / "common").glob("*.py"):
        outside = {name.split(".")[0] for name in imported_modules(path)} - allowed
        assert not outside, f"{path.relative_to(ROOT)} imports {sorted(outside)}"


@pytest.mark.parametrize("folder", ["lambdas", "batchctl"])
def test_the_runtime_code_never_imports_cdk(folder):
    for path in (ROOT / folder).rglob("*.py"):
        cdk = {name for name in imported_modules(path) if name.split(".")[0] in ("aws_cdk", "constructs", "cdk_nag")}
        assert not cdk, f"{path.relative_to(ROOT)} imports {sorted(cdk)}"


def test_every_package_folder_is_installed_under_its_package_name():
    """pyproject.toml lists the packages by hand (``lambdas/`` installs as ``batch_stack_lambdas``): the list must be complete."""
    import tomllib

    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {name: folder for folder, name in PACKAGE_NAMES.items()}
    folders = {
        ".".join(PACKAGE_NAMES.get(part, part) for part in init.parent.relative_to(ROOT).parts)
        for folder in INSTALLED_DIRS
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert sorted(setuptools["packages"]) == sorted(folders)


def test_nothing_imports_the_folder_name_lambdas():
    """Only ``batch_stack_lambdas`` is installed; ``import lambdas`` would find the user's own package, or none."""
    importers = sorted(
        str(path.relative_to(ROOT))
        for folder in (*SOURCE_DIRS, "tests", "scripts", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in path.parts
        and any(name.split(".")[0] == "lambdas" for name in imported_modules(path) if not name.startswith("batch_stack"))
    )
    assert importers == []
