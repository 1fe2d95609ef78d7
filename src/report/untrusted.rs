//! Untrusted text that every output treats alike.
//!
//! Names, scripts and paths come from the user's files. Each output escapes them in its own
//! way (see `html/escape.rs`, `markdown.rs`, `graph/mermaid.rs`, `graph/dot.rs`); what they share
//! lives here: the bidirectional-text controls. Those characters are invisible and reorder the
//! text around them when it is displayed (CVE-2021-42574, "Trojan Source"): an application named
//! `admin\u{202E}gnp.exe` would read as another name, and a control in one name could reorder the
//! words of the message it sits in. Every output shows each of them as a visible marker instead,
//! `⟨U+202E⟩`, which names the character and reorders nothing.

/// Whether `c` is a bidirectional formatting character: the embeddings and overrides
/// (U+202A-U+202E), the isolates (U+2066-U+2069) and the marks (U+200E, U+200F, U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The visible stand-in for a bidirectional control: `⟨U+202E⟩`.
pub fn bidi_marker(c: char) -> String {
    format!("⟨U+{:04X}⟩", c as u32)
}

/// `text` with every bidirectional control replaced by its marker (borrowed when there is none).
pub fn show_bidi(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_bidi_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_bidi_control(c) {
            out.push_str(&bidi_marker(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bidi_control_becomes_a_marker() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
            '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            assert!(is_bidi_control(c), "{:04X}", c as u32);
        }
        assert_eq!(show_bidi("admin\u{202E}gnp.exe"), "admin⟨U+202E⟩gnp.exe");
        // Right-to-left letters themselves are text, not controls.
        assert_eq!(show_bidi("שלום Zürich"), "שלום Zürich");
        assert!(matches!(show_bidi("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
