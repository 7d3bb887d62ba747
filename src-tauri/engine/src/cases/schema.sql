-- Cases and the footage worker (issue 5).
-- Equipment that is not a camera (doors, sensors, ...). A camera is
-- equipment by its camera id and needs no row here.
CREATE TABLE equipment (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,          -- door | sensor | ... (never 'camera')
    tag           TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL
);
-- The nearest cameras of a piece of equipment (an asset id or a camera id).
CREATE TABLE nearest_cameras (
    equipment_id TEXT NOT NULL,
    camera_id    TEXT NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (equipment_id, camera_id)
);
-- Per-site footage window and scheduling (ms). Missing row = defaults.
CREATE TABLE footage_site_settings (
    site_id          TEXT PRIMARY KEY,
    start_offset_ms  INTEGER NOT NULL,
    end_offset_ms    INTEGER NOT NULL,
    clock_offset_ms  INTEGER NOT NULL,
    recording_lag_ms INTEGER NOT NULL
);
CREATE TABLE cases (
    id             TEXT PRIMARY KEY,
    number         INTEGER NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    event_ms       INTEGER NOT NULL,      -- UTC
    equipment_id   TEXT NOT NULL,
    equipment_kind TEXT NOT NULL,         -- camera | door | sensor | ...
    equipment_name TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    notes          TEXT NOT NULL DEFAULT '',
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL
);
CREATE INDEX cases_event ON cases(event_ms);
-- The cameras a case selected when it was created (equipment first).
CREATE TABLE case_cameras (
    case_id     TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    camera_id   TEXT NOT NULL,
    camera_name TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('equipment', 'nearest')),
    position    INTEGER NOT NULL,
    PRIMARY KEY (case_id, camera_id)
);
-- One job per (case, camera, kind); idempotent by that key.
CREATE TABLE footage_jobs (
    id              INTEGER PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    camera_id       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('clip', 'snapshot')),
    site_id         TEXT NOT NULL,
    event_ms        INTEGER NOT NULL,     -- on the recorder's clock (clock offset applied)
    window_start_ms INTEGER NOT NULL,
    window_end_ms   INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    due_at_ms       INTEGER NOT NULL,
    first_due_at_ms INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_pid       INTEGER,
    lease_until_ms  INTEGER,
    progress        REAL NOT NULL DEFAULT 0,
    error_kind      TEXT,
    error           TEXT,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    done_at_ms      INTEGER,
    UNIQUE (case_id, camera_id, kind)
);
CREATE INDEX footage_jobs_due ON footage_jobs(status, due_at_ms);
-- The file a done job produced (exactly one per job).
CREATE TABLE case_media (
    job_id          INTEGER PRIMARY KEY REFERENCES footage_jobs(id) ON DELETE CASCADE,
    case_id         TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    camera_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    path            TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    bytes           INTEGER NOT NULL,
    sidecar_path    TEXT,
    sidecar_sha256  TEXT,
    actual_start_ms INTEGER,
    actual_end_ms   INTEGER,
    frames          INTEGER NOT NULL DEFAULT 0,
    method          TEXT NOT NULL,        -- stream_copy | encode | decode
    source          TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL
);
CREATE INDEX case_media_case ON case_media(case_id);
