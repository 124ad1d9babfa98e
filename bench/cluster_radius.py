#!/usr/bin/env python3
"""Which clustering radius matches the true identities of a folder of faces?

    bench/cluster_radius.py FOLDER|EMBEDDINGS.tsv [RADIUS ...]

FOLDER holds one sub-folder per person (FOLDER/alice/*.jpg), as
/work/shared/faces/people does; it is embedded with the openface command
(build/openface, else openface on PATH).  EMBEDDINGS.tsv is the saved output
of `openface embed FOLDER`, to measure again without embedding again.  The
first face of each photo is clustered in SQL at each radius with chinese
whispers and DBSCAN (minpoints 2) through psql (the usual PG* variables say
where; openface must be installed there).  Printed per method and radius:
what face_cluster_radii reports (clusters of 2+ faces, faces alone, the
largest cluster), and against the true identities: clusters (a face alone
counts as one), adjusted Rand index, purity (share of faces whose cluster's
majority is their person) and completeness (share of faces in their
person's largest cluster).
"""
import collections
import os
import shutil
import subprocess
import sys
from math import comb


def ari(truth, pred):
    n = len(truth)
    pairs = collections.Counter(zip(truth, pred))
    a = collections.Counter(truth)
    b = collections.Counter(pred)
    index = sum(comb(v, 2) for v in pairs.values())
    sa = sum(comb(v, 2) for v in a.values())
    sb = sum(comb(v, 2) for v in b.values())
    expected = sa * sb / comb(n, 2)
    top = (sa + sb) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def majority_share(groups, members):
    """Share of items in the most common `members` value of their `groups` value."""
    by = collections.defaultdict(collections.Counter)
    for g, m in zip(groups, members):
        by[g][m] += 1
    return sum(c.most_common(1)[0][1] for c in by.values()) / len(groups)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    folder = sys.argv[1]
    radii = [float(r) for r in sys.argv[2:]] or [0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70]
    here = os.path.dirname(os.path.abspath(__file__))
    cli = os.path.join(here, '..', 'build', 'openface')
    if not os.access(cli, os.X_OK):
        cli = shutil.which('openface') or sys.exit('no openface command: run make first')
    if os.path.isfile(folder):
        with open(folder) as f:
            embedded = f.read()
    else:
        out = subprocess.run([cli, 'embed', folder], capture_output=True, text=True)
        if out.returncode not in (0, 3):
            sys.exit(out.stderr)
        embedded = out.stdout
    rows = []
    for line in embedded.splitlines():
        f = line.split('\t')
        if f[1] == '1':  # the first face of each photo
            rows.append((os.path.basename(os.path.dirname(f[0])), f[-1]))
    if not rows:
        sys.exit(f'no face found under {folder}')
    values = ',\n'.join(f"({i}, '{e}'::face_embedding)" for i, (_, e) in enumerate(rows))
    select = ' UNION ALL '.join(
        f"SELECT '{m}', {r}, id, ({fn.format(r=r)} OVER (ORDER BY id))::text FROM f"
        for r in radii for m, fn in (
            ('chinese_whispers', 'face_cluster_chinese_whispers(e, {r}, id)'),
            ('dbscan', 'face_cluster_dbscan(e, {r}, 2, id)')))
    shapes = ' UNION ALL '.join(
        f"SELECT '{m}', radius, -1, concat_ws('/', clusters, singletons, largest) "
        f"FROM face_cluster_radii(ARRAY(SELECT e FROM f ORDER BY id), '{{{','.join(map(str, radii))}}}', '{m}')"
        for m in ('chinese_whispers', 'dbscan'))
    sql = f"WITH f(id, e) AS (VALUES {values}) {select} UNION ALL {shapes}"
    res = subprocess.run(['psql', '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1'],
                         input=sql, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(res.stderr)
    got = collections.defaultdict(dict)
    shape = {}
    for line in res.stdout.splitlines():
        m, r, i, c = line.split('\t')
        if i == '-1':
            shape[(m, float(r))] = c
        else:
            # noise (NULL) is a cluster of its own
            got[(m, float(r))][int(i)] = c if c else f'alone{i}'
    truth = [p for p, _ in rows]
    print(f'{len(rows)} faces of {len(set(truth))} people')
    print('method            radius  clusters/alone/largest  clusters  ARI    purity  completeness')
    for (m, r), lab in sorted(got.items()):
        pred = [lab[i] for i in range(len(rows))]
        print(f'{m:17} {r:.2f}    {shape[(m, r)]:22}  {len(set(pred)):5}     {ari(truth, pred):.3f}  '
              f'{majority_share(pred, truth):.3f}   {majority_share(truth, pred):.3f}')


if __name__ == '__main__':
    main()
