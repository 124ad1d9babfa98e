"""The README's Python example, run as it is against the fixture photos."""
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import psycopg

from common import GROUP, PEOPLE, database

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "name_faces.py"
README = Path(__file__).resolve().parents[3] / "README.md"
# bbt4.jpg by box {x, y}: back row Mayim, Kunal, Melissa; front row Johnny, Kaley, Jim.
# A face is placed by the nearest of these corners: the detector's boxes move a
# little between pipeline versions, the people do not.
CAST = {(62, 38): "Mayim_Bialik", (222, 55): "Kunal_Nayyar", (564, 85): "Melissa_Rauch",
        (29, 264): "Johnny_Galecki", (242, 249): "Kaley_Cuoco", (445, 195): "Jim_Parsons"}
BOX_SLACK = 30  # pixels; the faces in bbt4.jpg are 110-130 px wide
FACE = re.compile(r"face (\d) at \[(\d+), (\d+), \d+, \d+\]: (\w+) \((\d\.\d{3})\)")


def run_example(people, a, b):
    env = dict(os.environ, PGDATABASE=database(),
               PYTHONPATH=str(EXAMPLE.parents[1]))
    out = subprocess.run([sys.executable, str(EXAMPLE), str(people), str(GROUP), str(a), str(b)],
                         env=env, capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def server_distance(a, b):
    with psycopg.connect(dbname=database()) as conn:
        return conn.execute("SELECT face_embed(%s) <-> face_embed(%s)",
                            (a.read_bytes(), b.read_bytes())).fetchone()[0]


class Example(unittest.TestCase):
    def check_pair(self, line, a, b, verdict):
        m = re.fullmatch(rf"{re.escape(a.name)} and {re.escape(b.name)}: {verdict} \((\d\.\d{{3}})\)", line)
        self.assertIsNotNone(m, line)
        # numpy's float32 sum and the server's kernel may differ in the last bits
        self.assertAlmostEqual(float(m[1]), server_distance(a, b), delta=0.0006)

    def test_names_the_group_and_verifies_a_pair(self):
        a, b = PEOPLE / "Jim_Parsons__sheldon1.png", PEOPLE / "Jim_Parsons__sheldon3.png"
        *faces, pair = run_example(PEOPLE, a, b)
        named = {}
        for line in faces:
            m = FACE.fullmatch(line)
            self.assertIsNotNone(m, line)
            corner = min(CAST, key=lambda c: math.dist(c, (int(m[2]), int(m[3]))))
            self.assertLess(math.dist(corner, (int(m[2]), int(m[3]))), BOX_SLACK, line)
            named[corner] = m[4]
            self.assertLess(float(m[5]), 0.6)
        self.assertEqual(named, CAST)
        self.check_pair(pair, a, b, "same person")

    def test_readme_shows_the_example(self):
        section = README.read_text().split("### From Python", 1)[1]
        shown = section.split("```python\n", 1)[1].split("```", 1)[0]
        self.assertIn(shown, EXAMPLE.read_text())

    def test_strangers_and_different_people(self):
        # only Jim Parsons is known: every other face is a stranger
        with tempfile.TemporaryDirectory() as tmp:
            for f in PEOPLE.glob("Jim_Parsons__*"):
                shutil.copy(f, tmp)
            a, b = PEOPLE / "Jim_Parsons__sheldon1.png", PEOPLE / "Kaley_Cuoco__penny1.png"
            *faces, pair = run_example(tmp, a, b)
        names = sorted(FACE.fullmatch(line)[4] for line in faces)
        self.assertEqual(names, ["Jim_Parsons"] + ["unknown"] * 5)
        self.check_pair(pair, a, b, "different people")


if __name__ == "__main__":
    unittest.main()
