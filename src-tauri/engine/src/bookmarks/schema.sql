-- Bookmarks: a moment of a camera marked by the operator, with a note and
-- an optional range (both ends or neither). Times are UTC milliseconds.
CREATE TABLE bookmarks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    camera        TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    from_ms       INTEGER,
    to_ms         INTEGER,
    note          TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    CHECK ((from_ms IS NULL) = (to_ms IS NULL)),
    CHECK (from_ms IS NULL OR from_ms < to_ms)
);
CREATE INDEX bookmarks_at ON bookmarks(at_ms);
CREATE INDEX bookmarks_camera ON bookmarks(camera, at_ms);
