//! The bus for consoles and integrations: publish a case-created message in
//! the seed's shape, subscribe to case events (created, media ready) with an
//! exclusive auto-delete queue of one's own, and read the dead-letter queue.
//!
//! A subscription reconnects by itself with a fresh exclusive queue; events
//! published while it was away are not replayed (its queue went with the
//! connection), so on [`BusEvent::Connected`] after a [`BusEvent::Disconnected`]
//! a console re-reads its case list once.
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use serde::Serialize;
use tokio::sync::mpsc;

use super::amqp::{confirms, declare_exchange, publish, BusTarget};
use super::message::{
    parse_case_created, parse_media_ready, CaseCreated, MediaReady, CASE_CREATED, MEDIA_READY,
};
use super::BusError;
use crate::media::source::StopFlag;

/// Publishes a case-created message (`<tenant>.cms.case.created`), persistent,
/// and waits for the broker's confirm.
pub async fn publish_case_created(
    target: &BusTarget,
    exchange: &str,
    tenant: &str,
    m: &CaseCreated,
) -> Result<(), BusError> {
    publish_raw(
        target,
        exchange,
        &format!("{tenant}.{CASE_CREATED}"),
        &m.to_json(),
    )
    .await
}

/// Publishes any body on the exchange (tests, integrations).
pub async fn publish_raw(
    target: &BusTarget,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
) -> Result<(), BusError> {
    let conn = target.connect("vigil publish").await?;
    let ch = conn
        .create_channel()
        .await
        .map_err(|e| BusError::Broker(format!("channel: {e}")))?;
    confirms(&ch).await?;
    declare_exchange(&ch, exchange).await?;
    let r = publish(&ch, exchange, routing_key, body, &[]).await;
    let _ = conn.close(200, "done".into()).await;
    r
}

/// What a subscribed console hears.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum BusEvent {
    /// Subscribed (first time or after a reconnect: re-read the case list).
    Connected,
    Disconnected {
        error: String,
    },
    CaseCreated {
        routing_key: String,
        case: CaseCreated,
    },
    MediaReady {
        routing_key: String,
        ready: MediaReady,
    },
    /// A message on a case routing key that does not parse.
    Unreadable {
        routing_key: String,
        reason: String,
    },
}

/// A running subscription; dropping it (or [`Subscription::stop`]) ends it.
pub struct Subscription {
    pub events: mpsc::Receiver<BusEvent>,
    stop: StopFlag,
}

impl Subscription {
    pub fn stop(&self) {
        self.stop.stop();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// Subscribes to `*.cms.case.created` and `*.vigil.case.media.ready` on
/// `exchange` with an exclusive queue. Returns once the first subscription
/// is up (or fails), then keeps it up in the background.
pub async fn subscribe_case_events(
    target: BusTarget,
    exchange: String,
) -> Result<Subscription, BusError> {
    let (tx, rx) = mpsc::channel(1024);
    let stop = StopFlag::default();
    let first = open_subscription(&target, &exchange).await?;
    let s2 = stop.clone();
    tokio::spawn(async move {
        let mut consumer = Some(first);
        let mut backoff = Duration::from_millis(200);
        while !s2.is_stopped() {
            let (conn, mut c) = match consumer.take() {
                Some(x) => x,
                None => match open_subscription(&target, &exchange).await {
                    Ok(x) => {
                        backoff = Duration::from_millis(200);
                        x
                    }
                    Err(e) => {
                        let _ = tx
                            .send(BusEvent::Disconnected {
                                error: e.to_string(),
                            })
                            .await;
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                        continue;
                    }
                },
            };
            if tx.send(BusEvent::Connected).await.is_err() {
                return;
            }
            let error = loop {
                if s2.is_stopped() {
                    let _ = conn.close(200, "unsubscribed".into()).await;
                    return;
                }
                match tokio::time::timeout(Duration::from_millis(250), c.next()).await {
                    Err(_) => continue,
                    Ok(Some(Ok(d))) => {
                        if tx
                            .send(event_of(&d.routing_key.to_string(), &d.data))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    Ok(Some(Err(e))) => break e.to_string(),
                    Ok(None) => break "the broker closed the subscription".to_string(),
                }
            };
            if tx.send(BusEvent::Disconnected { error }).await.is_err() {
                return;
            }
        }
    });
    Ok(Subscription { events: rx, stop })
}

/// The event of one message on the subscription.
fn event_of(routing_key: &str, body: &[u8]) -> BusEvent {
    let rk = routing_key.to_string();
    let r = if routing_key.ends_with(MEDIA_READY) {
        parse_media_ready(body).map(|ready| BusEvent::MediaReady {
            routing_key: rk.clone(),
            ready,
        })
    } else {
        parse_case_created(body).map(|case| BusEvent::CaseCreated {
            routing_key: rk.clone(),
            case,
        })
    };
    r.unwrap_or_else(|p| BusEvent::Unreadable {
        routing_key: rk,
        reason: p.to_string(),
    })
}

async fn open_subscription(
    target: &BusTarget,
    exchange: &str,
) -> Result<(lapin::Connection, lapin::Consumer), BusError> {
    let conn = target.connect("vigil console").await?;
    let ch = conn
        .create_channel()
        .await
        .map_err(|e| BusError::Broker(format!("channel: {e}")))?;
    declare_exchange(&ch, exchange).await?;
    let q = ch
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|e| BusError::Broker(format!("declare the console's queue: {e}")))?;
    let name = q.name().clone();
    for key in [format!("*.{CASE_CREATED}"), format!("*.{MEDIA_READY}")] {
        ch.queue_bind(
            name.clone(),
            exchange.into(),
            key.as_str().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| BusError::Broker(format!("bind the console's queue: {e}")))?;
    }
    let c = ch
        .basic_consume(
            name,
            "vigil-console".into(),
            BasicConsumeOptions {
                no_ack: true,
                exclusive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|e| BusError::Broker(format!("consume: {e}")))?;
    Ok((conn, c))
}

/// A message taken from the dead-letter queue.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub reason: Option<String>,
    pub code: Option<String>,
    pub routing_key: Option<String>,
    pub body: String,
}

fn header(h: Option<&FieldTable>, key: &str) -> Option<String> {
    let (_, v) = h?.inner().iter().find(|(k, _)| k.as_str() == key)?;
    match v {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Takes (and acks) up to `max` messages from a dead-letter queue.
pub async fn take_dead_letters(
    target: &BusTarget,
    dead_queue: &str,
    max: usize,
) -> Result<Vec<DeadLetter>, BusError> {
    read_dead_letters(target, dead_queue, max, true).await
}

/// Reads up to `max` messages of a dead-letter queue; `take` acks them
/// (removed), else they stay unacked until the connection closes and the
/// broker puts them back in order (a look that changes nothing, except
/// that the broker marks them redelivered).
pub async fn read_dead_letters(
    target: &BusTarget,
    dead_queue: &str,
    max: usize,
    take: bool,
) -> Result<Vec<DeadLetter>, BusError> {
    let conn = target.connect("vigil dead letters").await?;
    let ch = conn
        .create_channel()
        .await
        .map_err(|e| BusError::Broker(format!("channel: {e}")))?;
    let mut out = Vec::new();
    while out.len() < max {
        let m = ch
            .basic_get(dead_queue.into(), BasicGetOptions::default())
            .await
            .map_err(|e| BusError::Broker(format!("basic.get {dead_queue}: {e}")))?;
        let Some(m) = m else { break };
        let d = &m.delivery;
        let h = d.properties.headers().as_ref();
        out.push(DeadLetter {
            reason: header(h, "x-vigil-reason"),
            code: header(h, "x-vigil-reason-code"),
            routing_key: header(h, "x-original-routing-key"),
            body: String::from_utf8_lossy(&d.data).into_owned(),
        });
        if take {
            d.acker
                .ack(BasicAckOptions::default())
                .await
                .map_err(|e| BusError::Broker(format!("ack: {e}")))?;
        }
    }
    let _ = conn.close(200, "done".into()).await;
    Ok(out)
}
