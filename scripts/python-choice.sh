# shellcheck shell=bash
# Which Python GridGov's venv is made from (sourced by install-system.sh and
# install-python.sh).
#
# The distribution's python3.11 first: Debian and Ubuntu build it with profile-guided and
# link-time optimisation, as the Docker image's (python:3.11-slim) is built. An
# interpreter built from source without them (pyenv's default, often first on PATH) runs
# the same Django request in about a sixth more CPU (docs/performance.md, "The
# interpreter"). PYTHON=/path/to/python chooses another.

# pick_python: prints the first candidate that is Python >= 3.11, or nothing.
pick_python() {
    local c
    for c in ${PYTHON:-} /usr/bin/python3.11 python3.11 python3; do
        if command -v "$c" >/dev/null 2>&1 &&
            "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$c"
            return
        fi
    done
}

# interpreter_of PYTHON: the interpreter itself, resolved — for a venv's python the one
# the venv was made from, for a launcher such as pyenv's shim the one it runs.
interpreter_of() {
    "$1" -c 'import os, sys; print(os.path.realpath(sys._base_executable))' 2>/dev/null
}
