//! The `Ingestor` over real HTTP against the mock: exactly-once under faults (events from 16
//! tasks, about a fifth of ingest requests faulted, a poison event every 5,000), re-dating to
//! Polar's clock, backpressure, close, and failures handed back rather than lost.

use crate::support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use polar_client::{NewEvent, SendError};
use polar_client_mock::{Fault, Method, MockPolar};
use support::{client, mock_with_secret};

const UNKNOWN_CUSTOMER: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";

/// Queues a random fault after about one in five ingest requests until `stop` is set.
fn inject_faults(
    mock: Arc<MockPolar>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        let mut seen = 0;
        let mut injected = 0;
        let mut rng = fastrand::Rng::with_seed(7);
        while !stop.load(std::sync::atomic::Ordering::Acquire) {
            let now = mock.usage_ingest_requests();
            for _ in seen..now {
                if rng.f64() < 0.2 {
                    let fault = match rng.usize(0..5) {
                        0 => Fault::DropAfterStore,
                        1 => Fault::ProxyErrorPageAfterStore { status: 504 },
                        2 => Fault::ServerError { status: 503 },
                        3 => Fault::DropBeforeStore,
                        _ => Fault::RateLimited {
                            retry_after: Duration::from_millis(1),
                        },
                    };
                    mock.fail_next_matching(Method::POST, "/v1/events/ingest", 1, fault);
                    injected += 1;
                }
            }
            seen = now;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        injected
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_stored_once_or_handed_back_under_faults() {
    const EVENTS: usize = 10_000;
    const TASKS: usize = 16;
    let mock = Arc::new(mock_with_secret().await);
    let polar = client(&mock);
    let rejected = Arc::new(Mutex::new(Vec::new()));
    let failed = Arc::new(Mutex::new(Vec::new()));
    let ingestor = {
        let (rejected, failed) = (Arc::clone(&rejected), Arc::clone(&failed));
        polar
            .events()
            .ingestor()
            .max_batch(250)
            .max_delay(Duration::from_millis(20))
            .queue(1_000)
            .max_requests_per_second(0.0)
            .retries(20, Duration::from_millis(5))
            .on_rejected(move |event| rejected.lock().unwrap().push(event))
            .on_failed(move |event| failed.lock().unwrap().push(event))
            .start()
            .unwrap()
    };
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let injector = inject_faults(Arc::clone(&mock), Arc::clone(&stop));

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let ingestor = ingestor.clone();
        tasks.push(tokio::spawn(async move {
            for n in (task..EVENTS).step_by(TASKS) {
                let event = if n % 5_000 == 4_999 {
                    NewEvent::for_customer(UNKNOWN_CUSTOMER, "llm.completion")
                } else {
                    NewEvent::for_external_customer(format!("usr_{}", n % 7), "llm.completion")
                        .metadata("total_tokens", n as i64)
                };
                ingestor
                    .send(event.external_id(format!("ev-{n}")))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let report = ingestor.close().await;
    stop.store(true, std::sync::atomic::Ordering::Release);
    let injected = injector.await.unwrap();

    let poison: HashSet<String> = (0..EVENTS)
        .filter(|n| n % 5_000 == 4_999)
        .map(|n| format!("ev-{n}"))
        .collect();
    let mut stored: HashMap<String, usize> = HashMap::new();
    for event in mock.usage_events() {
        *stored.entry(event.external_id.unwrap()).or_insert(0) += 1;
    }
    let twice: Vec<_> = stored.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
    let rejected: Vec<String> = rejected
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.event.external_id_ref().unwrap().to_owned())
        .collect();
    assert_eq!(
        rejected.len(),
        poison.len(),
        "each poison event handed back once"
    );
    assert_eq!(rejected.iter().cloned().collect::<HashSet<_>>(), poison);
    assert!(failed.lock().unwrap().is_empty(), "nothing given up on");
    for n in 0..EVENTS {
        let id = format!("ev-{n}");
        if !poison.contains(&id) {
            assert_eq!(stored.get(&id), Some(&1), "{id} stored once");
        }
    }
    let stats = report.stats;
    assert_eq!(stats.accepted, EVENTS as u64);
    assert_eq!(stats.queued, 0);
    assert_eq!(
        stats.inserted + stats.duplicates,
        (EVENTS - poison.len()) as u64
    );
    assert_eq!(stats.rejected, poison.len() as u64);
    assert!(injected > 0, "faults were injected");
    eprintln!("{EVENTS} events, {injected} faults injected, {stats:?}");
}

#[tokio::test]
async fn events_ahead_of_polars_clock_are_redated_to_it() {
    let mock = mock_with_secret().await;
    mock.set_usage_clock_offset(TimeDelta::seconds(-30));
    let polar = client(&mock);
    let ingestor = polar
        .events()
        .ingestor()
        .max_requests_per_second(0.0)
        .start()
        .unwrap();
    for n in 0..10 {
        ingestor
            .send(NewEvent::for_external_customer("usr_1", "api.call").external_id(format!("e{n}")))
            .await
            .unwrap();
    }
    let report = ingestor.close().await;
    assert_eq!(report.stats.inserted, 10, "{:?}", report);
    assert_eq!(report.stats.redated, 10);
    assert_eq!(
        report.stats.requests, 2,
        "one refusal, then the re-dated batch"
    );
    let polar_now = Utc::now() - TimeDelta::seconds(30);
    for event in mock.usage_events() {
        assert!(event.timestamp <= polar_now, "{event:?}");
        assert!(
            event.timestamp > polar_now - TimeDelta::seconds(3),
            "{event:?}"
        );
    }
}

#[tokio::test]
async fn a_full_queue_makes_try_send_hand_the_event_back() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    mock.fail_next(1, Fault::Delay(Duration::from_millis(500)));
    let ingestor = polar
        .events()
        .ingestor()
        .max_batch(1)
        .queue(2)
        .max_requests_per_second(0.0)
        .start()
        .unwrap();
    let event = |n: usize| {
        NewEvent::for_external_customer("usr_1", "api.call").external_id(format!("q{n}"))
    };
    let mut full = None;
    for n in 0..10 {
        match ingestor.try_send(event(n)) {
            Ok(()) => {}
            Err(SendError::Full(back)) => {
                full = Some(back);
                break;
            }
            Err(other) => panic!("{other:?}"),
        }
        tokio::task::yield_now().await;
    }
    let back = full.expect("the queue filled up while a request hung");
    assert!(back.external_id_ref().is_some_and(|id| id.starts_with('q')));
    let accepted = ingestor.stats().accepted;
    let report = ingestor.close().await;
    assert_eq!(report.stats.inserted, accepted);
    let after = ingestor.send(event(99)).await.unwrap_err();
    assert!(matches!(after, SendError::Closed(_)), "{after:?}");
}

#[tokio::test]
async fn events_given_up_on_are_handed_back_in_the_report() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    mock.fail_next_matching(
        Method::POST,
        "/v1/events/ingest",
        1_000,
        Fault::ServerError { status: 500 },
    );
    let ingestor = polar
        .events()
        .ingestor()
        .retries(2, Duration::from_millis(1))
        .max_requests_per_second(0.0)
        .start()
        .unwrap();
    for n in 0..3 {
        ingestor
            .send(NewEvent::for_external_customer("usr_1", "api.call").external_id(format!("f{n}")))
            .await
            .unwrap();
    }
    let invalid = ingestor
        .send(NewEvent::for_external_customer("usr_1", ""))
        .await
        .unwrap_err();
    assert!(matches!(invalid, SendError::Invalid { .. }), "{invalid:?}");
    let report = ingestor.close().await;
    assert_eq!(report.stats.failed, 3);
    assert_eq!(report.failed.len(), 3);
    assert_eq!(report.failed[0].error.status(), Some(500));
    assert_eq!(report.stats.requests, 3, "the first send and two more");
    assert_eq!(report.stats.accepted, 3);
    assert_eq!(mock.usage_event_count(), 0);
}

#[tokio::test]
async fn once_polars_clock_is_known_later_batches_are_not_refused_for_it() {
    let mock = mock_with_secret().await;
    mock.set_usage_clock_offset(TimeDelta::seconds(-30));
    let polar = client(&mock);
    let ingestor = polar
        .events()
        .ingestor()
        .max_batch(2)
        .max_requests_per_second(0.0)
        .start()
        .unwrap();
    for n in 0..10 {
        ingestor
            .send(NewEvent::for_external_customer("usr_1", "api.call").external_id(format!("c{n}")))
            .await
            .unwrap();
    }
    let report = ingestor.close().await;
    assert_eq!(report.stats.inserted, 10, "{report:?}");
    assert!(report.rejected.is_empty());
    // Five batches; only the first is refused (before any answer told Polar's clock).
    assert_eq!(report.stats.requests, 6, "{report:?}");
    let polar_now = Utc::now() - TimeDelta::seconds(30);
    for event in mock.usage_events() {
        assert!(event.timestamp <= polar_now, "{event:?}");
        assert!(
            event.timestamp > polar_now - TimeDelta::seconds(3),
            "{event:?}"
        );
    }
}

#[tokio::test]
async fn dropping_every_handle_sends_what_was_queued() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let ingestor = polar
        .events()
        .ingestor()
        .max_batch(10)
        .max_delay(Duration::from_secs(600))
        .max_requests_per_second(0.0)
        .start()
        .unwrap();
    let clone = ingestor.clone();
    for n in 0..25 {
        clone
            .send(NewEvent::for_external_customer("usr_1", "api.call").external_id(format!("d{n}")))
            .await
            .unwrap();
    }
    drop(clone);
    drop(ingestor);
    // No close: the last handle gone, the task sends what was queued (the partial batch too,
    // long before its 600 s delay) and ends.
    for _ in 0..500 {
        if mock.usage_event_count() == 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(mock.usage_event_count(), 25);
}

#[tokio::test]
async fn batches_fill_up_to_polars_body_limit_and_never_past_it() {
    // 1,400 events of about 10.6 KB each: 14.8 MB in all, more than one body of 10 MiB can
    // carry. The ingestor's first, loose sizing counts every byte as a six-byte escape (it would
    // send ~160 events a request); it must measure closely once that estimate nears the limit,
    // so the events go in two requests, each under the limit (the mock answers 413 past it).
    const EVENTS: usize = 1_400;
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let ingestor = polar
        .events()
        .ingestor()
        .max_batch(5_000)
        .queue(EVENTS)
        .max_delay(Duration::from_secs(600))
        .max_requests_per_second(0.0)
        .start()
        .unwrap();
    let value = "v".repeat(500);
    for n in 0..EVENTS {
        let event = (0..20).fold(
            NewEvent::for_external_customer("usr_1", "upload").external_id(format!("big{n}")),
            |event, key| event.metadata(format!("k{key:02}"), value.as_str()),
        );
        ingestor.try_send(event).unwrap();
    }
    let report = ingestor.close().await;
    assert_eq!(report.stats.inserted, EVENTS as u64, "{:?}", report.stats);
    assert!(report.failed.is_empty() && report.rejected.is_empty());
    assert_eq!(report.stats.requests, 2, "{:?}", report.stats);
    let bodies: Vec<usize> = mock
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/events/ingest")
        .map(|r| r.body.len())
        .collect();
    assert_eq!(bodies.len(), 2);
    assert!(
        bodies
            .iter()
            .all(|len| *len <= polar_client::MAX_BODY_BYTES),
        "{bodies:?}"
    );
    assert!(
        bodies[0] > polar_client::MAX_BODY_BYTES * 9 / 10,
        "{bodies:?}"
    );
}
