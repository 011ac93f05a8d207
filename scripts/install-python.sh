#!/usr/bin/env bash
# 创建 .venv 并安装 Python 依赖。
# Creates .venv (Python >= 3.11) if missing and runs `pip install -r requirements-dev.txt`
# only when requirements*.txt changed since the last successful install
# (stamp: .venv/.requirements.sha256).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
warn() { printf '!!  %s\n' "$*" >&2; }

VENV=.venv
STAMP=$VENV/.requirements.sha256

# shellcheck source=scripts/python-choice.sh
source scripts/python-choice.sh

PY=$(pick_python)
# A venv made from another interpreter than the one picked (say pyenv's, before the
# distribution's was preferred) is made again; PYTHON=… keeps a chosen one.
if [[ -n $PY && -x $VENV/bin/python ]] &&
    [[ $(interpreter_of "$VENV/bin/python") != "$(interpreter_of "$PY")" ]]; then
    say "$VENV 由其他解释器创建,重新创建 / $VENV was made from $(interpreter_of "$VENV/bin/python"), recreating with $PY"
    rm -rf "$VENV"
fi
if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    if [[ -z $PY ]]; then
        warn "需要 Python 3.11 或更高版本 / Python >= 3.11 is required (python3.11 or python3)"
        exit 1
    fi
    if [[ -e $VENV ]]; then
        say "$VENV 不可用,重新创建 / $VENV is broken or too old, recreating"
        rm -rf "$VENV"
    fi
    say "创建虚拟环境 / creating $VENV with $($PY --version 2>&1)"
    "$PY" -m venv "$VENV"
fi

# The stamp covers every requirements file and the interpreter version.
current=$(
    {
        "$VENV/bin/python" -c 'import sys; print(sys.version)'
        for f in requirements*.txt; do
            printf '%s\n' "$f"
            cat "$f"
        done
    } | sha256sum | cut -d' ' -f1
)

if [[ -f $STAMP && $(<"$STAMP") == "$current" ]]; then
    say "Python 依赖已是最新 / Python requirements up to date"
    exit 0
fi

say "安装 Python 依赖 / installing Python requirements (requirements-dev.txt)"
rm -f "$STAMP"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
printf '%s\n' "$current" >"$STAMP"
say "Python 依赖就绪 / Python requirements installed"
