//! The shape of the source, read as text (no build of the crate is needed):
//! - no import circle among the files of `src/` nor among those of the mock's `mock/src/`
//!   (outside test modules). A file imports another when it names it through a `crate::`,
//!   `super::` or `self::` path; two files that reach each other through such imports form a
//!   circle, and a circle means a layer that is not one (the core must not import a resource, a
//!   resource not the facade);
//! - one model style (docs/MAINTAINING.md, "Models"): what Polar returns is read through
//!   accessors and inputs are builders, so no public struct of `src/` has a `pub` field except
//!   the values the crate computes itself, listed by name in [`COMPUTED`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path (`["core", "run"]`) for every `.rs` file under `src/`.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts == ["lib"] {
                parts.clear();
            } else if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts.iter().any(|p| p == "tests") {
                continue;
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The text of a file without comments, string contents and its trailing `#[cfg(test)] mod`.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every path a file names: `use` trees expanded, and inline `crate::a::b` paths.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for stmt in code.split(';') {
        if let Some(at) = stmt.find("use ") {
            let before = &stmt[..at];
            if before.trim_end().is_empty() || before.ends_with(' ') || before.ends_with('\n') {
                expand(stmt[at + 4..].trim(), &mut out);
            }
        }
    }
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(start) {
            let at = from + found;
            let boundary =
                at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            let end = code[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            if boundary {
                out.push(code[at..end].to_owned());
            }
            from = end.max(at + start.len());
        }
    }
    out
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(tree: &str, out: &mut Vec<String>) {
    let tree = tree
        .trim()
        .trim_start_matches("pub(crate) ")
        .trim_start_matches("pub ");
    let Some(open) = tree.find('{') else {
        out.push(tree.split(" as ").next().unwrap_or(tree).trim().to_owned());
        return;
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut part) = (0, String::new());
    for c in inner.chars().chain(std::iter::once(',')) {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                if !part.trim().is_empty() {
                    expand(&format!("{prefix}{}", part.trim()), out);
                }
                part.clear();
                continue;
            }
            _ => {}
        }
        part.push(c);
    }
}

/// The file a path resolves to from module `here`, if any.
fn resolve(
    path: &str,
    here: &[String],
    files: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let segs: Vec<&str> = path
        .split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let (mut base, rest): (Vec<String>, &[&str]) = match *segs.first()? {
        "crate" => (Vec::new(), &segs[1..]),
        "self" => (here.to_vec(), &segs[1..]),
        "super" => {
            let mut base = here.to_vec();
            let mut i = 0;
            while segs.get(i) == Some(&"super") {
                base.pop();
                i += 1;
            }
            (base, &segs[i..])
        }
        _ => return None,
    };
    let mut best = files.contains_key(&base).then(|| base.clone());
    for seg in rest {
        base.push((*seg).to_owned());
        if files.contains_key(&base) {
            best = Some(base.clone());
        } else {
            break;
        }
    }
    best
}

/// Groups of two or more files that reach each other (Tarjan's strongly connected components).
fn circles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a Vec<String>) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in &self.edges[v] {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    group.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    self.found.push(group);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.found
}

#[test]
fn no_import_circle_among_the_crates_source_files() {
    assert_no_circle("../src", 30);
}

#[test]
fn no_import_circle_among_the_mocks_source_files() {
    assert_no_circle("../mock/src", 20);
}

/// Reads the `.rs` files under `dir` (relative to this package) and fails, naming them, on any
/// import circle; `at_least` files must be found, so a moved folder cannot pass by being empty.
fn assert_no_circle(dir: &str, at_least: usize) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let files = modules(&src);
    assert!(
        files.len() > at_least,
        "read {} files from {}",
        files.len(),
        src.display()
    );
    let mut edges = BTreeMap::new();
    for (module, path) in &files {
        let text = code(&std::fs::read_to_string(path).unwrap());
        let targets: BTreeSet<Vec<String>> = paths(&text)
            .iter()
            .filter_map(|p| resolve(p, module, &files))
            .filter(|t| t != module)
            .collect();
        edges.insert(module.clone(), targets);
    }
    let found = circles(&edges);
    let shown: Vec<String> = found
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|m| {
                    if m.is_empty() {
                        "lib".to_owned()
                    } else {
                        m.join("/")
                    }
                })
                .collect::<Vec<_>>()
                .join(" <-> ")
        })
        .collect();
    assert!(shown.is_empty(), "import circles in {dir}: {shown:#?}");
}

#[test]
fn the_checker_finds_a_circle_when_there_is_one() {
    let files: BTreeMap<Vec<String>, PathBuf> = [
        (vec![], PathBuf::new()),
        (vec!["a".to_owned()], PathBuf::new()),
        (vec!["b".to_owned()], PathBuf::new()),
    ]
    .into_iter()
    .collect();
    let a = paths(&code(
        "use crate::b::{Thing, other::More};\nfn f() { crate::b::g(); }",
    ));
    let b = paths(&code(
        "// use crate::a;\nuse super::a::X;\nlet s = \"crate::a\";",
    ));
    assert_eq!(
        resolve(&a[0], &["a".to_owned()], &files),
        Some(vec!["b".to_owned()])
    );
    let mut edges = BTreeMap::new();
    for (name, found) in [("a", a), ("b", b)] {
        let here = vec![name.to_owned()];
        let targets = found
            .iter()
            .filter_map(|p| resolve(p, &here, &files))
            .filter(|t| *t != here)
            .collect();
        edges.insert(here, targets);
    }
    edges.insert(vec![], BTreeSet::new());
    assert_eq!(circles(&edges).len(), 1, "{edges:?}");
}

/// The public structs whose values the crate computes itself (counters, reports, the problems it
/// found in a batch): these keep plain `pub` fields under `#[non_exhaustive]`. Anything decoded
/// from Polar's answers is read through accessors and every input is a builder, so a struct not
/// named here fails [`public_models_have_no_pub_fields`] if it has a `pub`
/// field.
const COMPUTED: &[&str] = &[
    "BudgetStats",
    "RetryStats",
    "IngestStats",
    "IngestReport",
    "RejectedEvent",
    "FailedEvent",
    "EventProblem",
];

/// `(struct, field)` for each `pub` field of each `pub struct` in `code` (comments and string
/// contents already removed by [`code`]). `pub(crate)` and narrower fields are not `pub`.
fn pub_fields(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = code[from..].find("pub struct ") {
        let at = from + found + "pub struct ".len();
        from = at;
        let name: String = code[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let Some(open) = code[at..].find(['{', '(', ';']).map(|o| at + o) else {
            break;
        };
        let close = match code.as_bytes()[open] {
            b'{' => '}',
            b'(' => ')',
            _ => continue,
        };
        // The body up to the matching bracket, split into fields at depth 0.
        let (mut depth, mut field, mut fields) = (0i32, String::new(), Vec::new());
        let mut previous = ' ';
        for c in code[open + 1..].chars() {
            match c {
                '>' if previous == '-' => {} // `fn(..) -> T`
                '{' | '(' | '[' | '<' => depth += 1,
                '}' | ')' | ']' | '>' if depth > 0 => depth -= 1,
                c if c == close => break,
                _ => {}
            }
            previous = c;
            if c == ',' && depth == 0 {
                fields.push(std::mem::take(&mut field));
            } else {
                field.push(c);
            }
        }
        fields.push(field);
        for (index, field) in fields.iter().enumerate() {
            let mut rest = field.trim();
            // Attributes (`#[serde(..)]`) come before the visibility.
            while let Some(attr) = rest.strip_prefix("#[") {
                let mut depth = 1;
                let end = attr
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '[' => depth += 1,
                            ']' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(attr.len(), |(i, _)| i + 1);
                rest = attr[end..].trim_start();
            }
            let public = rest.starts_with("pub ")
                || (rest.starts_with("pub(")
                    && !rest.starts_with("pub(crate)")
                    && !rest.starts_with("pub(super)")
                    && !rest.starts_with("pub(in "));
            if public {
                let field = match close {
                    '}' => rest["pub ".len()..]
                        .split(':')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                    _ => index.to_string(),
                };
                out.push((name.clone(), field));
            }
        }
    }
    out
}

#[test]
fn public_models_have_no_pub_fields() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let files = modules(&src);
    let mut found = Vec::new();
    for path in files.values() {
        let text = code(&std::fs::read_to_string(path).unwrap());
        for (name, field) in pub_fields(&text) {
            if !COMPUTED.contains(&name.as_str()) {
                let shown = path.strip_prefix(&src).unwrap_or(path);
                found.push(format!("src/{}: {name}.{field}", shown.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "public structs with `pub` fields; read what Polar returns through accessors, take \
         inputs through builders (docs/MAINTAINING.md, \"Models\"), or, for a value the crate \
         computes itself, name the struct in COMPUTED: {found:#?}"
    );
}

#[test]
fn the_model_check_finds_a_pub_field_when_there_is_one() {
    let text = code(
        "/// A model.\n#[derive(Debug)]\n#[non_exhaustive]\npub struct Address {\n    \
         /// The country.\n    pub country: Country,\n    #[serde(default, with = \"x\")]\n    \
         pub line1: Option<BTreeMap<String, (u8, u8)>>,\n    pub(crate) city: Option<String>,\n    \
         state: Option<String>,\n}\npub struct Id(pub String);\npub struct Secret(String);\n\
         pub struct Unit;\npub(crate) struct Inner { pub(crate) x: u8 }\n",
    );
    assert_eq!(
        pub_fields(&text),
        [
            ("Address".to_owned(), "country".to_owned()),
            ("Address".to_owned(), "line1".to_owned()),
            ("Id".to_owned(), "0".to_owned()),
        ]
    );
}
