//! The case bus (RabbitMQ, AMQP 0-9-1 via lapin): footage workers that
//! share the load of cases created anywhere (`*.cms.case.created` on the
//! topic exchange, the old CMS's message shape), and consoles that hear
//! every case and its media as they land. See docs/bus.md.
//!
//! - `message`: the messages and their parsers (poison reasons).
//! - `amqp`: broker address and credentials, topology, confirmed publishing.
//! - `claim`: one worker at a time per case (a lock file in the media root).
//! - `cms`: linking files back to the CMS, idempotently.
//! - `handle`: one message start to finish; `worker`: the consumer loop.
//! - `stats`, `health`: figures and the local health endpoint.
//! - `client`: publish, subscribe (consoles), dead letters.
//! - `setting`: the per-site "publish cases to the bus" switch.
//! - `console`: a console on the bus (its settings, subscription, cases).
//! - `mirror`: a console's own record of bus cases and their media.
//! - `cms_double`: a recording CMS for tests and `vigil bench bus`.
pub mod amqp;
pub mod claim;
pub mod client;
pub mod cms;
pub mod cms_double;
pub mod console;
pub mod handle;
pub mod health;
pub mod message;
pub mod mirror;
pub mod setting;
pub mod stats;
pub mod worker;

pub use amqp::{BusTarget, Topology, DEFAULT_EXCHANGE, DEFAULT_QUEUE, DEFAULT_ROUTING};
pub use client::{
    publish_case_created, publish_raw, read_dead_letters, subscribe_case_events, take_dead_letters,
    BusEvent, DeadLetter, Subscription,
};
pub use message::{parse_case_created, parse_media_ready, CaseCreated, MediaReady, Poison};
pub use worker::{BusWorker, WorkerOptions};

use crate::error::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("bus configuration: {0}")]
    Config(String),
    #[error("broker: {0}")]
    Broker(String),
    #[error("CMS: {0}")]
    Cms(String),
    #[error("storage: {0}")]
    Storage(String),
    #[error("stopping")]
    Stopped,
}

impl HasKind for BusError {
    fn kind(&self) -> ErrorKind {
        match self {
            BusError::Config(_) => ErrorKind::InvalidInput,
            BusError::Broker(_) | BusError::Cms(_) => ErrorKind::Unreachable,
            BusError::Storage(_) => ErrorKind::Storage,
            BusError::Stopped => ErrorKind::Internal,
        }
    }
}
