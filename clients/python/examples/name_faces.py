"""Label a folder of photos, name the faces of a group photo, verify a pair.

    python3 name_faces.py PEOPLE_DIR GROUP_PHOTO PHOTO_A PHOTO_B

Files in PEOPLE_DIR are named PERSON__anything.ext.  The server is whatever
libpq's environment (PGHOST, PGDATABASE, ...) names; openface must be installed.
"""
import sys
from pathlib import Path

import numpy as np
import psycopg
import openface.psycopg

people, group, a, b = map(Path, sys.argv[1:5])
with psycopg.connect() as conn:
    openface.psycopg.register(conn)
    conn.execute("CREATE TEMP TABLE known (person text, embedding face_embedding)")
    for f in sorted(people.iterdir()):
        conn.execute("INSERT INTO known SELECT %s, face_embed(%s)", (f.name.split("__")[0], f.read_bytes()))
    for face, box, emb in conn.execute("SELECT face, box, embedding FROM face_embed_all(%s)", (group.read_bytes(),)):
        name, dist = conn.execute("SELECT person, embedding <-> %(e)s FROM known ORDER BY embedding <-> %(e)s LIMIT 1", {"e": emb}).fetchone()
        print(f"face {face} at {box}: {name if dist < 0.6 else 'unknown'} ({dist:.3f})")
    ea, eb = (conn.execute("SELECT face_embed(%s)", (p.read_bytes(),)).fetchone()[0] for p in (a, b))
    dist = np.linalg.norm(ea - eb)
    print(f"{a.name} and {b.name}: {'same person' if dist < 0.6 else 'different people'} ({dist:.3f})")
