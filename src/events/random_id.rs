//! The random `external_id` the client gives an event that has none: a version-4 UUID in its
//! lowercase hyphenated form, written eight hex digits at a time (the ingestor makes one per event
//! handed over; `uuid`'s encoder takes a digit per step and costs several times more).

/// A random version-4 UUID as text, e.g. `"0f8e2c5a-93b1-4d7e-a2c4-5b6d7e8f9a0b"`.
pub(crate) fn random_uuid_v4() -> String {
    uuid_v4_text(fastrand::u128(..))
}

/// The version-4 UUID made of these random bits (as `uuid::Builder::from_random_bytes` makes it
/// from the big-endian bytes of `random`), in its lowercase hyphenated form.
fn uuid_v4_text(random: u128) -> String {
    let mut bytes = random.to_be_bytes();
    // The version (4) in the high nibble of byte 6, the variant (10xx) in the top bits of byte 8.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let digits = [hex8(word(0)), hex8(word(4)), hex8(word(8)), hex8(word(12))];
    // 8-4-4-4-12 digits.
    let mut text = [b'-'; 36];
    text[0..8].copy_from_slice(&digits[0]);
    text[9..13].copy_from_slice(&digits[1][..4]);
    text[14..18].copy_from_slice(&digits[1][4..]);
    text[19..23].copy_from_slice(&digits[2][..4]);
    text[24..28].copy_from_slice(&digits[2][4..]);
    text[28..36].copy_from_slice(&digits[3]);
    // Hex digits and hyphens only: always UTF-8. Were it not, `uuid`'s own text of the same
    // bytes, never an empty or partial ID (an empty `external_id` would defeat deduplication).
    std::str::from_utf8(&text).map_or_else(
        |_| uuid::Uuid::from_bytes(bytes).hyphenated().to_string(),
        str::to_owned,
    )
}

/// The eight lowercase hex digits of `value`, most significant first, computed in one 64-bit word:
/// each nibble is spread into a byte of its own, then turned into its ASCII digit.
fn hex8(value: u32) -> [u8; 8] {
    let x = u64::from(value);
    // Spread: 16-bit halves, then bytes, then nibbles, each into the low half of a wider lane.
    let x = ((x & 0xffff_0000) << 16) | (x & 0x0000_ffff);
    let x = ((x & 0x0000_ff00_0000_ff00) << 8) | (x & 0x0000_00ff_0000_00ff);
    let x = ((x & 0x00f0_00f0_00f0_00f0) << 4) | (x & 0x000f_000f_000f_000f);
    // A byte holding 10 to 15 gets bit 4 set when 6 is added: those become `a` to `f`.
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    let ascii = x + 0x3030_3030_3030_3030 + letters * (b'a' - b'0' - 10) as u64;
    // The lowest nibble sits in the lowest byte: big-endian bytes put the first digit first.
    ascii.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_uuids_own_for_the_same_bits() {
        let mut cases = vec![0, u128::MAX, 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210];
        cases.extend((0..10_000).map(|_| fastrand::u128(..)));
        for random in cases {
            let expected = uuid::Builder::from_random_bytes(random.to_be_bytes())
                .into_uuid()
                .hyphenated()
                .to_string();
            assert_eq!(uuid_v4_text(random), expected, "{random:#x}");
        }
    }

    #[test]
    fn every_id_is_a_version_4_uuid() {
        for _ in 0..1_000 {
            let id = random_uuid_v4();
            let parsed = uuid::Uuid::parse_str(&id).map(|id| id.get_version_num());
            assert_eq!(parsed.ok(), Some(4), "{id}");
        }
    }

    #[test]
    fn hex_digits_come_most_significant_first() {
        assert_eq!(&hex8(0x0123_abcd), b"0123abcd");
        assert_eq!(&hex8(0), b"00000000");
        assert_eq!(&hex8(u32::MAX), b"ffffffff");
    }
}
