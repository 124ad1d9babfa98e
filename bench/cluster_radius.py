#!/usr/bin/env python3
"""Which clustering radius matches the true identities of a folder of faces?

    bench/cluster_radius.py [--orders K] FOLDER|EMBEDDINGS.tsv [RADIUS ...]

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
person's largest cluster).  Chinese whispers visits the faces in an order
hashed from their keys: --orders K (default 1) clusters with K different
keys per face and prints each score's mean and range over them.
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
    args = sys.argv[1:]
    orders = 1
    if args[:1] == ['--orders'] and len(args) > 1:
        orders = int(args[1])
        args = args[2:]
    if not args:
        sys.exit(__doc__)
    folder = args[0]
    radii = [float(r) for r in args[1:]] or [0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70]
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
    # order o keys face i as i * orders + o: unique, and hashed differently
    select = ' UNION ALL '.join(
        f"SELECT '{m}', {r}, {o}, id, ({fn.format(r=r, k=f'id * {orders} + {o}')} OVER (ORDER BY id))::text FROM f"
        for o in range(orders) for r in radii for m, fn in (
            ('chinese_whispers', 'face_cluster_chinese_whispers(e, {r}, {k})'),
            ('dbscan', 'face_cluster_dbscan(e, {r}, 2, {k})')))
    shapes = ' UNION ALL '.join(
        f"SELECT '{m}', radius, 0, -1, concat_ws('/', clusters, singletons, largest) "
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
        m, r, o, i, c = line.split('\t')
        if i == '-1':
            shape[(m, float(r))] = c
        else:
            # noise (NULL) is a cluster of its own
            got[(m, float(r), int(o))][int(i)] = c if c else f'alone{i}'
    truth = [p for p, _ in rows]
    print(f'{len(rows)} faces of {len(set(truth))} people, {orders} order(s)')
    print('method            radius  clusters/alone/largest  clusters     ARI               purity  completeness')
    for m in ('chinese_whispers', 'dbscan'):
        for r in radii:
            scores = []
            for o in range(orders):
                pred = [got[(m, r, o)][i] for i in range(len(rows))]
                scores.append((len(set(pred)), ari(truth, pred),
                               majority_share(pred, truth), majority_share(truth, pred)))
            mean = [sum(v) / orders for v in zip(*scores)]
            lo, hi = min(v[1] for v in scores), max(v[1] for v in scores)
            spread = f' ({lo:.3f}-{hi:.3f})' if orders > 1 else ''
            print(f'{m:17} {r:.2f}    {shape[(m, r)]:22}  {mean[0]:7.1f}    {mean[1]:.3f}{spread:15}  '
                  f'{mean[2]:.3f}   {mean[3]:.3f}')

if __name__ == '__main__':
    main()
