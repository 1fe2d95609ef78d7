//! Layout tests of the flow diagrams.

use super::*;
use crate::graph::{ConflictPath, Edge, Node, OptionRef};

fn option(idp: &str, authenticator: &str, kind: OptionKind, jit: Option<bool>, needs: bool) -> OptionNode {
    OptionNode { idp: idp.into(), authenticator: authenticator.into(), kind, jit, needs_local_account: needs }
}

fn node(id: &str, kind: NodeKind, step: Option<u32>, options: Vec<OptionNode>) -> Node {
    let label = match kind {
        NodeKind::Start => "Start".to_string(),
        NodeKind::End => "End".to_string(),
        NodeKind::Step => format!("Step {}", step.unwrap_or(0)),
    };
    Node { id: id.into(), kind, step, label, options, configured: true }
}

fn edge(from: &str, to: &str, conditions: &[&str], callback: Option<&str>, conflict: bool) -> Edge {
    Edge {
        from: from.into(),
        to: to.into(),
        conditions: conditions.iter().map(|c| c.to_string()).collect(),
        callback: callback.map(str::to_string),
        on_conflict_path: conflict,
    }
}

/// Three steps (given out of order), a skip from step 1 to the end, a retry from step 3 back
/// to step 1, one conflict through steps 1 and 2.
fn graph() -> FlowGraph {
    FlowGraph {
        app: "app <b>".into(),
        tenant: None,
        file: "a.yml".into(),
        has_script: true,
        nodes: vec![
            node("start", NodeKind::Start, None, vec![]),
            node(
                "step-2",
                NodeKind::Step,
                Some(2),
                vec![option("LOCAL", "totp", OptionKind::Local, None, true)],
            ),
            node(
                "step-1",
                NodeKind::Step,
                Some(1),
                vec![
                    option("LOCAL", "BasicAuthenticator", OptionKind::Local, None, false),
                    option(
                        "<img src=x onerror=alert(1)>",
                        "OpenIDConnectAuthenticator",
                        OptionKind::Federated,
                        Some(false),
                        false,
                    ),
                    option(
                        &"Very-Long-Identity-Provider-Name-".repeat(3),
                        "",
                        OptionKind::UnknownIdp,
                        None,
                        false,
                    ),
                ],
            ),
            node("step-3", NodeKind::Step, Some(3), vec![]),
            node("end", NodeKind::End, None, vec![]),
        ],
        edges: vec![
            edge("start", "step-1", &[], None, true),
            edge("step-1", "step-2", &["isAdmin(context) < 1"], Some("onSuccess"), true),
            edge("step-2", "step-3", &[], Some("onSuccess"), false),
            edge("step-3", "end", &[], None, false),
            edge("step-1", "end", &["!(isAdmin(context) < 1)"], Some("onSuccess"), false),
            edge("step-3", "step-1", &[], Some("onFail"), false),
        ],
        conflicts: vec![ConflictPath {
            rule: "jit-mfa-conflict".into(),
            severity: "error".into(),
            message: "m".into(),
            node_ids: vec!["start".into(), "step-1".into(), "step-2".into()],
            edges: vec![0, 1],
            options: vec![
                OptionRef { node: "step-1".into(), option: 1 },
                OptionRef { node: "step-2".into(), option: 0 },
            ],
        }],
        truncated: false,
        notes: vec![],
    }
}

/// The step boxes (not options, not terminals) by their header text.
fn boxes(scene: &Scene) -> Vec<(String, i32, i32, i32, i32, String)> {
    scene
        .shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Box { x, y, w, h, class, lines } => Some((
                lines.first().map(|l| l.text.clone()).unwrap_or_default(),
                *x,
                *y,
                *w,
                *h,
                class.clone(),
            )),
            Shape::Arrow { .. } => None,
        })
        .collect()
}

/// An arrow's points, class and label lines.
type DrawnArrow<'a> = (&'a Vec<(i32, i32)>, &'static str, Vec<String>);

fn arrows(scene: &Scene) -> Vec<DrawnArrow<'_>> {
    scene
        .shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Arrow { points, class, label, .. } => {
                Some((points, *class, label.iter().map(|l| l.text.clone()).collect()))
            }
            Shape::Box { .. } => None,
        })
        .collect()
}

#[test]
fn columns_run_left_to_right_in_step_order_without_overlapping() {
    let scene = layout(&graph());
    let columns: Vec<_> =
        boxes(&scene).into_iter().filter(|b| b.5.starts_with("st") || b.5.starts_with("tm")).collect();
    let names: Vec<&str> = columns.iter().map(|b| b.0.as_str()).collect();
    assert_eq!(names, ["Start", "Step 1", "Step 2", "Step 3", "End"]);
    for pair in columns.windows(2) {
        assert!(pair[0].1 + pair[0].3 < pair[1].1, "{pair:?}");
    }
    let right = columns.iter().map(|b| b.1 + b.3).max().unwrap_or(0);
    let bottom = columns.iter().map(|b| b.2 + b.4).max().unwrap_or(0);
    assert!(right < scene.width && bottom < scene.height, "inside the drawing");
}

#[test]
fn skips_run_above_the_boxes_and_retries_below() {
    let scene = layout(&graph());
    let all = boxes(&scene);
    let top = all.iter().map(|b| b.2).min().unwrap_or(0);
    let bottom = all.iter().map(|b| b.2 + b.4).max().unwrap_or(0);
    let arrows = arrows(&scene);
    let skip = arrows.iter().find(|a| a.2.iter().any(|l| l.starts_with("onSuccess: !("))).map(|a| a.0);
    let retry = arrows.iter().find(|a| a.2.iter().any(|l| l == "onFail")).map(|a| a.0);
    let (Some(skip), Some(retry)) = (skip, retry) else { panic!("both arrows are drawn: {arrows:?}") };
    assert!(skip.iter().map(|p| p.1).min().unwrap_or(0) < top, "{skip:?} above {top}");
    assert!(retry.iter().map(|p| p.1).max().unwrap_or(0) > bottom, "{retry:?} below {bottom}");
}

#[test]
fn a_conflict_path_is_dashed_and_tagged_in_text() {
    let scene = layout(&graph());
    let arrows = arrows(&scene);
    let on_path: Vec<_> = arrows.iter().filter(|a| a.1 == "e cf").collect();
    assert_eq!(on_path.len(), 2, "{arrows:?}");
    assert!(on_path.iter().all(|a| a.2.first().map(String::as_str) == Some("C1 conflict path")));
    let all = boxes(&scene);
    let step1 = all.iter().find(|b| b.0 == "Step 1").map(|b| b.5.as_str());
    assert_eq!(step1, Some("st cf"));
    let google = all.iter().find(|b| b.0.starts_with("<img")).map(|b| b.5.as_str());
    assert_eq!(google, Some("op jo cf"), "the option the finding is about");
    let texts: Vec<String> = scene
        .shapes
        .iter()
        .flat_map(|s| match s {
            Shape::Box { lines, .. } | Shape::Arrow { label: lines, .. } => {
                lines.iter().map(|l| l.text.clone()).collect::<Vec<_>>()
            }
        })
        .collect();
    for expected in
        ["JIT off", "needs local account", "unknown IdP", "(any authenticator)", "no options", "C1"]
    {
        assert!(texts.iter().any(|t| t == expected), "{expected} in {texts:?}");
    }
}

#[test]
fn long_names_are_cut_and_kept_whole_in_a_tooltip() {
    let scene = layout(&graph());
    let long = "Very-Long-Identity-Provider-Name-".repeat(3);
    let line = scene.shapes.iter().find_map(|s| match s {
        Shape::Box { lines, .. } => lines.iter().find(|l| l.full.as_deref() == Some(long.as_str())),
        _ => None,
    });
    let Some(line) = line else { panic!("the long name is cut") };
    assert_eq!(line.text.chars().count(), MAX_BOX_CHARS);
    assert!(line.text.ends_with('…'));
    let mut svg = String::new();
    scene.push_svg(&mut svg, "t");
    assert!(svg.contains(&format!("<title>{long}</title>")));
}

#[test]
fn svg_text_and_labels_are_escaped() {
    let g = graph();
    let mut svg = String::new();
    layout(&g).push_svg(&mut svg, &format!("Sign-in flow of {}", g.app));
    assert!(svg.contains("aria-label=\"Sign-in flow of app &lt;b&gt;\""), "{svg}");
    assert!(svg.contains(">&lt;img src=x onerror=alert(1)&gt;</text>"), "{svg}");
    assert!(svg.contains("onSuccess: isAdmin(context) &lt; 1"), "{svg}");
    assert!(!svg.contains("<img") && !svg.contains("<b>"), "{svg}");
}

#[test]
fn the_json_form_holds_the_same_shapes_and_strings() {
    let scene = layout(&graph());
    let mut strings = Strings::default();
    let json = scene.to_json(&mut strings);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let table: Vec<String> = serde_json::from_str(&strings.to_json()).unwrap_or_default();
    assert_eq!(value[0], scene.width);
    assert_eq!(value[1], scene.height);
    let shapes = value[2].as_array().cloned().unwrap_or_default();
    assert_eq!(shapes.len(), scene.shapes.len());
    // Every string of the scene is in the table, once.
    for shape in &scene.shapes {
        let (Shape::Box { lines, .. } | Shape::Arrow { label: lines, .. }) = shape;
        for l in lines {
            assert_eq!(table.iter().filter(|s| **s == l.text).count(), 1, "{}", l.text);
        }
    }
    // A box: x, y, w, h, class, then (class, text) pairs; the cut line as (-1 - class, text, full).
    let Some(Shape::Box { x, lines, class, .. }) = scene.shapes.first() else { panic!("a box first") };
    assert_eq!(shapes[0][0], *x);
    assert_eq!(table[shapes[0][4].as_u64().unwrap_or(999) as usize], *class);
    assert_eq!(shapes[0].as_array().map(Vec::len), Some(5 + 2 * lines.len()));
    assert!(json.contains(",-"), "a cut line is marked by a negative class: {json}");
}

#[test]
fn text_is_measured_in_columns_as_shown() {
    // Wide characters take two columns, combining marks none.
    assert_eq!(text_width("東京都"), text_width("abcdef"));
    assert_eq!(text_width("e\u{301}"), text_width("e"));
    // A bidi control is shown (and measured) as its marker.
    let shown = line("t", "a\u{202E}b", 100);
    assert_eq!(shown.text, "a⟨U+202E⟩b");
    assert_eq!(text_width(&shown.text), text_width("a⟨U+202E⟩b"));
    assert!(text_width(&shown.text) > text_width("abc"));
}
