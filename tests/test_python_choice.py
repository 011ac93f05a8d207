"""The interpreter the venv is made from (scripts/python-choice.sh): the distribution's
optimised python3.11 before whatever python3.11 comes first on PATH, PYTHON= before both,
and a venv recognised by the interpreter it was made from (install-python.sh makes it
again when that is not the one picked)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHOICE = ROOT / "scripts" / "python-choice.sh"
DISTRIBUTION = Path("/usr/bin/python3.11")


def bash(script: str, path_first: Path | None = None, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    if path_first:
        environ["PATH"] = f"{path_first}:{environ['PATH']}"
    environ.update(env)
    r = subprocess.run(
        ["bash", "-c", f"source {CHOICE}; {script}"],
        env=environ, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return r.stdout.strip()


@pytest.fixture
def other_python(tmp_path) -> Path:
    """A `python3.11` first on PATH that is not the distribution's (as pyenv's shim is)."""
    shim = tmp_path / "bin" / "python3.11"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    shim.chmod(0o755)
    return shim


@pytest.mark.skipif(not DISTRIBUTION.exists(), reason="no distribution python3.11 here")
def test_the_distributions_python_before_one_earlier_on_path(other_python):
    assert bash("pick_python", path_first=other_python.parent) == str(DISTRIBUTION)


def test_python_chosen_by_the_environment_comes_first(other_python):
    assert bash("pick_python", PYTHON=str(other_python)) == str(other_python)


def test_a_python_older_than_3_11_is_not_chosen(tmp_path):
    old = tmp_path / "python-old"
    old.write_text("#!/bin/sh\nexit 1\n")  # answers "version < 3.11" to the check
    old.chmod(0o755)
    picked = bash("pick_python", PYTHON=str(old))
    assert picked != str(old)
    assert picked  # one of the later candidates


def test_a_venv_is_known_by_the_interpreter_it_was_made_from(tmp_path, other_python):
    base = os.path.realpath(sys._base_executable)
    subprocess.run(
        [base, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True, timeout=120
    )
    made_from = bash(f"interpreter_of {tmp_path / 'venv' / 'bin' / 'python'}")
    assert made_from == base
    # A launcher resolves to the interpreter it runs, not to itself.
    assert bash(f"interpreter_of {other_python}") == base
