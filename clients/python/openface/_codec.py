"""Wire formats of face_embedding and point[], shared by both drivers.

face_embedding: binary form = exactly 128 big-endian float4, no header
(face_embedding_send / face_embedding_recv, src/core/embedding_io.c);
text form = "[v1,v2,...]".
point[]: PostgreSQL's array formats with float8 (x, y) elements.
"""
import struct

import numpy as np

DIM = 128
POINT_OID = 600

_BE_FLOAT4 = np.dtype(">f4")
# one element of a binary point[]: its length word (always 16), then x and y
_POINT_ITEM = np.dtype([("len", ">i4"), ("x", ">f8"), ("y", ">f8")])
_ARRAY_HEAD = struct.Struct(">iiI")  # ndim, has-null flag, element type
_ARRAY_DIM = struct.Struct(">ii")  # length, lower bound

# The extension may live in any schema: find its type there, not on search_path.
LOOKUP_SQL = (
    "SELECT t.oid, t.typarray, n.nspname"
    " FROM pg_catalog.pg_extension e"
    " JOIN pg_catalog.pg_type t ON t.typnamespace = e.extnamespace"
    " JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace"
    " WHERE e.extname = 'openface' AND t.typname = 'face_embedding'"
)


def not_installed():
    return LookupError(
        "the openface extension is not installed in this database "
        "(CREATE EXTENSION openface)")


def looks_like_embedding(obj):
    """A list taken for a face_embedding: exactly 128 floats.

    Lists of other lengths or of ints keep the driver's array adaptation.
    """
    return (len(obj) == DIM
            and all(isinstance(v, (float, np.floating)) for v in obj))


def to_embedding(obj):
    """obj as a float32[128] array, or ValueError / TypeError saying why not."""
    try:
        arr = np.asarray(obj, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"a face_embedding needs {DIM} numbers: {exc}") from None
    if arr.shape != (DIM,):
        raise ValueError(
            f"a face_embedding needs shape ({DIM},), got {arr.shape}")
    with np.errstate(over="ignore"):
        out = arr.astype(np.float32)
    bad = np.flatnonzero(~np.isfinite(out))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"face_embedding element {i} is {float(arr[i])!r}, which is not a finite "
            "float4; every element must be")
    return out


def embedding_to_binary(obj):
    return to_embedding(obj).astype(_BE_FLOAT4).tobytes()


def embedding_to_text(obj):
    # repr of the float32 value as a double is exact, and the server's strtof
    # turns it back into the same bits
    return ("[" + ",".join(map(repr, to_embedding(obj).tolist())) + "]").encode()


def embedding_from_binary(data):
    if len(data) != DIM * 4:
        raise ValueError(
            f"face_embedding binary value of {len(data)} bytes, expected {DIM * 4}")
    return np.frombuffer(data, dtype=_BE_FLOAT4).astype(np.float32)


def embedding_from_text(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data).decode("ascii")
    return np.array(data.strip("[]").split(","), dtype=np.float32)


def to_points(obj):
    """obj as a float64 (n, 2) array, or ValueError saying why not."""
    arr = np.asarray(obj, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points need shape (n, 2), got {arr.shape}")
    return arr


def points_to_binary(obj):
    arr = to_points(obj)
    if len(arr) == 0:
        return _ARRAY_HEAD.pack(0, 0, POINT_OID)
    items = np.empty(len(arr), dtype=_POINT_ITEM)
    items["len"] = 16
    items["x"] = arr[:, 0]
    items["y"] = arr[:, 1]
    return (_ARRAY_HEAD.pack(1, 0, POINT_OID) + _ARRAY_DIM.pack(len(arr), 1)
            + items.tobytes())


def points_to_text(obj):
    arr = to_points(obj)
    return ("{" + ",".join(f'"({x!r},{y!r})"' for x, y in arr.tolist())
            + "}").encode()


def points_from_binary(data):
    ndim, hasnull, elem = _ARRAY_HEAD.unpack_from(data)
    if ndim == 0:
        return np.empty((0, 2))
    if ndim != 1 or hasnull or elem != POINT_OID:
        raise ValueError(
            "only one-dimensional point[] without NULLs loads as an (n, 2) array")
    n, _ = _ARRAY_DIM.unpack_from(data, _ARRAY_HEAD.size)
    items = np.frombuffer(data, dtype=_POINT_ITEM, count=n,
                          offset=_ARRAY_HEAD.size + _ARRAY_DIM.size)
    return np.column_stack([items["x"], items["y"]]).astype(np.float64)


def points_from_text(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data).decode("ascii")
    if not data.startswith("{") or data.startswith("{{") or "NULL" in data:
        raise ValueError(
            "only one-dimensional point[] without NULLs loads as an (n, 2) array")
    if data == "{}":
        return np.empty((0, 2))
    flat = data.translate(str.maketrans("", "", '{}"()')).split(",")
    return np.array(flat, dtype=np.float64).reshape(-1, 2)
