"""The adapters against a live server, for each driver and wire format.

Reference values come from SQL by routes that do not use the adapters
(real[] casts, text output), so a wrong byte order, a lost bit or a swapped
coordinate fails here.
"""
import math
import unittest

import numpy as np
import psycopg
import psycopg2

import openface.psycopg
import openface.psycopg2

from common import ASCII_DBNAME, EMPTY_DBNAME, GROUP, database, parse_points_text, photo

SHELDON = "Jim_Parsons__sheldon1.png"
PENNY = "Kaley_Cuoco__penny1.png"


class DriverTests:
    """Checks shared by every driver / format; subclasses say how to query."""

    def setUp(self):
        self.conn = self.connect(database())
        self.addCleanup(self.conn.close)

    def one(self, sql, params=()):
        return self.query(sql, params)[0]

    def embedding(self, name):
        return self.one("SELECT face_embed(%s)", (photo(name),))[0]

    def test_embedding_loads_bit_exact(self):
        emb, ref = self.one(
            "SELECT e, e::real[] FROM face_embed(%s) e", (photo(SHELDON),))
        self.assertIsInstance(emb, np.ndarray)
        self.assertEqual((emb.dtype, emb.shape), (np.float32, (128,)))
        np.testing.assert_array_equal(emb.view(np.uint32),
                                      np.array(ref, dtype=np.float32).view(np.uint32))

    def test_embedding_sent_bit_exact(self):
        emb = self.embedding(SHELDON)
        img = photo(SHELDON)
        self.assertEqual(self.one("SELECT face_embed(%s) = %s", (img, emb)), (True,))
        # one element one float4 step off must not compare equal
        off = emb.copy()
        off[77] = np.nextafter(off[77], np.float32(np.inf))
        same, dist = self.one("SELECT face_embed(%s) = %s, face_embed(%s) <-> %s",
                              (img, off, img, off))
        self.assertFalse(same)
        self.assertGreater(dist, 0)

    def test_distances_match_numpy(self):
        sheldon, penny = self.embedding(SHELDON), self.embedding(PENNY)
        rng = np.random.default_rng(15)
        q = (penny + rng.normal(0, 0.01, 128)).astype(np.float32)
        for param in (q, q.tolist(), list(q)):
            l2, cos, neg_ip = self.one(
                "SELECT e <-> %s, e <=> %s, e <#> %s FROM face_embed(%s) e",
                (param, param, param, photo(SHELDON)))
            a, b = sheldon.astype(np.float64), q.astype(np.float64)
            self.assertAlmostEqual(l2, np.linalg.norm(a - b), places=5)
            self.assertAlmostEqual(
                cos, 1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), places=5)
            self.assertAlmostEqual(neg_ip, -(a @ b), places=5)
        self.assertGreater(l2, 0.6)  # two different people

    def test_landmarks_as_points(self):
        rows = self.query(
            "SELECT landmarks, landmarks::text FROM face_detect(%s) ORDER BY face",
            (GROUP.read_bytes(),))
        self.assertEqual(len(rows), 6)
        for landmarks, text in rows:
            self.assertEqual((landmarks.dtype, landmarks.shape), (np.float64, (68, 2)))
            np.testing.assert_array_equal(landmarks, np.array(parse_points_text(text)))

    def test_points_parameter(self):
        landmarks, text = self.one(
            "SELECT landmarks, landmarks::text FROM face_detect(%s) LIMIT 1",
            (GROUP.read_bytes(),))
        self.assertEqual(self.one("SELECT %s::text", (landmarks,)), (text,))
        self.assertEqual(self.one("SELECT %s::text", (np.empty((0, 2)),)), ("{}",))

    def test_embedding_array_and_null(self):
        emb = self.embedding(SHELDON)
        arr, null = self.one(
            "SELECT ARRAY[e, l2_normalize(e)], face_embed(NULL) FROM face_embed(%s) e",
            (photo(SHELDON),))
        self.assertEqual(len(arr), 2)
        np.testing.assert_array_equal(arr[0], emb)
        self.assertAlmostEqual(float(np.linalg.norm(arr[1])), 1.0, places=6)
        self.assertIsNone(null)

    def test_ordinary_lists_unchanged(self):
        self.assertEqual(self.one("SELECT %s::text, %s", ([1.5, 2.5], [1, 2])),
                         ("{1.5,2.5}", [1, 2]))

    def test_bad_values_are_python_errors(self):
        emb = self.embedding(SHELDON)
        nan = emb.copy()
        nan[3] = np.nan
        cases = [
            (emb[:127], "shape \\(128,\\), got \\(127,\\)"),
            (nan, "element 3 is nan"),
            (np.full(128, 1e39), "element 0 is 1e\\+39"),
            (np.zeros((2, 2, 2)), "not with shape \\(2, 2, 2\\)"),
            (np.zeros((4, 3)), "shape \\(n, 2\\), got \\(4, 3\\)"),
            ([math.inf] + [0.0] * 127, "element 0 is inf"),
        ]
        for value, message in cases:
            with self.subTest(message), self.assertRaisesRegex(ValueError, message):
                self.query("SELECT %s", (value,))

    def test_extension_off_the_search_path(self):
        conn = self.connect(database(), "-c search_path=public")
        self.addCleanup(conn.close)
        self.conn = conn
        emb = self.one("SELECT ext.face_embed(%s)", (photo(SHELDON),))[0]
        self.assertEqual(emb.shape, (128,))
        self.assertEqual(self.one("SELECT ext.l2_norm(%s) > 0, ext.face_embed(%s) OPERATOR(ext.=) %s",
                                  (emb, photo(SHELDON), emb)), (True, True))

    def test_register_in_a_sql_ascii_database(self):
        conn = self.connect(ASCII_DBNAME)
        self.addCleanup(conn.close)
        self.conn = conn
        self.assertEqual(self.one("SELECT current_setting('server_encoding') = 'SQL_ASCII'"), (True,))
        emb = self.embedding(SHELDON)
        self.assertEqual((emb.dtype, emb.shape), (np.float32, (128,)))
        self.assertEqual(self.one("SELECT %s <-> %s", (emb, emb)), (0.0,))

    def test_register_without_the_extension(self):
        with self.assertRaisesRegex(LookupError, "CREATE EXTENSION openface"):
            self.connect(EMPTY_DBNAME)


class Psycopg3Binary(DriverTests, unittest.TestCase):
    binary = True

    def connect(self, dbname, options=""):
        conn = psycopg.connect(dbname=dbname, options=options, autocommit=True)
        try:
            openface.psycopg.register(conn)
        except Exception:
            conn.close()
            raise
        return conn

    def query(self, sql, params):
        if not self.binary:
            sql = sql.replace("%s", "%t")
        cur = self.conn.cursor(binary=self.binary)
        rows = cur.execute(sql, params).fetchall()
        # the results really came in the format under test
        self.assertEqual(cur.pgresult.fformat(0), int(self.binary))
        return rows

    def test_register_on_a_cursor(self):
        conn = psycopg.connect(dbname=database())
        self.addCleanup(conn.close)
        cur = conn.cursor(binary=self.binary)
        openface.psycopg.register(cur)
        emb = cur.execute("SELECT face_embed(%s)", (photo(SHELDON),)).fetchone()[0]
        self.assertEqual(emb.shape, (128,))
        self.assertEqual(cur.execute("SELECT %s <-> %s", (emb, emb)).fetchone(), (0.0,))
        other = conn.cursor()
        self.assertIsInstance(
            other.execute("SELECT face_embed(%s)", (photo(SHELDON),)).fetchone()[0], str)


class Psycopg3Text(Psycopg3Binary):
    binary = False

    def test_client_side_cursor(self):
        emb = self.embedding(SHELDON)
        cur = psycopg.ClientCursor(self.conn)
        self.assertIn(b'::"ext"."face_embedding"', cur.mogrify("SELECT %s", (emb,)).encode())
        self.assertEqual(cur.execute("SELECT %s <-> %s", (emb, emb)).fetchone(), (0.0,))


class Psycopg2Text(DriverTests, unittest.TestCase):
    def connect(self, dbname, options=""):
        conn = psycopg2.connect(dbname=dbname, options=options)
        conn.autocommit = True
        try:
            openface.psycopg2.register(conn)
        except Exception:
            conn.close()
            raise
        return conn

    def query(self, sql, params):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def test_register_on_a_cursor(self):
        conn = psycopg2.connect(dbname=database())
        self.addCleanup(conn.close)
        cur = conn.cursor()
        openface.psycopg2.register(cur)
        cur.execute("SELECT face_embed(%s)", (photo(SHELDON),))
        self.assertEqual(cur.fetchone()[0].shape, (128,))
        other = conn.cursor()
        other.execute("SELECT face_embed(%s)", (photo(SHELDON),))
        self.assertIsInstance(other.fetchone()[0], str)


if __name__ == "__main__":
    unittest.main()
