//! Untrusted text that every output treats alike.
//!
//! Names, scripts and paths come from the user's files. Each output escapes them in its own
//! way (see `report/html/escape.rs`, `report/markdown.rs`, `graph/mermaid.rs`, `graph/dot.rs`);
//! what they share lives here:
//! - the bidirectional-text controls: invisible, they reorder the text around them when it is
//!   displayed (CVE-2021-42574, "Trojan Source"): an application named `admin\u{202E}gnp.exe`
//!   would read as another name, and a control in one name could reorder the words of the
//!   message it sits in. Every output shows each of them as a visible marker instead,
//!   `⟨U+202E⟩`, which names the character and reorders nothing;
//! - names on one line, as authlint's own text quotes them ([`one_line`]);
//! - what a terminal must not be sent ([`terminal`]).

/// A name from the input as authlint's own text quotes it (in a message, a label, a help, a
/// table cell): line breaks and other control characters as spaces, so that a name cannot end a
/// line of authlint's text and start one that reads as authlint's. The name itself (what the
/// checks compare, what the fixes write) stays as written.
pub fn one_line(name: &str) -> std::borrow::Cow<'_, str> {
    let breaks = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !name.chars().any(breaks) {
        return std::borrow::Cow::Borrowed(name);
    }
    std::borrow::Cow::Owned(name.chars().map(|c| if breaks(c) { ' ' } else { c }).collect())
}

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

/// Text for a terminal (`--format human`, `concise`, `github`, `fix`): every control character
/// but tab and line breaks (`\n`, `\r\n`; a lone `\r` is none: it lets the rest of a line
/// overwrite its start; an escape sequence can recolour, retitle or clear the terminal, or hide the
/// text after it) and every bidirectional control becomes a visible character of the same
/// length in UTF-8 (`?`, `¿` or U+FFFD for one, two or three bytes), so that byte offsets into
/// the text (a code frame's spans) stay where they were.
pub fn terminal(text: &str) -> std::borrow::Cow<'_, str> {
    terminal_with(text, false)
}

/// [`terminal`], and line breaks as spaces too: for what must stay on one line (a message, a
/// path, a label).
pub fn terminal_line(text: &str) -> std::borrow::Cow<'_, str> {
    terminal_with(text, true)
}

fn terminal_with(text: &str, one_line: bool) -> std::borrow::Cow<'_, str> {
    // A carriage return is a line break only before a line feed: alone, it sends the cursor back
    // to the start of the line, and what follows overwrites what the line said.
    let unsafe_char = |c: char, next: Option<char>| {
        let line_break = c == '\n' || (c == '\r' && next == Some('\n'));
        (c.is_control() && c != '\t' && !line_break) || is_bidi_control(c)
    };
    let changes = |c: char, next: Option<char>| unsafe_char(c, next) || (one_line && c.is_control());
    let mut chars = text.chars().peekable();
    let mut clean = true;
    while let Some(c) = chars.next() {
        if changes(c, chars.peek().copied()) {
            clean = false;
            break;
        }
    }
    if clean {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' | '\n' | '\r' if one_line => out.push(' '),
            c if unsafe_char(c, chars.peek().copied()) => out.push(match c.len_utf8() {
                1 => '?',
                2 => '¿',
                _ => '\u{FFFD}',
            }),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_on_one_line() {
        assert_eq!(one_line("Google\n\n0 errors\r\u{2028}x\u{1b}"), "Google  0 errors  x ");
        assert!(matches!(one_line("Zürich IdP"), std::borrow::Cow::Borrowed(_)));
    }

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

    #[test]
    fn terminal_text_holds_no_escape_sequence_and_keeps_its_length() {
        let hostile = "name\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202E}x\ty\nz";
        let safe = terminal(hostile);
        assert_eq!(safe, "name?]0;pwned??[2J¿31m\u{FFFD}x\ty\nz");
        assert_eq!(safe.len(), hostile.len());
        assert_eq!(terminal_line(hostile), "name?]0;pwned??[2J¿31m\u{FFFD}x y z");
        assert!(matches!(terminal("plain\ttext\r\n"), std::borrow::Cow::Borrowed(_)));
        // A carriage return alone would let the rest overwrite the line.
        assert_eq!(terminal("shown\rhidden\r\nnext\r"), "shown?hidden\r\nnext?");
        assert_eq!(terminal_line("a\r\nb\rc"), "a  b c");
    }
}
