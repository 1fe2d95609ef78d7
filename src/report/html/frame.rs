//! Code frames and edit diffs of the HTML report.
//!
//! A frame shows the lines around a finding with its span marked (`<mark>`), numbered, with the
//! label of each mark on a line of its own below, as the terminal output draws them. Lines of a
//! file that holds a whole script on one line (a JSON string) are shown as a window around the
//! marks, so a frame stays a few hundred characters wide whatever the file.

use super::escape::push as text;
use crate::diagnostic::Edit;
use crate::source::{SourceFile, SourceFiles, Span};
use crate::untrusted::{bidi_marker, is_bidi_control};

/// Lines shown before and after the marked ones.
const CONTEXT_LINES: usize = 2;

/// A span of more lines than this is marked on its first line only (as in the terminal output).
const MAX_MARKED_LINES: usize = 6;

/// A line longer than this (in characters) is shown as a window around its marks.
const MAX_LINE_CHARS: usize = 200;

/// Characters shown either side of the marks of a long line.
const WINDOW_MARGIN: usize = 60;

/// Lines of an edit's old or new text shown in a diff; the rest is counted.
const MAX_DIFF_LINES: usize = 30;

/// One marked span of a frame.
pub struct Mark<'a> {
    pub span: Span,
    pub label: &'a str,
    /// The finding's own span (the others are related locations in the same file).
    pub primary: bool,
}

/// `file:line:column` of the start of `span`.
pub fn location(files: &SourceFiles, span: Span) -> String {
    match files.try_get(span.file) {
        Some(file) => {
            let at = file.line_col(span.start);
            format!("{}:{}:{}", file.display, at.line, at.column)
        }
        None => String::from("(unknown file)"),
    }
}

/// The byte range of a mark on the lines it is drawn on: long spans are cut to their first line.
fn marked_range(file: &SourceFile, span: Span) -> (usize, usize, usize, usize) {
    let start = span.start.min(file.text.len());
    let end = span.end.min(file.text.len()).max(start);
    let (first, last) = (file.line_of(start), file.line_of(end));
    if last - first >= MAX_MARKED_LINES {
        let line_end = line_bounds(file, first).1;
        (start, line_end.max(start), first, first)
    } else {
        (start, end, first, last)
    }
}

/// Byte offsets where 1-based `line` starts and ends (without its line break).
fn line_bounds(file: &SourceFile, line: usize) -> (usize, usize) {
    let start = file.line_start(line).unwrap_or(file.text.len());
    let next = file.line_start(line + 1).unwrap_or(file.text.len());
    let mut end = next;
    let bytes = file.text.as_bytes();
    while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
        end -= 1;
    }
    (start, end)
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Byte offset `chars` characters before or after `from` in `s` (clamped to `s`).
fn chars_before(s: &str, from: usize, chars: usize) -> usize {
    s.get(..from)
        .and_then(|head| head.char_indices().rev().nth(chars.saturating_sub(1)).map(|(i, _)| i))
        .unwrap_or(0)
}

fn chars_after(s: &str, from: usize, chars: usize) -> usize {
    s.get(from..).and_then(|tail| tail.char_indices().nth(chars).map(|(i, _)| from + i)).unwrap_or(s.len())
}

/// Appends a `<pre class="frame">` of `file` with `marks` (all in that file). Nothing is
/// appended for an empty file.
pub fn push_frame(out: &mut String, file: &SourceFile, marks: &[Mark]) {
    if file.text.is_empty() || marks.is_empty() {
        return;
    }
    let ranges: Vec<(usize, usize, usize, usize)> =
        marks.iter().map(|m| marked_range(file, m.span)).collect();
    // The empty "line" after a final line break is not shown.
    let last_line = file.line_of(file.text.trim_end_matches('\n').len());
    // Hunks of lines to show: each mark's lines with their context, merged when they touch.
    let mut hunks: Vec<(usize, usize)> = ranges
        .iter()
        .map(|&(_, _, first, last)| {
            (first.saturating_sub(CONTEXT_LINES).max(1), (last + CONTEXT_LINES).min(last_line))
        })
        .collect();
    hunks.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in hunks {
        match merged.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let width = merged.last().map_or(1, |h| h.1.to_string().len());
    out.push_str("<pre class=\"frame\"><code>");
    for (i, &(from, to)) in merged.iter().enumerate() {
        if i > 0 {
            out.push_str(&format!("<span class=\"ln\">{:>width$}</span>\n", "⋮"));
        }
        for line in from..=to {
            push_line(out, file, line, width, marks, &ranges);
        }
    }
    out.push_str("</code></pre>\n");
}

/// One numbered line, its marks, and the labels of the marks that end on it.
fn push_line(
    out: &mut String,
    file: &SourceFile,
    line: usize,
    width: usize,
    marks: &[Mark],
    ranges: &[(usize, usize, usize, usize)],
) {
    let (start, end) = line_bounds(file, line);
    let text_of_line = file.text.get(start..end).unwrap_or("");
    // The parts of marks on this line, as offsets into the line.
    let mut on_line: Vec<(usize, usize, usize)> = Vec::new(); // (from, to, mark index)
    for (i, &(s, e, first, last)) in ranges.iter().enumerate() {
        if line < first || line > last {
            continue;
        }
        let from = floor_boundary(text_of_line, s.saturating_sub(start).min(text_of_line.len()));
        let to = ceil_boundary(text_of_line, e.saturating_sub(start).min(text_of_line.len()));
        let from = if line > first { 0 } else { from };
        let to = if line < last { text_of_line.len() } else { to };
        on_line.push((from, to, i));
    }
    // The part of the line shown: all of it, or a window around its marks.
    let (mut shown_from, mut shown_to) = (0, text_of_line.len());
    // Counting stops at the limit: a script on one line may be megabytes long, and a frame is
    // drawn for each of its findings.
    if text_of_line.len() > MAX_LINE_CHARS && text_of_line.chars().nth(MAX_LINE_CHARS).is_some() {
        let marks_from = on_line.iter().map(|m| m.0).min();
        let marks_to = on_line.iter().map(|m| m.1).max();
        match (marks_from, marks_to) {
            (Some(a), Some(b)) => {
                shown_from = chars_before(text_of_line, a, WINDOW_MARGIN);
                shown_to = chars_after(text_of_line, b, WINDOW_MARGIN);
                // A single mark wider than a screen is shown from its start.
                if text_of_line
                    .get(shown_from..shown_to)
                    .is_some_and(|s| s.chars().nth(3 * MAX_LINE_CHARS).is_some())
                {
                    shown_to = chars_after(text_of_line, a, 2 * MAX_LINE_CHARS);
                }
            }
            _ => shown_to = chars_after(text_of_line, 0, MAX_LINE_CHARS),
        }
    }
    out.push_str(&format!("<span class=\"ln\">{line:>width$}</span> "));
    if shown_from > 0 {
        out.push_str("<span class=\"cut\">…</span>");
    }
    // Segments between mark boundaries; the primary mark wins where marks overlap.
    let mut cuts: Vec<usize> = vec![shown_from, shown_to];
    for &(a, b, _) in &on_line {
        cuts.extend([a.clamp(shown_from, shown_to), b.clamp(shown_from, shown_to)]);
    }
    cuts.sort_unstable();
    cuts.dedup();
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let Some(segment) = text_of_line.get(a..b) else { continue };
        let covering = on_line
            .iter()
            .filter(|m| m.0 <= a && b <= m.1)
            .map(|m| m.2)
            .min_by_key(|&i| (!marks[i].primary, i));
        match covering {
            Some(i) => {
                out.push_str(if marks[i].primary { "<mark class=\"p\">" } else { "<mark class=\"s\">" });
                text(out, segment);
                out.push_str("</mark>");
            }
            None => text(out, segment),
        }
    }
    if shown_to < text_of_line.len() {
        out.push_str("<span class=\"cut\">…</span>");
    }
    // An empty span still shows where it is.
    for &(a, b, i) in &on_line {
        if a == b && ranges[i].3 == line {
            out.push_str(if marks[i].primary {
                "<mark class=\"p\">⎀</mark>"
            } else {
                "<mark class=\"s\">⎀</mark>"
            });
        }
    }
    out.push('\n');
    // Labels of the marks ending on this line, under their start column.
    for &(a, _, i) in &on_line {
        if ranges[i].3 != line || marks[i].label.is_empty() {
            continue;
        }
        // In characters as shown: a bidirectional control is drawn as its marker (`⟨U+202E⟩`).
        let column = text_of_line.get(shown_from.min(a)..a).map_or(0, |s| {
            s.chars().map(|c| if is_bidi_control(c) { bidi_marker(c).chars().count() } else { 1 }).sum()
        }) + usize::from(shown_from > 0);
        let class = if marks[i].primary { "note p" } else { "note s" };
        out.push_str(&format!(
            "<span class=\"ln\">{:>width$}</span> <span class=\"{class}\">{}╰─ ",
            "",
            " ".repeat(column.min(120))
        ));
        text(out, marks[i].label);
        out.push_str("</span>\n");
    }
}

/// Appends one edit as a small diff: where, the text it replaces (`-` lines) and the new text
/// (`+` lines).
pub fn push_edit(out: &mut String, files: &SourceFiles, edit: &Edit) {
    out.push_str("<div class=\"edit\"><p class=\"where\">");
    let old =
        files.try_get(edit.span.file).and_then(|f| f.text.get(edit.span.start..edit.span.end)).unwrap_or("");
    text(out, if old.is_empty() { "insert at " } else { "replace at " });
    text(out, &location(files, edit.span));
    out.push_str("</p><pre class=\"diff\"><code>");
    push_diff_lines(out, old, "-", "del");
    push_diff_lines(out, &edit.replacement, "+", "ins");
    out.push_str("</code></pre></div>\n");
}

fn push_diff_lines(out: &mut String, body: &str, sign: &str, tag: &str) {
    if body.is_empty() {
        return;
    }
    let lines: Vec<&str> = body.lines().collect();
    for line in lines.iter().take(MAX_DIFF_LINES) {
        out.push_str(&format!("<{tag}>{sign} "));
        let shown = if line.chars().nth(3 * MAX_LINE_CHARS).is_some() {
            &line[..chars_after(line, 0, 3 * MAX_LINE_CHARS)]
        } else {
            line
        };
        text(out, shown);
        if shown.len() < line.len() {
            out.push('…');
        }
        out.push_str(&format!("</{tag}>"));
    }
    if lines.len() > MAX_DIFF_LINES {
        out.push_str(&format!("<{tag}>{sign} … {} more lines</{tag}>", lines.len() - MAX_DIFF_LINES));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn file(text: &str) -> SourceFiles {
        let mut files = SourceFiles::default();
        files.add(SourceFile::new("a.yml".into(), "a.yml".into(), text.into()));
        files
    }

    #[test]
    fn a_frame_marks_the_span_and_escapes_the_text() {
        let files = file("one\nname: <img src=x onerror=alert(1)>\nthree\nfour\nfive\nsix\n");
        let start = files.get(FileId(0)).text.find('<').unwrap_or(0);
        let span = Span::new(FileId(0), start, start + 4);
        let mut out = String::new();
        push_frame(&mut out, files.get(FileId(0)), &[Mark { span, label: "a <b> label", primary: true }]);
        assert!(out.contains("<mark class=\"p\">&lt;img</mark> src=x onerror=alert(1)&gt;"), "{out}");
        assert!(out.contains("╰─ a &lt;b&gt; label"), "{out}");
        // Two lines of context either side: lines 1-4, not 5.
        assert!(out.contains(">4</span> four") && !out.contains("five"), "{out}");
    }

    #[test]
    fn a_label_stays_under_its_mark_after_a_bidi_control() {
        let files = file("name: a\u{202E}b MARK\n");
        let start = files.get(FileId(0)).text.find("MARK").unwrap_or(0);
        let mut out = String::new();
        push_frame(
            &mut out,
            files.get(FileId(0)),
            &[Mark { span: Span::new(FileId(0), start, start + 4), label: "here", primary: true }],
        );
        // Without the tags, the label's `╰─` is under the mark's first character.
        let untagged = |line: &str| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in line.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        };
        let column =
            |what: &str| out.lines().map(untagged).find_map(|l| l.find(what).map(|i| l[..i].chars().count()));
        assert!(column("MARK").is_some());
        assert_eq!(column("MARK"), column("╰─"), "{out}");
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_its_mark() {
        let line = format!("{}MARK{}", "a".repeat(1000), "b".repeat(1000));
        let files = file(&line);
        let start = line.find("MARK").unwrap_or(0);
        let mut out = String::new();
        push_frame(
            &mut out,
            files.get(FileId(0)),
            &[Mark { span: Span::new(FileId(0), start, start + 4), label: "", primary: true }],
        );
        assert!(out.contains("<mark class=\"p\">MARK</mark>"), "{out}");
        assert!(out.len() < 600, "{} bytes", out.len());
        assert_eq!(out.matches('…').count(), 2, "{out}");
    }

    #[test]
    fn an_edit_is_a_diff_of_escaped_text() {
        let files = file("a: </script>\n");
        let edit = Edit { span: Span::new(FileId(0), 3, 12), replacement: "\"><script>".into() };
        let mut out = String::new();
        push_edit(&mut out, &files, &edit);
        assert!(out.contains("<del>- &lt;/script&gt;</del>"), "{out}");
        assert!(out.contains("<ins>+ &quot;&gt;&lt;script&gt;</ins>"), "{out}");
        assert!(out.contains("replace at a.yml:1:4"), "{out}");
    }
}
