//! Flow graphs as a Mermaid flowchart (`flowchart TD`), which GitHub renders in Markdown.
//!
//! One diagram holds every graph given, each in its own subgraph. Node ids are generated
//! (`a0_n1`): no input text ever becomes an id. Every label is a quoted string in which all but
//! plain characters are written as Mermaid entity codes (`#35;`), so names and script text
//! cannot close a label, start a comment (`%%`), add statements (`click`, `style`) or inject
//! HTML. Findings' paths are drawn red and thick (`linkStyle`, `classDef`) and also said in
//! words: the edge label names the rule, a note node gives the finding, and the options a
//! finding is about are marked with "⚠".

use std::fmt::Write;

use super::{FlowGraph, NodeKind};

/// The colour of findings' paths.
const CONFLICT_COLOUR: &str = "#c62828";

/// Mermaid refuses to draw a diagram of more characters than this (its default `maxTextSize`,
/// which GitHub keeps).
pub const MAX_TEXT_SIZE: usize = 50_000;
/// ... or of more links than this (its default `maxEdges`).
pub const MAX_LINKS: usize = 500;

/// The diagram of `graphs` (one subgraph each, in the order given).
pub fn render(graphs: &[FlowGraph]) -> String {
    render_counted(graphs).0
}

/// Why Mermaid (as GitHub runs it) would refuse to draw `text`, a diagram of `links` links (see
/// [`render_counted`]), if it would.
pub fn too_large(text: &str, links: usize) -> Option<String> {
    // Mermaid measures JavaScript string length: UTF-16 code units.
    let chars = text.encode_utf16().count();
    if chars <= MAX_TEXT_SIZE && links <= MAX_LINKS {
        return None;
    }
    Some(format!(
        "the diagram has {links} links and {chars} characters: Mermaid (and GitHub) draws at most {MAX_LINKS} links and {MAX_TEXT_SIZE} characters"
    ))
}

/// The diagram and its number of links.
pub fn render_counted(graphs: &[FlowGraph]) -> (String, usize) {
    let mut out = String::from("flowchart TD\n");
    // Mermaid numbers links across the whole diagram, in the order they are written.
    let mut links = 0usize;
    let mut conflict_links: Vec<usize> = Vec::new();
    let mut conflict_nodes: Vec<String> = Vec::new();
    let mut unconfigured_nodes: Vec<String> = Vec::new();
    let mut note_nodes: Vec<String> = Vec::new();
    for (a, graph) in graphs.iter().enumerate() {
        let id = |node: &str| graph.nodes.iter().position(|n| n.id == node).map(|i| format!("a{a}_n{i}"));
        let _ = writeln!(out, "  subgraph a{a}[\"{}\"]", label(&[graph.title()]));
        let _ = writeln!(out, "    direction TD");
        for (i, node) in graph.nodes.iter().enumerate() {
            let mut lines = vec![node.label.clone()];
            for (o, option) in node.options.iter().enumerate() {
                let mark = if graph.option_in_conflict(&node.id, o) { "⚠ " } else { "• " };
                lines.push(format!("{mark}{}", option.describe()));
            }
            let text = label(&lines);
            let shape = match node.kind {
                NodeKind::Start | NodeKind::End => format!("([\"{text}\"])"),
                NodeKind::Step => format!("[\"{text}\"]"),
            };
            let _ = writeln!(out, "    a{a}_n{i}{shape}");
            if graph.conflicts.iter().any(|c| c.node_ids.iter().skip(1).any(|n| *n == node.id)) {
                conflict_nodes.push(format!("a{a}_n{i}"));
            }
            if !node.configured {
                unconfigured_nodes.push(format!("a{a}_n{i}"));
            }
        }
        for (e, edge) in graph.edges.iter().enumerate() {
            let (Some(from), Some(to)) = (id(&edge.from), id(&edge.to)) else { continue };
            let mut lines = edge.label_lines();
            lines.extend(graph.edge_rules(e).iter().map(|rule| format!("conflict: {rule}")));
            if lines.is_empty() {
                let _ = writeln!(out, "    {from} --> {to}");
            } else {
                let _ = writeln!(out, "    {from} -->|\"{}\"| {to}", label(&lines));
            }
            if edge.on_conflict_path {
                conflict_links.push(links);
            }
            links += 1;
        }
        // Each finding as a note beside the node where its path ends.
        for (c, conflict) in graph.conflicts.iter().enumerate() {
            let note = format!("a{a}_c{c}");
            let text = format!("conflict: {} ({})", conflict.rule, conflict.severity);
            let _ = writeln!(out, "    {note}[/\"{}\"/]", label(&[text, conflict.message.clone()]));
            note_nodes.push(note.clone());
            if let Some(target) = conflict.node_ids.last().and_then(|n| id(n)) {
                let _ = writeln!(out, "    {target} -.- {note}");
                links += 1;
            }
        }
        if !graph.notes.is_empty() {
            let note = format!("a{a}_notes");
            let _ = writeln!(out, "    {note}[\"{}\"]", label(&graph.notes));
            note_nodes.push(note);
        }
        let _ = writeln!(out, "  end");
    }
    let _ = writeln!(out, "  classDef conflict stroke:{CONFLICT_COLOUR},stroke-width:3px");
    let _ = writeln!(out, "  classDef note fill:#fff8e1,stroke:{CONFLICT_COLOUR},stroke-dasharray:4 2");
    let _ = writeln!(out, "  classDef unconfigured stroke-dasharray:5 5");
    for (class, nodes) in
        [("conflict", &conflict_nodes), ("note", &note_nodes), ("unconfigured", &unconfigured_nodes)]
    {
        if !nodes.is_empty() {
            let _ = writeln!(out, "  class {} {class}", nodes.join(","));
        }
    }
    if !conflict_links.is_empty() {
        let list: Vec<String> = conflict_links.iter().map(usize::to_string).collect();
        let _ = writeln!(out, "  linkStyle {} stroke:{CONFLICT_COLOUR},stroke-width:3px", list.join(","));
    }
    (out, links)
}

/// Lines of plain text as the inside of a quoted Mermaid label, joined by `<br/>` (the one line
/// break every Mermaid version draws: `\n` is drawn as the two characters by Mermaid 11.0 to
/// 11.12, which GitHub has run).
pub fn label(lines: &[String]) -> String {
    lines.iter().map(|l| escape(l)).collect::<Vec<_>>().join("<br/>")
}

/// U+2060 WORD JOINER: invisible, and no line break opportunity.
const WORD_JOINER: char = '\u{2060}';

/// Plain text for the inside of a quoted Mermaid label: letters, digits, spaces and a few
/// harmless punctuation marks stay; every other character becomes an entity code (`#60;` for
/// `<`, `#58;` for `:`), which Mermaid turns into the character itself when it draws the label,
/// as text. Line breaks and other control characters become spaces.
///
/// A label holding a `<` (our `<br/>`) goes through DOMPurify when Mermaid draws it, which writes
/// it back with its entity codes decoded, before Mermaid looks for KaTeX (`$$...$$`) and icons
/// (`fa:fa-car`). So an invisible word joiner goes between two `$` and between a `:` and an `f`:
/// neither pattern can form, and the text reads the same (seen in Chromium with Mermaid 12.3.0:
/// without it, `$$x{$$` in a name broke the whole diagram and `fa:fa-car` became an icon).
pub fn escape(text: &str) -> String {
    let text = crate::untrusted::show_bidi(text);
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if matches!((previous, c), (Some('$'), '$') | (Some(':'), 'f' | 'F')) {
            let _ = write!(out, "#{};", WORD_JOINER as u32);
        }
        previous = Some(c);
        match c {
            c if c.is_control() => out.push(' '),
            // Not `:`: Mermaid drops the last `;` of a line that matches `style.*:\S*#.*;` before
            // it parses, which would break the entity code before it (`#62` shown as such).
            // Not `$`: Mermaid (v10.9 and later) typesets `$$...$$` in a label as KaTeX.
            c if c.is_alphanumeric() || " .,_-/'=!+*?@^~()⚠•".contains(c) => out.push(c),
            // Unicode line and paragraph separators and other invisible characters are not
            // "control", but may still break lines in some renderers.
            '\u{2028}' | '\u{2029}' | '\u{85}' => out.push(' '),
            c => {
                let _ = write!(out, "#{};", c as u32);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_follows_mermaids_limits() {
        assert_eq!(too_large("flowchart TD\n", MAX_LINKS), None);
        assert!(too_large("flowchart TD\n", MAX_LINKS + 1).is_some_and(|m| m.contains("501 links")));
        assert_eq!(too_large(&"é".repeat(MAX_TEXT_SIZE), 0), None, "characters, not bytes");
        // A letter outside the Basic Multilingual Plane is two UTF-16 units to Mermaid.
        assert!(too_large(&"𝐀".repeat(MAX_TEXT_SIZE / 2 + 1), 0).is_some());
        assert!(too_large(&"x".repeat(MAX_TEXT_SIZE + 1), 0).is_some());
    }

    #[test]
    fn escape_leaves_nothing_that_ends_a_label_or_starts_a_statement() {
        let hostile = "a\"]; click a call alert() %% <script>&#`|\n-->\r\u{2028}[x]{y};";
        let e = escape(hostile);
        for bad in ['"', '[', ']', '{', '}', '<', '>', '&', '`', '|', '%', '\n', '\r', '\u{2028}', ';'] {
            // `;` appears only as the end of an entity code.
            if bad == ';' {
                assert!(
                    e.split('#')
                        .skip(1)
                        .all(|part| part.find(';').is_some_and(|i| part[..i].parse::<u32>().is_ok()))
                );
                continue;
            }
            assert!(!e.contains(bad), "{bad:?} left in {e}");
        }
        assert!(e.contains("#34;") && e.contains("#60;script#62;") && e.contains("#37;#37;"), "{e}");
        assert_eq!(escape("first.idp === 'LOCAL'"), "first.idp === 'LOCAL'");
        assert_eq!(escape("style x fill:#f00;"), "style x fill#58;#35;f00#59;");
        assert_eq!(escape("Zürich-IdP"), "Zürich-IdP");
        // `$$x$$` would be typeset as KaTeX and `fa:fa-car` drawn as an icon once DOMPurify has
        // decoded the label: a word joiner keeps either from forming.
        assert_eq!(escape("$$\\href{x}$$"), "#36;#8288;#36;#92;href#123;x#125;#36;#8288;#36;");
        assert_eq!(escape("fa:fa-car"), "fa#58;#8288;fa-car");
        assert_eq!(escape("a $ b: c"), "a #36; b#58; c");
        // A bidirectional control is shown as a marker, itself written as entity codes.
        assert_eq!(escape("a\u{202E}b"), "a#10216;U+202E#10217;b");
    }
}
