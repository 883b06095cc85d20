//! The bulk import behind `examples/import_customers`: read customers from CSV or JSON lines,
//! check every line before sending anything, then `create_or_get` each under the client's request
//! budget, journalling every settled line so that a run cut short (crash, Ctrl-C) resumes without
//! sending a settled line again, and write a report.
//!
//! Shared with `tests/import_customers.rs` through `#[path]`.
#![allow(dead_code)] // the example and the test each use their own subset

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use polar_client::{CreateOrGet, Error, NewCustomer, Polar};

/// One customer to import, with the line it came from (1-based, the header is line 1 in CSV).
#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub email: String,
    pub customer: NewCustomer,
}

/// How a line settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Created,
    Existing,
    Conflict,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Existing => "existing",
            Self::Conflict => "conflict",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "created" => Self::Created,
            "existing" => Self::Existing,
            "conflict" => Self::Conflict,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// One journalled line: its outcome, the customer id when there is one, and what went wrong.
#[derive(Debug, Clone)]
pub struct Settled {
    pub outcome: Outcome,
    pub customer_id: String,
    pub detail: String,
}

/// What a run did, and where its report is.
#[derive(Debug, Default)]
pub struct Summary {
    /// Lines settled in an earlier run and skipped in this one.
    pub skipped: usize,
    /// Lines this run settled.
    pub settled: usize,
    /// Per outcome, over the whole file (this run and earlier ones).
    pub counts: HashMap<Outcome, usize>,
    pub total: usize,
    pub report: PathBuf,
}

/// Reads and checks every line; every problem comes back with its line, nothing is sent.
pub fn read(path: &Path) -> io::Result<Result<Vec<Row>, Vec<String>>> {
    let text = std::fs::read_to_string(path)?;
    let json = path
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson" || e == "json");
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let header: Vec<String> = if json {
        Vec::new()
    } else {
        match lines.next() {
            Some((_, header)) => split_csv(header)
                .into_iter()
                .map(|c| c.trim().to_ascii_lowercase())
                .collect(),
            None => return Ok(Err(vec!["the file is empty".to_owned()])),
        }
    };
    if !json && !header.iter().any(|c| c == "email") {
        problems.push("line 1: the CSV header has no `email` column".to_owned());
        return Ok(Err(problems));
    }
    let mut seen_email: HashMap<String, usize> = HashMap::new();
    let mut seen_external: HashMap<String, usize> = HashMap::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let fields: HashMap<String, String> = if json {
            match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text) {
                Ok(map) => map
                    .into_iter()
                    .filter_map(|(k, v)| match v {
                        serde_json::Value::String(s) => Some((k, s)),
                        serde_json::Value::Null => None,
                        other => Some((k, other.to_string())),
                    })
                    .collect(),
                Err(e) => {
                    problems.push(format!("line {line}: not a JSON object: {e}"));
                    continue;
                }
            }
        } else {
            let cells = split_csv(text);
            if cells.len() != header.len() {
                problems.push(format!(
                    "line {line}: {} fields, the header has {}",
                    cells.len(),
                    header.len()
                ));
                continue;
            }
            header.iter().cloned().zip(cells).collect()
        };
        let field = |name: &str| {
            fields
                .get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(email) = field("email") else {
            problems.push(format!("line {line}: email is missing"));
            continue;
        };
        let mut customer = NewCustomer::individual(email.clone());
        if let Some(name) = field("name") {
            customer = customer.name(name);
        }
        let external_id = field("external_id");
        if let Some(id) = &external_id {
            customer = customer.external_id(id.clone());
        }
        if let Err(found) = customer.validate() {
            for problem in found {
                problems.push(format!("line {line}: {problem}"));
            }
            continue;
        }
        if let Some(first) = seen_email.insert(email.to_lowercase(), line) {
            problems.push(format!(
                "line {line}: email {email} is also on line {first}"
            ));
            continue;
        }
        if let Some(id) = external_id
            && let Some(first) = seen_external.insert(id.clone(), line)
        {
            problems.push(format!(
                "line {line}: external_id {id} is also on line {first}"
            ));
            continue;
        }
        rows.push(Row {
            line,
            email,
            customer,
        });
    }
    Ok(if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    })
}

/// Splits one CSV line: commas, double-quoted fields with `""` for a quote.
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// A CSV field, quoted when it needs to be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The journal next to `input`.
pub fn journal_path(input: &Path) -> PathBuf {
    with_suffix(input, ".journal")
}

/// The report next to `input`.
pub fn report_path(input: &Path) -> PathBuf {
    with_suffix(input, ".report.csv")
}

fn with_suffix(input: &Path, suffix: &str) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The lines a journal says are settled (the last entry of a line wins); a torn last line (a
/// crash mid-write) is ignored.
pub fn read_journal(path: &Path) -> io::Result<HashMap<usize, Settled>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e),
    };
    let mut settled = HashMap::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        let mut parts = line.splitn(4, '\t');
        let (Some(number), Some(outcome), Some(id), Some(detail)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(number), Some(outcome)) = (number.parse(), Outcome::parse(outcome)) else {
            continue;
        };
        settled.insert(
            number,
            Settled {
                outcome,
                customer_id: id.to_owned(),
                detail: detail.to_owned(),
            },
        );
    }
    Ok(settled)
}

/// Imports `rows` read from `input`: lines the journal has settled are skipped (failed ones are
/// tried again), the rest are created with `create_or_get`, `concurrency` at a time, each
/// journalled as soon as it settles. Writes the report and returns the summary.
pub async fn import(
    polar: &Polar,
    input: &Path,
    rows: Vec<Row>,
    concurrency: usize,
) -> io::Result<Summary> {
    let journal_file = journal_path(input);
    let mut settled = read_journal(&journal_file)?;
    let mut journal = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&journal_file)?;
    let todo: Vec<Row> = rows
        .iter()
        .filter(|row| {
            settled
                .get(&row.line)
                .is_none_or(|s| s.outcome == Outcome::Failed)
        })
        .cloned()
        .collect();
    let skipped = rows.len() - todo.len();
    let todo_count = todo.len();
    let customers = polar.customers();
    let mut results = stream::iter(todo)
        .map(|row| {
            let call = customers.create_or_get(row.customer.clone());
            async move { (row.line, settle(call.await)) }
        })
        .buffer_unordered(concurrency.max(1));
    let started = Instant::now();
    let mut last_progress = Instant::now();
    let mut done = 0;
    while let Some((line, result)) = results.next().await {
        writeln!(
            journal,
            "{line}\t{}\t{}\t{}",
            result.outcome.as_str(),
            result.customer_id,
            result.detail.replace(['\t', '\n', '\r'], " ")
        )?;
        journal.flush()?;
        settled.insert(line, result);
        done += 1;
        if last_progress.elapsed() >= Duration::from_secs(1) || done == todo_count {
            last_progress = Instant::now();
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprint!("\r{done}/{todo_count} settled ({skipped} skipped), {rate:.0}/s   ");
        }
    }
    if todo_count > 0 {
        eprintln!();
    }
    drop(results);
    journal.sync_all()?;
    let report = report_path(input);
    let mut out = io::BufWriter::new(File::create(&report)?);
    writeln!(out, "line,email,outcome,customer_id,detail")?;
    let mut counts = HashMap::new();
    for row in &rows {
        let (outcome, id, detail) = match settled.get(&row.line) {
            Some(s) => (
                s.outcome.as_str(),
                s.customer_id.as_str(),
                s.detail.as_str(),
            ),
            None => ("failed", "", "not settled"),
        };
        let outcome_kind = Outcome::parse(outcome).unwrap_or(Outcome::Failed);
        *counts.entry(outcome_kind).or_insert(0) += 1;
        writeln!(
            out,
            "{},{},{},{},{}",
            row.line,
            csv_field(&row.email),
            outcome,
            csv_field(id),
            csv_field(detail)
        )?;
    }
    out.flush()?;
    Ok(Summary {
        skipped,
        settled: done,
        counts,
        total: rows.len(),
        report,
    })
}

/// What one `create_or_get` came to, for the journal.
fn settle(result: Result<CreateOrGet, Error>) -> Settled {
    match result {
        Ok(CreateOrGet::Created(customer)) => Settled {
            outcome: Outcome::Created,
            customer_id: customer.id().to_string(),
            detail: String::new(),
        },
        Ok(found) => Settled {
            outcome: Outcome::Existing,
            customer_id: found.customer().id().to_string(),
            detail: String::new(),
        },
        Err(Error::Conflict {
            existing,
            differences,
            ..
        }) => Settled {
            outcome: Outcome::Conflict,
            customer_id: existing.id().to_string(),
            detail: differences
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        },
        Err(error) => Settled {
            outcome: Outcome::Failed,
            customer_id: String::new(),
            detail: error.to_string(),
        },
    }
}
