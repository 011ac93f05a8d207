#!/usr/bin/env bash
# 启动开发服务器、Celery worker 和 beat;Ctrl-C 或任一进程退出时全部停止。
# Runs the dev web server, a Celery worker and Celery beat together, with labelled output.
# Ctrl-C (INT/TERM), or any one of them exiting, stops all three.
#   PORT=8000        port of the dev server
#   DEMO_ARGS=...    passed to `load_demo_province --if-empty` (which also prints the logins)
set -uo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8000}
PY=.venv/bin/python
export PYTHONUNBUFFERED=1
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-governance.settings.dev}

if [[ ! -x $PY ]]; then
    echo "!!  缺少 .venv / .venv missing: run 'make deps' first" >&2
    exit 1
fi
mkdir -p var

# Loads the demo data only if none is loaded yet; prints the demo logins either way.
# shellcheck disable=SC2086
"$PY" manage.py load_demo_province --if-empty ${DEMO_ARGS:-} || exit $?

echo
echo "==> 打开 / open: http://127.0.0.1:${PORT}/   (Ctrl-C 停止 / to stop)"
echo

if [[ -t 1 ]]; then
    c_web=$'\e[36m' c_worker=$'\e[33m' c_beat=$'\e[35m' c_off=$'\e[0m'
else
    c_web='' c_worker='' c_beat='' c_off=''
fi

declare -A names=()
pids=()

# start <label> <colour> <command...>: runs the command in the background (same process
# group as this script), every output line prefixed with the label. The filter ignores
# INT/TERM so it keeps printing the shutdown messages and ends at end of output.
start() {
    local label=$1 colour=$2
    shift 2
    local prefix
    prefix=$(printf '%s%-6s |%s ' "$colour" "$label" "$c_off")
    "$@" </dev/null > >(trap '' INT TERM; exec sed -u "s/^/${prefix}/") 2>&1 &
    pids+=("$!")
    names[$!]=$label
}

# All descendants of the given pids (collected before signalling: once a parent dies
# its children are re-parented and can no longer be found).
descendants() {
    local p c
    for p in "$@"; do
        for c in $(pgrep -P "$p" 2>/dev/null); do
            echo "$c"
            descendants "$c"
        done
    done
}

stopping=0
stop_all() {
    ((stopping)) && return
    stopping=1
    trap '' INT TERM
    local tree alive
    tree=$(descendants "${pids[@]}")
    echo "==> 正在停止 / stopping web, worker, beat ..."
    kill -TERM "${pids[@]}" 2>/dev/null
    # Give them up to 10 s for a warm shutdown, then kill what is left.
    for ((i = 0; i < 20; i++)); do
        alive=0
        for p in "${pids[@]}" $tree; do
            kill -0 "$p" 2>/dev/null && alive=1 && break
        done
        ((alive)) || break
        sleep 0.5
    done
    for p in "${pids[@]}" $tree; do
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    echo "==> 已全部停止 / all stopped"
}

trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

start web "$c_web" "$PY" manage.py runserver "0.0.0.0:${PORT}"
# One worker for the three queues here (interactive, webhooks, batch); production runs
# a worker per queue, on as many machines as each needs (docs/deployment.md).
start worker "$c_worker" .venv/bin/celery -A governance worker -l info --concurrency 2 \
    -Q interactive,webhooks,batch
start beat "$c_beat" .venv/bin/celery -A governance beat -l info -s var/celerybeat-schedule

# Wait until any one of them exits (a trapped signal interrupts the wait too).
wait -n -p exited "${pids[@]}"
code=$?
if [[ -n ${exited:-} ]]; then
    echo "==> ${names[$exited]} 已退出 / exited (code $code)"
    stop_all
    exit "$code"
fi
