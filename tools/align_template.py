#!/usr/bin/env python3
"""Mean 68-point face template for src/core/align.c (not part of the product).

Reads landmark sets (68 x [x, y] image pixels) from JSON files with a
"faces" list (face-api reference pipeline format) or from TSV lines whose
last field is 136 space-separated numbers (`openface -l detect` output),
computes a generalised
Procrustes mean shape, makes it left/right symmetric (iBUG-300W mirror
pairs), rotates it upright and places it where face-api's dlib-style crop
puts an upright face: eye/mouth centroid at (0.5, 0.43) of the side, mean
eye-to-mouth distance 0.45 of the side.  Prints a C initialiser.

usage: align_template.py FILE...

The table in align.c came from the labelled face of each LFW view-1
pairs_train image: `openface -l detect` on those images, keeping per image
the face whose box centre is within 30 px of the frame centre.
"""
import json
import math
import sys

MIRROR = list(range(16, -1, -1)) + list(range(26, 16, -1)) + [27, 28, 29, 30] + \
    [35, 34, 33, 32, 31] + [45, 44, 43, 42, 47, 46] + [39, 38, 37, 36, 41, 40] + \
    [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55] + [64, 63, 62, 61, 60, 67, 66, 65]


def load(paths):
    shapes = []
    for p in paths:
        if p.endswith('.json'):
            d = json.load(open(p))
            for f in d.get('faces', []):
                shapes.append([tuple(q) for q in f['landmarks']])
        else:
            for line in open(p):
                v = line.rstrip('\n').split('\t')[-1].split()
                if len(v) == 136:
                    v = list(map(float, v))
                    shapes.append([(v[2 * i], v[2 * i + 1]) for i in range(68)])
    return shapes


def centre(s):
    cx = sum(p[0] for p in s) / len(s)
    cy = sum(p[1] for p in s) / len(s)
    return [(x - cx, y - cy) for x, y in s]


def fit(src, dst):
    """similarity (a, b) mapping centred src onto centred dst"""
    n = sum(x * x + y * y for x, y in src)
    a = sum(sx * dx + sy * dy for (sx, sy), (dx, dy) in zip(src, dst)) / n
    b = sum(sx * dy - sy * dx for (sx, sy), (dx, dy) in zip(src, dst)) / n
    return [(a * x - b * y, b * x + a * y) for x, y in src]


def normalise(s):
    s = centre(s)
    n = math.sqrt(sum(x * x + y * y for x, y in s))
    return [(x / n, y / n) for x, y in s]


def mean_of(shapes):
    return [(sum(s[i][0] for s in shapes) / len(shapes), sum(s[i][1] for s in shapes) / len(shapes))
            for i in range(68)]


def centroid(s, lo, hi):
    return (sum(p[0] for p in s[lo:hi]) / (hi - lo), sum(p[1] for p in s[lo:hi]) / (hi - lo))


def main():
    shapes = [centre(s) for s in load(sys.argv[1:])]
    ref = normalise(shapes[0])
    for _ in range(20):
        aligned = [fit(s, ref) for s in shapes]
        ref = normalise(mean_of(aligned))
    # level the eyes, then symmetrise with the mirror image
    le, re = centroid(ref, 36, 42), centroid(ref, 42, 48)
    ang = math.atan2(re[1] - le[1], re[0] - le[0])
    c, s = math.cos(-ang), math.sin(-ang)
    ref = [(c * x - s * y, s * x + c * y) for x, y in ref]
    mir = [(-ref[MIRROR[i]][0], ref[MIRROR[i]][1]) for i in range(68)]
    ref = [((p[0] + q[0]) / 2, (p[1] + q[1]) / 2) for p, q in zip(ref, mir)]
    le, re, mo = centroid(ref, 36, 42), centroid(ref, 42, 48), centroid(ref, 48, 68)
    d = (math.dist(mo, le) + math.dist(mo, re)) / 2
    size = d / 0.45
    rx = (le[0] + re[0] + mo[0]) / 3
    ry = (le[1] + re[1] + mo[1]) / 3
    out = [((x - rx) / size + 0.5, (y - ry) / size + 0.43) for x, y in ref]
    print('/* %d faces */' % len(shapes))
    for i in range(0, 68, 2):
        print('\t' + ' '.join('{%.6f, %.6f},' % out[j] for j in range(i, i + 2)))


main()
