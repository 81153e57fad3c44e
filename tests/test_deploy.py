"""The deployment recipe and the install: the systemd units in deploy/ are valid, run real
`bcft` and `chroma` commands with options that exist, agree with the production settings file,
which names only real settings with valid values; and `make` finds a supported Python."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.main import get_command

from bot.cli import app
from bot.settings import Settings
from tests.support.processes import PROJECT, free_port, stop, wait_for_http

DEPLOY = PROJECT / "deploy"
# Where the units expect the project installed (README: Running in production).
INSTALLED_BIN = "/opt/bcft/.venv/bin/"
ENV_FILE = "/etc/bcft/production.env"
SERVICES = sorted(DEPLOY.glob("*.service"))


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys keep their case
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


def production_env() -> dict[str, str]:
    """deploy/production.env.example as systemd reads it: KEY=VALUE lines, # comments."""
    lines = (DEPLOY / "production.env.example").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {key: value for key, value in pairs}


def parse_bcft(args: list[str]) -> typer.Context:
    """Parse `bcft ARGS` as the command line does, without running the command: an unknown
    command or option, or a value an option refuses, raises the command line's usage error."""
    command = get_command(app)
    context = command.context_class(command, info_name="bcft")
    words = list(args)
    while isinstance(command, TyperGroup):
        name = words.pop(0)
        found = command.get_command(context, name)
        if found is None:
            raise LookupError(f"bcft has no command {name!r}")
        command, context = found, found.context_class(found, info_name=name, parent=context)
    return command.make_context(context.info_name, words, parent=context.parent)


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_every_unit_is_valid_for_systemd(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    units = tmp_path / "units"
    shutil.copytree(DEPLOY, units)
    here = f"{Path(sys.executable).parent}/"  # this install's bcft and chroma, not /opt's
    for path in units.glob("*.service"):
        path.write_text(path.read_text(encoding="utf-8").replace(INSTALLED_BIN, here))
    names = [path.name for path in [*units.glob("*.service"), *units.glob("*.timer")]]

    result = subprocess.run(
        [analyze, "verify", *names], cwd=units, capture_output=True, text=True, timeout=60
    )

    # systemd-analyze exits 0 on unknown keys and bad values too; it warns on stderr.
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    hardened = unit("bcft-.service.d/hardening.conf")["Service"]
    assert hardened["ProtectSystem"] == "strict" and hardened["NoNewPrivileges"] == "yes"


def test_every_service_runs_an_installed_bcft_or_chroma_and_restarts_on_failure() -> None:
    assert [path.name for path in SERVICES] == [
        "bcft-chroma.service",
        "bcft-ingest.service",
        "bcft-serve.service",
    ]
    for path in SERVICES:
        program = exec_start(path.name)[0]
        assert program in (f"{INSTALLED_BIN}bcft", f"{INSTALLED_BIN}chroma"), path.name
        assert unit(path.name)["Service"]["StateDirectory"], path.name
        if unit(path.name)["Service"].get("Type") != "oneshot":
            assert unit(path.name)["Service"]["Restart"] == "on-failure", path.name
    assert unit("bcft-ingest.timer")["Timer"]["OnCalendar"]


@pytest.mark.parametrize("name", ["bcft-serve.service", "bcft-ingest.service"])
def test_bot_units_run_a_real_bcft_command_with_real_options(name: str) -> None:
    context = parse_bcft(exec_start(name)[1:])

    assert context.info_name == name.removeprefix("bcft-").removesuffix(".service")
    assert unit(name)["Service"]["User"] == "bcft"


def test_a_bcft_command_line_that_does_not_exist_is_refused() -> None:
    with pytest.raises(Exception, match="No such option: --threads"):
        parse_bcft(["serve", "--port", "3000", "--threads", "4"])
    with pytest.raises(Exception, match=r"greater than or equal to 1|not in the range"):
        parse_bcft(["serve", "--workers", "0"])
    with pytest.raises(LookupError, match="no command 'server'"):
        parse_bcft(["server"])


@pytest.mark.slow
def test_the_chroma_unit_starts_a_chroma_server_that_answers(tmp_path: Path) -> None:
    args = exec_start("bcft-chroma.service")
    state = unit("bcft-chroma.service")["Service"]["StateDirectory"]
    assert args[1] == "run" and option(args, "--path") == f"/var/lib/{state}"
    port = free_port()
    args[args.index("--port") + 1] = str(port)
    args[args.index("--path") + 1] = str(tmp_path / "chroma")
    args[0] = str(Path(sys.executable).with_name("chroma"))

    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        heartbeat = f"http://{option(args, '--host')}:{port}/api/v2/heartbeat"
        wait_for_http(heartbeat, process=process)
        with urllib.request.urlopen(heartbeat, timeout=5) as response:
            assert response.status == 200
    finally:
        stop(process)
    assert (tmp_path / "chroma" / "chroma.sqlite3").exists()


def test_production_env_names_only_real_settings_with_valid_values() -> None:
    env = production_env()
    known = {name.upper() for name in Settings.model_fields}

    assert set(env) <= known, f"not settings: {sorted(set(env) - known)}"
    settings = Settings(**{key.lower(): value for key, value in env.items()})
    assert settings.log_format == "json"
    assert settings.database_url and settings.database_url.startswith("postgresql://")
    assert settings.slack_app_token is None  # HTTP, not Socket Mode


def test_production_env_agrees_with_the_units() -> None:
    env = production_env()
    serve = unit("bcft-serve.service")["Service"]
    chroma_args = exec_start("bcft-chroma.service")
    serve_args = exec_start("bcft-serve.service")

    for name in ("bcft-serve.service", "bcft-ingest.service"):
        assert unit(name)["Service"]["EnvironmentFile"] == ENV_FILE
        assert unit(name)["Service"]["StateDirectory"] == serve["StateDirectory"]
    assert env["DATA_DIR"] == f"/var/lib/{serve['StateDirectory']}"  # the one writable folder
    assert env["KNOWLEDGE_BASE_DIR"].startswith(INSTALLED_BIN.removesuffix(".venv/bin/"))
    assert env["CHROMA_PORT"] == option(chroma_args, "--port")
    if int(option(serve_args, "--workers")) > 1:
        assert env["CHROMA_HOST"], "several workers need a Chroma server"


def fake_pythons(folder: Path, versions: dict[str, str | None]) -> Path:
    """Commands named like interpreters that print a version (None: one that fails, like a
    pyenv shim for a version not selected)."""
    folder.mkdir()
    for name, version in versions.items():
        says = f'echo "Python {version}"' if version else "echo 'pyenv: not found' >&2; exit 127"
        (folder / name).write_text(f"#!/bin/sh\n{says}\n")
        (folder / name).chmod(0o755)
    return folder


def make_run(tmp_path: Path, versions: dict[str, str | None]) -> subprocess.CompletedProcess:
    """`make -n run` (print, do not run) for a new venv, with only `versions` on PATH."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    bin_dir = fake_pythons(tmp_path / "bin", versions)
    return subprocess.run(
        [make, "-n", "-C", str(PROJECT), "run", f"VENV={tmp_path / 'venv'}"],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("versions", "chosen"),
    [
        ({"python3": "3.11.9", "python3.13": "3.13.2"}, "python3"),
        ({"python3": "3.10.12", "python3.12": "3.12.3", "python3.11": "3.11.9"}, "python3.12"),
        ({"python3": "3.14.0", "python3.13": "3.13.2", "python3.12": "3.12.3"}, "python3.13"),
        ({"python3": "3.10.12", "python3.13": None, "python3.11": "3.11.2"}, "python3.11"),
    ],
    ids=["python3", "newest-when-python3-is-old", "newest-when-python3-is-too-new", "shim"],
)
def test_make_finds_a_supported_python(
    tmp_path: Path, versions: dict[str, str | None], chosen: str
) -> None:
    result = make_run(tmp_path, versions)

    assert result.returncode == 0, result.stderr
    assert f"{chosen} -m venv {tmp_path / 'venv'}" in result.stdout


def test_make_names_the_pythons_to_install_when_none_is_supported(tmp_path: Path) -> None:
    result = make_run(tmp_path, {"python3": "3.10.12", "python3.9": "3.9.18"})

    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert "Python 3.11, 3.12 or 3.13" in line and "-m venv" not in result.stdout


def test_every_data_file_the_packages_read_is_installed_with_them() -> None:
    """A file missing from package-data works from the checkout and vanishes from a wheel."""
    import tomllib
    from fnmatch import fnmatch

    package_data = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    for package, patterns in package_data.items():
        root = PROJECT / package
        data = [
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file()
            and path.suffix in {".json", ".yaml", ".txt", ".html", ".css"}
            and "__pycache__" not in path.parts
        ]
        missing = [name for name in data if not any(fnmatch(name, p) for p in patterns)]
        assert not missing, f"{package}: add to [tool.setuptools.package-data]: {missing}"
