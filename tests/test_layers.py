"""The packages import in one direction: the import-linter contracts in pyproject.toml hold.

`make test` runs `lint-imports` too; this test keeps the rule in the suite, and shows that the
check can fail: the same layers upside down are reported broken.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_import_contract_is_kept() -> None:
    result = lint_imports()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_layer_importing_upwards_is_reported(tmp_path: Path) -> None:
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    linter = config["tool"]["importlinter"]
    (layers,) = [c for c in linter["contracts"] if c["id"] == "layers"]
    upside_down = tmp_path / "upside_down.toml"
    upside_down.write_text(
        "[tool.importlinter]\n"
        f"root_packages = {linter['root_packages']!r}\n"
        "[[tool.importlinter.contracts]]\n"
        'name = "Layers upside down"\n'
        'type = "layers"\n'
        f"layers = {list(reversed(layers['layers']))!r}\n",
        encoding="utf-8",
    )

    result = lint_imports(str(upside_down))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Layers upside down BROKEN" in result.stdout
    assert "bot.services is not allowed to import bot.answering" in result.stdout
