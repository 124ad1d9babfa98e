"""What the live-server tests share: one database, fixtures, reference values.

The server is whatever libpq's environment names (PGHOST, PGPORT, PGUSER), as a
role that may create databases and the extension.  The database is made anew
with openface in a schema of its own, ext, which is on the database's
search_path; a test that wants it off the path says so in its connection.
A second, empty database has no openface; a third has openface in a SQL_ASCII
database, where psycopg 3 hands text over as bytes.
"""
import os
import pathlib

import psycopg

DBNAME = "openface_python"
EMPTY_DBNAME = "openface_python_without"  # no extension in it
ASCII_DBNAME = "openface_python_sql_ascii"
REPO = pathlib.Path(__file__).resolve().parents[3]
FIXTURES = pathlib.Path(os.environ.get("OPENFACE_FIXTURES", REPO / "test" / "fixtures"))
PEOPLE = FIXTURES / "people"
GROUP = FIXTURES / "photos" / "bbt4.jpg"

_made = False


def database():
    """The test database's name; made once per process."""
    global _made
    if not _made:
        with psycopg.connect(dbname="postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DBNAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DBNAME}")
            conn.execute(f"ALTER DATABASE {DBNAME} SET search_path = public, ext")
            conn.execute(f"DROP DATABASE IF EXISTS {EMPTY_DBNAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {EMPTY_DBNAME}")
            conn.execute(f"DROP DATABASE IF EXISTS {ASCII_DBNAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {ASCII_DBNAME} ENCODING SQL_ASCII LOCALE 'C' "
                         "TEMPLATE template0")
        with psycopg.connect(dbname=DBNAME, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA ext")
            conn.execute("CREATE EXTENSION openface SCHEMA ext")
        with psycopg.connect(dbname=ASCII_DBNAME, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION openface")
        _made = True
    return DBNAME


def photo(name):
    return (PEOPLE / name).read_bytes()


def parse_points_text(text):
    """point[] text output -> list of (x, y) floats, without the package's parser."""
    inner = text[3:-3]  # {"( ... )"}
    return [tuple(float(v) for v in pair.split(","))
            for pair in inner.split(')","(')]
