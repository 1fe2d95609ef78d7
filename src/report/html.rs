//! `--format html`: one self-contained HTML page, the report a CI job keeps as an artifact.
//!
//! The page holds everything it shows: its style sheet and script are inline (from
//! `html/page.css` and `html/page.js`), the flow diagrams are inline SVG, and it makes no
//! request of any kind, so it opens from `file://` and from an artifact store alike. A strict
//! Content-Security-Policy allows exactly that style sheet and that script (by their SHA-256) and
//! nothing else: even text that escaped escaping could run no script and load nothing.
//!
//! What it shows:
//! - a summary: per tenant, per severity, per rule;
//! - each application with findings: its flow diagram (see [`svg`]), then each finding with its
//!   message, a code frame with the span marked, the path that leads there, the help, the
//!   remedies as small diffs, and a link to the rule's documentation (at the end of the page, as
//!   `authlint explain RULE` prints it);
//! - the findings outside any application (unreadable files, IdP files...), by file;
//! - the applications without findings, by name: each one's diagram is drawn when it is opened.
//!   Their diagrams travel as compact JSON in one `<script type="application/json">` element
//!   (a few hundred bytes each) and the page's script draws them with DOM calls: a tenant of
//!   10,000 clean applications stays a page of a few megabytes instead of tens of thousands of
//!   SVG elements.
//!
//! A filter by rule and a search by application name (ordinary form controls) hide what does
//! not match. Everything from the input is escaped (`escape`), and the script puts text into the
//! page only through `textContent`.

mod escape;
mod frame;
pub mod svg;

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use base64::Engine;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use self::escape::push as text;
use self::frame::Mark;
use crate::catalogue::Catalogue;
use crate::check::Report;
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::FlowGraph;
use crate::model::ApplicationIndex;
use crate::report::severity_name;
use crate::tenants::TenantId;

/// The page's style sheet.
pub static STYLE: LazyLock<String> = LazyLock::new(|| lf_only(include_str!("html/page.css")));
/// The page's script: the filter, the search, and the diagrams drawn on demand.
pub static SCRIPT: LazyLock<String> = LazyLock::new(|| lf_only(include_str!("html/page.js")));

/// `text` with every line break written as `\n`. A browser reads `\r\n` and `\r` in a page as
/// `\n` before it hashes an inline script or style sheet, so a copy of the sources checked out
/// with Windows line endings would otherwise send hashes that match nothing
/// (`.gitattributes` also asks git for `\n`).
fn lf_only(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// `'sha256-...'`: the hash source of an inline style or script for the Content-Security-Policy.
pub fn csp_hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// The Content-Security-Policy of the page: nothing but its own style sheet and script (and the
/// empty `data:` icon that keeps browsers from asking for `/favicon.ico`).
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(&STYLE),
        csp_hash(&SCRIPT)
    )
}

/// How to read the diagrams (once, above them).
const LEGEND: &str = "<p class=\"legend\">How to read the diagrams: the steps run from left to right, \
each option of a step is a box (IdP, authenticator, then its JIT setting and whether it needs a local \
account, in words). Arrows between neighbouring steps carry the callback and the script conditions \
taken; arrows above the boxes skip steps, arrows below go back to an earlier step. The path of each \
conflict is drawn red and dashed and tagged in text: C1, C2… under the diagram say which finding \
each tag is. Each diagram's transitions are also listed as a table under it.</p>\n";

/// The findings of one application, and where it is in the model.
struct AppFindings<'a> {
    name: &'a str,
    tenant: TenantId,
    /// Index in `report.model.applications` (none when the application was not loaded).
    model_index: Option<usize>,
    findings: Vec<&'a Diagnostic>,
}

impl AppFindings<'_> {
    fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|d| d.severity == severity).count()
    }
}

/// Renders the whole page. `catalogue` is the one the check used (the diagrams mark the
/// authenticators that need a local account from it).
pub fn render(report: &Report, catalogue: &Catalogue) -> String {
    let files = &report.files;
    let tenant_of = |d: &Diagnostic| files.try_get(d.span.file).map_or(crate::tenants::LOOSE, |f| f.tenant);
    // Two applications of one tenant may share a name (a copy under another file name, or
    // another document of the same file): each keeps its own findings and diagram.
    let index = ApplicationIndex::new(&report.model.applications);
    // Findings grouped by application, in the order of each application's first finding.
    let mut apps: Vec<AppFindings> = Vec::new();
    let mut app_slot: HashMap<(TenantId, &str, Option<usize>), usize> = HashMap::new();
    let mut others: Vec<&Diagnostic> = Vec::new();
    for d in &report.diagnostics {
        let Some(name) = d.app.as_deref() else {
            others.push(d);
            continue;
        };
        let tenant = tenant_of(d);
        let model_index = index.of(name, tenant, d.span.file, d.span.start);
        let slot = *app_slot.entry((tenant, name, model_index)).or_insert_with(|| {
            apps.push(AppFindings { name, tenant, model_index, findings: Vec::new() });
            apps.len() - 1
        });
        apps[slot].findings.push(d);
    }
    // Errors first, then warnings; otherwise in report order (a stable sort).
    apps.sort_by_key(|a| (a.count(Severity::Error) == 0, a.count(Severity::Warning) == 0));
    let with_findings: std::collections::HashSet<usize> = apps.iter().filter_map(|a| a.model_index).collect();
    // Clean applications by tenant (files of tenants may come in any order), so that each
    // tenant's list is one under one heading.
    let mut clean: Vec<usize> =
        (0..report.model.applications.len()).filter(|i| !with_findings.contains(i)).collect();
    clean.sort_by_key(|&i| (report.model.applications[i].tenant, i));

    // The diagrams, laid out on all cores when there are many.
    let graph = |i: usize| crate::graph::build(report, catalogue, i);
    let sections: Vec<String> = crate::workers::pool().install(|| {
        apps.par_iter().map(|a| app_section(report, a, a.model_index.map(graph).as_ref())).collect()
    });
    let clean_scenes: Vec<svg::Scene> =
        crate::workers::pool().install(|| clean.par_iter().map(|&i| svg::layout(&graph(i))).collect());
    // One table of strings for all of them, then each scene as numbers into it.
    let mut strings = svg::Strings::default();
    let clean_scenes: Vec<String> = clean_scenes.iter().map(|s| s.to_json(&mut strings)).collect();

    let mut out = String::with_capacity(
        sections.iter().map(String::len).sum::<usize>()
            + clean_scenes.iter().map(|s| s.len() + 80).sum::<usize>()
            + 64 * 1024,
    );
    push_head(&mut out, report);
    out.push_str("<body>\n<header><h1>authlint report</h1>\n<p class=\"verdict\">");
    text(&mut out, crate::report::human::summary(report).lines().next().unwrap_or(""));
    out.push_str("</p></header>\n<main>\n");
    push_summary(&mut out, report);
    push_controls(&mut out, report);

    out.push_str(&format!(
        "<section id=\"apps\" aria-labelledby=\"apps-h\"><h2 id=\"apps-h\">Applications with findings ({})</h2>\n",
        apps.len()
    ));
    if apps.is_empty() {
        out.push_str("<p>None.</p>\n");
    } else {
        out.push_str(LEGEND);
    }
    for s in &sections {
        out.push_str(s);
    }
    out.push_str("</section>\n");

    push_other_findings(&mut out, report, &others);
    push_clean(&mut out, report, &clean);
    push_rule_docs(&mut out, report);
    out.push_str(
        "<p id=\"none-shown\" class=\"empty\" hidden>Nothing matches the filter and the search.</p>\n",
    );
    out.push_str("</main>\n");
    // The arrowheads every diagram uses (ids are shared by all inline SVG of a page).
    out.push_str(concat!(
        "<svg class=\"defs\" aria-hidden=\"true\" width=\"0\" height=\"0\"><defs>",
        "<marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"10\" orient=\"auto-start-reverse\"><path class=\"ah\" d=\"M0 0L10 5L0 10z\"/></marker>",
        "<marker id=\"ahc\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"10\" orient=\"auto-start-reverse\"><path class=\"ahc\" d=\"M0 0L10 5L0 10z\"/></marker>",
        "</defs></svg>\n"
    ));
    out.push_str("<script type=\"application/json\" id=\"scenes\">{\"strings\":");
    out.push_str(&escape::json_for_script(&strings.to_json()));
    out.push_str(",\n\"scenes\":[");
    for (i, s) in clean_scenes.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        // Numbers only: nothing to escape.
        out.push_str(s);
    }
    out.push_str("]}</script>\n<script>");
    out.push_str(&SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

fn push_head(out: &mut String, report: &Report) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
    text(out, &content_security_policy());
    out.push_str("\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str(&format!(
        "<title>authlint report: {}, {}</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>",
        plural(report.errors(), "error"),
        plural(report.warnings(), "warning")
    ));
    out.push_str(&STYLE);
    out.push_str("</style>\n</head>\n");
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

/// Counts of findings per rule, in the order of the rule catalogue.
fn rule_counts(report: &Report) -> Vec<(&'static crate::rules::RuleInfo, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &report.diagnostics {
        *counts.entry(d.rule).or_default() += 1;
    }
    crate::rules::registry().iter().filter_map(|r| counts.get(r.id).map(|&n| (r, n))).collect()
}

fn push_summary(out: &mut String, report: &Report) {
    out.push_str("<section id=\"summary\" aria-labelledby=\"summary-h\"><h2 id=\"summary-h\">Summary</h2>\n<div class=\"tables\">\n");
    out.push_str("<table><caption>By tenant</caption><thead><tr><th scope=\"col\">tenant</th><th scope=\"col\">files</th><th scope=\"col\">applications</th><th scope=\"col\">identity providers</th><th scope=\"col\">errors</th><th scope=\"col\">warnings</th></tr></thead><tbody>\n");
    for t in report.tenant_summaries() {
        out.push_str("<tr><th scope=\"row\">");
        text(out, t.name.unwrap_or("(files under no tenant root)"));
        out.push_str(&format!(
            "</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            t.files, t.applications, t.identity_providers, t.errors, t.warnings
        ));
    }
    out.push_str("</tbody></table>\n");
    out.push_str("<table><caption>By severity</caption><thead><tr><th scope=\"col\">severity</th><th scope=\"col\">findings</th></tr></thead><tbody>\n");
    for severity in [Severity::Error, Severity::Warning, Severity::Note] {
        let n = report.diagnostics.iter().filter(|d| d.severity == severity).count();
        let name = severity_name(severity);
        out.push_str(&format!(
            "<tr><th scope=\"row\"><span class=\"sev {name}\">{name}</span></th><td>{n}</td></tr>\n"
        ));
    }
    out.push_str("</tbody></table>\n");
    out.push_str("<table><caption>By rule</caption><thead><tr><th scope=\"col\">rule</th><th scope=\"col\">findings</th><th scope=\"col\">what it catches</th></tr></thead><tbody>\n");
    let counts = rule_counts(report);
    if counts.is_empty() {
        out.push_str("<tr><td colspan=\"3\">No findings.</td></tr>\n");
    }
    for (rule, n) in counts {
        out.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"#doc-{id}\">{id}</a></th><td>{n}</td><td>",
            id = rule.id
        ));
        text(out, &rule.summary);
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table>\n</div>\n</section>\n");
}

fn push_controls(out: &mut String, report: &Report) {
    out.push_str(
        "<div id=\"controls\" class=\"controls\" role=\"search\" aria-label=\"Filter the report\">\n",
    );
    out.push_str("<label for=\"rule-filter\">Rule</label>\n<select id=\"rule-filter\">\n");
    out.push_str(&format!(
        "<option value=\"\">all rules ({})</option>\n",
        plural(report.diagnostics.len(), "finding")
    ));
    for (rule, n) in rule_counts(report) {
        out.push_str(&format!("<option value=\"{id}\">{id} ({n})</option>\n", id = rule.id));
    }
    out.push_str("</select>\n<label for=\"app-search\">Application</label>\n");
    out.push_str("<input id=\"app-search\" type=\"search\" placeholder=\"name contains…\" autocomplete=\"off\" spellcheck=\"false\">\n");
    out.push_str(
        "<output id=\"shown\" for=\"rule-filter app-search\" aria-live=\"polite\"></output>\n</div>\n",
    );
}

/// One application with findings: heading, diagram, findings.
fn app_section(report: &Report, app: &AppFindings, graph: Option<&FlowGraph>) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let mut rules: Vec<&str> = app.findings.iter().map(|d| d.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    out.push_str("<article class=\"app\" data-app=\"");
    text(&mut out, app.name);
    out.push_str(&format!("\" data-rules=\" {} \">\n<h3>", rules.join(" ")));
    text(&mut out, app.name);
    for severity in [Severity::Error, Severity::Warning, Severity::Note] {
        let n = app.count(severity);
        if n > 0 {
            out.push_str(&format!(
                " <span class=\"sev {}\">{}</span>",
                severity_name(severity),
                plural(n, severity_name(severity))
            ));
        }
    }
    out.push_str("</h3>\n<p class=\"meta\">");
    if let Some(tenant) = report.tenants.name(app.tenant) {
        out.push_str("tenant <span class=\"path\">");
        text(&mut out, tenant);
        out.push_str("</span> · ");
    }
    let file = app
        .model_index
        .and_then(|i| report.model.applications.get(i))
        .and_then(|a| report.files.try_get(a.file));
    if let Some(file) = file {
        out.push_str("file <span class=\"path\">");
        text(&mut out, &file.display);
        out.push_str("</span>");
    }
    out.push_str("</p>\n");
    if let Some(graph) = graph {
        push_figure(&mut out, graph);
    }
    for d in &app.findings {
        push_finding(&mut out, report, d);
    }
    out.push_str("</article>\n");
    out
}

/// The diagram of an application with findings, its legend (the conflicts it highlights) and
/// its transitions as a table, for readers who do not see the picture.
fn push_figure<'a>(out: &mut String, graph: &'a FlowGraph) {
    out.push_str("<figure class=\"diagram\"><div class=\"scroll\">");
    svg::layout(graph).push_svg(out, &format!("Sign-in flow of {}", graph.app));
    out.push_str("</div>\n<figcaption>");
    if !graph.conflicts.is_empty() {
        out.push_str("<ul class=\"conflicts\">\n");
        for (i, c) in graph.conflicts.iter().enumerate() {
            out.push_str(&format!("<li><strong>C{}</strong> ", i + 1));
            text(out, &c.rule);
            out.push_str(" (");
            text(out, &c.severity);
            out.push_str("): ");
            text(out, &c.message);
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    if !graph.notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for note in &graph.notes {
            out.push_str("<li>");
            text(out, note);
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    if !graph.edges.is_empty() {
        out.push_str("<details class=\"transitions\"><summary>Transitions as text</summary>\n<table><thead><tr><th scope=\"col\">from</th><th scope=\"col\">to</th><th scope=\"col\">when</th><th scope=\"col\">conflict path</th></tr></thead><tbody>\n");
        let label_of = |id: &'a str| -> &'a str {
            graph.nodes.iter().find(|n| n.id == id).map_or(id, |n| n.label.as_str())
        };
        for (index, e) in graph.edges.iter().enumerate() {
            out.push_str("<tr><td>");
            text(out, label_of(&e.from));
            out.push_str("</td><td>");
            text(out, label_of(&e.to));
            out.push_str("</td><td>");
            let when = svg::edge_label(e.callback.as_deref(), &e.conditions);
            // Without a script the steps simply follow each other. With one, an edge without a
            // condition may still depend on values the analysis could not follow (it keeps only
            // the conditions it decided): it is not "always".
            let when = match (when.is_empty(), graph.has_script) {
                (false, _) => when,
                (true, false) => "always (no script)".to_string(),
                (true, true) => "(no condition recorded)".to_string(),
            };
            text(out, &when);
            out.push_str("</td><td>");
            let tags: Vec<String> = graph
                .conflicts
                .iter()
                .enumerate()
                .filter(|(_, c)| c.edges.contains(&index))
                .map(|(i, _)| format!("C{}", i + 1))
                .collect();
            out.push_str(if tags.is_empty() && e.on_conflict_path { "yes" } else { "" });
            out.push_str(&tags.join(" "));
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody></table></details>\n");
    }
    out.push_str("</figcaption></figure>\n");
}

fn push_finding(out: &mut String, report: &Report, d: &Diagnostic) {
    let files = &report.files;
    let severity = severity_name(d.severity);
    out.push_str(&format!(
        "<section class=\"finding {severity}\" data-rule=\"{rule}\">\n<h4><span class=\"sev {severity}\">{severity}</span> <code class=\"rule\">{rule}</code> ",
        rule = d.rule
    ));
    text(out, &d.message);
    out.push_str("</h4>\n<p class=\"where\">");
    text(out, &frame::location(files, d.span));
    out.push_str("</p>\n");
    if let Some(file) = files.try_get(d.span.file) {
        let mut marks = vec![Mark { span: d.span, label: &d.label, primary: true }];
        marks.extend(d.related.iter().filter(|l| l.span.file == d.span.file).map(|l| Mark {
            span: l.span,
            label: &l.message,
            primary: false,
        }));
        frame::push_frame(out, file, &marks);
    }
    for related in d.related.iter().filter(|l| l.span.file != d.span.file) {
        out.push_str("<p class=\"where\">see ");
        text(out, &frame::location(files, related.span));
        out.push_str("</p>\n");
        if let Some(file) = files.try_get(related.span.file) {
            frame::push_frame(
                out,
                file,
                &[Mark { span: related.span, label: &related.message, primary: false }],
            );
        }
    }
    if !d.trace.is_empty() {
        out.push_str("<h5>Path</h5>\n<ol class=\"trace\">\n");
        for event in &d.trace {
            out.push_str("<li>");
            text(out, event);
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    if let Some(help) = &d.help {
        out.push_str("<h5>How to fix it</h5>\n<div class=\"help\">");
        text(out, help);
        out.push_str("</div>\n");
    }
    if !d.fixes.is_empty() {
        out.push_str("<h5>Remedies</h5>\n<ol class=\"fixes\">\n");
        for fix in &d.fixes {
            out.push_str("<li><p>");
            text(out, &fix.title);
            if let Some(strategy) = fix.strategy {
                let name = match strategy {
                    crate::diagnostic::Strategy::Guard => "guard",
                    crate::diagnostic::Strategy::EnableJit => "enable-jit",
                };
                out.push_str(&format!(" <span class=\"cmd\">(authlint fix --strategy {name})</span>"));
            }
            out.push_str("</p>\n");
            for edit in &fix.edits {
                frame::push_edit(out, files, edit);
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    out.push_str(&format!("<p class=\"more\"><a class=\"explain\" href=\"#doc-{rule}\">authlint explain {rule}</a></p>\n</section>\n", rule = d.rule));
}

fn push_other_findings(out: &mut String, report: &Report, others: &[&Diagnostic]) {
    if others.is_empty() {
        return;
    }
    out.push_str(&format!(
        "<section id=\"other\" aria-labelledby=\"other-h\"><h2 id=\"other-h\">Other findings ({})</h2>\n",
        others.len()
    ));
    let mut current: Option<crate::source::FileId> = None;
    for d in others {
        if current != Some(d.span.file) {
            if current.is_some() {
                out.push_str("</div>\n");
            }
            current = Some(d.span.file);
            out.push_str("<div class=\"file\"><h3 class=\"path\">");
            text(out, report.files.try_get(d.span.file).map_or("(unknown file)", |f| f.display.as_str()));
            out.push_str("</h3>\n");
        }
        push_finding(out, report, d);
    }
    out.push_str("</div>\n</section>\n");
}

fn push_clean(out: &mut String, report: &Report, clean: &[usize]) {
    out.push_str(&format!(
        "<section id=\"clean\" aria-labelledby=\"clean-h\"><h2 id=\"clean-h\">Applications without findings ({})</h2>\n",
        clean.len()
    ));
    if clean.is_empty() {
        out.push_str("<p>None.</p>\n</section>\n");
        return;
    }
    out.push_str("<p class=\"hint\">Choose one to draw its flow.</p>\n");
    let several_tenants = report.tenant_summaries().len() > 1;
    let mut current: Option<TenantId> = None;
    for (k, &i) in clean.iter().enumerate() {
        let app = &report.model.applications[i];
        if current != Some(app.tenant) {
            if current.is_some() {
                out.push_str("</ul></div>\n");
            }
            current = Some(app.tenant);
            // One group per tenant: the search hides a group whose applications it all hides.
            out.push_str("<div class=\"tenant\">");
            if several_tenants {
                out.push_str("<h3 class=\"path\">");
                text(out, report.tenants.name(app.tenant).unwrap_or("(files under no tenant root)"));
                out.push_str("</h3>\n");
            }
            out.push_str("<ul class=\"clean\">\n");
        }
        // A button, not a <details>: ten thousand <details> (each with its own shadow tree)
        // made every search keystroke restyle for seconds.
        out.push_str("<li data-app=\"");
        text(out, &app.name.value);
        out.push_str(&format!("\"><button type=\"button\" aria-expanded=\"false\" data-scene=\"{k}\">"));
        text(out, &app.name.value);
        out.push_str("</button></li>\n");
    }
    out.push_str("</ul></div>\n</section>\n");
}

/// The documentation of every rule with findings, as `authlint explain RULE` prints it.
fn push_rule_docs(out: &mut String, report: &Report) {
    let counts = rule_counts(report);
    if counts.is_empty() {
        return;
    }
    out.push_str("<section id=\"rules\" aria-labelledby=\"rules-h\"><h2 id=\"rules-h\">Rules</h2>\n");
    for (rule, _) in counts {
        out.push_str(&format!(
            "<details class=\"doc\" id=\"rule-{id}\"><summary><code>authlint explain {id}</code> — ",
            id = rule.id
        ));
        text(out, &rule.summary);
        out.push_str(&format!("</summary>\n<pre id=\"doc-{}\">", rule.id));
        text(out, &crate::rules::explain_text(rule));
        out.push_str("</pre></details>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_sources_have_the_line_breaks_a_browser_hashes() {
        assert_eq!(lf_only("a\r\nb\rc\n"), "a\nb\nc\n");
        assert!(!STYLE.contains('\r') && !SCRIPT.contains('\r'));
    }
}
