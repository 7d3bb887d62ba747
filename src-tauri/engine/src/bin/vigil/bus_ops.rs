//! `vigil bus`: operations on the case bus. `dead-letters` lists (or with
//! `--take` removes) the dead-lettered case messages with their reasons, one
//! JSON line each; `password set` stores a broker's password in the OS
//! keyring (account `bus:USER@HOST:PORT` of the `vigil` service, the one
//! `vigil worker`, `vigil case publish` and the app read), from stdin only;
//! `site-publish` shows or sets a site's "publish to the bus" switch.
use clap::{Args, Subcommand};
use vigil_engine::bus::{read_dead_letters, BusTarget, DEFAULT_QUEUE};
use vigil_engine::secrets::SecretStore;

use crate::bus_cli::BrokerArgs;
use crate::exit;
use crate::source::password_from_stdin;

#[derive(Subcommand)]
pub enum BusCmd {
    /// List the dead-lettered messages with their reasons (JSON lines); --take removes them.
    DeadLetters(DeadLetterArgs),
    /// The broker password in the OS keyring.
    #[command(subcommand)]
    Password(PasswordCmd),
    /// Show or set a site's "publish cases to the bus instead of cutting locally" switch.
    SitePublish(crate::bus_site::SitePublishArgs),
}

#[derive(Args)]
pub struct DeadLetterArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// The workers' queue (its dead letters are in QUEUE.dead)
    #[arg(long, default_value = DEFAULT_QUEUE)]
    pub queue: String,
    /// At most this many messages
    #[arg(long, default_value_t = 100)]
    pub max: usize,
    /// Remove the messages listed (else they stay in the queue)
    #[arg(long)]
    pub take: bool,
}

#[derive(Subcommand)]
pub enum PasswordCmd {
    /// Store the password of amqp://USER@HOST:PORT read from stdin.
    Set {
        /// amqp://USER@HOST:PORT/VHOST (no password in it)
        #[arg(long)]
        amqp: String,
        /// Read the password from standard input (the only way to give it)
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Remove the stored password of amqp://USER@HOST:PORT.
    Delete {
        #[arg(long)]
        amqp: String,
    },
}

pub async fn run(cmd: BusCmd) -> i32 {
    match cmd {
        BusCmd::DeadLetters(a) => dead_letters(a).await,
        BusCmd::Password(p) => password(p),
        BusCmd::SitePublish(a) => crate::bus_site::run(a).await,
    }
}

async fn dead_letters(a: DeadLetterArgs) -> i32 {
    let target = match a.broker.target() {
        Ok(t) => t,
        Err((code, m)) => {
            eprintln!("vigil bus dead-letters: {m}");
            return code;
        }
    };
    let dead = format!("{}.dead", a.queue);
    match read_dead_letters(&target, &dead, a.max, a.take).await {
        Ok(list) => {
            for d in &list {
                println!("{}", serde_json::to_string(d).unwrap_or_default());
            }
            eprintln!(
                "{} dead letter(s) {} {dead}",
                list.len(),
                if a.take { "taken from" } else { "in" }
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("vigil bus dead-letters: {e}");
            exit::UNREACHABLE
        }
    }
}

fn password(p: PasswordCmd) -> i32 {
    let (amqp, set) = match &p {
        PasswordCmd::Set { amqp, .. } => (amqp, true),
        PasswordCmd::Delete { amqp } => (amqp, false),
    };
    let account = match BusTarget::parse(amqp, "") {
        Ok(t) => t.keyring_account(),
        Err(e) => {
            eprintln!("vigil bus password: {e}");
            return exit::USAGE;
        }
    };
    let r = if set {
        let pw = match password_from_stdin() {
            Ok(pw) if !pw.is_empty() => pw,
            Ok(_) => {
                eprintln!("vigil bus password set: no password on stdin");
                return exit::USAGE;
            }
            Err(e) => {
                eprintln!("vigil bus password set: {e}");
                return exit::USAGE;
            }
        };
        SecretStore::vigil().set(&account, &pw)
    } else {
        SecretStore::vigil().delete(&account)
    };
    match r {
        Ok(()) => {
            println!("{}", serde_json::json!({"account": account, "stored": set}));
            exit::OK
        }
        Err(e) => {
            eprintln!("vigil bus password: {e}");
            exit::FAILED
        }
    }
}
