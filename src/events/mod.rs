//! [`Events`]: usage events — [`Events::ingest`] for one batch, the [`Ingestor`] that batches
//! events handed over from any task, and [`Events::list`] / [`Events::get`] to read them back.

mod ingest;
mod ingestor;
mod list;
mod new_event;
mod random_id;
mod stored;

pub use ingest::{EventProblem, Ingested, MAX_BODY_BYTES};
pub use ingestor::{
    FailedEvent, IngestReport, IngestStats, Ingestor, IngestorBuilder, RejectedEvent, SendError,
};
pub use list::{EventSort, ListEvents};
pub use new_event::NewEvent;
pub use stored::{EventSource, StoredEvent};

use crate::core::Core;

/// Usage-event operations of one [`Polar`](crate::Polar) client, from
/// [`Polar::events`](crate::Polar::events).
#[derive(Debug, Clone)]
pub struct Events {
    core: Core,
}

impl Events {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}
