//! Reading usage events back (`events:list`, `events:get`): the [`ListEvents`] builder with
//! Polar's filters; its pages and the walk over them are the core's ([`crate::core::paging`]).

use std::future::Future;

use chrono::{DateTime, Utc};

use super::Events;
use super::stored::{EventSource, StoredEvent};
use crate::core::Core;
use crate::core::paging::{Listing, MAX_PAGE_SIZE, Page, Walk};
use crate::core::request::{Request, send};
use crate::core::run::Operation;
use crate::error::Error;
use crate::id::{CustomerId, EventId, MeterId};
use crate::ids::checked_uuid;
use crate::validate::{Checker, InputProblem};

/// The order of [`ListEvents`]: Polar sorts events by `timestamp` only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventSort {
    /// Oldest first.
    TimestampAsc,
    /// Newest first (Polar's default).
    TimestampDesc,
}

impl EventSort {
    /// The value Polar's `sorting` parameter takes (`-` for descending).
    ///
    /// ```
    /// assert_eq!(polar_client::EventSort::TimestampDesc.code(), "-timestamp");
    /// ```
    pub fn code(self) -> &'static str {
        match self {
            Self::TimestampAsc => "timestamp",
            Self::TimestampDesc => "-timestamp",
        }
    }
}

/// A listing of usage events: filters, order and page size; one page with
/// [`ListEvents::page`], all of them with [`ListEvents::stream`]. From [`Events::list`].
///
/// Filters combine with AND; several values of one filter (customers, names) with OR.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let mock = polar_client_mock::MockPolar::start().await?;
/// # let polar = polar_client::Polar::builder()
/// #     .access_token(mock.organization_token())
/// #     .base_url(mock.base_url())
/// #     .build()?;
/// use futures_util::TryStreamExt;
/// use polar_client::{EventSort, NewEvent};
///
/// let events = (0..5)
///     .map(|n| NewEvent::for_external_customer("usr_7", "api.call").metadata("n", n))
///     .collect();
/// polar.events().ingest(events).await?;
/// let theirs: Vec<_> = polar
///     .events()
///     .list()
///     .external_customer_id("usr_7")
///     .name("api.call")
///     .sort(EventSort::TimestampAsc)
///     .page_size(2)
///     .stream()
///     .try_collect()
///     .await?;
/// assert_eq!(theirs.len(), 5);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until a page is fetched or it is streamed"]
pub struct ListEvents {
    core: Core,
    customer_ids: Vec<CustomerId>,
    external_customer_ids: Vec<String>,
    meter_id: Option<MeterId>,
    names: Vec<String>,
    sources: Vec<EventSource>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    sort: Option<EventSort>,
    page_size: u32,
}

impl Events {
    /// Lists the organization's usage events: a [`ListEvents`] builder without filters.
    ///
    /// ```
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// let theirs = polar.events().list().external_customer_id("usr_7").stream();
    /// # drop(theirs);
    /// # Ok::<(), polar_client::Error>(())
    /// ```
    pub fn list(&self) -> ListEvents {
        ListEvents {
            core: self.core.clone(),
            customer_ids: Vec::new(),
            external_customer_ids: Vec::new(),
            meter_id: None,
            names: Vec::new(),
            sources: Vec::new(),
            start: None,
            end: None,
            sort: None,
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// The event with this ID.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::NewEvent;
    ///
    /// polar.events().ingest(vec![NewEvent::for_external_customer("usr_7", "api.call")]).await?;
    /// let listed = polar.events().list().page(1).await?.into_items().remove(0);
    /// let again = polar.events().get(listed.id()).await?;
    /// assert_eq!(again, listed);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) when `id` is not a UUID; [`Error::NotFound`] when
    /// the organization has no such event; otherwise the errors of every read ([`Error`]).
    pub fn get<I: Into<EventId>>(
        &self,
        id: I,
    ) -> impl Future<Output = Result<StoredEvent, Error>> + Send + 'static + use<I> {
        let core = self.core.clone();
        let id: EventId = id.into();
        async move {
            let id = checked_uuid("id", &id)?;
            let path = format!("/v1/events/{id}");
            let api = core.api();
            let request = Request::get("events_get", &path, &[]);
            core.run(Operation::read("events:get"), || send(api, &request))
                .await
                .result
                .map_err(|e| e.looking_for(|| format!("event {id}")))
        }
    }
}

impl ListEvents {
    /// Only events of this customer (Polar ID); call again to add customers.
    pub fn customer_id(mut self, id: impl Into<CustomerId>) -> Self {
        self.customer_ids.push(id.into());
        self
    }

    /// Only events of the customer with this external ID; call again to add customers.
    pub fn external_customer_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_customer_ids.push(external_id.into());
        self
    }

    /// Only events this meter counts (its filter); one meter at most, the last call wins.
    pub fn meter_id(mut self, id: impl Into<MeterId>) -> Self {
        self.meter_id = Some(id.into());
        self
    }

    /// Only events with this name; call again to add names.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.names.push(name.into());
        self
    }

    /// Only events from this source (yours, or Polar's own); call again to add sources.
    pub fn source(mut self, source: EventSource) -> Self {
        self.sources.push(source);
        self
    }

    /// Only events whose timestamp is after this time.
    pub fn start(mut self, start: DateTime<Utc>) -> Self {
        self.start = Some(start);
        self
    }

    /// Only events whose timestamp is before this time.
    pub fn end(mut self, end: DateTime<Utc>) -> Self {
        self.end = Some(end);
        self
    }

    /// The order (Polar's default is newest first).
    pub fn sort(mut self, sort: EventSort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// How many events to fetch per request: 1 to 100 (the default); 0 is refused when the
    /// listing is used.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.min(MAX_PAGE_SIZE);
        self
    }

    /// Walks the pages, yielding each matching event once: a [`Walk`] (a `Stream` of
    /// `Result<StoredEvent, Error>`, `Send + 'static`) that can be resumed after an error with
    /// [`Walk::resume`]. Each page is one read through the client's retry loop.
    ///
    /// What the walk yields: see [`Walk`]. Events are never deleted, so the list only grows
    /// during a walk; Polar orders them by `timestamp` alone, with no tiebreaker, so events
    /// with the same timestamp (those of a batch ingested without timestamps, stamped in the
    /// same instant) can swap places between two requests and one of them be skipped at a page
    /// boundary. Events ingested during the walk may be missed (newest first: they land before
    /// the walk's position). For a complete read, walk a closed time range (`end` in the past,
    /// later than the events' timestamps can be back-dated to) in [`EventSort::TimestampAsc`]
    /// order. The walk remembers the IDs it yielded: bound it with a time range.
    ///
    /// # Errors
    /// The stream yields [`Error::InvalidInput`] (nothing sent) for the problems of
    /// [`ListEvents::page`]; [`Error::Paging`] when the pages do not add up; otherwise the errors
    /// of every read.
    pub fn stream(self) -> Walk<StoredEvent> {
        Walk::new(self.listing(), self.problems())
    }

    /// Fetches one page (counting from 1) with its counts.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::NewEvent;
    ///
    /// let events = (0..3).map(|_| NewEvent::for_external_customer("usr_7", "api.call")).collect();
    /// polar.events().ingest(events).await?;
    /// let page = polar.events().list().page_size(2).page(1).await?;
    /// assert_eq!((page.items().len(), page.total_count(), page.max_page()), (2, 3, 2));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) for page 0, a page size of 0, a customer or meter
    /// ID that is not a UUID, an empty external customer ID or name, a NUL character, or an end
    /// before the start; otherwise the errors of every read.
    pub fn page(
        &self,
        page: u64,
    ) -> impl Future<Output = Result<Page<StoredEvent>, Error>> + Send + 'static + use<> {
        self.listing().checked_page(self.problems(), page)
    }

    fn problems(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        if self.page_size == 0 {
            check.report("page_size", "must be between 1 and 100.");
        }
        for id in &self.customer_ids {
            check.uuid("customer_id", id);
        }
        if let Some(id) = &self.meter_id {
            check.uuid("meter_id", id);
        }
        for id in &self.external_customer_ids {
            if id.is_empty() {
                check.report("external_customer_id", "is empty.");
            } else {
                check.clean("external_customer_id", id);
            }
        }
        for name in &self.names {
            if name.is_empty() {
                check.report("name", "is empty.");
            } else {
                check.clean("name", name);
            }
        }
        if let (Some(start), Some(end)) = (self.start, self.end)
            && end < start
        {
            check.report("end_timestamp", "is before start_timestamp.");
        }
        check.finish()
    }

    fn listing(&self) -> Listing<StoredEvent> {
        Listing {
            core: self.core.clone(),
            operation: "events:list",
            operation_id: "events_list",
            path: "/v1/events/".to_owned(),
            filters: self.filters(),
            limit: self.page_size,
            key: |event: &StoredEvent| event.id().as_str(),
        }
    }

    /// The filters and order as query pairs; `page` and `limit` are the paging's.
    fn filters(&self) -> Vec<(String, String)> {
        let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut pairs = Vec::new();
        let mut add = |name: &str, value: String| pairs.push((name.to_owned(), value));
        for id in &self.customer_ids {
            add("customer_id", id.to_string());
        }
        for id in &self.external_customer_ids {
            add("external_customer_id", id.clone());
        }
        if let Some(id) = &self.meter_id {
            add("meter_id", id.to_string());
        }
        for name in &self.names {
            add("name", name.clone());
        }
        for source in &self.sources {
            add("source", source.code().to_owned());
        }
        if let Some(start) = self.start {
            add("start_timestamp", stamp(start));
        }
        if let Some(end) = self.end {
            add("end_timestamp", stamp(end));
        }
        if let Some(sort) = self.sort {
            add("sorting", sort.code().to_owned());
        }
        pairs
    }
}
