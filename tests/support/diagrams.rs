//! Structural checks of the diagrams authlint writes (Mermaid flowcharts, Graphviz DOT), for
//! tests that feed them hostile names: every line must be a statement authlint writes, and
//! every piece of input text must stay inside a label. The labels come back decoded, so a test
//! can also check that the text is shown as it was.

/// Checks a Mermaid flowchart as `authlint graph` writes it; returns its labels, decoded.
pub fn check_mermaid(text: &str) -> Result<Vec<String>, String> {
    let mut labels = Vec::new();
    let mut lines = text.lines();
    if lines.next() != Some("flowchart TD") {
        return Err("the diagram does not start with `flowchart TD`".into());
    }
    let mut depth = 0usize;
    for (n, line) in lines.enumerate() {
        let fail = |why: &str| Err(format!("line {}: {why}: {line:?}", n + 2));
        let mut skeleton = String::new();
        // Quoted labels become "L"; digit runs become 9.
        let mut rest = line;
        while let Some(open) = rest.find('"') {
            skeleton.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('"') else { return fail("an unclosed label") };
            let label = &after[..close];
            match decode_mermaid_label(label) {
                Ok(decoded) => labels.push(decoded),
                Err(e) => return fail(&e),
            }
            skeleton.push_str("\"L\"");
            rest = &after[close + 1..];
        }
        skeleton.push_str(rest);
        let skeleton = digits_as_nine(&skeleton);
        let ok = match skeleton.as_str() {
            "  subgraph a9[\"L\"]" => {
                depth += 1;
                true
            }
            "  end" => {
                if depth == 0 {
                    return fail("`end` without a subgraph");
                }
                depth -= 1;
                true
            }
            "    direction TD"
            | "    a9_n9([\"L\"])"
            | "    a9_n9[\"L\"]"
            | "    a9_c9[/\"L\"/]"
            | "    a9_notes[\"L\"]"
            | "    a9_n9 --> a9_n9"
            | "    a9_n9 -->|\"L\"| a9_n9"
            | "    a9_n9 -.- a9_c9" => depth == 1,
            "  classDef conflict stroke:#c9,stroke-width:9px"
            | "  classDef note fill:#fff9e9,stroke:#c9,stroke-dasharray:9 9"
            | "  classDef unconfigured stroke-dasharray:9 9" => depth == 0,
            s if s.starts_with("  class ") => {
                let mut parts = s["  class ".len()..].split(' ');
                let ids = parts.next().unwrap_or("");
                let class = parts.next().unwrap_or("");
                depth == 0
                    && parts.next().is_none()
                    && ["conflict", "note", "unconfigured"].contains(&class)
                    && ids.split(',').all(|id| ["a9_n9", "a9_c9", "a9_notes"].contains(&id))
            }
            s if s.starts_with("  linkStyle ") => {
                let body = &s["  linkStyle ".len()..];
                let (list, style) = body.split_once(' ').unwrap_or(("", ""));
                depth == 0 && list.split(',').all(|i| i == "9") && style == "stroke:#c9,stroke-width:9px"
            }
            _ => false,
        };
        if !ok {
            return fail("not a statement authlint writes");
        }
    }
    if depth != 0 {
        return Err("a subgraph is not closed".into());
    }
    Ok(labels)
}

fn digits_as_nine(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('9') {
                out.push('9');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of a quoted Mermaid label; an error when it holds anything that Mermaid or the
/// browser could read as syntax.
fn decode_mermaid_label(label: &str) -> Result<String, String> {
    let mut out = String::new();
    for (i, part) in label.split("<br/>").enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut chars = part.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '#' => {
                    let mut code = String::new();
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        code.push(d);
                    }
                    if chars.next() != Some(';') {
                        return Err(format!("`#` that is no entity code in {label:?}"));
                    }
                    let decoded = code.parse::<u32>().ok().and_then(char::from_u32);
                    match decoded.ok_or_else(|| format!("bad entity code in {label:?}"))? {
                        // The invisible word joiner authlint puts between `$` and `$`, `:` and
                        // `f` (see `mermaid::escape`) is not part of the text.
                        '\u{2060}' => {}
                        c => out.push(c),
                    }
                }
                // `:` too: Mermaid edits lines matching `style.*:\S*#.*;` before parsing them.
                // `$`: Mermaid typesets `$$...$$` as KaTeX.
                '<' | '>' | '&' | '"' | '`' | '|' | '%' | ';' | ':' | '[' | ']' | '{' | '}' | '\\' | '$' => {
                    return Err(format!("{c:?} left as it is in {label:?}"));
                }
                c if c.is_control() => return Err(format!("control character in {label:?}")),
                c => out.push(c),
            }
        }
    }
    Ok(out)
}

/// One token of DOT.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Id(String),
    /// A quoted string, escapes undone (`\"` and `\\`; `\n` becomes a line break).
    Quoted(String),
    Punct(char),
    Arrow,
}

fn dot_tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '{' | '}' | '[' | ']' | ';' | ',' | '=' => tokens.push(Token::Punct(c)),
            '-' if chars.peek() == Some(&'>') => {
                chars.next();
                tokens.push(Token::Arrow);
            }
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("an unclosed string".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('"') => s.push('"'),
                            Some('\\') => s.push('\\'),
                            Some('n') => s.push('\n'),
                            Some(other) => return Err(format!("the escape \\{other} in a string")),
                            None => return Err("an unclosed string".into()),
                        },
                        Some('\n') | Some('\r') => return Err("a raw line break in a string".into()),
                        // Graphviz reads entities in any label (`&lt;`, `&#60;`): authlint writes
                        // only `&amp;`, so that the input's own `&` is shown as typed.
                        Some('&') => {
                            for want in "amp;".chars() {
                                if chars.next() != Some(want) {
                                    return Err("an `&` that Graphviz would read as an entity".into());
                                }
                            }
                            s.push('&');
                        }
                        Some(c) => s.push(c),
                    }
                }
                tokens.push(Token::Quoted(s));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {
                let mut s = String::from(c);
                while let Some(d) = chars.next_if(|d| d.is_ascii_alphanumeric() || *d == '_' || *d == '.') {
                    s.push(d);
                }
                tokens.push(Token::Id(s));
            }
            // `<` would start an HTML-like label; `#` and `//` comments; anything else is not DOT
            // authlint writes.
            other => return Err(format!("unexpected {other:?} outside a string")),
        }
    }
    Ok(tokens)
}

/// Checks a DOT document as `authlint graph --format dot` writes it (a `digraph` of clusters of
/// node, edge and attribute statements); returns its quoted strings, decoded.
pub fn check_dot(text: &str) -> Result<Vec<String>, String> {
    let tokens = dot_tokens(text)?;
    let mut p = DotParser { tokens: &tokens, at: 0, strings: Vec::new() };
    p.expect(&Token::Id("digraph".into()))?;
    p.id()?;
    p.block(0)?;
    if p.at != tokens.len() {
        return Err(format!("tokens after the graph: {:?}", &tokens[p.at..]));
    }
    Ok(p.strings)
}

struct DotParser<'t> {
    tokens: &'t [Token],
    at: usize,
    strings: Vec<String>,
}

impl DotParser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Result<Token, String> {
        let t = self.tokens.get(self.at).cloned().ok_or("unexpected end")?;
        self.at += 1;
        Ok(t)
    }

    fn expect(&mut self, want: &Token) -> Result<(), String> {
        let got = self.next()?;
        if &got != want {
            Err(format!("expected {want:?}, found {got:?} at token {}", self.at))
        } else {
            Ok(())
        }
    }

    /// A plain identifier (never input text: authlint generates them).
    fn id(&mut self) -> Result<String, String> {
        match self.next()? {
            Token::Id(s) => Ok(s),
            other => Err(format!("expected an identifier, found {other:?}")),
        }
    }

    fn value(&mut self) -> Result<(), String> {
        match self.next()? {
            Token::Id(_) => Ok(()),
            Token::Quoted(s) => {
                self.strings.push(s);
                Ok(())
            }
            other => Err(format!("expected a value, found {other:?}")),
        }
    }

    /// `{ statements }`; `depth` 0 is the graph, 1 a cluster.
    fn block(&mut self, depth: usize) -> Result<(), String> {
        self.expect(&Token::Punct('{'))?;
        loop {
            match self.peek() {
                Some(Token::Punct('}')) => {
                    self.at += 1;
                    return Ok(());
                }
                Some(Token::Id(s)) if s == "subgraph" && depth == 0 => {
                    self.at += 1;
                    let name = self.id()?;
                    if !name.starts_with("cluster_") {
                        return Err(format!("subgraph {name} is not a cluster"));
                    }
                    self.block(1)?;
                }
                Some(Token::Id(_)) => self.statement()?,
                other => return Err(format!("unexpected {other:?} at token {}", self.at)),
            }
        }
    }

    /// `id = value;`, `node|edge|id [attrs];` or `id -> id [attrs];`.
    fn statement(&mut self) -> Result<(), String> {
        let first = self.id()?;
        match self.peek() {
            Some(Token::Punct('=')) => {
                self.at += 1;
                self.value()?;
            }
            Some(Token::Arrow) => {
                self.at += 1;
                self.id()?;
                self.attributes()?;
            }
            _ => {
                if !["node", "edge"].contains(&first.as_str())
                    && !first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err(format!("node id {first:?}"));
                }
                self.attributes()?;
            }
        }
        self.expect(&Token::Punct(';'))
    }

    fn attributes(&mut self) -> Result<(), String> {
        if self.peek() != Some(&Token::Punct('[')) {
            return Ok(());
        }
        self.at += 1;
        loop {
            self.id()?;
            self.expect(&Token::Punct('='))?;
            self.value()?;
            match self.next()? {
                Token::Punct(',') => {}
                Token::Punct(']') => return Ok(()),
                other => return Err(format!("expected `,` or `]`, found {other:?}")),
            }
        }
    }
}
