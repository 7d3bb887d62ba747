//! A fixed pool of media workers for the `vigil-media://` scheme: a few
//! threads and a bounded queue, so a burst of requests never starts a
//! thread each; a request that finds the queue full is refused at once
//! (the shell answers 503) instead of piling up.
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Every worker is busy and the queue is full.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("every media worker is busy ({workers} workers, {queue} queued)")]
pub struct PoolBusy {
    pub workers: usize,
    pub queue: usize,
}

pub struct MediaPool {
    tx: SyncSender<Job>,
    workers: usize,
    queue: usize,
}

impl MediaPool {
    /// Starts `workers` threads (at least one) taking jobs from a queue of
    /// `queue` places. The threads end when the pool is dropped.
    pub fn new(workers: usize, queue: usize) -> std::io::Result<Self> {
        let workers = workers.max(1);
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("vigil-media-{i}"))
                .spawn(move || work(&rx))?;
        }
        Ok(Self { tx, workers, queue })
    }

    /// Queues a job, or refuses it at once when the queue is full.
    pub fn submit(&self, job: impl FnOnce() + Send + 'static) -> Result<(), PoolBusy> {
        self.tx.try_send(Box::new(job)).map_err(|e| match e {
            TrySendError::Full(_) | TrySendError::Disconnected(_) => PoolBusy {
                workers: self.workers,
                queue: self.queue,
            },
        })
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // a panicking job must not take its worker with it
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a media request panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc::channel;
    use std::time::Duration;

    #[test]
    fn bounded_workers_and_queue_then_busy() {
        let pool = MediaPool::new(2, 2).unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (started_tx, started) = channel();
        let (release_tx, release) = channel::<()>();
        let release = Arc::new(Mutex::new(release));
        let (done_tx, done) = channel();
        let job = |n: usize| {
            let (running, peak, started_tx, release, done_tx) = (
                running.clone(),
                peak.clone(),
                started_tx.clone(),
                release.clone(),
                done_tx.clone(),
            );
            move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                started_tx.send(n).unwrap();
                release.lock().unwrap().recv().unwrap();
                running.fetch_sub(1, Ordering::SeqCst);
                done_tx.send(n).unwrap();
            }
        };
        pool.submit(job(1)).unwrap();
        pool.submit(job(2)).unwrap();
        // both workers hold a job: the queue takes two more, then refuses
        let wait = Duration::from_secs(30);
        started.recv_timeout(wait).unwrap();
        started.recv_timeout(wait).unwrap();
        pool.submit(job(3)).unwrap();
        pool.submit(job(4)).unwrap();
        assert_eq!(
            pool.submit(job(5)),
            Err(PoolBusy {
                workers: 2,
                queue: 2
            })
        );
        let mut finished = Vec::new();
        while finished.len() < 4 {
            release_tx.send(()).unwrap();
            finished.push(done.recv_timeout(wait).unwrap());
        }
        assert!(peak.load(Ordering::SeqCst) <= 2, "at most two at once");
    }

    #[test]
    fn a_panicking_job_keeps_its_worker() {
        let pool = MediaPool::new(1, 4).unwrap();
        pool.submit(|| panic!("boom")).unwrap();
        let (tx, rx) = channel();
        pool.submit(move || tx.send(7).unwrap()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(30)).unwrap(), 7);
    }
}
