//! The flow diagram of one application, laid out for the HTML report.
//!
//! [`layout`] turns a [`FlowGraph`] into a [`Scene`]: boxes with lines of text and arrows with
//! label lines, at fixed coordinates. The scene is then written either as inline SVG markup
//! ([`Scene::push_svg`], for the applications with findings) or as compact JSON
//! ([`Scene::to_json`]) that the page's script paints with the same rules when a reader opens a
//! clean application: the layout exists once, here, and both painters only place what it says.
//!
//! The diagram reads left to right: `start`, the steps in order, `end`. Each step is a box
//! headed `step N` holding one box per option (IdP, authenticator, then `JIT off` / `JIT on` /
//! `unknown IdP` / `needs local account` as text). A transition between neighbouring columns is a
//! straight arrow with its conditions above it; one that skips columns runs in a lane above the
//! boxes, one that goes back (a retry) in a lane below. Every box and arrow on a conflict's path
//! is drawn red, dashed, and tagged `C1`, `C2`... in text, so the diagram reads without colour.
//!
//! Text is measured as monospace characters (the page draws diagrams in a monospace font), so the
//! layout needs no font metrics and is the same on every machine.

use std::collections::BTreeMap;

use super::escape::push as text;
use crate::graph::{FlowGraph, NodeKind, OptionKind, OptionNode};

/// Width of one character of the 12px monospace diagram font, in tenths of a pixel (0.6 em plus
/// a little room for fonts that run wider).
const CHAR_WIDTH_TENTHS: i32 = 74;
/// Padding inside a box.
const PAD: i32 = 8;
/// Distance between the baselines of two lines of text.
const LINE: i32 = 15;
/// From a box's top to the baseline of its first line.
const FIRST_BASELINE: i32 = PAD + 11;
/// Around the whole diagram.
const MARGIN: i32 = 12;
/// Between the options of a step.
const OPTION_GAP: i32 = 6;
/// The narrowest and widest gap between two columns (the conditions of the arrow between them
/// decide in between).
const MIN_GAP: i32 = 44;
const MAX_GAP: i32 = 240;
/// The longest text on one line of a box, in characters (longer names are cut with `…` and
/// shown whole in a tooltip).
const MAX_BOX_CHARS: usize = 30;
/// Between the boxes and the nearest lane of arrows that skip or go back.
const LANE_BASE: i32 = 16;
/// Label lines shown on one arrow; more are counted in a last line.
const MAX_LABEL_LINES: usize = 3;

/// One line of text: its class (which the page's style sheet knows) and the text. `full` is the
/// whole text when `text` had to be cut.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub class: &'static str,
    pub text: String,
    pub full: Option<String>,
}

/// What a diagram is made of.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A rectangle with lines of text from its top-left corner: line `k` has its baseline at
    /// `y + FIRST_BASELINE + k * LINE`, `PAD` from the left edge.
    Box { x: i32, y: i32, w: i32, h: i32, class: String, lines: Vec<Line> },
    /// A polyline through `points` ending in an arrowhead; label line `k` is centred on
    /// `(at.0, at.1 + k * LINE)`.
    Arrow { points: Vec<(i32, i32)>, class: &'static str, at: (i32, i32), label: Vec<Line> },
}

/// A laid-out diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: i32,
    pub height: i32,
    pub shapes: Vec<Shape>,
}

/// Width in pixels of `s` in the diagram font, from its terminal columns: East Asian wide
/// characters take two, combining marks none (an estimate: the browser's font decides).
fn text_width(s: &str) -> i32 {
    let columns = i32::try_from(unicode_width::UnicodeWidthStr::width(s)).unwrap_or(i32::MAX / 100);
    (columns * CHAR_WIDTH_TENTHS + 9) / 10
}

/// A line of at most `max` characters (cut with `…`), bidirectional controls shown as the
/// markers the page draws (so that the box is measured with them).
fn line(class: &'static str, s: &str, max: usize) -> Line {
    let s = &*crate::untrusted::show_bidi(s);
    let max = max.max(4);
    if s.chars().count() <= max {
        return Line { class, text: s.to_string(), full: None };
    }
    let cut: String = s.chars().take(max - 1).collect();
    Line { class, text: cut + "…", full: Some(s.to_string()) }
}

fn lines_width(lines: &[Line]) -> i32 {
    lines.iter().map(|l| text_width(&l.text)).max().unwrap_or(0)
}

/// Height of a box holding `n` lines.
fn box_height(n: usize) -> i32 {
    2 * PAD + (n.max(1) as i32) * LINE - 4
}

/// The tags of an option, in words: its JIT setting, whether the IdP exists, whether the
/// authenticator needs a local account.
pub fn option_tags(option: &OptionNode) -> String {
    let mut tags: Vec<&str> = Vec::new();
    match option.kind {
        OptionKind::Local => {}
        OptionKind::UnknownIdp => tags.push("unknown IdP"),
        OptionKind::Federated | OptionKind::OrganizationSso => {
            if option.kind == OptionKind::OrganizationSso {
                tags.push("organization SSO");
            }
            tags.push(match option.jit {
                Some(true) => "JIT on",
                Some(false) => "JIT off",
                None => "JIT unknown",
            });
        }
    }
    if option.needs_local_account {
        tags.push("needs local account");
    }
    tags.join(" · ")
}

/// The class of an option's box: `op`, plus `jo` (a federated IdP with JIT off), `nl` (needs a
/// local account), `uk` (an IdP not found), `cf` (an option a conflict is about).
fn option_class(option: &OptionNode, in_conflict: bool) -> String {
    let mut class = String::from("op");
    if option.kind != OptionKind::Local && option.jit == Some(false) {
        class.push_str(" jo");
    }
    if option.needs_local_account {
        class.push_str(" nl");
    }
    if option.kind == OptionKind::UnknownIdp {
        class.push_str(" uk");
    }
    if in_conflict {
        class.push_str(" cf");
    }
    class
}

/// The label of one transition: its callback and the conditions taken, in words.
pub fn edge_label(callback: Option<&str>, conditions: &[String]) -> String {
    let conditions = conditions.join(" and ");
    match (callback, conditions.is_empty()) {
        (Some(cb), false) => format!("{cb}: {conditions}"),
        (Some(cb), true) => cb.to_string(),
        (None, false) => conditions,
        (None, true) => String::new(),
    }
}

/// One column: a node and the boxes inside it, laid out from (0, 0).
struct Column {
    width: i32,
    height: i32,
    shapes: Vec<Shape>,
}

/// The tags (`C1`, `C2`...) of the conflicts whose path holds node `id`.
fn conflict_tags_of_node(graph: &FlowGraph, id: &str) -> Vec<String> {
    graph
        .conflicts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.node_ids.iter().any(|n| n == id))
        .map(|(i, _)| format!("C{}", i + 1))
        .collect()
}

/// The tags of the conflicts that are about option `option` of node `id`.
fn conflict_tags_of_option(graph: &FlowGraph, id: &str, option: usize) -> Vec<String> {
    graph
        .conflicts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.options.iter().any(|o| o.node == id && o.option == option))
        .map(|(i, _)| format!("C{}", i + 1))
        .collect()
}

fn column(graph: &FlowGraph, index: usize) -> Column {
    let node = &graph.nodes[index];
    // Start and end are on every path: only steps are tagged.
    let tags = if node.kind == NodeKind::Step { conflict_tags_of_node(graph, &node.id) } else { Vec::new() };
    let mut header = vec![line("h", &node.label, MAX_BOX_CHARS)];
    if !node.configured {
        header.push(line("g", "not configured", MAX_BOX_CHARS));
    }
    if !tags.is_empty() {
        header.push(line("c", &format!("{} conflict path", tags.join(" ")), MAX_BOX_CHARS));
    }
    let on_path = if tags.is_empty() { "" } else { " cf" };
    if node.kind != NodeKind::Step {
        let w = (lines_width(&header) + 2 * PAD).max(56);
        let h = box_height(header.len());
        let class = if on_path.is_empty() { "tm" } else { "tm cf" };
        return Column {
            width: w,
            height: h,
            shapes: vec![Shape::Box { x: 0, y: 0, w, h, class: class.to_string(), lines: header }],
        };
    }
    // Below the header's last baseline, room for descenders before the first option.
    let header_height = FIRST_BASELINE + (header.len() as i32 - 1) * LINE + 8;
    let mut options: Vec<(Vec<Line>, String)> = node
        .options
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let idp = if o.kind == OptionKind::Local { "LOCAL" } else { o.idp.as_str() };
            let authenticator =
                if o.authenticator.is_empty() { "(any authenticator)" } else { o.authenticator.as_str() };
            let mut lines = vec![line("i", idp, MAX_BOX_CHARS), line("a", authenticator, MAX_BOX_CHARS)];
            let tags = option_tags(o);
            if !tags.is_empty() {
                lines.push(line("g", &tags, MAX_BOX_CHARS + 6));
            }
            let conflicts = conflict_tags_of_option(graph, &node.id, k);
            if !conflicts.is_empty() {
                lines.push(line("c", &conflicts.join(" "), MAX_BOX_CHARS));
            }
            (lines, option_class(o, !conflicts.is_empty()))
        })
        .collect();
    if options.is_empty() {
        options.push((vec![line("g", "no options", MAX_BOX_CHARS)], "op".to_string()));
    }
    let inner = options.iter().map(|(l, _)| lines_width(l) + 2 * PAD).max().unwrap_or(0);
    let width = (inner + 2 * PAD).max(lines_width(&header) + 2 * PAD).max(90);
    let mut y = header_height;
    let mut option_shapes = Vec::new();
    for (lines, class) in options {
        let h = box_height(lines.len());
        option_shapes.push(Shape::Box { x: PAD, y, w: width - 2 * PAD, h, class, lines });
        y += h + OPTION_GAP;
    }
    let height = y - OPTION_GAP + PAD;
    let class = match (node.configured, on_path.is_empty()) {
        (true, true) => "st",
        (true, false) => "st cf",
        (false, true) => "st nc",
        (false, false) => "st nc cf",
    };
    let mut shapes =
        vec![Shape::Box { x: 0, y: 0, w: width, h: height, class: class.to_string(), lines: header }];
    shapes.extend(option_shapes);
    Column { width, height, shapes }
}

/// Transitions merged by (from column, to column): one arrow each.
struct Arrow {
    from: usize,
    to: usize,
    labels: Vec<String>,
    conflict_tags: Vec<String>,
    on_conflict: bool,
}

impl Arrow {
    /// Its label lines, each at most `max_chars` long: the conflict tags first.
    fn lines(&self, max_chars: usize) -> Vec<Line> {
        let class = if self.on_conflict { "lc" } else { "l" };
        let mut out = Vec::new();
        if self.on_conflict {
            let tags = if self.conflict_tags.is_empty() {
                "conflict".to_string()
            } else {
                self.conflict_tags.join(" ")
            };
            out.push(line("lc", &format!("{tags} conflict path"), max_chars));
        }
        let shown = MAX_LABEL_LINES.saturating_sub(out.len());
        for label in self.labels.iter().take(shown) {
            out.push(line(class, label, max_chars));
        }
        if self.labels.len() > shown {
            out.push(line(class, &format!("+{} more", self.labels.len() - shown), max_chars));
        }
        out
    }
}

fn arrows(graph: &FlowGraph, column_of: &BTreeMap<&str, usize>) -> Vec<Arrow> {
    let mut merged: BTreeMap<(usize, usize), Arrow> = BTreeMap::new();
    for (index, edge) in graph.edges.iter().enumerate() {
        let (Some(&from), Some(&to)) = (column_of.get(edge.from.as_str()), column_of.get(edge.to.as_str()))
        else {
            continue;
        };
        let arrow = merged.entry((from, to)).or_insert_with(|| Arrow {
            from,
            to,
            labels: Vec::new(),
            conflict_tags: Vec::new(),
            on_conflict: false,
        });
        let label = edge_label(edge.callback.as_deref(), &edge.conditions);
        if !label.is_empty() && !arrow.labels.contains(&label) {
            arrow.labels.push(label);
        }
        arrow.on_conflict |= edge.on_conflict_path;
        for (i, conflict) in graph.conflicts.iter().enumerate() {
            let tag = format!("C{}", i + 1);
            if conflict.edges.contains(&index) && !arrow.conflict_tags.contains(&tag) {
                arrow.on_conflict = true;
                arrow.conflict_tags.push(tag);
            }
        }
    }
    merged.into_values().collect()
}

/// Lays out the diagram of `graph`.
pub fn layout(graph: &FlowGraph) -> Scene {
    // Columns: start, the steps by number, end (nodes of other kinds keep their order between).
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by_key(|&i| {
        let n = &graph.nodes[i];
        let rank = match n.kind {
            NodeKind::Start => 0,
            NodeKind::Step => 1,
            NodeKind::End => 2,
        };
        (rank, n.step.unwrap_or(0), i)
    });
    let column_of: BTreeMap<&str, usize> =
        order.iter().enumerate().map(|(c, &i)| (graph.nodes[i].id.as_str(), c)).collect();
    let columns: Vec<Column> = order.iter().map(|&i| column(graph, i)).collect();
    let arrows = arrows(graph, &column_of);
    let n = columns.len();

    // Gaps between neighbouring columns: wide enough for the label of the arrow between them.
    let mut gaps = vec![MIN_GAP; n.saturating_sub(1)];
    for a in arrows.iter().filter(|a| a.to == a.from + 1) {
        let widest = a.lines(usize::MAX).iter().map(|l| text_width(&l.text)).max().unwrap_or(0);
        gaps[a.from] = gaps[a.from].max((widest + 2 * PAD).min(MAX_GAP));
    }
    let mut xs = Vec::with_capacity(n);
    let mut x = MARGIN;
    for (c, col) in columns.iter().enumerate() {
        xs.push(x);
        x += col.width + gaps.get(c).copied().unwrap_or(0);
    }
    let width = x + MARGIN;

    // Lanes: forward arrows that skip columns above the boxes, backward ones below; each lane
    // holds arrows whose column ranges do not overlap.
    let mut above: Vec<Vec<usize>> = Vec::new();
    let mut below: Vec<Vec<usize>> = Vec::new();
    let mut lane_of = vec![(false, 0usize); arrows.len()];
    let mut lane_order: Vec<usize> =
        (0..arrows.len()).filter(|&i| arrows[i].to != arrows[i].from + 1).collect();
    lane_order.sort_by_key(|&i| (arrows[i].from.abs_diff(arrows[i].to), arrows[i].from.min(arrows[i].to), i));
    for i in lane_order {
        let a = &arrows[i];
        let (lo, hi) = (a.from.min(a.to), a.from.max(a.to));
        let is_above = a.to > a.from;
        let lanes = if is_above { &mut above } else { &mut below };
        let free = lanes.iter().position(|lane| {
            lane.iter().all(|&j| {
                let b = &arrows[j];
                let (blo, bhi) = (b.from.min(b.to), b.from.max(b.to));
                hi <= blo || bhi <= lo || (lo == hi && bhi != lo && blo != lo)
            })
        });
        let k = free.unwrap_or_else(|| {
            lanes.push(Vec::new());
            lanes.len() - 1
        });
        lanes[k].push(i);
        lane_of[i] = (is_above, k);
    }
    let widths: Vec<i32> = columns.iter().map(|c| c.width).collect();
    let heights: Vec<i32> = columns.iter().map(|c| c.height).collect();
    // The budget of a lane arrow's label: the length of its horizontal run.
    let run = |a: &Arrow| -> i32 {
        let (lo, hi) = (a.from.min(a.to), a.from.max(a.to));
        if lo == hi { 140 } else { (xs[hi] + widths[hi] / 2) - (xs[lo] + widths[lo] / 2) - 16 }
    };
    let chars_in = |px: i32| -> usize { ((px.max(60) * 10) / CHAR_WIDTH_TENTHS) as usize };
    let lane_height = |lane: &Vec<usize>| -> i32 {
        let lines =
            lane.iter().map(|&i| arrows[i].lines(chars_in(run(&arrows[i]))).len()).max().unwrap_or(0) as i32;
        lines * LINE + 8
    };
    let above_heights: Vec<i32> = above.iter().map(lane_height).collect();
    let below_heights: Vec<i32> = below.iter().map(lane_height).collect();
    let base = |lanes: &[i32]| if lanes.is_empty() { 0 } else { LANE_BASE };
    let nodes_top = MARGIN + base(&above_heights) + above_heights.iter().sum::<i32>();
    let tallest = heights.iter().copied().max().unwrap_or(0);
    let centre = nodes_top + tallest / 2;
    let nodes_bottom = nodes_top + tallest;
    let height = nodes_bottom + base(&below_heights) + below_heights.iter().sum::<i32>() + MARGIN;
    let tops: Vec<i32> = heights.iter().map(|h| centre - h / 2).collect();

    let mut shapes = Vec::new();
    for (c, col) in columns.into_iter().enumerate() {
        let (dx, dy) = (xs[c], tops[c]);
        shapes.extend(col.shapes.into_iter().map(|s| match s {
            Shape::Box { x, y, w, h, class, lines } => {
                Shape::Box { x: x + dx, y: y + dy, w, h, class, lines }
            }
            other => other,
        }));
    }
    for (i, a) in arrows.iter().enumerate() {
        let class = if a.on_conflict { "e cf" } else { "e" };
        if a.to == a.from + 1 {
            let (x0, x1) = (xs[a.from] + widths[a.from], xs[a.to]);
            let label = a.lines(chars_in(x1 - x0 - 8));
            let first = centre - 5 - (label.len().max(1) as i32 - 1) * LINE;
            shapes.push(Shape::Arrow {
                points: vec![(x0, centre), (x1 - 2, centre)],
                class,
                at: ((x0 + x1) / 2, first),
                label,
            });
            continue;
        }
        let (is_above, k) = lane_of[i];
        let label = a.lines(chars_in(run(a)));
        let offset = |c: usize| (8 + 5 * k as i32).min(widths[c] / 2 - 4);
        let (cf, ct) = (xs[a.from] + widths[a.from] / 2, xs[a.to] + widths[a.to] / 2);
        let (sx, ex) = if a.to > a.from {
            (cf + offset(a.from), ct - offset(a.to))
        } else {
            (cf - offset(a.from), ct + offset(a.to))
        };
        let (lane_y, start_y, end_y) = if is_above {
            let y = nodes_top - LANE_BASE - above_heights[..k].iter().sum::<i32>();
            (y, tops[a.from], tops[a.to] - 2)
        } else {
            let y = nodes_bottom + LANE_BASE + below_heights[..=k].iter().sum::<i32>() - 4;
            (y, tops[a.from] + heights[a.from], tops[a.to] + heights[a.to] + 2)
        };
        let first = lane_y - 4 - (label.len().max(1) as i32 - 1) * LINE;
        shapes.push(Shape::Arrow {
            points: vec![(sx, start_y), (sx, lane_y), (ex, lane_y), (ex, end_y)],
            class,
            at: ((sx + ex) / 2, first),
            label,
        });
    }
    Scene { width, height, shapes }
}

impl Scene {
    /// Appends the scene as an inline `<svg>` element labelled `title` (escaped here).
    pub fn push_svg(&self, out: &mut String, title: &str) {
        out.push_str(&format!(
            "<svg class=\"flow\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"",
            w = self.width,
            h = self.height
        ));
        text(out, title);
        out.push_str("\">");
        for shape in &self.shapes {
            match shape {
                Shape::Box { x, y, w, h, class, lines } => {
                    out.push_str(&format!(
                        "<rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\"/>"
                    ));
                    for (k, l) in lines.iter().enumerate() {
                        push_text(out, l, x + PAD, y + FIRST_BASELINE + k as i32 * LINE);
                    }
                }
                Shape::Arrow { points, class, at, label } => {
                    out.push_str(&format!("<path class=\"{class}\" d=\"{}\"/>", path_data(points)));
                    for (k, l) in label.iter().enumerate() {
                        push_text(out, l, at.0, at.1 + k as i32 * LINE);
                    }
                }
            }
        }
        out.push_str("</svg>");
    }

    /// The scene as compact JSON for the page's script, every string an index into `strings`
    /// (IdP, authenticator and class names repeat across thousands of applications):
    /// `[width, height, shapes]`; a box is `[x, y, w, h, class, line...]`, an arrow
    /// `[[x0, y0, x1, y1, ...], class, x, y, line...]`; a line is two numbers, `class, text`, or
    /// three, `-1 - class, text, full text`, when the text was cut. Not yet escaped for a script
    /// element (see `escape::json_for_script`).
    pub fn to_json(&self, strings: &mut Strings) -> String {
        let mut out = format!("[{},{},[", self.width, self.height);
        for (i, shape) in self.shapes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let (head, lines) = match shape {
                Shape::Box { x, y, w, h, class, lines } => {
                    (format!("[{x},{y},{w},{h},{}", strings.index(class)), lines)
                }
                Shape::Arrow { points, class, at, label } => {
                    let flat: Vec<String> =
                        points.iter().flat_map(|&(x, y)| [x.to_string(), y.to_string()]).collect();
                    (format!("[[{}],{},{},{}", flat.join(","), strings.index(class), at.0, at.1), label)
                }
            };
            out.push_str(&head);
            for l in lines {
                let class = strings.index(l.class);
                let text = strings.index(&l.text);
                match &l.full {
                    Some(full) => {
                        out.push_str(&format!(",{},{text},{}", -1 - class as i64, strings.index(full)))
                    }
                    None => out.push_str(&format!(",{class},{text}")),
                }
            }
            out.push(']');
        }
        out.push_str("]]");
        out
    }
}

/// The strings of the diagrams drawn by the page's script, each stored once.
#[derive(Default)]
pub struct Strings {
    index: std::collections::HashMap<String, usize>,
    list: Vec<String>,
}

impl Strings {
    /// The index of `s`, added if new. The page's script puts these strings into the page as
    /// text, so they are stored as they are to be shown: bidirectional controls as markers.
    pub fn index(&mut self, s: &str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        self.list.push(crate::untrusted::show_bidi(s).into_owned());
        self.index.insert(s.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }

    /// The table as a JSON array (not yet escaped for a script element).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.list).unwrap_or_else(|_| "[]".to_string())
    }
}

fn path_data(points: &[(i32, i32)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(&format!("{}{x} {y}", if i == 0 { "M" } else { "L" }));
    }
    d
}

fn push_text(out: &mut String, l: &Line, x: i32, y: i32) {
    out.push_str(&format!("<text class=\"{}\" x=\"{x}\" y=\"{y}\">", l.class));
    text(out, &l.text);
    if let Some(full) = &l.full {
        out.push_str("<title>");
        text(out, full);
        out.push_str("</title>");
    }
    out.push_str("</text>");
}

#[cfg(test)]
mod tests;
