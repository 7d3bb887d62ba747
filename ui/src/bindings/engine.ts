// Generated from the engine's Rust types by ts-rs (src-tauri/engine/src/bindings.rs).
// Do not edit: run `VIGIL_WRITE_BINDINGS=1 cargo test -p vigil-engine --lib bindings`.

export type ErrorKind = "invalid_input" | "not_found" | "auth_failed" | "unreachable" | "untrusted" | "protocol" | "unsupported" | "storage" | "internal";

export type UiError = { kind: ErrorKind, message: string, 
/**
 * For `untrusted`: the fingerprint (`sha256:<hex>`) of the certificate
 * the server presented, so the operator can be asked to pin it.
 */
certificate?: string, };

export type StreamKind = "main" | "sub";

export type StreamInfo = { kind: StreamKind, width: number, height: number, codec: string, };

export type PtzCaps = { continuous: boolean, 
/**
 * Short relative moves (or a continuous move and a stop where only that exists).
 */
step: boolean, presets: boolean, home: boolean, };

export type Capabilities = { live: boolean, playback: boolean, reverse: boolean, 
/**
 * Playback speeds the source honours; empty = the engine's own set.
 */
speeds: Array<number>, 
/**
 * The VMS cuts or exports a clip itself.
 */
export: boolean, 
/**
 * A snapshot of a past time.
 */
snapshot_by_time: boolean, ptz: PtzCaps, };

export type CameraInfo = { id: string, name: string, 
/**
 * The site's id.
 */
site: string, site_name: string, ptz: boolean, streams: Array<StreamInfo>, capabilities: Capabilities, };

export type SiteInfo = { id: string, kind: string, name: string, 
/**
 * Where the VMS is (URL, host:port or folder path), no credentials.
 */
address: string, 
/**
 * The site's IANA time zone: playback days, timelines, vendor local times.
 */
time_zone: string, user: string | null, 
/**
 * `sha256:<hex>` of a pinned TLS certificate.
 */
tls_pin: string | null, 
/**
 * Kind-specific settings.
 */
options: { [key in string]: string }, created_ms: number, };

export type SiteRequest = { kind: string, name?: string | null, address: string, user?: string | null, 
/**
 * Goes to the OS keyring, never to the database.
 */
password?: string | null, tls_pin?: string | null, time_zone?: string | null, options: { [key in string]: string }, };

export type SiteState = "online" | "connecting" | "auth_failed" | "unreachable" | "untrusted" | "error";

export type SiteHealth = { state: SiteState, 
/**
 * Why it is not online (redacted).
 */
message: string | null, 
/**
 * When the VMS last answered (UTC ms).
 */
last_seen_ms: number | null, 
/**
 * When the engine last tried.
 */
checked_ms: number | null, };

export type SiteStatus = { site: SiteInfo, health: SiteHealth, camera_count: number, };

export type SiteProbe = { site: SiteInfo, cameras: Array<CameraInfo>, };

export type FieldInput = "text" | "password" | "url" | "number" | "select" | "checkbox" | "path" | "time_zone" | "tls_pin";

export type FieldSpec = { key: string, label: string, input: FieldInput, required: boolean, placeholder: string | null, help: string | null, default: string | null, choices: Array<string>, secret: boolean, };

export type KindSpec = { kind: string, label: string, description: string, 
/**
 * Whether an operator adds sites of this kind (the demo site is built in).
 */
addable: boolean, fields: Array<FieldSpec>, };

export type Layout = { grid: number, tiles: Array<string | null>, };

export type NamedLayout = { name: string, layout: Layout, };

export type HubInfo = { url: string, token: string, };

export type MediaServerInfo = { 
/**
 * `http://127.0.0.1:<port>`
 */
base: string, token: string, };

export type Span = { start: number, end: number, };

export type DayBounds = { date: string, timeZone: string, 
/**
 * Local 00:00 of `date`, ms UTC.
 */
start: number, 
/**
 * Local 00:00 of the next day, ms UTC.
 */
end: number, hours: number, };

export type StartSource = "sidecar" | "manifest" | "name" | "container" | "operator";

export type OfflineCamera = { id: string, name: string, spans: Array<Span>, };

export type OfflineFile = { path: string, 
/**
 * The camera it plays on (none until its start is known).
 */
camera_id: string | null, start_ms: number | null, source: StartSource | null, 
/**
 * Why it does not play (fully or at all): unreadable, truncated.
 */
problem: string | null, };

export type OfflineOpen = { site: SiteInfo, cameras: Array<OfflineCamera>, files: Array<OfflineFile>, 
/**
 * Files whose start nobody knows yet: the operator is asked.
 */
needs_start: Array<string>, 
/**
 * The verification of an incident package among the paths.
 */
package: PackageBanner | null, 
/**
 * Files left out because there were too many.
 */
left_out: number, };

export type PackageState = "verified" | "tampered" | "unsigned" | "unknown_key" | "error";

export type PackageBanner = { root: string, state: PackageState, 
/**
 * The signing key's fingerprint.
 */
fingerprint: string | null, 
/**
 * Changed, missing or extra files, or why the check failed.
 */
problems: Array<string>, };

export type OperatorStart = { 
/**
 * The civil time entered, `YYYY-MM-DDTHH:MM:SS[.fff]`.
 */
civil: string, 
/**
 * Its IANA zone.
 */
zone: string, 
/**
 * The UTC instant (ms) they make.
 */
utc_ms: number, };

export type RecentOpen = { paths: Array<string>, site_id: string, opened_ms: number, };

export type CasePackageExport = { path: string, 
/**
 * The signing key's fingerprint (SHA-256 of the raw public key).
 */
fingerprint: string, files: number, bytes: number, zip: boolean, 
/**
 * Case media not finished yet, left out of the package.
 */
notReady: number, };

export type SnapshotFile = { path: string, 
/**
 * The time of the frame written (UTC ms).
 */
frameMs: number, width: number, height: number, sha256: string, bytes: number, };

export type EvidenceKeyInfo = { algorithm: string, publicKeyPem: string, fingerprint: string, };

export type Bookmark = { id: number, camera: string, 
/**
 * The moment marked (the frame shown), UTC ms.
 */
atMs: number, fromMs: number | null, toMs: number | null, note: string, createdMs: number, };

export type NewBookmark = { camera: string, atMs: number, fromMs: number | null, toMs: number | null, note: string, };

export type BookmarkFilter = { 
/**
 * Words the note or the camera id must contain (case-insensitive).
 */
text: string | null, 
/**
 * Only these cameras (empty: every camera).
 */
cameras: Array<string>, 
/**
 * Moments at or after this time (a ranged bookmark overlapping counts).
 */
fromMs: number | null, 
/**
 * Moments before this time.
 */
toMs: number | null, limit: number | null, };

export type BookmarkClip = { bookmark: number, path: string, annotationPath: string, sha256: string, bytes: number, 
/**
 * The range asked for.
 */
fromMs: number, toMs: number, 
/**
 * What the clip holds (its first and last frame).
 */
actualStartMs: number, actualEndMs: number, };

export type Thumbnail = { camera: string, 
/**
 * The time asked for, rounded down to [`QUANTUM_MS`].
 */
atMs: number, 
/**
 * The time of the frame shown.
 */
frameMs: number, width: number, height: number, 
/**
 * `data:image/jpeg;base64,...`
 */
dataUrl: string, };

export type PlaybackState = { layout: Layout, 
/**
 * The playhead, UTC ms.
 */
positionMs: number | null, 
/**
 * Whether playback was paused there (restored paused).
 */
paused: boolean, };
