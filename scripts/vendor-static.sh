#!/bin/sh
# Refresh the browser libraries vendored into static/vendor/ from the npm registry.
# Government networks are closed: pages load these files from our own origin, never a CDN.
#   scripts/vendor-static.sh                  # the versions pinned below
#   ECHARTS=5.6.0 HTMX=2.0.11 scripts/vendor-static.sh
# Then update the versions in static/vendor/README.md and commit the result.
set -eu
ECHARTS="${ECHARTS:-5.6.0}"
HTMX="${HTMX:-2.0.11}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "echarts@$ECHARTS" "htmx.org@$HTMX" >/dev/null
mkdir echarts htmx
tar xzf "echarts-$ECHARTS.tgz" -C echarts --strip-components=1
tar xzf "htmx.org-$HTMX.tgz" -C htmx --strip-components=1

mkdir -p "$DEST/echarts" "$DEST/htmx"
cp echarts/dist/echarts.min.js echarts/LICENSE echarts/NOTICE "$DEST/echarts/"
cp echarts/licenses/LICENSE-d3 "$DEST/echarts/LICENSE-d3"
cp htmx/dist/htmx.min.js htmx/LICENSE "$DEST/htmx/"

for f in "$DEST/echarts/echarts.min.js" "$DEST/htmx/htmx.min.js"; do
    size=$(wc -c <"$f")
    if [ "$size" -gt 5000000 ]; then
        echo "$f is $size bytes, over the 5 MB budget" >&2
        exit 1
    fi
    echo "$f: $size bytes"
done
