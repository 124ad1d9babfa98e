"""Python side of the openface PostgreSQL extension.

face_embedding <-> numpy float32 arrays of shape (128,), point[] (face_detect's
landmarks) <-> float64 arrays of shape (n, 2).  Register on a connection:

    openface.psycopg.register(conn)     # psycopg 3
    openface.psycopg2.register(conn)    # psycopg2

Each driver module imports its driver only when imported itself.
"""
from ._codec import DIM, to_embedding

__all__ = ["DIM", "to_embedding"]
__version__ = "0.3.0"
