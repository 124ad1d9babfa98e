#!/usr/bin/env bash
# The README's first command: install what is needed, build and install
# openface, start a throwaway cluster (Unix socket only, under /tmp), and run
# the demo (tools/demo.sql): embed labelled photos, name the faces of a group
# photo by nearest face and by SVM.  Re-runnable; leaves no server behind.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
make -j2 >/tmp/openface-demo-build.log 2>&1 || { tail -30 /tmp/openface-demo-build.log; exit 1; }
make install >>/tmp/openface-demo-build.log 2>&1 || { tail -30 /tmp/openface-demo-build.log; exit 1; }

pgbin=$(pg_config --bindir)
port=${OPENFACE_DEMO_PORT:-54330}
dir=$(mktemp -d /tmp/openface-demo.XXXXXX)
chmod 755 "$dir"; chown postgres "$dir"
trap 'runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=''" start >/dev/null
# The server reads the photos itself: give it a copy it may read.
mkdir -p "$dir/photos"
cp -r test/fixtures/people test/fixtures/photos "$dir/photos/"
chmod -R a+rX "$dir/photos"
psql -X -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -v dir="$dir/photos" -f tools/demo.sql
