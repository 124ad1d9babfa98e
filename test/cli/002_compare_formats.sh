#!/usr/bin/env bash
# openface compare (distance and verdict at the 0.6 threshold) and the output
# formats: --format csv quotes as RFC 4180, --format json is one valid JSON
# array whose values are the TSV's.  TAP output.
#
#   OPENFACE_CLI         the command to test (default build/openface)
#   OPENFACE_MODEL_FILE  the model it uses (default models/openface.ofm)
set -u
cd "$(dirname "$0")/../.."
cli=$(realpath "${OPENFACE_CLI:-build/openface}")
export OPENFACE_MODEL_FILE=$(realpath "${OPENFACE_MODEL_FILE:-models/openface.ofm}")
fx=test/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
. test/cli/lib.bash

# ---- compare: the most prominent faces' distance, and the verdict
sheldon1=$fx/people/Jim_Parsons__sheldon1.png
sheldon2=$fx/people/Jim_Parsons__sheldon2.png
penny1=$fx/people/Kaley_Cuoco__penny1.png
for f in sheldon1 sheldon2 penny1; do
    run embed "${!f}"
    cp "$tmp/out" "$tmp/$f.embed"
done
is "$(cat "$tmp/sheldon1.embed" "$tmp/sheldon2.embed" "$tmp/penny1.embed" | wc -l)" 3 \
   "the three portraits have one face each"
run compare "$sheldon1" "$sheldon2"
is "$rc:$(cut -f1,2,4 "$tmp/out" | tr '\t' ' ')" "0:$sheldon1 $sheldon2 same" \
   "compare of one person's two photos: exit 0, both files, same"
d=$(cut -f3 "$tmp/out"); e=$(max_distance "$tmp/sheldon1.embed" "$tmp/sheldon2.embed")
awk -v d="$d" -v e="$e" 'BEGIN { exit !(d <= 0.6 && (d - e)^2 < 1e-10) }'
ok $? "... its distance is embed's ($d vs $e) and within 0.6"
run compare "$sheldon1" "$penny1"
d=$(cut -f3 "$tmp/out"); e=$(max_distance "$tmp/sheldon1.embed" "$tmp/penny1.embed")
is "$rc:$(cut -f4 "$tmp/out")" "0:different" "compare of two people: different"
awk -v d="$d" -v e="$e" 'BEGIN { exit !(d > 0.6 && (d - e)^2 < 1e-10) }'
ok $? "... its distance is embed's ($d vs $e) and beyond 0.6"
run --tolerance 0.3 compare "$sheldon1" "$sheldon2"
is "$(cut -f4 "$tmp/out")" different "--tolerance moves the threshold"
run compare "$sheldon1" $fx/photos/noface_hubble.jpg
is "$rc:$(wc -c <"$tmp/out")" "3:0" "compare with a faceless photo: exit 3, nothing printed"
grep -q 'noface_hubble.jpg: no face found' "$tmp/err"; ok $? "... and named on stderr"
run compare "$sheldon1" "$tmp/missing.jpg"
is "$rc" 1 "compare with a missing photo exits 1"
run compare "$sheldon1"
is "$rc" 2 "compare with one photo exits 2"
run compare "$sheldon1" "$sheldon2" "$penny1"
is "$rc" 2 "compare with three photos exits 2"

# ---- --format
run --format xml embed "$sheldon1"
is "$rc" 2 "an unknown --format exits 2"
run --format json embed $fx/photos/bbt3.jpg
json_ok() { $py -m json.tool "$1" >/dev/null 2>&1; }
json_ok "$tmp/out"; ok $? "embed --format json is valid JSON"
"$cli" embed $fx/photos/bbt3.jpg >"$tmp/bbt3.tsv" 2>/dev/null
$py - "$tmp/out" "$tmp/bbt3.tsv" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))
tsv = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
keys = ["file", "face", "score", "x", "y", "width", "height", "embedding"]
assert len(rows) == len(tsv) == 5, (len(rows), len(tsv))
for r, t in zip(rows, tsv):
    assert list(r) == keys, list(r)
    assert r["file"] == t[0] and r["face"] == int(t[1]) and isinstance(r["score"], float)
    assert [r["x"], r["y"], r["width"], r["height"]] == [float(v) for v in t[3:7]]
    assert len(r["embedding"]) == 128
    assert r["embedding"] == [float(v) for v in t[7].strip("[]").split(",")]
EOF
ok $? "... one object per face, numbers and an array of 128 equal to the TSV's"
run --format json -l detect $fx/photos/bbt3.jpg
json_ok "$tmp/out" && $py -c 'import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 5 and all(len(r["landmarks"]) == 136 for r in rows)' "$tmp/out"
ok $? "detect -l --format json: valid, 136 landmark coordinates a face"
run --format json compare "$sheldon1" "$penny1"
json_ok "$tmp/out" && $py -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 1 and r[0]["verdict"] == "different" and r[0]["distance"] > 0.6' "$tmp/out"
ok $? "compare --format json: valid, verdict and distance"
run --format json who $fx/people $fx/photos/bbt4.jpg
json_ok "$tmp/out" && $py -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 6 and all(set(x) == {"file", "face", "name", "distance"} for x in r)' "$tmp/out"
ok $? "who --format json: valid, one object per face"
run --format json embed $fx/photos/noface_hubble.jpg
json_ok "$tmp/out" && [ "$($py -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/out")" = 0 ]
is "$rc:$?" "3:0" "no face: exit 3 and an empty JSON array"
run -r 1 --format json bench "$sheldon1"
json_ok "$tmp/out" && $py -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 1 and r[0]["faces"] == 1 and r[0]["total_ms"] > 0' "$tmp/out"
ok $? "bench --format json: valid, faces and milliseconds"
odd="$tmp/a \"quoted\", odd"$'\t'"name é.jpg"
cp "$sheldon1" "$odd"
run --format json detect "$odd"
json_ok "$tmp/out" && [ "$($py -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["file"])' "$tmp/out")" = "$odd" ]
ok $? "JSON escapes a path with quotes, a comma, a tab and UTF-8"
cp "$sheldon1" "$tmp/latin1 "$'\xe9'".jpg"
run --format json detect "$tmp/latin1 "$'\xe9'".jpg"
json_ok "$tmp/out" && [ "$($py -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["file"].endswith("latin1 \ufffd.jpg"))' "$tmp/out")" = True ]
ok $? "... and keeps it valid for a file name that is not UTF-8 (U+FFFD for the bad byte)"

# ---- CSV: a header, RFC 4180 quoting (paths with commas, the embedding's commas)
run --format csv embed "$odd" "$sheldon2"
is "$(head -1 "$tmp/out")" "file,face,score,x,y,width,height,embedding" "CSV starts with a header line"
$py - "$tmp/out" "$odd" "$sheldon2" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 3, rows
assert [r[0] for r in rows[1:]] == sys.argv[2:4], [r[0] for r in rows[1:]]
for r in rows[1:]:
    assert len(r) == 8 and r[1] == "1"
    assert len(r[7].strip("[]").split(",")) == 128
EOF
ok $? "... a path with a comma and quotes and the embedding read back as one field each"
run --format csv who $fx/people "$odd"
$py -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["file", "face", "name", "distance"] and rows[1][0] == sys.argv[2]
assert rows[1][2] == "Jim_Parsons__sheldon1" and float(rows[1][3]) < 1e-3' "$tmp/out" "$odd"
ok $? "who --format csv: the odd path read back, the photo is its own nearest face"
run --format tsv compare "$sheldon1" "$sheldon2"
is "$(cut -f4 "$tmp/out")" same "--format tsv is the default form"

echo "1..$n"
