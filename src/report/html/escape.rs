//! Escaping untrusted text for the HTML report.
//!
//! Everything that comes from the input (application, IdP and step names, scripts, file paths,
//! messages) and everything authlint writes about it is text, never markup. One escaper serves
//! element text, attribute values (always quoted with `"`) and SVG text alike: it replaces the
//! five characters that can end a text or an attribute or start markup, so the same call is safe
//! in every one of those places.

use crate::untrusted::{bidi_marker, is_bidi_control};

/// Appends `text` to `out`, escaped for HTML or SVG element text and for a `"`-quoted attribute
/// value: `&`, `<`, `>`, `"` and `'` become character references; control characters other than
/// tab and line breaks (which the HTML parser reports as errors, and which no report needs) become
/// U+FFFD; bidirectional controls become visible markers (see [`crate::untrusted`]).
pub fn push(out: &mut String, text: &str) {
    // Most text needs nothing: copy it in one go.
    if !text.bytes().any(needs_escape) && !text.chars().any(|c| is_control(c) || is_bidi_control(c)) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_control(c) => out.push('\u{FFFD}'),
            c if is_bidi_control(c) => out.push_str(&bidi_marker(c)),
            c => out.push(c),
        }
    }
}

/// `text` escaped as by [`push`].
#[cfg(test)]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push(&mut out, text);
    out
}

fn needs_escape(b: u8) -> bool {
    matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'')
}

fn is_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// JSON text made safe inside `<script type="application/json">`: such an element ends at the
/// first `</script`, whatever the JSON says, so every `<` (and, for good measure, `>` and `&`) is
/// written as a JSON `\u` escape, which `JSON.parse` reads back as the same character. U+2028 and
/// U+2029 are escaped too, so the text stays valid in any JavaScript context.
pub fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_become_references() {
        assert_eq!(
            escape(r#"<script>alert(1)</script> "><img src=x onerror=alert(1)> 'a' & b"#),
            "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt; &#39;a&#39; &amp; b"
        );
    }

    #[test]
    fn plain_text_and_unicode_are_kept() {
        assert_eq!(
            escape("Google — JIT off {{x}} javascript:1\nnext\tline"),
            "Google — JIT off {{x}} javascript:1\nnext\tline"
        );
    }

    #[test]
    fn control_characters_become_replacement_characters() {
        assert_eq!(escape("a\u{0}b\u{1b}[31mc\u{7f}"), "a\u{FFFD}b\u{FFFD}[31mc\u{FFFD}");
    }

    #[test]
    fn bidi_controls_become_visible_markers() {
        assert_eq!(
            escape("admin\u{202E}gnp.exe \u{2066}x\u{2069}"),
            "admin⟨U+202E⟩gnp.exe ⟨U+2066⟩x⟨U+2069⟩"
        );
    }

    #[test]
    fn json_in_a_script_element_cannot_close_it() {
        let json =
            serde_json::to_string(&"</script><script>alert(1)</script> & \u{2028}").unwrap_or_default();
        let safe = json_for_script(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'), "{safe}");
        let back: String = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, "</script><script>alert(1)</script> & \u{2028}");
    }
}
