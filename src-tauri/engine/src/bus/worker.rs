//! `vigil worker`'s loop: a competing consumer on the shared durable queue
//! (prefetch = `max_jobs`, so a worker never holds more messages than it
//! processes at once). Each message runs on its own task under its case
//! lock: poison goes to the dead-letter queue with its reason (then acked),
//! a processable one is created, cut, linked, announced (`case.media.ready`)
//! and only then acked; a retryable failure is requeued after a pause. A
//! lost connection (broker restart) is re-established with backoff; tasks
//! in flight finish their work (their acks are lost, the broker redelivers,
//! and the redelivery finds everything done). Stops on [`BusWorker::shutdown`]
//! after the tasks in flight.
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::Channel;
use serde_json::json;
use tokio::task::JoinSet;

use super::amqp::{confirms, declare_work, publish, BusTarget, Topology};
use super::claim::CaseLock;
use super::handle::{CaseHandler, Emit, HandleError};
use super::message::{parse_case_created, tenant_of, Poison, MEDIA_READY};
use super::stats::Stats;
use super::BusError;

/// How a worker connects and how much it takes on.
#[derive(Clone)]
pub struct WorkerOptions {
    pub target: BusTarget,
    pub topology: Topology,
    /// Messages processed at once (the prefetch count).
    pub max_jobs: u16,
    /// Pause before a retryable failure is requeued.
    pub retry_pause: Duration,
}

pub struct BusWorker {
    opts: WorkerOptions,
    handler: Arc<CaseHandler>,
    stats: Arc<Stats>,
    emit: Emit,
}

impl BusWorker {
    pub fn new(opts: WorkerOptions, handler: CaseHandler, emit: Emit) -> Arc<Self> {
        Arc::new(Self {
            opts,
            handler: Arc::new(handler),
            stats: Arc::new(Stats::default()),
            emit,
        })
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// Stop taking messages; [`Self::run`] returns after the ones in flight.
    pub fn shutdown(&self) {
        self.handler.stop.stop();
    }

    fn stopped(&self) -> bool {
        self.handler.stop.is_stopped()
    }

    /// Consumes until shut down, reconnecting whenever the broker goes away.
    pub async fn run(self: &Arc<Self>) {
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut backoff = Duration::from_millis(200);
        while !self.stopped() {
            match self.session(&mut tasks, &mut backoff).await {
                Ok(()) => break,
                Err(e) => {
                    self.stats.set_connected(false);
                    self.stats.error(&e.to_string());
                    (self.emit)(json!({"event": "disconnected", "error": e.to_string(),
                                        "retryInMs": backoff.as_millis() as u64}));
                    let until = tokio::time::Instant::now() + backoff;
                    while tokio::time::Instant::now() < until && !self.stopped() {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        while tasks.try_join_next().is_some() {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        self.stats.set_connected(false);
        while tasks.join_next().await.is_some() {}
        (self.emit)(json!({"event": "stopped", "health": self.stats.health()}));
    }

    /// One connection: declare, consume, dispatch. `Ok` when shut down.
    async fn session(
        self: &Arc<Self>,
        tasks: &mut JoinSet<()>,
        backoff: &mut Duration,
    ) -> Result<(), BusError> {
        let conn = self.opts.target.connect("vigil worker").await?;
        let ch = conn
            .create_channel()
            .await
            .map_err(|e| BusError::Broker(format!("channel: {e}")))?;
        let out = conn
            .create_channel()
            .await
            .map_err(|e| BusError::Broker(format!("channel: {e}")))?;
        confirms(&out).await?;
        declare_work(&ch, &self.opts.topology).await?;
        ch.basic_qos(self.opts.max_jobs.max(1), BasicQosOptions::default())
            .await
            .map_err(|e| BusError::Broker(format!("basic.qos: {e}")))?;
        let mut consumer = ch
            .basic_consume(
                self.opts.topology.queue.as_str().into(),
                format!(
                    "vigil-worker-{}-{:08x}",
                    std::process::id(),
                    rand::random::<u32>()
                )
                .as_str()
                .into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|e| BusError::Broker(format!("basic.consume: {e}")))?;
        *backoff = Duration::from_millis(200);
        self.stats.set_connected(true);
        (self.emit)(
            json!({"event": "connected", "broker": self.opts.target.display(),
                            "queue": self.opts.topology.queue, "prefetch": self.opts.max_jobs}),
        );
        loop {
            while tasks.try_join_next().is_some() {}
            if self.stopped() {
                let _ = conn.close(200, "worker stopping".into()).await;
                return Ok(());
            }
            let next = tokio::time::timeout(Duration::from_millis(250), consumer.next()).await;
            match next {
                Err(_) => continue, // look at the stop flag
                Ok(Some(Ok(d))) => {
                    let me = self.clone();
                    let out = out.clone();
                    tasks.spawn(async move { me.on_delivery(d, out).await });
                }
                Ok(Some(Err(e))) => return Err(BusError::Broker(format!("consume: {e}"))),
                Ok(None) => return Err(BusError::Broker("the broker closed the consumer".into())),
            }
        }
    }

    async fn on_delivery(self: Arc<Self>, d: Delivery, out: Channel) {
        self.stats.begin();
        let rk = d.routing_key.to_string();
        let parsed = parse_case_created(&d.data);
        let id = parsed.as_ref().map(|m| m.id.clone()).ok();
        (self.emit)(json!({"event": "received", "id": id, "routingKey": rk,
                            "redelivered": d.redelivered}));
        let result = match parsed {
            Err(p) => Err(HandleError::Poison(p)),
            Ok(m) => {
                match CaseLock::acquire(&self.handler.media_root, &m.id, &self.handler.stop).await {
                    Err(e) => Err(HandleError::Retry(e)),
                    Ok(lock) => {
                        let r = self.handler.handle(&m, &self.emit).await;
                        let r = match r {
                            Ok(ready) => {
                                let key = format!("{}.{MEDIA_READY}", tenant_of(&rk));
                                let body = serde_json::to_vec(&ready).unwrap_or_default();
                                match publish(&out, &self.opts.topology.exchange, &key, &body, &[])
                                    .await
                                {
                                    Ok(()) => {
                                        (self.emit)(json!({"event": "media_ready", "id": ready.id,
                                        "caseId": ready.case_id, "files": ready.files.len(),
                                        "failed": ready.failed}));
                                        Ok(())
                                    }
                                    Err(e) => Err(HandleError::Retry(e)),
                                }
                            }
                            Err(e) => Err(e),
                        };
                        drop(lock);
                        r
                    }
                }
            }
        };
        match result {
            Ok(()) => {
                let acked = d.acker.ack(BasicAckOptions::default()).await;
                self.stats.done();
                (self.emit)(json!({"event": "acked", "id": id, "ok": acked.is_ok()}));
            }
            Err(HandleError::Poison(p)) => self.dead_letter(&d, &out, &rk, &p).await,
            Err(HandleError::Retry(e)) => {
                self.stats.failed(&e.to_string());
                (self.emit)(json!({"event": "retry", "id": id, "error": e.to_string()}));
                if !matches!(e, BusError::Stopped) {
                    tokio::time::sleep(self.opts.retry_pause).await;
                }
                let _ = d
                    .acker
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..Default::default()
                    })
                    .await;
            }
        }
        self.stats.end();
    }

    /// Publishes the message to the dead-letter queue with its reason, then
    /// acks it; if that publish fails, rejects it (the queue's dead-letter
    /// route takes it, without the reason).
    async fn dead_letter(&self, d: &Delivery, out: &Channel, rk: &str, p: &Poison) {
        let dead = self.opts.topology.dead_queue();
        let headers = [
            ("x-vigil-reason", p.to_string()),
            ("x-vigil-reason-code", p.code().to_string()),
            ("x-original-routing-key", rk.to_string()),
        ];
        let published = publish(out, "", &dead, &d.data, &headers).await;
        let r = match published {
            Ok(()) => d.acker.ack(BasicAckOptions::default()).await,
            Err(_) => d.acker.nack(BasicNackOptions::default()).await,
        };
        self.stats.dead();
        (self.emit)(
            json!({"event": "dead_lettered", "reason": p.to_string(), "code": p.code(),
                            "routingKey": rk, "ok": r.is_ok()}),
        );
    }
}
