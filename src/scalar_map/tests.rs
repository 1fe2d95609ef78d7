//! Tests of `scalar_map`.

use super::*;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

#[test]
fn runs_give_back_every_offset_of_the_table() {
    // Lines of a block scalar (runs), a multi-byte character (repeated offsets), an escape
    // (a jump back), and the end.
    let tables: [&[usize]; 5] =
        [&[4], &[10, 11, 12, 20, 21, 22, 23], &[5, 5, 6, 7, 7, 7, 8], &[9, 8, 7, 100, 101], &[0, 1, 2, 3]];
    for table in tables {
        let map = ScalarMap::from_offsets(table.to_vec()).expect("non-empty");
        for (i, &host) in table.iter().enumerate() {
            assert_eq!(map.to_host(i), host, "{table:?} at {i}");
        }
        // Past the end: the end offset.
        assert_eq!(map.to_host(table.len() + 3), *table.last().expect("non-empty"));
    }
    assert!(ScalarMap::from_offsets(Vec::new()).is_none());
}

/// Parses `host` (a mapping of string values) with serde-saphyr and
/// returns, for `key`, the start offset and decoded value it reports.
fn saphyr(host: &str, key: &str) -> (usize, String) {
    let map: BTreeMap<String, Spanned<String>> = serde_saphyr::from_str(host).expect("test input parses");
    let value = map.get(key).expect("key present");
    let start = value.referenced.span().byte_offset().expect("byte offset available");
    (usize::try_from(start).expect("offset fits"), value.value.clone())
}

/// Builds the map for `key` from what serde-saphyr reports, checks the
/// general invariants, and returns it with the decoded value.
fn build_for(host: &str, key: &str) -> (ScalarMap, String) {
    let (start, decoded) = saphyr(host, key);
    let map =
        ScalarMap::build(host, start, &decoded).unwrap_or_else(|| panic!("no map for {key:?} = {decoded:?}"));
    check_invariants(host, &decoded, &map);
    (map, decoded)
}

/// Every mapped offset is a char boundary of `host`, offsets never go
/// backwards, and each decoded char maps either to the same char in the
/// host or to an escape / quote / line break that produced it.
fn check_invariants(host: &str, decoded: &str, map: &ScalarMap) {
    let mut last = 0;
    for (i, c) in decoded.char_indices() {
        let at = map.to_host(i);
        assert!(at >= last, "offsets go backwards at {i}");
        last = at;
        let rest = host.get(at..).expect("char boundary");
        let ok = rest.starts_with(c)
            || rest.starts_with(['\\', '\'', '\n', '\r'])
            || (c == '\n' && rest.is_empty());
        assert!(ok, "decoded {c:?} at {i} maps to {:?}", &rest[..rest.len().min(10)]);
        for k in 1..c.len_utf8() {
            assert_eq!(map.to_host(i + k), at, "inner byte of {c:?}");
        }
    }
    assert!(map.to_host(decoded.len()) >= last);
    assert!(host.is_char_boundary(map.to_host(decoded.len())));
}

/// Asserts that the decoded text `needle` (first occurrence) maps to a
/// host position where the host text starts with `host_prefix`.
fn assert_maps(host: &str, decoded: &str, map: &ScalarMap, needle: &str, host_prefix: &str) {
    let offset = decoded.find(needle).expect("needle in decoded");
    let at = map.to_host(offset);
    assert!(
        host[at..].starts_with(host_prefix),
        "{needle:?} mapped to {:?}, expected {host_prefix:?}",
        &host[at..host.len().min(at + 20)]
    );
}

/// Line and column (1-based) of a host offset, as a diagnostic would show.
fn line_col(host: &str, at: usize) -> (usize, usize) {
    let before = &host[..at];
    let line = before.matches('\n').count() + 1;
    let col = at - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn json_string_with_escapes() {
    let host = "{\n  \"script\": \"var s = \\\"h\\u00e9\\\"; // caf\u{e9} \\ud83d\\ude00\\n\\tx\\/y\"\n}\n";
    let (map, decoded) = build_for(host, "script");
    assert_eq!(decoded, "var s = \"h\u{e9}\"; // caf\u{e9} \u{1f600}\n\tx/y");
    assert_maps(host, &decoded, &map, "var", "var s");
    assert_maps(host, &decoded, &map, "\"h", "\\\"h\\u00e9");
    assert_maps(host, &decoded, &map, "h\u{e9}", "h\\u00e9");
    assert_maps(host, &decoded, &map, "\u{e9}\"", "\\u00e9\\\"");
    assert_maps(host, &decoded, &map, "; //", "; // caf");
    assert_maps(host, &decoded, &map, "\u{e9} ", "\u{e9} \\ud83d");
    assert_maps(host, &decoded, &map, "\u{1f600}", "\\ud83d\\ude00\\n");
    assert_maps(host, &decoded, &map, "\n", "\\n\\tx");
    assert_maps(host, &decoded, &map, "\t", "\\tx");
    assert_maps(host, &decoded, &map, "/y", "\\/y");
    assert_maps(host, &decoded, &map, "y", "y\"");
    // Inside the 4-byte emoji: clamps to its escape.
    let emoji = decoded.find('\u{1f600}').expect("emoji");
    assert_eq!(map.to_host(emoji + 2), map.to_host(emoji));
    // End: the closing quote.
    assert!(host[map.to_host(decoded.len())..].starts_with("\"\n}"));
    assert_eq!(map.to_host(decoded.len() + 100), map.to_host(decoded.len()));
    assert_eq!(line_col(host, map.to_host(0)), (2, 14));
}

#[test]
fn literal_block_with_blank_line_and_deeper_indentation() {
    let host = "name: x\nscript: |\n  var a = 1;\n\n  function f() {\n    return a;\n  }\nother: y\n";
    let (map, decoded) = build_for(host, "script");
    assert_eq!(decoded, "var a = 1;\n\nfunction f() {\n  return a;\n}\n");
    assert_maps(host, &decoded, &map, "var", "var a = 1;\n\n  function");
    assert_maps(host, &decoded, &map, "function", "function f()");
    // The extra indentation is content: it maps to the spaces after the
    // block indentation.
    assert_maps(host, &decoded, &map, "  return", "  return a;");
    assert_maps(host, &decoded, &map, "return", "return a;");
    assert_maps(host, &decoded, &map, "}", "}\nother");
    // Line feeds map to the host line breaks, including the empty line's.
    assert_maps(host, &decoded, &map, "\n\n", "\n\n  function");
    assert_maps(host, &decoded, &map, "\nfunction", "\n  function");
    assert_eq!(line_col(host, map.to_host(decoded.find("return").unwrap())), (6, 5));
    // End: the final line break, not the next line.
    assert!(host[map.to_host(decoded.len())..].starts_with("\nother"));
}

#[test]
fn literal_block_strip_and_keep_and_comment() {
    let host = "a: |-\n  one\n  two\n\nb: |+ # keep it\n  three\n\n\nc: |2\n    four\n  five\n";
    let (map, decoded) = build_for(host, "a");
    assert_eq!(decoded, "one\ntwo");
    assert_maps(host, &decoded, &map, "two", "two\n\nb:");
    assert!(host[map.to_host(decoded.len())..].starts_with("\n\nb:"));

    let (map, decoded) = build_for(host, "b");
    assert_eq!(decoded, "three\n\n\n");
    assert_maps(host, &decoded, &map, "three", "three\n");
    assert!(host[map.to_host(decoded.len() - 1)..].starts_with("\nc:"));

    let (map, decoded) = build_for(host, "c");
    assert_eq!(decoded, "  four\nfive\n");
    assert_maps(host, &decoded, &map, "  four", "  four");
    assert_maps(host, &decoded, &map, "five", "five");
}

#[test]
fn literal_block_with_leading_empty_lines() {
    // serde-saphyr reports the first non-empty line; the leading empty
    // lines (above `start`) still decode to line feeds.
    let host = "a: |\n\n  \n  x = 1\n";
    let (start, decoded) = saphyr(host, "a");
    assert_eq!(decoded, "\n\nx = 1\n");
    assert!(host[start..].starts_with("x = 1"));
    let (map, decoded) = build_for(host, "a");
    // Not the header's own line break (4), but the empty lines' ones.
    assert_eq!(map.to_host(0), 5);
    assert_eq!(map.to_host(1), 8);
    assert_maps(host, &decoded, &map, "x", "x = 1");
}

#[test]
fn folded_block() {
    let host = "s: >\n  one\n  two\n\n  three\n    more\n  four\nt: 1\n";
    let (map, decoded) = build_for(host, "s");
    assert_eq!(decoded, "one two\nthree\n  more\nfour\n");
    // The folded space maps to the line break it replaces.
    assert_maps(host, &decoded, &map, " two", "\n  two");
    assert_maps(host, &decoded, &map, "two", "two\n");
    // Text lines separated by one empty line: the empty line's break.
    assert_maps(host, &decoded, &map, "\nthree", "\n  three");
    assert_maps(host, &decoded, &map, "three", "three");
    assert_maps(host, &decoded, &map, "  more", "  more");
    assert_maps(host, &decoded, &map, "four", "four");
}

#[test]
fn single_quoted_with_doubled_quote_and_folding() {
    let host = "s: 'it''s   \n    a\n\n  test'\n";
    let (map, decoded) = build_for(host, "s");
    assert_eq!(decoded, "it's a\ntest");
    assert_maps(host, &decoded, &map, "'", "''s");
    assert_maps(host, &decoded, &map, "s a", "s   \n");
    // Trailing spaces are dropped; the folded space is the line break.
    assert_maps(host, &decoded, &map, " a", "\n    a");
    assert_maps(host, &decoded, &map, "a", "a\n\n");
    assert_maps(host, &decoded, &map, "\n", "\n  test");
    assert_maps(host, &decoded, &map, "test", "test'");
    assert!(host[map.to_host(decoded.len())..].starts_with("'\n"));
}

#[test]
fn double_quoted_multi_line() {
    let host = "s: \"first \\t\t\n   second\n\n   third \\\n     fourth\\x41\\U0001F600\\N\"\n";
    let (map, decoded) = build_for(host, "s");
    assert_eq!(decoded, "first \t second\nthird fourthA\u{1f600}\u{85}");
    assert_maps(host, &decoded, &map, "\t", "\\t\t\n");
    assert_maps(host, &decoded, &map, " second", "\n   second");
    assert_maps(host, &decoded, &map, "second", "second");
    assert_maps(host, &decoded, &map, "third", "third \\\n");
    // Escaped line break: no character; the space before it is kept.
    assert_maps(host, &decoded, &map, " fourth", " \\\n");
    assert_maps(host, &decoded, &map, "fourth", "fourth");
    assert_maps(host, &decoded, &map, "A", "\\x41");
    assert_maps(host, &decoded, &map, "\u{1f600}", "\\U0001F600");
    assert_maps(host, &decoded, &map, "\u{85}", "\\N\"");
}

#[test]
fn plain_multi_line() {
    let host = "s: alpha beta\n   gamma\n\n   delta # comment\nt: 1\n";
    let (map, decoded) = build_for(host, "s");
    assert_eq!(decoded, "alpha beta gamma\ndelta");
    assert_maps(host, &decoded, &map, " gamma", "\n   gamma");
    assert_maps(host, &decoded, &map, "gamma", "gamma");
    assert_maps(host, &decoded, &map, "delta", "delta #");
    assert!(host[map.to_host(decoded.len())..].starts_with(" # comment"));
}

#[test]
fn crlf_line_breaks() {
    let host = "a: |\r\n  l1\r\n\r\n  l2\r\nb: \"x\r\n  y\"\r\nc: >-\r\n  f1\r\n  f2\r\nd: p1\r\n  p2\r\n";
    let (map, decoded) = build_for(host, "a");
    assert_eq!(decoded, "l1\n\nl2\n");
    assert_maps(host, &decoded, &map, "l2", "l2\r\n");
    assert_maps(host, &decoded, &map, "\n\n", "\r\n\r\n  l2");
    assert!(host[map.to_host(decoded.len())..].starts_with("\r\nb:"));

    let (map, decoded) = build_for(host, "b");
    assert_eq!(decoded, "x y");
    assert_maps(host, &decoded, &map, " ", "\r\n  y");
    assert_maps(host, &decoded, &map, "y", "y\"");

    let (map, decoded) = build_for(host, "c");
    assert_eq!(decoded, "f1 f2");
    assert_maps(host, &decoded, &map, "f2", "f2\r\n");

    let (map, decoded) = build_for(host, "d");
    assert_eq!(decoded, "p1 p2");
    assert_maps(host, &decoded, &map, "p2", "p2\r\n");
}

#[test]
fn block_indicator_in_comment_is_not_a_header() {
    let host = "key:   # see a |\n  value text\n\"a | b\": # x >\n  more\n";
    let (map, decoded) = build_for(host, "key");
    assert_eq!(decoded, "value text");
    assert_maps(host, &decoded, &map, "text", "text\n");
    let (map, decoded) = build_for(host, "a | b");
    assert_eq!(decoded, "more");
    assert_maps(host, &decoded, &map, "more", "more\n");
}

#[test]
fn block_content_starting_with_a_quote() {
    let host = "s: |\n  \"use strict\";\n  f('x');\n";
    let (map, decoded) = build_for(host, "s");
    assert_eq!(decoded, "\"use strict\";\nf('x');\n");
    assert_maps(host, &decoded, &map, "f(", "f('x')");
}

#[test]
fn identity_map() {
    let map = ScalarMap::identity(10, 5);
    assert_eq!(map.to_host(0), 10);
    assert_eq!(map.to_host(3), 13);
    assert_eq!(map.to_host(5), 15);
    assert_eq!(map.to_host(99), 15);
}

#[test]
fn empty_values() {
    let host = "a: \"\"\nb: ''\nc: |\nd: x\n";
    for key in ["a", "b", "c"] {
        let (start, decoded) = saphyr(host, key);
        assert_eq!(decoded, "");
        let map = ScalarMap::build(host, start, &decoded).expect("map");
        assert!(map.to_host(0) >= start);
    }
}

#[test]
fn mismatch_returns_none() {
    let host = "s: \"abc\"\nt: |\n  line\n";
    assert_eq!(ScalarMap::build(host, 3, "abd"), None);
    assert_eq!(ScalarMap::build(host, 3, "ab"), None);
    assert_eq!(ScalarMap::build(host, 3, "abcd"), None);
    assert_eq!(ScalarMap::build(host, 16, "line"), None);
    assert_eq!(ScalarMap::build(host, 16, "lines\n"), None);
    assert!(ScalarMap::build(host, 16, "line\n").is_some());
}

#[test]
fn garbage_never_panics() {
    let hosts = [
        "",
        "\"",
        "'",
        "\"\\",
        "\"\\u12",
        "\"\\ud83d\\u",
        "\"\\ud83d\\uzzzz\"",
        "\"\\x+1\"",
        "|",
        "a: |\n",
        "a: |\r",
        "\r\n\r\n  x",
        "a: >\n  \u{e9}\u{e9}\n\u{1f600}",
        "\u{e9}\u{1f600}\n \t\r",
        "a: 'x\n\n",
    ];
    let decodeds = ["", "x", "\u{e9}", "\n", " ", "\"", "ab\ncd"];
    for host in hosts {
        for start in 0..host.len() + 3 {
            for decoded in decodeds {
                if let Some(map) = ScalarMap::build(host, start, decoded) {
                    for i in 0..decoded.len() + 3 {
                        let at = map.to_host(i);
                        assert!(at <= host.len() + 1, "{host:?} {start} {decoded:?}");
                    }
                }
            }
        }
    }
    assert_eq!(ScalarMap::build("abc", usize::MAX, "a"), None);
    // Start inside a multi-byte char.
    assert_eq!(ScalarMap::build("\u{e9}x", 1, "x"), None);
}

/// Cross-check against serde-saphyr over many combinations of styles,
/// line breaks and contents: every value must get a map satisfying the
/// invariants.
#[test]
fn all_styles_cross_check() {
    let bodies: &[&str] = &[
        "\"a \\\"b\\\" \\u00e9\\t c\"",
        "\"x\n  y\n\n  z  \"",
        "\"p\\\n   q\"",
        "'a ''b''\n\n   c'",
        "plain text\n  continued",
        "|\n  l1\n\n    l2\n  l3",
        "|-\n\n  x\n  y",
        "|+\n  x\n\n",
        ">\n  a\n  b\n\n  c\n   d\n  e",
        ">-\n  a\n  b",
        "|2 # c\n    x\n  y",
        "| # c |\n  x",
    ];
    for newline in ["\n", "\r\n"] {
        for body in bodies {
            let host = format!("k0: v\nkey: {body}\nk1: v\n").replace('\n', newline);
            let (map, _) = build_for(&host, "key");
            assert!(map.to_host(0) > 8);
        }
    }
}
