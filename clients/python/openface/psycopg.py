"""openface adapters for psycopg 3.

    import psycopg, openface.psycopg
    conn = psycopg.connect(...)
    openface.psycopg.register(conn)

After register(conn), on that connection (or cursor) only:
  * face_embedding values load as numpy float32 arrays of shape (128,),
    face_embedding[] as lists of them;
  * point[] values (face_detect's landmarks) load as float64 arrays (n, 2);
  * a 1-D numpy array is sent as a face_embedding, a 2-D (n, 2) one as point[],
    and a list of exactly 128 floats as a face_embedding (other lists as before).
Binary format is used wherever psycopg allows (%s, %b, binary=True); %t and
client-side cursors use the text format.
"""
import numpy as np
import psycopg
from psycopg import pq, sql
from psycopg.adapt import Dumper, Loader, PyFormat
from psycopg.types import TypeInfo
from psycopg.types.array import ListBinaryDumper, ListDumper

from . import _codec

POINT_ARRAY_OID = 1017


class _EmbeddingText(Dumper):
    def dump(self, obj):
        return _codec.embedding_to_text(obj)


class _EmbeddingBinary(Dumper):
    format = pq.Format.BINARY

    def dump(self, obj):
        return _codec.embedding_to_binary(obj)


class _PointsText(Dumper):
    oid = POINT_ARRAY_OID

    def dump(self, obj):
        return _codec.points_to_text(obj)


class _PointsBinary(Dumper):
    oid = POINT_ARRAY_OID
    format = pq.Format.BINARY

    def dump(self, obj):
        return _codec.points_to_binary(obj)


class _NdarrayDumper(Dumper):
    """Chooses by shape: 1-D is an embedding, 2-D a list of points."""

    embedding = points = None  # set per connection and format in register()

    def __init__(self, cls, context=None):
        super().__init__(cls, context)
        self._context = context

    def get_key(self, obj, format):
        return (self.cls, obj.ndim)

    def upgrade(self, obj, format):
        if obj.ndim == 1:
            return self.embedding(self.cls, self._context)
        if obj.ndim == 2:
            return self.points(self.cls, self._context)
        raise ValueError(
            f"a numpy array is sent as a face_embedding (shape ({_codec.DIM},)) "
            f"or as point[] (shape (n, 2)), not with shape {obj.shape}")

    def dump(self, obj):
        # psycopg always upgrades first; this serves a dumper called directly
        return self.upgrade(obj, PyFormat.from_pq(self.format)).dump(obj)


class _NdarrayText(_NdarrayDumper):
    pass


class _NdarrayBinary(_NdarrayDumper):
    format = pq.Format.BINARY


def _embedding_aware(base):
    """psycopg's list dumper `base`, except that 128 floats are an embedding."""

    class EmbeddingAwareList(base):
        embedding_text = embedding_binary = None  # set per connection in register()

        def get_key(self, obj, format):
            if _codec.looks_like_embedding(obj):
                return (self.cls, "face_embedding")
            return super().get_key(obj, format)

        def upgrade(self, obj, format):
            if not _codec.looks_like_embedding(obj):
                return super().upgrade(obj, format)
            # %s picks psycopg's text list dumper; an embedding still goes binary
            if format == PyFormat.TEXT:
                return self.embedding_text(self.cls, self._tx)
            return self.embedding_binary(self.cls, self._tx)

    return EmbeddingAwareList


class _EmbeddingTextLoader(Loader):
    def load(self, data):
        return _codec.embedding_from_text(data)


class _EmbeddingBinaryLoader(Loader):
    format = pq.Format.BINARY

    def load(self, data):
        return _codec.embedding_from_binary(data)


class _PointsTextLoader(Loader):
    def load(self, data):
        return _codec.points_from_text(data)


class _PointsBinaryLoader(Loader):
    format = pq.Format.BINARY

    def load(self, data):
        return _codec.points_from_binary(data)


def register(context):
    """Register the openface adapters on a psycopg connection or cursor.

    Looks up face_embedding in whatever schema the extension lives in (one
    query; outside autocommit it opens a transaction, as psycopg's own
    TypeInfo.fetch does).  Raises LookupError if openface is not installed.
    """
    conn = context if isinstance(context, psycopg.BaseConnection) else context.connection
    row = conn.execute(_codec.LOOKUP_SQL).fetchone()
    if row is None:
        raise _codec.not_installed()
    oid, array_oid, schema = row
    # A SQL_ASCII database hands text over as bytes.
    if isinstance(schema, bytes):
        schema = schema.decode()

    # Naming the schema lets client-side cursors cast literals whatever the search_path.
    regtype = sql.Identifier(schema, "face_embedding").as_string(conn)
    TypeInfo("face_embedding", oid, array_oid, regtype=regtype).register(context)

    adapters = context.adapters
    emb_text = type("EmbeddingText", (_EmbeddingText,), {"oid": oid})
    emb_binary = type("EmbeddingBinary", (_EmbeddingBinary,), {"oid": oid})
    per_connection = {"embedding_text": emb_text, "embedding_binary": emb_binary}
    # The dumper registered last serves %s: binary for arrays, and text for
    # lists as psycopg itself does (only its text dumper copes with mixed types).
    adapters.register_dumper(np.ndarray, type(
        "NdarrayText", (_NdarrayText,), {"embedding": emb_text, "points": _PointsText}))
    adapters.register_dumper(np.ndarray, type(
        "NdarrayBinary", (_NdarrayBinary,), {"embedding": emb_binary, "points": _PointsBinary}))
    adapters.register_dumper(list, type(
        "ListBinary", (_embedding_aware(ListBinaryDumper),), per_connection))
    adapters.register_dumper(list, type(
        "ListText", (_embedding_aware(ListDumper),), per_connection))

    adapters.register_loader(oid, _EmbeddingTextLoader)
    adapters.register_loader(oid, _EmbeddingBinaryLoader)
    adapters.register_loader(POINT_ARRAY_OID, _PointsTextLoader)
    adapters.register_loader(POINT_ARRAY_OID, _PointsBinaryLoader)
