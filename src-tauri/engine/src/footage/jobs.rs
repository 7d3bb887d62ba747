//! The durable job queue in SQLite. A worker claims due jobs under a lease
//! (owner, pid, expiry and a fresh token per claim) that a heartbeat renews
//! while the job runs; a job whose owner died (pid gone) or whose lease
//! expired goes back to pending, unless the recovering worker is the one
//! still running it. Every later write of an attempt (renewal, completion,
//! release, the rename of its files) is conditional on its token, so an
//! attempt whose lease was taken over can change nothing. Completion writes
//! the media row and the done status in one transaction, so a job is done
//! exactly once. Times come from the lease's clock (`LeaseConfig::clock`),
//! so a worker on a simulated clock claims, renews and retries on it.
use std::collections::HashSet;

use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::lease::{new_token, Lease, LeaseConfig};
use super::{JobKind, JobStatus, JobView, Media};
use crate::store::{now_ms, q, Store, StoreError};

/// A camera to queue jobs for.
pub struct JobCamera<'a> {
    pub camera_id: &'a str,
    pub site_id: &'a str,
    pub window: super::Window,
}

/// Queues a clip and a snapshot job per camera (no-op if they exist).
pub fn insert_for_case(
    tx: &Transaction<'_>,
    case_id: &str,
    cameras: &[JobCamera<'_>],
) -> Result<(), StoreError> {
    let now = now_ms();
    for c in cameras {
        for kind in [JobKind::Clip, JobKind::Snapshot] {
            tx.execute(
                "INSERT OR IGNORE INTO footage_jobs (case_id, camera_id, kind, site_id, event_ms,
                   window_start_ms, window_end_ms, status, due_at_ms, first_due_at_ms,
                   created_at_ms, updated_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?8, ?9, ?9)",
                params![
                    case_id,
                    c.camera_id,
                    kind.as_str(),
                    c.site_id,
                    c.window.event_ms,
                    c.window.start_ms,
                    c.window.end_ms,
                    c.window.due_at_ms,
                    now
                ],
            )
            .map_err(q("insert footage job"))?;
        }
    }
    Ok(())
}

const JOB_COLS: &str = "j.id, j.case_id, j.camera_id, j.kind, j.site_id, j.event_ms, j.window_start_ms,
    j.window_end_ms, j.status, j.due_at_ms, j.attempts, j.progress, j.error_kind, j.error, j.done_at_ms,
    m.path, m.sha256, m.bytes, m.sidecar_path, m.sidecar_sha256, m.actual_start_ms, m.actual_end_ms,
    m.frames, m.method, m.source";

fn job_row(r: &Row<'_>) -> rusqlite::Result<JobView> {
    let kind: String = r.get(3)?;
    let status: String = r.get(8)?;
    let path: Option<String> = r.get(15)?;
    let media = match path {
        Some(path) => Some(Media {
            path,
            sha256: r.get(16)?,
            bytes: r.get::<_, i64>(17)? as u64,
            sidecar_path: r.get(18)?,
            sidecar_sha256: r.get(19)?,
            actual_start_ms: r.get(20)?,
            actual_end_ms: r.get(21)?,
            frames: r.get::<_, i64>(22)? as u64,
            method: r.get(23)?,
            source: r.get(24)?,
        }),
        None => None,
    };
    Ok(JobView {
        id: r.get(0)?,
        case_id: r.get(1)?,
        camera_id: r.get(2)?,
        kind: JobKind::parse(&kind).unwrap_or(JobKind::Clip),
        site_id: r.get(4)?,
        event_ms: r.get(5)?,
        window_start_ms: r.get(6)?,
        window_end_ms: r.get(7)?,
        status: JobStatus::parse(&status).unwrap_or(JobStatus::Pending),
        due_at_ms: r.get(9)?,
        attempts: r.get(10)?,
        progress: r.get(11)?,
        error_kind: r.get(12)?,
        error: r.get(13)?,
        done_at_ms: r.get(14)?,
        media,
    })
}

fn select(where_: &str) -> String {
    format!(
        "SELECT {JOB_COLS} FROM footage_jobs j LEFT JOIN case_media m ON m.job_id = j.id WHERE {where_}"
    )
}

/// Whether a process with this id is running on this machine.
fn pid_alive(pid: i64) -> bool {
    if pid == std::process::id() as i64 {
        return true;
    }
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only checks for the process's existence.
        let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        true // the lease expiry alone recovers the job
    }
}

/// A running job's lease as stored (diagnostics and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLease {
    pub owner: Option<String>,
    pub token: Option<String>,
    pub until_ms: Option<i64>,
}

/// The identity a worker leases under.
#[derive(Debug, Clone)]
pub struct Lessee {
    pub owner: String,
    pub pid: i64,
}

impl Lessee {
    pub fn new() -> Self {
        Self {
            owner: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
            pid: std::process::id() as i64,
        }
    }
}

impl Default for Lessee {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn footage_job(&self, id: i64) -> Result<Option<JobView>, StoreError> {
        self.conn()
            .query_row(&select("j.id = ?1"), [id], job_row)
            .optional()
            .map_err(q("read footage job"))
    }

    /// The lease a job is under now, if it is running.
    pub fn footage_job_lease(&self, id: i64) -> Result<Option<StoredLease>, StoreError> {
        self.conn()
            .query_row(
                "SELECT lease_owner, lease_token, lease_until_ms FROM footage_jobs
                 WHERE id = ?1 AND status = 'running'",
                [id],
                |r| {
                    Ok(StoredLease {
                        owner: r.get(0)?,
                        token: r.get(1)?,
                        until_ms: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(q("read footage lease"))
    }

    /// A case's jobs, by camera then kind.
    pub fn footage_jobs_of_case(&self, case_id: &str) -> Result<Vec<JobView>, StoreError> {
        let conn = self.conn();
        let mut st = conn
            .prepare(&format!("{} ORDER BY j.id", select("j.case_id = ?1")))
            .map_err(q("case jobs"))?;
        let rows = st
            .query_map([case_id], job_row)
            .map_err(q("case jobs"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(q("case jobs"))?;
        Ok(rows)
    }

    /// Returns jobs of dead or expired leases to pending; returns them.
    /// Jobs whose token is in `running_here` are left alone: the caller is
    /// still running them, and its heartbeat renews them.
    pub fn recover_footage_jobs(
        &self,
        lease: &LeaseConfig,
        running_here: &HashSet<String>,
    ) -> Result<Vec<i64>, StoreError> {
        let now = lease.now_ms();
        let conn = self.conn();
        let mut st = conn
            .prepare(
                "SELECT id, lease_pid, lease_until_ms, lease_token FROM footage_jobs
                 WHERE status = 'running'",
            )
            .map_err(q("running jobs"))?;
        let running = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(q("running jobs"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(q("running jobs"))?;
        drop(st);
        let mut out = Vec::new();
        for (id, pid, until, token) in running {
            if token.as_ref().is_some_and(|t| running_here.contains(t)) {
                continue;
            }
            let dead = pid.is_none_or(|p| !pid_alive(p));
            let expired = until.is_none_or(|u| u < now);
            if dead || expired {
                // only the claim seen above: a renewal or a new claim since wins
                let n = conn
                    .execute(
                        "UPDATE footage_jobs SET status = 'pending', lease_owner = NULL, lease_pid = NULL,
                           lease_until_ms = NULL, lease_token = NULL, progress = 0, updated_at_ms = ?2
                         WHERE id = ?1 AND status = 'running' AND lease_token IS ?3
                           AND lease_until_ms IS ?4",
                        params![id, now, token, until],
                    )
                    .map_err(q("recover job"))?;
                if n == 1 {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// Claims up to `limit` due jobs (oldest due first) for `who`, each
    /// under a fresh token.
    pub fn claim_footage_jobs(
        &self,
        who: &Lessee,
        lease: &LeaseConfig,
        limit: usize,
    ) -> Result<Vec<(JobView, Lease)>, StoreError> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let now = lease.now_ms();
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(q("begin"))?;
        let ids: Vec<i64> = {
            let mut st = tx
                .prepare(
                    "SELECT id FROM footage_jobs WHERE status = 'pending' AND due_at_ms <= ?1
                     ORDER BY due_at_ms, id LIMIT ?2",
                )
                .map_err(q("due jobs"))?;
            let rows = st
                .query_map(params![now, limit as i64], |r| r.get(0))
                .map_err(q("due jobs"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(q("due jobs"))?;
            rows
        };
        let mut leases = Vec::new();
        for id in ids {
            let token = new_token();
            let n = tx
                .execute(
                    "UPDATE footage_jobs SET status = 'running', lease_owner = ?2, lease_pid = ?3,
                       lease_until_ms = ?4, lease_token = ?5, attempts = attempts + 1, progress = 0,
                       updated_at_ms = ?6
                     WHERE id = ?1 AND status = 'pending'",
                    params![id, who.owner, who.pid, lease.until_ms(), token, now],
                )
                .map_err(q("claim job"))?;
            if n == 1 {
                leases.push(Lease { job_id: id, token });
            }
        }
        tx.commit().map_err(q("commit"))?;
        drop(conn);
        let mut out = Vec::new();
        for l in leases {
            if let Some(j) = self.footage_job(l.job_id)? {
                out.push((j, l));
            }
        }
        Ok(out)
    }

    /// Renews the lease (and records progress, if given); false if the
    /// lease is no longer this claim's.
    pub fn renew_footage_job(
        &self,
        lease: &Lease,
        cfg: &LeaseConfig,
        progress: Option<f64>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE footage_jobs SET lease_until_ms = ?3, progress = COALESCE(?4, progress),
                   updated_at_ms = ?5
                 WHERE id = ?1 AND lease_token = ?2 AND status = 'running'",
                params![
                    lease.job_id,
                    lease.token,
                    cfg.until_ms(),
                    progress.map(|p| p.clamp(0.0, 1.0)),
                    cfg.now_ms()
                ],
            )
            .map_err(q("renew job"))?;
        Ok(n == 1)
    }

    /// Runs `f` while the lease is this claim's and no other claim can be
    /// made (an immediate transaction holds the database's write lock; the
    /// lease is renewed in it). `Ok(None)` without running `f` when the
    /// lease was lost. For renames into place: a claim that lost its lease
    /// cannot replace a file a newer claim wrote.
    pub fn with_footage_lease<T, E: From<StoreError>>(
        &self,
        lease: &Lease,
        cfg: &LeaseConfig,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<Option<T>, E> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(q("begin"))?;
        let n = tx
            .execute(
                "UPDATE footage_jobs SET lease_until_ms = ?3
                 WHERE id = ?1 AND lease_token = ?2 AND status = 'running'",
                params![lease.job_id, lease.token, cfg.until_ms()],
            )
            .map_err(q("check lease"))?;
        if n != 1 {
            return Ok(None); // the drop rolls back
        }
        let v = f()?;
        tx.commit().map_err(q("commit"))?;
        Ok(Some(v))
    }

    /// Marks the job done with its media; false (nothing written) if the
    /// lease was lost meanwhile.
    pub fn complete_footage_job(
        &self,
        lease: &Lease,
        cfg: &LeaseConfig,
        media: &Media,
    ) -> Result<bool, StoreError> {
        let id = lease.job_id;
        let now = cfg.now_ms();
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(q("begin"))?;
        let n = tx
            .execute(
                "UPDATE footage_jobs SET status = 'done', lease_owner = NULL, lease_pid = NULL,
                   lease_until_ms = NULL, lease_token = NULL, progress = 1, error_kind = NULL,
                   error = NULL, done_at_ms = ?3, updated_at_ms = ?3
                 WHERE id = ?1 AND lease_token = ?2 AND status = 'running'",
                params![id, lease.token, now],
            )
            .map_err(q("complete job"))?;
        if n == 1 {
            tx.execute(
                "INSERT OR REPLACE INTO case_media (job_id, case_id, camera_id, kind, path, sha256,
                   bytes, sidecar_path, sidecar_sha256, actual_start_ms, actual_end_ms, frames,
                   method, source, created_at_ms)
                 SELECT id, case_id, camera_id, kind, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12
                 FROM footage_jobs WHERE id = ?1",
                params![
                    id,
                    media.path,
                    media.sha256,
                    media.bytes as i64,
                    media.sidecar_path,
                    media.sidecar_sha256,
                    media.actual_start_ms,
                    media.actual_end_ms,
                    media.frames as i64,
                    media.method,
                    media.source,
                    now
                ],
            )
            .map_err(q("insert media"))?;
        }
        tx.commit().map_err(q("commit"))?;
        Ok(n == 1)
    }

    /// Releases the job with an error: back to pending at `retry_at_ms`, or
    /// failed for good when `None`.
    pub fn release_footage_job(
        &self,
        lease: &Lease,
        cfg: &LeaseConfig,
        error_kind: &str,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> Result<bool, StoreError> {
        let now = cfg.now_ms();
        let (status, due) = match retry_at_ms {
            Some(t) => ("pending", Some(t)),
            None => ("failed", None),
        };
        let n = self
            .conn()
            .execute(
                "UPDATE footage_jobs SET status = ?3, due_at_ms = COALESCE(?4, due_at_ms),
                   lease_owner = NULL, lease_pid = NULL, lease_until_ms = NULL, lease_token = NULL,
                   progress = 0, error_kind = ?5, error = ?6, updated_at_ms = ?7
                 WHERE id = ?1 AND lease_token = ?2 AND status = 'running'",
                params![
                    lease.job_id,
                    lease.token,
                    status,
                    due,
                    error_kind,
                    error,
                    now
                ],
            )
            .map_err(q("release job"))?;
        Ok(n == 1)
    }

    /// When the earliest pending job is due, if any.
    pub fn next_footage_due(&self) -> Result<Option<i64>, StoreError> {
        self.conn()
            .query_row(
                "SELECT MIN(due_at_ms) FROM footage_jobs WHERE status = 'pending'",
                [],
                |r| r.get(0),
            )
            .map_err(q("next due"))
    }

    /// How many jobs are pending or running.
    pub fn open_footage_jobs(&self) -> Result<i64, StoreError> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM footage_jobs WHERE status IN ('pending', 'running')",
                [],
                |r| r.get(0),
            )
            .map_err(q("open jobs"))
    }

    /// Puts a failed job back in the queue, due now (the operator's "retry").
    pub fn retry_footage_job(&self, id: i64) -> Result<bool, StoreError> {
        self.retry_footage_job_at(id, now_ms())
    }

    /// Puts a failed job back in the queue, due at `now` (the worker's clock).
    pub fn retry_footage_job_at(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE footage_jobs SET status = 'pending', due_at_ms = ?2, attempts = 0,
                   updated_at_ms = ?2 WHERE id = ?1 AND status = 'failed'",
                params![id, now],
            )
            .map_err(q("retry job"))?;
        Ok(n == 1)
    }

    /// First due time of a job (the start of its backoff budget).
    pub fn footage_job_first_due(&self, id: i64) -> Result<i64, StoreError> {
        self.conn()
            .query_row(
                "SELECT first_due_at_ms FROM footage_jobs WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(q("first due"))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::footage::lease::{Clock, SimClock};
    use crate::footage::Window;

    fn one_job(store: &Store) -> i64 {
        let mut conn = store.conn();
        let tx = conn.transaction().unwrap();
        tx.execute(
            "INSERT INTO cases (id, number, title, event_ms, equipment_id, equipment_kind,
               equipment_name, created_at_ms, updated_at_ms)
             VALUES ('c1', 1, 't', 0, 'cam', 'camera', 'cam', 0, 0)",
            [],
        )
        .unwrap();
        let w = Window {
            event_ms: 0,
            start_ms: -5_000,
            end_ms: 5_000,
            due_at_ms: 0,
        };
        insert_for_case(
            &tx,
            "c1",
            &[JobCamera {
                camera_id: "cam",
                site_id: "s",
                window: w,
            }],
        )
        .unwrap();
        tx.commit().unwrap();
        drop(conn);
        store.footage_jobs_of_case("c1").unwrap()[0].id
    }

    fn media() -> Media {
        Media {
            path: "/m/x.mp4".into(),
            sha256: "00".into(),
            bytes: 1,
            sidecar_path: None,
            sidecar_sha256: None,
            actual_start_ms: None,
            actual_end_ms: None,
            frames: 1,
            method: "encode".into(),
            source: "test".into(),
        }
    }

    #[test]
    fn a_superseded_claim_can_write_nothing() {
        let store = Store::open_in_memory().unwrap();
        let id = one_job(&store);
        // due times and leases on a simulated clock, whatever the time of day
        let clock = SimClock::new(1_750_000_000_000);
        let cfg = LeaseConfig {
            duration_ms: 1_000,
            clock: clock.shared(),
        };
        let who = Lessee::new();
        let claims = store.claim_footage_jobs(&who, &cfg, 10).unwrap();
        assert_eq!(claims.len(), 2, "a clip and a snapshot");
        let old = claims.iter().find(|(j, _)| j.id == id).unwrap().1.clone();
        // the same worker's own running claims are never recovered
        clock.advance(Duration::from_millis(5_000));
        let here: HashSet<String> = claims.iter().map(|(_, l)| l.token.clone()).collect();
        assert!(store.recover_footage_jobs(&cfg, &here).unwrap().is_empty());
        // another worker recovers the lapsed lease and claims again
        assert!(store
            .recover_footage_jobs(&cfg, &HashSet::new())
            .unwrap()
            .contains(&id));
        let (_, new) = store
            .claim_footage_jobs(&who, &cfg, 10)
            .unwrap()
            .into_iter()
            .find(|(j, _)| j.id == id)
            .unwrap();
        assert_ne!(new.token, old.token);
        // the same owner, but the old claim's token: refused everywhere
        assert!(!store.renew_footage_job(&old, &cfg, Some(0.5)).unwrap());
        assert!(!store.complete_footage_job(&old, &cfg, &media()).unwrap());
        assert!(!store
            .release_footage_job(&old, &cfg, "internal", "x", None)
            .unwrap());
        let ran = store
            .with_footage_lease(&old, &cfg, || Ok::<_, StoreError>(()))
            .unwrap();
        assert!(ran.is_none(), "no rename for a superseded claim");
        let j = store.footage_job(id).unwrap().unwrap();
        assert_eq!((j.status, j.attempts), (JobStatus::Running, 2));
        // the current claim works, even after its lease lapsed unclaimed
        clock.advance(Duration::from_millis(5_000));
        assert!(store
            .with_footage_lease(&new, &cfg, || Ok::<_, StoreError>(()))
            .unwrap()
            .is_some());
        let l = store.footage_job_lease(id).unwrap().unwrap();
        assert_eq!(l.until_ms, Some(clock.now_ms() + 1_000), "renewed");
        assert!(store.complete_footage_job(&new, &cfg, &media()).unwrap());
        assert_eq!(
            store.footage_job(id).unwrap().unwrap().status,
            JobStatus::Done
        );
    }
}
