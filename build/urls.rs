//! How the generated methods get their request URLs. progenitor formats each URL from the base URL
//! as text (`format!("{}/v1/customers/{}", self.baseurl, …)`), which reqwest then parses whole,
//! scheme and host included, on every request. `build.rs` rewrites the generated code so that the
//! text formatted is the path alone and the URL comes from the client's state
//! (`ClientState::url`), which keeps the base URL parsed once per client and sets only the path.
//! Shared by `build.rs` and, for its tests, by `cargo xtask` (which includes this file).

/// How progenitor starts each URL: `format ! ("{}/v1/customers/{}" , self . baseurl , …)`.
const FORMAT: &str = "format ! (";
/// What follows a URL's format string: the base URL as its first argument.
const BASE_VALUE: &str = " , self . baseurl ,";
/// How a generated method starts its request: `self . client . post (url)` and so on.
const SEND: &str = "self . client . ";
const SEND_URL: &str = " (url)";
/// The Dropshot `api-version` header progenitor puts on every request. Polar reads its version from
/// `Polar-Version` (set by the request hooks), so the generated code does not build this one.
const DROPSHOT_VERSION: &str = "header_map . append (:: reqwest :: header :: HeaderName :: from_static (\"api-version\") , :: reqwest :: header :: HeaderValue :: from_static (Self :: api_version ()) ,) ;";
/// The header map of an operation without header parameters, sized for that one header; without
/// it, nothing is allocated.
const HEADERS_FOR_ONE: &str =
    "let mut header_map = :: reqwest :: header :: HeaderMap :: with_capacity (1usize) ;";
const HEADERS_FOR_NONE: &str = "let header_map = :: reqwest :: header :: HeaderMap :: new () ;";

/// `code` (progenitor's output, as `TokenStream::to_string` prints it) with every request URL
/// formatted without the base URL and passed through `self.inner.url(&…)`.
///
/// # Errors
/// When the URLs are not built the way this expects (progenitor changed its output): the count
/// of each pattern found, so the build fails instead of sending requests to a wrong URL.
pub fn path_only_urls(code: &str) -> Result<String, String> {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    let mut rewritten = 0;
    while let Some(start) = rest.find(FORMAT) {
        let (before, from) = rest.split_at(start + FORMAT.len());
        out.push_str(before);
        let Some(literal_len) = string_literal_len(from) else {
            rest = from;
            continue;
        };
        let (literal, after) = from.split_at(literal_len);
        out.push_str(literal);
        match after.strip_prefix(BASE_VALUE) {
            Some(tail) if literal.starts_with("\"{}") => {
                // The base URL's place is filled with nothing: the formatted text is the path.
                out.push_str(" , \"\" ,");
                rewritten += 1;
                rest = tail;
            }
            _ => rest = after,
        }
    }
    out.push_str(rest);

    let mut routed = String::with_capacity(out.len());
    let mut rest = out.as_str();
    let mut sends = 0;
    while let Some(start) = rest.find(SEND) {
        let (before, from) = rest.split_at(start + SEND.len());
        routed.push_str(before);
        let method_len = from
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(from.len());
        let (method, tail) = from.split_at(method_len);
        routed.push_str(method);
        match tail.strip_prefix(SEND_URL) {
            Some(tail) => {
                routed.push_str(" (self . inner . url (& url))");
                sends += 1;
                rest = tail;
            }
            None => rest = tail,
        }
    }
    routed.push_str(rest);

    let urls = code.matches("let url = ").count();
    let dropshot = routed.matches(DROPSHOT_VERSION).count();
    let routed = routed
        .replace(DROPSHOT_VERSION, "")
        .replace(HEADERS_FOR_ONE, HEADERS_FOR_NONE);
    if rewritten != urls || sends != urls || dropshot != urls {
        return Err(format!(
            "expected every generated method to format its URL from `self.baseurl` and send to it \
             ({urls} URLs; {rewritten} formatted from the base URL, {sends} sent, {dropshot} \
             with progenitor's `api-version` header)"
        ));
    }
    Ok(routed)
}

/// The length of the string literal `text` starts with (quotes included); `None` when `text`
/// does not start with one.
fn string_literal_len(text: &str) -> Option<usize> {
    if !text.starts_with('"') {
        return None;
    }
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two methods as progenitor 0.15 prints them (docs cut): one with a path parameter.
    const GENERATED: &str = concat!(
        r#"pub async fn customers_create < 'a > (& 'a self , body : & 'a crate :: new_customer :: NewCustomer) -> Result < ResponseValue < crate :: customer :: Customer > , Error < () > , > { "#,
        r#"let url = format ! ("{}/v1/customers/" , self . baseurl ,) ; "#,
        r#"let mut header_map = :: reqwest :: header :: HeaderMap :: with_capacity (1usize) ; "#,
        r#"header_map . append (:: reqwest :: header :: HeaderName :: from_static ("api-version") , :: reqwest :: header :: HeaderValue :: from_static (Self :: api_version ()) ,) ; "#,
        r#"# [allow (unused_mut)] let mut request = self . client . post (url) . json (& body) . headers (header_map) . build () ? ; } "#,
        r#"pub async fn customers_get < 'a > (& 'a self , id : & 'a :: uuid :: Uuid) { "#,
        r#"let url = format ! ("{}/v1/customers/{}" , self . baseurl , encode_path (& id . to_string ()) ,) ; "#,
        r#"let mut header_map = :: reqwest :: header :: HeaderMap :: with_capacity (1usize) ; "#,
        r#"header_map . append (:: reqwest :: header :: HeaderName :: from_static ("api-version") , :: reqwest :: header :: HeaderValue :: from_static (Self :: api_version ()) ,) ; "#,
        r#"# [allow (unused_mut)] let mut request = self . client . get (url) . headers (header_map) . build () ? ; } "#,
        r#"fn client (& self) -> & reqwest :: Client { & self . client } "#,
        r#"fn fmt (& self) -> String { format ! ("{}" , self . 0) }"#,
    );

    #[test]
    fn urls_are_formatted_as_paths_and_sent_through_the_client_state() {
        let code = path_only_urls(GENERATED).unwrap();
        assert!(code.contains(r#"let url = format ! ("{}/v1/customers/" , "" ,) ;"#));
        assert!(code.contains(
            r#"let url = format ! ("{}/v1/customers/{}" , "" , encode_path (& id . to_string ()) ,) ;"#
        ));
        assert!(code.contains("self . client . post (self . inner . url (& url)) . json"));
        assert!(code.contains("self . client . get (self . inner . url (& url)) . headers"));
        assert!(!code.contains("baseurl"));
        // Everything else is untouched.
        assert!(code.contains(r#"format ! ("{}" , self . 0)"#));
        assert!(code.contains("{ & self . client }"));
    }

    #[test]
    fn the_dropshot_version_header_is_not_built() {
        let code = path_only_urls(GENERATED).unwrap();
        assert!(!code.contains("api-version"));
        assert_eq!(code.matches(HEADERS_FOR_NONE).count(), 2);
        assert!(!code.contains("with_capacity"));
    }

    #[test]
    fn output_it_does_not_recognise_fails_the_build() {
        // A URL formatted some other way, a request sent some other way, a header added otherwise:
        // each leaves a URL that would not go through the client state, so the rewrite refuses.
        for (from, to) in [
            (" , self . baseurl ,", " , self . inner . base ,"),
            (
                "self . client . get (url)",
                "self . client . get (url . as_str ())",
            ),
            (
                "from_static (\"api-version\")",
                "from_static (\"x-api-version\")",
            ),
        ] {
            let changed = GENERATED.replacen(from, to, 1);
            let error = path_only_urls(&changed).unwrap_err();
            assert!(error.contains("2 URLs"), "{from}: {error}");
        }
    }

    #[test]
    fn string_literals_end_at_their_unescaped_closing_quote() {
        assert_eq!(string_literal_len(r#""{}/v1/a" , x"#), Some(9));
        assert_eq!(string_literal_len(r#""a\"b" , x"#), Some(6));
        assert_eq!(string_literal_len(r#""a\\" , x"#), Some(5));
        assert_eq!(string_literal_len("x \"a\""), None);
        assert_eq!(string_literal_len("\"open"), None);
    }
}
