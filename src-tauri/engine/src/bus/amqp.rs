//! The broker side: where the broker is (`amqp://USER@HOST:PORT/VHOST`, or
//! `amqps://` for TLS; the password never in the URL, it comes from stdin or
//! the keyring), connecting, the topology every worker declares the same way
//! (a durable topic exchange, a durable work queue whose rejects go to a
//! durable dead-letter queue) and publishing persistent messages with
//! publisher confirms.
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::uri::{AMQPAuthority, AMQPQueryString, AMQPScheme, AMQPUri, AMQPUserInfo};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};

use super::BusError;

/// The exchange the old CMS publishes on (the seed's `CONST.MQ_TOPIC_EXCHANGE`).
pub const DEFAULT_EXCHANGE: &str = "mozart.topic";
/// The workers' shared queue.
pub const DEFAULT_QUEUE: &str = "vigil.footage";
/// The routing pattern of case-created messages (all tenants).
pub const DEFAULT_ROUTING: &str = "*.cms.case.created";

/// A broker address with its credentials (the password is never printed).
#[derive(Clone)]
pub struct BusTarget {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub vhost: String,
    pub user: String,
    password: String,
}

impl std::fmt::Debug for BusTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

impl BusTarget {
    /// Parses `amqp[s]://USER@HOST[:PORT][/VHOST]`; a password in the URL
    /// is refused (it would be in the process list and in logs).
    pub fn parse(url: &str, password: &str) -> Result<Self, BusError> {
        let u = url::Url::parse(url.trim())
            .map_err(|e| BusError::Config(format!("not an AMQP URL: {e}")))?;
        let tls = match u.scheme() {
            "amqp" => false,
            "amqps" => true,
            s => return Err(BusError::Config(format!("scheme {s}: use amqp or amqps"))),
        };
        if u.password().is_some() {
            return Err(BusError::Config(
                "no password in the URL: use --password-stdin or the keyring".into(),
            ));
        }
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| BusError::Config("the URL has no host".into()))?
            .trim_matches(['[', ']'])
            .to_string();
        let user = crate::secrets::redact::percent_decode(u.username()).into_owned();
        if user.is_empty() {
            return Err(BusError::Config(
                "the URL names no user (amqp://USER@HOST...)".into(),
            ));
        }
        let vhost = match u.path() {
            "" | "/" => "/".to_string(),
            p => crate::secrets::redact::percent_decode(&p[1..]).into_owned(),
        };
        Ok(Self {
            tls,
            port: u.port().unwrap_or(if tls { 5671 } else { 5672 }),
            host,
            vhost,
            user,
            password: password.to_string(),
        })
    }

    /// `amqp://user@host:port/vhost` (no password), for logs and events.
    pub fn display(&self) -> String {
        format!(
            "{}://{}@{}:{}/{}",
            if self.tls { "amqps" } else { "amqp" },
            self.user,
            self.host,
            self.port,
            if self.vhost == "/" { "" } else { &self.vhost }
        )
    }

    /// The password, to hand to a child process's stdin (never print it).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The keyring account of this broker's password.
    pub fn keyring_account(&self) -> String {
        format!("bus:{}@{}:{}", self.user, self.host, self.port)
    }

    fn uri(&self) -> AMQPUri {
        AMQPUri {
            scheme: if self.tls {
                AMQPScheme::AMQPS
            } else {
                AMQPScheme::AMQP
            },
            authority: AMQPAuthority {
                userinfo: AMQPUserInfo {
                    username: self.user.clone(),
                    password: self.password.clone(),
                },
                host: self.host.clone(),
                port: self.port,
            },
            vhost: self.vhost.clone(),
            query: AMQPQueryString {
                // a dead broker is noticed within ~2 heartbeats
                heartbeat: Some(10),
                connection_timeout: Some(5_000),
                ..Default::default()
            },
        }
    }

    /// Connects (TLS by rustls when `amqps`). Errors never carry the password.
    pub async fn connect(&self, name: &str) -> Result<Connection, BusError> {
        let props = ConnectionProperties::default().with_connection_name(name.into());
        Connection::connect_uri(self.uri(), props)
            .await
            .map_err(|e| {
                BusError::Broker(format!(
                    "{}: {}",
                    self.display(),
                    redact(&e.to_string(), &self.password)
                ))
            })
    }
}

/// Removes a password from a message (broker errors may quote the URI).
pub fn redact(msg: &str, password: &str) -> String {
    if password.is_empty() {
        msg.to_string()
    } else {
        msg.replace(password, "***")
    }
}

/// Names of the work topology.
#[derive(Debug, Clone)]
pub struct Topology {
    pub exchange: String,
    pub queue: String,
    pub routing: String,
}

impl Topology {
    /// The dead-letter queue of the work queue.
    pub fn dead_queue(&self) -> String {
        format!("{}.dead", self.queue)
    }
}

/// Declares the durable topic exchange.
pub async fn declare_exchange(ch: &Channel, exchange: &str) -> Result<(), BusError> {
    ch.exchange_declare(
        exchange.into(),
        ExchangeKind::Topic,
        ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        },
        FieldTable::default(),
    )
    .await
    .map_err(|e| BusError::Broker(format!("declare exchange {exchange}: {e}")))
}

/// Declares the exchange, the durable work queue bound to it (rejects go to
/// the dead-letter queue through the default exchange) and the dead-letter
/// queue. Every worker declares the same arguments.
pub async fn declare_work(ch: &Channel, t: &Topology) -> Result<(), BusError> {
    declare_exchange(ch, &t.exchange).await?;
    let dead = t.dead_queue();
    ch.queue_declare(
        dead.as_str().into(),
        QueueDeclareOptions::durable(),
        FieldTable::default(),
    )
    .await
    .map_err(|e| BusError::Broker(format!("declare queue {dead}: {e}")))?;
    let mut args = FieldTable::default();
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(LongString::from("")),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(LongString::from(dead.as_str())),
    );
    ch.queue_declare(
        t.queue.as_str().into(),
        QueueDeclareOptions::durable(),
        args,
    )
    .await
    .map_err(|e| BusError::Broker(format!("declare queue {}: {e}", t.queue)))?;
    ch.queue_bind(
        t.queue.as_str().into(),
        t.exchange.as_str().into(),
        t.routing.as_str().into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .map_err(|e| BusError::Broker(format!("bind {} to {}: {e}", t.queue, t.exchange)))
}

/// Turns on publisher confirms on a channel.
pub async fn confirms(ch: &Channel) -> Result<(), BusError> {
    ch.confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(|e| BusError::Broker(format!("confirm.select: {e}")))
}

/// Publishes a persistent JSON message and waits for the broker's confirm
/// (the channel must be in confirm mode). `headers` are string headers.
pub async fn publish(
    ch: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    headers: &[(&str, String)],
) -> Result<(), BusError> {
    let mut h = FieldTable::default();
    for (k, v) in headers {
        h.insert(
            ShortString::from(*k),
            AMQPValue::LongString(LongString::from(v.as_str())),
        );
    }
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_delivery_mode(2)
        .with_headers(h);
    let confirm = ch
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            props,
        )
        .await
        .map_err(|e| BusError::Broker(format!("publish {routing_key}: {e}")))?;
    let c = confirm
        .await
        .map_err(|e| BusError::Broker(format!("publish {routing_key}: {e}")))?;
    if c.is_nack() {
        return Err(BusError::Broker(format!(
            "publish {routing_key}: the broker refused it"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_without_passwords() {
        let t = BusTarget::parse("amqp://vigil@127.0.0.1:5673/site%2F1", "s3cret").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.vhost.as_str()),
            ("127.0.0.1", 5673, "site/1")
        );
        assert!(!format!("{t:?}").contains("s3cret"));
        assert_eq!(t.display(), "amqp://vigil@127.0.0.1:5673/site/1");
        let d = BusTarget::parse("amqps://u@broker", "").unwrap();
        assert_eq!((d.tls, d.port, d.vhost.as_str()), (true, 5671, "/"));
        assert!(BusTarget::parse("amqp://u:pw@h/", "").is_err());
        assert!(BusTarget::parse("amqp://h/", "").is_err());
        assert!(BusTarget::parse("http://u@h/", "").is_err());
        assert_eq!(redact("bad pw s3cret here", "s3cret"), "bad pw *** here");
    }
}
