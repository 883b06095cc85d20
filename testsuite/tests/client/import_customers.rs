//! The bulk import example's logic (`examples/import_customers/import.rs`) against the mock: a run
//! cut short and run again stores each customer once, with a report whose counts add up; running
//! the same file again creates nothing; bad input is reported line by line before anything is sent.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use polar_client::{Polar, RequestBudget};
use polar_client_mock::MockPolar;

#[path = "../../../examples/import_customers/import.rs"]
mod import;

use import::Outcome;

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polar-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_customers(path: &Path, n: usize) {
    let mut text = String::from("email,name,external_id\n");
    for i in 0..n {
        text.push_str(&format!("user{i}@example.org,\"User, {i}\",import-{i}\n"));
    }
    std::fs::write(path, text).unwrap();
}

fn stored_once(mock: &MockPolar) -> usize {
    let customers = mock.customers();
    let emails: HashSet<String> = customers
        .iter()
        .map(|c| c["email"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(emails.len(), customers.len(), "a customer stored twice");
    emails.len()
}

fn count(summary: &import::Summary, outcome: Outcome) -> usize {
    summary.counts.get(&outcome).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cut_short_resumes_and_stores_each_customer_once() {
    let n = 1_000;
    let dir = scratch("resume");
    let input = dir.join("customers.csv");
    write_customers(&input, n);
    let (limit, window) = (1_000, Duration::from_secs(1));
    let mock = MockPolar::builder()
        .rate_limit(limit, window)
        .start()
        .await
        .unwrap();
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .request_budget(RequestBudget::per(limit, window))
        .build()
        .unwrap()
        .background();
    let rows = import::read(&input).unwrap().unwrap();
    assert_eq!(rows.len(), n);

    // The first run is cut short (as by Ctrl-C or a crash): creates in flight are dropped.
    let first = tokio::spawn({
        let (polar, input, rows) = (polar.clone(), input.clone(), rows.clone());
        async move { import::import(&polar, &input, rows, 32).await }
    });
    while mock.customers().len() < n / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.abort();
    let _ = first.await;
    let journalled = import::read_journal(&import::journal_path(&input)).unwrap();
    assert!(journalled.len() < n, "cut short: {}", journalled.len());

    let second = import::import(&polar, &input, rows.clone(), 32)
        .await
        .unwrap();
    assert_eq!(second.skipped, journalled.len());
    assert_eq!(second.skipped + second.settled, n);
    assert_eq!(stored_once(&mock), n);
    assert_eq!(
        count(&second, Outcome::Created) + count(&second, Outcome::Existing),
        n,
        "{:?}",
        second.counts
    );
    assert_eq!(
        count(&second, Outcome::Conflict) + count(&second, Outcome::Failed),
        0
    );
    let report = std::fs::read_to_string(&second.report).unwrap();
    assert_eq!(
        report.lines().count(),
        n + 1,
        "a header and one row per line"
    );
    assert_eq!(mock.rate_limited_count(), 0);

    // The same file again: everything is settled, nothing is sent.
    let before = mock.requests().len();
    let third = import::import(&polar, &input, rows.clone(), 32)
        .await
        .unwrap();
    assert_eq!((third.skipped, third.settled), (n, 0));
    assert_eq!(mock.requests().len(), before);

    // Without its journal: every customer is found, none created.
    std::fs::remove_file(import::journal_path(&input)).unwrap();
    let fourth = import::import(&polar, &input, rows, 32).await.unwrap();
    assert_eq!(count(&fourth, Outcome::Existing), n, "{:?}", fourth.counts);
    assert_eq!(stored_once(&mock), n);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_problem_is_reported_with_its_line_before_anything_is_sent() {
    let dir = scratch("problems");
    let input = dir.join("customers.csv");
    std::fs::write(
        &input,
        "email,name\nok@example.org,Ok\n,No email\nnot-an-email,Bad\nok@example.org,Twice\na@example.org,Too,many\n",
    )
    .unwrap();
    let problems = import::read(&input).unwrap().unwrap_err();
    let lines: Vec<&str> = problems
        .iter()
        .map(|p| p.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        lines,
        ["line 3", "line 4", "line 5", "line 6"],
        "{problems:?}"
    );

    let jsonl = dir.join("customers.jsonl");
    std::fs::write(
        &jsonl,
        "{\"email\": \"j@example.org\", \"external_id\": \"j1\"}\n{oops\n",
    )
    .unwrap();
    let problems = import::read(&jsonl).unwrap().unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("line 2:"), "{problems:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
