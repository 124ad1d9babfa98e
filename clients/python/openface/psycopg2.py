"""openface adapters for psycopg2.

    import psycopg2, openface.psycopg2
    conn = psycopg2.connect(...)
    openface.psycopg2.register(conn)      # or a cursor

After register(conn_or_cursor):
  * on that connection (or cursor), face_embedding values load as numpy float32
    arrays of shape (128,), face_embedding[] as lists of them, and point[]
    values (face_detect's landmarks) as float64 arrays of shape (n, 2);
  * everywhere (psycopg2 keeps one adapter table per process), a 1-D numpy array
    is sent as a face_embedding, a 2-D (n, 2) one as point[], and a list of
    exactly 128 floats as a face_embedding (other lists as before).
psycopg2 speaks only the text format.
"""
import weakref

import numpy as np
import psycopg2.extensions as ext

from . import _codec

POINT_ARRAY_OID = 1017

# connection -> the schema-qualified type name its literals are cast to
_type_names = weakref.WeakKeyDictionary()
# psycopg2's own list adapter, for the lists that are no embedding
_list_adapter = ext.adapters[(list, ext.ISQLQuote)]


class _Literal:
    """A quoted text value cast to a type named at prepare() time."""

    def __init__(self, text, type_name=None):
        self._text = text
        self._type_name = type_name

    def prepare(self, conn):
        # unregistered connection: an untyped literal, which the server
        # still resolves in `emb <-> %s`, comparisons and INSERTs
        self._type_name = self._type_name or _type_names.get(conn)

    def getquoted(self):
        quoted = b"'" + self._text + b"'"
        if self._type_name:
            return quoted + b"::" + self._type_name
        return quoted


def _adapt_ndarray(arr):
    if arr.ndim == 1:
        return _Literal(_codec.embedding_to_text(arr))
    if arr.ndim == 2:
        return _Literal(_codec.points_to_text(arr), b"pg_catalog.point[]")
    raise ValueError(
        f"a numpy array is sent as a face_embedding (shape ({_codec.DIM},)) "
        f"or as point[] (shape (n, 2)), not with shape {arr.shape}")


def _adapt_list(obj):
    if _codec.looks_like_embedding(obj):
        return _Literal(_codec.embedding_to_text(obj))
    return _list_adapter(obj)


def _load_embedding(value, cur):
    return None if value is None else _codec.embedding_from_text(value)


def _load_points(value, cur):
    return None if value is None else _codec.points_from_text(value)


def register(conn_or_cursor):
    """Register the openface adapters (see the module's doc).

    Looks up face_embedding in whatever schema the extension lives in (one
    query; outside autocommit it opens a transaction).  Raises LookupError if
    openface is not installed.
    """
    is_cursor = isinstance(conn_or_cursor, ext.cursor)
    conn = conn_or_cursor.connection if is_cursor else conn_or_cursor
    with conn.cursor() as cur:
        cur.execute(_codec.LOOKUP_SQL)
        row = cur.fetchone()
    if row is None:
        raise _codec.not_installed()
    oid, array_oid, schema = row

    _type_names[conn] = (ext.quote_ident(schema, conn) + ".face_embedding").encode()
    ext.register_adapter(np.ndarray, _adapt_ndarray)
    ext.register_adapter(list, _adapt_list)

    embedding = ext.new_type((oid,), "FACE_EMBEDDING", _load_embedding)
    for typ in (embedding,
                ext.new_array_type((array_oid,), "FACE_EMBEDDING[]", embedding),
                ext.new_type((POINT_ARRAY_OID,), "POINT[]", _load_points)):
        ext.register_type(typ, conn_or_cursor)
