//! Flow graphs in the Graphviz DOT language (`dot -Tsvg`).
//!
//! One `digraph` holds every graph given, each in its own cluster. Node ids are generated
//! (`a0_n1`); every label is a quoted string with `\` and `"` escaped and line breaks written as
//! `\n`, and no label is HTML-like, so input text stays text. Findings' paths are drawn red and
//! thick (`color`, `penwidth`) and also said in words: the edge label names the rule, a note
//! node gives the finding, and the options a finding is about are marked with "⚠".

use std::fmt::Write;

use super::{FlowGraph, NodeKind};

const CONFLICT_COLOUR: &str = "#c62828";

/// The DOT document of `graphs` (one cluster each, in the order given).
pub fn render(graphs: &[FlowGraph]) -> String {
    let mut out = String::from("digraph authlint {\n");
    out.push_str("  rankdir=TB;\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (a, graph) in graphs.iter().enumerate() {
        let id = |node: &str| graph.nodes.iter().position(|n| n.id == node).map(|i| format!("a{a}_n{i}"));
        let _ = writeln!(out, "  subgraph cluster_{a} {{");
        let _ = writeln!(out, "    label={};", quote(&[graph.title()]));
        for (i, node) in graph.nodes.iter().enumerate() {
            let mut lines = vec![node.label.clone()];
            for (o, option) in node.options.iter().enumerate() {
                let mark = if graph.option_in_conflict(&node.id, o) { "⚠ " } else { "• " };
                lines.push(format!("{mark}{}", option.describe()));
            }
            let mut attributes = vec![format!("label={}", quote(&lines))];
            match node.kind {
                NodeKind::Start | NodeKind::End => attributes.push("shape=oval".into()),
                NodeKind::Step if !node.configured => attributes.push("style=\"rounded,dashed\"".into()),
                NodeKind::Step => {}
            }
            if graph.conflicts.iter().any(|c| c.node_ids.iter().skip(1).any(|n| *n == node.id)) {
                attributes.push(format!("color=\"{CONFLICT_COLOUR}\", penwidth=2"));
            }
            let _ = writeln!(out, "    a{a}_n{i} [{}];", attributes.join(", "));
        }
        for (e, edge) in graph.edges.iter().enumerate() {
            let (Some(from), Some(to)) = (id(&edge.from), id(&edge.to)) else { continue };
            let mut lines = edge.label_lines();
            lines.extend(graph.edge_rules(e).iter().map(|rule| format!("conflict: {rule}")));
            let mut attributes = Vec::new();
            if !lines.is_empty() {
                attributes.push(format!("label={}", quote(&lines)));
            }
            if edge.on_conflict_path {
                attributes.push(format!(
                    "color=\"{CONFLICT_COLOUR}\", fontcolor=\"{CONFLICT_COLOUR}\", penwidth=3"
                ));
            }
            if attributes.is_empty() {
                let _ = writeln!(out, "    {from} -> {to};");
            } else {
                let _ = writeln!(out, "    {from} -> {to} [{}];", attributes.join(", "));
            }
        }
        for (c, conflict) in graph.conflicts.iter().enumerate() {
            let note = format!("a{a}_c{c}");
            let text = format!("conflict: {} ({})", conflict.rule, conflict.severity);
            let _ = writeln!(
                out,
                "    {note} [shape=note, style=\"\", color=\"{CONFLICT_COLOUR}\", label={}];",
                quote(&[text, conflict.message.clone()])
            );
            if let Some(target) = conflict.node_ids.last().and_then(|n| id(n)) {
                let _ = writeln!(out, "    {target} -> {note} [style=dashed, arrowhead=none];");
            }
        }
        if !graph.notes.is_empty() {
            let _ = writeln!(out, "    a{a}_notes [shape=note, style=\"\", label={}];", quote(&graph.notes));
        }
        let _ = writeln!(out, "  }}");
    }
    out.push_str("}\n");
    out
}

/// Lines of plain text as one quoted DOT string, joined by `\n`.
pub fn quote(lines: &[String]) -> String {
    let inner: Vec<String> = lines.iter().map(|l| escape(l)).collect();
    format!("\"{}\"", inner.join("\\n"))
}

/// Plain text for the inside of a quoted DOT string: `\` and `"` escaped (so that Graphviz's own
/// escapes such as `\N` or `\l` cannot be spelled by the input), `&` as `&amp;` (Graphviz reads
/// `&lt;` and `&#60;` in any label as the character, and writes SVG text through its own
/// escaper, so an entity in a name would otherwise be shown decoded), control characters as
/// spaces, bidirectional controls as visible markers.
pub fn escape(text: &str) -> String {
    let text = crate::untrusted::show_bidi(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '&' => out.push_str("&amp;"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_input_inside_its_string() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c d");
        assert_eq!(quote(&["x".into(), "<b>y</b>".into()]), "\"x\\n<b>y</b>\"");
        // A trailing backslash cannot escape the closing quote.
        assert_eq!(quote(&["end\\".into()]), "\"end\\\\\"");
        // An entity in a name is shown as typed, not decoded.
        assert_eq!(escape("&lt;b&gt; &#60;"), "&amp;lt;b&amp;gt; &amp;#60;");
        assert_eq!(escape("a\u{2067}b"), "a⟨U+2067⟩b");
    }
}
