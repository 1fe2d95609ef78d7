//! `check --format html`: the page's structure (a snapshot of the example tenant's report, style
//! sheet and script left out), its Content-Security-Policy, its determinism, and that hostile
//! names and scripts (`fixtures/html/hostile`) never reach it as markup. The browser test
//! (`tests/e2e/html-report`, run by `.ci/run`) checks the same page in Chromium.

mod support;

use std::path::Path;

use authlint::report::html;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `authlint check ARGS --format html` run from the repository root: (exit status, page).
fn page(args: &[&str]) -> (i32, String) {
    let mut all = vec!["check"];
    all.extend(args);
    all.extend(["--format", "html"]);
    let run = support::authlint_in(root(), &all);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    (run.code, run.stdout)
}

/// The text between `open` and the next `close` after it, for each occurrence.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else { break };
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// Every tag name and attribute name of the page, as a parser reading raw `<`s sees them.
fn tags_and_attributes(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    // The contents of the two script elements are not markup.
    let mut text = page.to_string();
    for body in between(page, "<script", "</script>") {
        text = text.replacen(body, ">", 1);
    }
    for tag in between(&text, "<", ">") {
        let tag = tag.trim_start_matches('/');
        let mut words = tag.split_whitespace();
        if let Some(name) = words.next() {
            out.push(format!("<{}", name.to_ascii_lowercase()));
        }
        // Attribute names: what precedes each `=` outside quotes.
        let mut in_quotes = false;
        let mut name = String::new();
        for c in tag.chars() {
            match c {
                '"' => in_quotes = !in_quotes,
                '=' if !in_quotes => out.push(std::mem::take(&mut name).trim().to_ascii_lowercase()),
                c if !in_quotes && c.is_whitespace() => name.clear(),
                c if !in_quotes => name.push(c),
                _ => {}
            }
        }
    }
    out
}

/// The page without its style sheet, its script and the hashes that name them: what the snapshot
/// compares.
fn structure(page: &str) -> String {
    let mut out =
        page.replace(html::STYLE.as_str(), "/* page.css */").replace(html::SCRIPT.as_str(), "/* page.js */");
    // The policy writes the hashes' quotes as `&#39;`.
    for (content, name) in [(html::STYLE.as_str(), "STYLE"), (html::SCRIPT.as_str(), "SCRIPT")] {
        let hash = html::csp_hash(content).replace('\'', "&#39;");
        assert!(out.contains(&hash), "the policy names the {name} hash");
        out = out.replace(&hash, &format!("&#39;sha256-{name}&#39;"));
    }
    out
}

#[test]
fn example_tenant_report_structure() {
    let (code, page) = page(&["fixtures/tenant"]);
    assert_eq!(code, 1, "one error");
    insta::assert_snapshot!("example_tenant_html", structure(&page));
}

#[test]
fn the_policy_names_exactly_the_inline_style_and_script() {
    let (_, page) = page(&["fixtures/tenant"]);
    let policy = between(&page, "<meta http-equiv=\"Content-Security-Policy\" content=\"", "\"");
    assert_eq!(policy.len(), 1);
    let policy = policy[0].replace("&#39;", "'");
    assert!(policy.starts_with("default-src 'none'; "), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    let styles = between(&page, "<style>", "</style>");
    assert_eq!(styles.len(), 1, "one style element");
    assert!(policy.contains(&format!("style-src {};", html::csp_hash(styles[0]))), "{policy}");
    // The classic script is the last script element; the other is JSON data.
    let scripts = between(&page, "<script>", "</script>");
    assert_eq!(scripts.len(), 1, "one script element that runs");
    assert!(policy.contains(&format!("script-src {};", html::csp_hash(scripts[0]))), "{policy}");
    // No inline style attribute or event handler anywhere: the policy would block them.
    let names = tags_and_attributes(&page);
    assert!(!names.iter().any(|n| n == "style" || n.starts_with("on")), "{names:?}");
    // Nothing is loaded from anywhere.
    assert!(!names.iter().any(|n| n == "src" || n == "srcset" || n == "action"), "nothing to load");
    for href in between(&page, "href=\"", "\"") {
        assert!(href.starts_with('#') || href == "data:,", "href {href}");
    }
}

#[test]
fn the_page_is_the_same_on_every_run_and_with_any_number_of_threads() {
    let (_, one) = page(&["fixtures/html/hostile", "fixtures/tenant", "--threads", "1"]);
    let (_, two) = page(&["fixtures/html/hostile", "fixtures/tenant", "--threads", "2"]);
    let (_, again) = page(&["fixtures/html/hostile", "fixtures/tenant"]);
    assert_eq!(one, two);
    assert_eq!(one, again);
}

#[test]
fn hostile_names_and_scripts_stay_text() {
    let (code, page) = page(&["fixtures/html/hostile"]);
    assert_eq!(code, 1, "the conflicts are errors");
    // Every element and attribute is one the report writes itself.
    let allowed_tags = [
        "<!doctype",
        "<html",
        "<head",
        "<meta",
        "<title",
        "<link",
        "<style",
        "<body",
        "<header",
        "<h1",
        "<h2",
        "<h3",
        "<h4",
        "<h5",
        "<p",
        "<main",
        "<section",
        "<div",
        "<table",
        "<caption",
        "<thead",
        "<tbody",
        "<tr",
        "<th",
        "<td",
        "<span",
        "<a",
        "<label",
        "<select",
        "<option",
        "<input",
        "<output",
        "<article",
        "<figure",
        "<figcaption",
        "<svg",
        "<rect",
        "<text",
        "<path",
        "<title",
        "<defs",
        "<marker",
        "<ul",
        "<ol",
        "<li",
        "<strong",
        "<details",
        "<summary",
        "<pre",
        "<code",
        "<mark",
        "<del",
        "<ins",
        "<button",
        "<script",
    ];
    let allowed_attributes = [
        "charset",
        "http-equiv",
        "content",
        "name",
        "lang",
        "rel",
        "href",
        "id",
        "class",
        "aria-labelledby",
        "aria-label",
        "aria-live",
        "aria-hidden",
        "aria-expanded",
        "role",
        "for",
        "value",
        "type",
        "placeholder",
        "autocomplete",
        "spellcheck",
        "scope",
        "colspan",
        "hidden",
        "data-app",
        "data-rules",
        "data-rule",
        "data-scene",
        "viewbox",
        "width",
        "height",
        "x",
        "y",
        "d",
        "refx",
        "refy",
        "markerunits",
        "markerwidth",
        "markerheight",
        "orient",
    ];
    for name in tags_and_attributes(&page) {
        assert!(
            allowed_tags.contains(&name.as_str()) || allowed_attributes.contains(&name.as_str()),
            "`{name}` is not something the report writes: input reached the page as markup"
        );
    }
    // Two script elements (the data and the report's own script), each closed once.
    assert_eq!(page.matches("<script").count(), 2);
    assert_eq!(page.matches("</script>").count(), 2);
    assert!(!page.contains("<img") && !page.contains("<svg onload"));
    // The names are there, escaped, in text and in attributes.
    for escaped in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;",
        "&lt;/script&gt;&lt;script&gt;alert(4)&lt;/script&gt;",
        "javascript:alert(5)//{{constructor.constructor(&#39;alert(6)&#39;)()}}",
        "data-app=\"&lt;img src=x onerror=alert(9)&gt; {{7*7}}\"",
        "&lt;svg onload=alert(10)&gt;",
    ] {
        assert!(page.contains(escaped), "{escaped} is missing");
    }
    // Inside the SVG of an application with findings, too.
    let svgs = between(&page, "<svg class=\"flow\"", "</svg>").join("\n");
    assert!(svgs.contains(">&lt;script&gt;alert(1)&lt;/script&gt;</text>"), "{svgs}");
    // The clean application's diagram travels as JSON that parses back to the same names.
    let data = between(&page, "<script type=\"application/json\" id=\"scenes\">", "</script>");
    assert_eq!(data.len(), 1);
    assert!(!data[0].contains('<') && !data[0].contains('>'), "JSON data is escaped");
    let value: serde_json::Value = serde_json::from_str(data[0]).expect("valid JSON");
    let strings: Vec<&str> =
        value["strings"].as_array().expect("strings").iter().filter_map(|s| s.as_str()).collect();
    assert!(strings.contains(&"\"><img src=x onerror=alert(2)>"), "{strings:?}");
    assert_eq!(value["scenes"].as_array().map(Vec::len), Some(1), "one clean application");
    // No URL from the input becomes a link.
    for href in between(&page, "href=\"", "\"") {
        assert!(href.starts_with('#') || href == "data:,", "href {href}");
    }
}

#[test]
fn a_tenant_without_findings_still_gets_a_page() {
    let (code, page) = page(&["fixtures/ok/no-mfa"]);
    assert_eq!(code, 0);
    assert!(page.contains("<h2 id=\"apps-h\">Applications with findings (0)</h2>\n<p>None.</p>"), "{page}");
    assert!(page.contains("data-scene=\"0\""), "the clean application can be drawn");
    assert!(page.ends_with("</html>\n"));
}

/// `authlint check . --format html` in a new tenant made of `files`: (exit status, page).
fn page_of(files: &[(&str, &str)]) -> (i32, String) {
    let dir = support::tenant_dir(files);
    let run = support::authlint_in(dir.path(), &["check", ".", "--format", "html"]);
    (run.code, run.stdout)
}

const GOOGLE_NO_JIT: &str = "name: Google\nprovisioning:\n  jit:\n    isEnabled: false\n";

/// An application named `name` whose step 1 offers `idp` and step 2 TOTP.
fn two_steps(name: &str, idp: &str) -> String {
    let authenticator = if idp == "LOCAL" { "BasicAuthenticator" } else { "GoogleOIDCAuthenticator" };
    format!(
        "name: \"{name}\"\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n    - id: 1\n      options:\n        - {{ idp: {idp}, authenticator: {authenticator} }}\n    - id: 2\n      options:\n        - {{ idp: LOCAL, authenticator: totp }}\n"
    )
}

/// The `<article>` of each application with findings: (the file it names, its findings' rules).
fn articles(page: &str) -> Vec<(String, usize)> {
    between(page, "<article class=\"app\"", "</article>")
        .iter()
        .map(|a| {
            let file =
                between(a, "file <span class=\"path\">", "</span>").first().map_or("", |f| f).to_string();
            (file, a.matches("<section class=\"finding").count())
        })
        .collect()
}

#[test]
fn two_applications_of_one_name_keep_their_own_findings_and_diagrams() {
    // The clean one comes first: the first definition must not take the other's findings.
    for (first, second) in [("LOCAL", "Google"), ("Google", "LOCAL")] {
        let (code, page) = page_of(&[
            ("IdentityProviders/google.yml", GOOGLE_NO_JIT),
            ("Applications/a.yml", &two_steps("payroll", first)),
            ("Applications/b.yml", &two_steps("payroll", second)),
        ]);
        assert_eq!(code, 1);
        let broken = if first == "Google" { "Applications/a.yml" } else { "Applications/b.yml" };
        let found = articles(&page);
        // The conflict is filed under the file that has it, with that file's diagram.
        assert!(found.iter().any(|(file, n)| file == broken && *n >= 1), "{found:?}");
        let article = between(&page, "<article class=\"app\"", "</article>")
            .into_iter()
            .find(|a| a.contains(broken) && a.contains("jit-mfa-conflict"))
            .unwrap_or_default();
        assert!(article.contains("GoogleOIDCAuthenticator"), "the diagram of {broken}:\n{article}");
    }
    // Two documents of one file, the clean one first.
    let (_, page) = page_of(&[
        ("IdentityProviders/google.yml", GOOGLE_NO_JIT),
        (
            "Applications/two.yml",
            &format!("{}---\n{}", two_steps("payroll", "LOCAL"), two_steps("payroll", "Google")),
        ),
    ]);
    let article = between(&page, "<article class=\"app\"", "</article>").concat();
    assert!(
        article.contains("jit-mfa-conflict") && article.contains("GoogleOIDCAuthenticator"),
        "the conflict with the second document's diagram:\n{article}"
    );
    assert!(article.contains("C1 conflict path"), "its path is drawn:\n{article}");
    let clean = between(&page, "<section id=\"clean\"", "</section>").concat();
    assert!(clean.contains("data-app=\"payroll\""), "the first document is clean:\n{clean}");
}

#[test]
fn transitions_say_when_no_condition_was_recorded() {
    let (_, page) = page_of(&[
        ("IdentityProviders/google.yml", GOOGLE_NO_JIT),
        ("Applications/plain.yml", &two_steps("plain", "Google")),
        (
            "Applications/scripted.yml",
            &format!(
                "{}  script: |\n    var onLoginRequest = function (context) {{\n        executeStep(1, {{ onSuccess: function (context) {{ executeStep(2); }} }});\n    }};\n",
                two_steps("scripted", "Google")
            ),
        ),
    ]);
    let rows = |app: &str| {
        let article = between(&page, &format!("<article class=\"app\" data-app=\"{app}\""), "</article>");
        between(article.first().copied().unwrap_or_default(), "<tr><td>", "</tr>").join("\n")
    };
    let plain = rows("plain");
    assert!(plain.contains("<td>always (no script)</td>"), "{plain}");
    let scripted = rows("scripted");
    assert!(!scripted.contains("always"), "a script's edge is never said to be taken always:\n{scripted}");
    // Start -> step 1 and step 2 -> end have no condition the analysis recorded.
    assert!(scripted.contains("<td>(no condition recorded)</td>"), "{scripted}");
    assert!(scripted.contains("<td>onSuccess</td>"), "{scripted}");
}

#[test]
fn clean_applications_are_listed_once_per_tenant() {
    let clean = two_steps("clean", "LOCAL");
    let dir = support::tenant_dir(&[
        ("dev/IdentityProviders/google.yml", GOOGLE_NO_JIT),
        ("dev/Applications/a.yml", &clean),
        ("dev/Applications/b.yml", &two_steps("other", "LOCAL")),
        ("staging/IdentityProviders/google.yml", GOOGLE_NO_JIT),
        ("staging/Applications/a.yml", &clean),
    ]);
    // Files named out of tenant order on the command line.
    let run = support::authlint_in(
        dir.path(),
        &[
            "check",
            "staging/Applications/a.yml",
            "dev/Applications/b.yml",
            "dev",
            "staging",
            "--format",
            "html",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let section = between(&run.stdout, "<section id=\"clean\"", "</section>").concat();
    let headings = between(&section, "<h3 class=\"path\">", "</h3>");
    assert_eq!(headings, ["dev", "staging"], "{section}");
    // Each tenant's heading and list are one group, which the search hides as a whole.
    assert_eq!(section.matches("<div class=\"tenant\"><h3").count(), 2, "{section}");
}

#[test]
fn bidi_controls_in_names_are_shown_as_markers() {
    let (_, page) = page_of(&[
        ("IdentityProviders/google.yml", GOOGLE_NO_JIT),
        ("Applications/a.yml", &two_steps("admin\u{202E}gnp.exe", "Google")),
        ("Applications/b.yml", &two_steps("clean\u{2067}x", "LOCAL")),
    ]);
    assert!(page.contains("admin⟨U+202E⟩gnp.exe"), "in the findings");
    assert!(page.contains("clean⟨U+2067⟩x"), "in the clean list and its diagram's strings");
    assert!(!page.contains('\u{202E}') && !page.contains('\u{2067}'), "no raw control anywhere");
}
