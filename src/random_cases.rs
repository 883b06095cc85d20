//! Seeded randomized test cases for the unit tests (compiled only for `cargo test`): a property is
//! checked on hundreds of inputs drawn from `fastrand`, and a failing case reports the seed that
//! reproduces it (`POLAR_TEST_SEED=<seed> cargo test -p polar-client --lib <test name>`).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

/// Runs `case` `cases` times, each with its own generator seeded from a base seed (random, or
/// `POLAR_TEST_SEED` when set, so a reported failure can be replayed). A panicking case prints its
/// seed before the panic goes on.
pub(crate) fn check(cases: u64, mut case: impl FnMut(&mut fastrand::Rng)) {
    let base = std::env::var("POLAR_TEST_SEED")
        .ok()
        .and_then(|seed| seed.parse::<u64>().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    for i in 0..cases {
        let seed = base.wrapping_add(i);
        let mut rng = fastrand::Rng::with_seed(seed);
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| case(&mut rng))) {
            eprintln!(
                "randomized case {i} failed; replay it with POLAR_TEST_SEED={seed} \
                 (the run's base seed was {base})"
            );
            resume_unwind(panic);
        }
    }
}

/// A string of `len` characters, each drawn by `pick`.
pub(crate) fn string(
    rng: &mut fastrand::Rng,
    len: std::ops::RangeInclusive<usize>,
    mut pick: impl FnMut(&mut fastrand::Rng) -> char,
) -> String {
    let len = rng.usize(len);
    (0..len).map(|_| pick(rng)).collect()
}

/// One character of `alphabet`.
pub(crate) fn one_of(rng: &mut fastrand::Rng, alphabet: &[char]) -> char {
    alphabet[rng.usize(..alphabet.len())]
}

/// Any character that is not a control character (the regex class `\PC`, widened to every
/// assigned or unassigned scalar value): ASCII half the time, else Latin-1 and the rest of the
/// Basic Multilingual Plane, else anything up to U+10FFFF.
pub(crate) fn printable(rng: &mut fastrand::Rng) -> char {
    loop {
        let c = match rng.u8(..4) {
            0 | 1 => rng.char(' '..='~'),
            2 => rng.char('\u{a0}'..='\u{ffff}'),
            _ => rng.char('\u{a0}'..='\u{10ffff}'),
        };
        if !c.is_control() {
            return c;
        }
    }
}

/// A control character (`\p{Cc}`): C0, DEL or C1.
pub(crate) fn control(rng: &mut fastrand::Rng) -> char {
    match rng.u8(..3) {
        0 | 1 => rng.char('\u{0}'..='\u{1f}'),
        _ => rng.char('\u{7f}'..='\u{9f}'),
    }
}

/// A whitespace character (`\s`), Unicode's included.
pub(crate) fn whitespace(rng: &mut fastrand::Rng) -> char {
    one_of(
        rng,
        &[
            ' ', '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
            '\u{2007}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
        ],
    )
}

/// The characters of an ASCII range, for alphabets.
pub(crate) fn ascii_range(from: char, to: char) -> impl Iterator<Item = char> {
    (from..=to).filter(char::is_ascii)
}
