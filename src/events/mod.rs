//! [`Events`]: usage events — [`Events::ingest`] for one batch, and the [`Ingestor`] that batches
//! events handed over from any task.

mod ingest;
mod ingestor;
mod new_event;

pub use ingest::{EventProblem, Ingested, MAX_BODY_BYTES};
pub use ingestor::{
    FailedEvent, IngestReport, IngestStats, Ingestor, IngestorBuilder, RejectedEvent, SendError,
};
pub use new_event::NewEvent;

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
