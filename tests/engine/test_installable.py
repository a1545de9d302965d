"""The project installs (editable, from pyproject.toml) with a `reoffending` command that runs
from any directory without PYTHONPATH."""

import os
import site
import subprocess
import sys
import tomllib
from importlib import import_module
from pathlib import Path

import pytest

from reoffending.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_declares_the_console_command_and_it_resolves(capsys):
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = meta["project"]["scripts"]["reoffending"]
    module, func = target.split(":")
    assert getattr(import_module(module), func) is main
    assert meta["build-system"]["build-backend"] == "setuptools.build_meta"
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage: reoffending ")


def test_an_editable_install_gives_a_working_command_in_any_directory(tmp_path):
    """A throwaway virtualenv (the test's own packages visible through a .pth file), the
    project installed into it as `make install` does, then `reoffending` run from an
    unrelated directory with no PYTHONPATH."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)  # fmt: skip
    py = venv / "bin" / "python"
    purelib = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "zz_outer.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install",
                           "--quiet", "--no-deps", "-e", str(ROOT)], capture_output=True,
                          text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = venv / "bin" / "reoffending"
    assert command.exists()
    done = subprocess.run([command, "--help"], capture_output=True, text=True, cwd=elsewhere,
                          env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "usage: reoffending" in done.stdout and "evaluate" in done.stdout
    done = subprocess.run([command, "generate", "--people", "200", "--out-dir", "d"],
                          capture_output=True, text=True, cwd=elsewhere, env=env,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "d" / "cohort.parquet").exists()
    done = subprocess.run([py, "-m", "reoffending", "--help"], capture_output=True, text=True,
                          cwd=elsewhere, env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
