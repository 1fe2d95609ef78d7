//! Markdown as GitHub reads it, for the tests of `--format markdown`.

/// The summary as GitHub renders it: GitHub Flavored Markdown with tables, autolinks
/// (`www.`, `https://`) and strikethrough, raw HTML left out. comrak follows cmark-gfm (GitHub's
/// parser) in where tables split cells and what forms a link; it differs in one detail we do not
/// rely on: it shows a text `\\|` inside a code span in a cell as `\\|`, GitHub as `\|`.
pub fn to_html(summary: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    comrak::markdown_to_html(summary, &options)
}

/// The HTML with every `<code>` element (code spans and the diagrams' fenced blocks) removed:
/// what is left is what GitHub reads as text, where it forms mentions and references.
pub fn outside_code(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<code") {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find("</code>") else { panic!("an unclosed <code> in {html}") };
        rest = &rest[i + j + "</code>".len()..];
    }
    out.push_str(rest);
    out
}
