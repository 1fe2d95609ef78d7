//! Conditional-authentication scripts: parsing (swc) and the flow analysis.

mod env;
pub mod interp;
pub mod state;
pub mod value;

use swc_common::{BytePos, Spanned};
use swc_ecma_ast::Script;
use swc_ecma_parser::{EsSyntax, Parser, StringInput, Syntax};

/// A script that cannot be analysed, at a byte offset of the script.
#[derive(Debug)]
pub struct ScriptError {
    pub offset: usize,
    pub end: usize,
    pub message: String,
    /// Valid, perhaps, but nested too deeply to parse safely: not a syntax error.
    pub too_deep: bool,
}

/// Scripts whose brackets nest deeper than this are not parsed: the parser recurses per level.
pub const MAX_BRACKET_DEPTH: usize = 1_000;
/// Larger scripts are not parsed: real ones are a few kilobytes, and this size keeps the
/// parser's recursion on any input (a chain of 256 K prefix operators) within its stack.
pub const MAX_SCRIPT_BYTES: usize = 256 << 10;
/// Longer chains of labels (`a: b: c: …`) are not parsed: swc reports each duplicate pair.
pub const MAX_LABEL_CHAIN: usize = 64;

// swc's parser recurses once per level of prefix operators (`!!!…`), right-associative chains
// (`a = b = …`, `c ? x : c ? …`, `a => a => …`) and statements without brackets (`if (a) if (b)
// …`), which no bracket count sees. The stack a parse can need is bounded from the script's
// bytes, operator characters and arrows, with costs measured per level on the debug build (the
// larger; `bench/stack.sh`), twice over: prefix `!` 1.5 KiB, `a = ` 3 KiB, `typeof` 3.4 KiB, an
// arrow 20 KiB. Scripts whose bound exceeds the thread's stack parse on a stack grown for them;
// scripts past `MAX_PARSE_STACK` are refused.
const PARSE_STACK_BASE: usize = 1 << 20;
const PARSE_STACK_PER_BYTE: usize = 1 << 10;
const PARSE_STACK_PER_OPERATOR: usize = 2 << 10;
const PARSE_STACK_PER_ARROW: usize = 24 << 10;
/// Scripts whose parse could need more stack than this are not parsed.
pub const MAX_PARSE_STACK: usize = 512 << 20;
/// Stack kept free below what a parse is given (for the analysis that follows, and drops).
const RED_ZONE: usize = 4 << 20;

/// An upper bound of the stack swc's parser can need for `src` (see the costs above).
pub fn parse_stack_bound(src: &str) -> usize {
    let bytes = src.as_bytes();
    let arrows = memchr::memmem::find_iter(bytes, b"=>").count();
    let without_operators = PARSE_STACK_BASE
        .saturating_add(bytes.len().saturating_mul(PARSE_STACK_PER_BYTE))
        .saturating_add(arrows.saturating_mul(PARSE_STACK_PER_ARROW));
    // Counting operators costs a pass over the script: only when it can matter.
    let at_most = without_operators.saturating_add(bytes.len().saturating_mul(PARSE_STACK_PER_OPERATOR));
    if at_most <= crate::workers::STACK_SIZE / 2 {
        return at_most;
    }
    let operators =
        bytes.iter().filter(|b| matches!(b, b'!' | b'~' | b'-' | b'+' | b'=' | b'?' | b':' | b'*')).count();
    without_operators.saturating_add(operators.saturating_mul(PARSE_STACK_PER_OPERATOR))
}

/// Runs `f` (which parses `src` and walks or drops its tree) on a stack deep enough for it: this
/// thread's, or one grown for this script when this thread has too little left.
pub fn on_parse_stack<R>(src: &str, f: impl FnOnce() -> R) -> R {
    let needed = parse_stack_bound(src).min(MAX_PARSE_STACK).saturating_add(RED_ZONE);
    match stacker::remaining_stack() {
        Some(left) if left > needed => f(),
        _ => stacker::grow(needed, f),
    }
}

/// Where a chain of more than `limit` consecutive labels (`name:` followed by another) starts,
/// roughly (strings are skipped, other tokens break the chain).
fn label_chain(src: &str, limit: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let (mut run, mut start, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        if ident(b) {
            let word = i;
            while i < bytes.len() && ident(bytes[i]) {
                i += 1;
            }
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if bytes.get(j) == Some(&b':') && bytes.get(j + 1) != Some(&b':') {
                if run == 0 {
                    start = word;
                }
                run += 1;
                if run > limit {
                    return Some(start);
                }
                i = j + 1;
            } else {
                run = 0;
            }
            continue;
        }
        if !b.is_ascii_whitespace() {
            run = 0;
        }
        i += 1;
    }
    None
}

/// The deepest bracket nesting of a script and where it is first reached, skipping strings and
/// comments (roughly: a regular expression literal may count a bracket or two).
fn bracket_depth(src: &str) -> (usize, usize) {
    let bytes = src.as_bytes();
    let (mut depth, mut max, mut at) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    at = i;
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            quote @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    (max, at)
}

/// The source `start..end` of a script, whitespace collapsed and shortened, for traces.
pub fn snippet(src: &str, start: usize, end: usize) -> String {
    // Only the start is shown: collapse at most a few hundred bytes, however large the node.
    let mut cut = end.min(start + 240);
    while cut > start && !src.is_char_boundary(cut) {
        cut -= 1;
    }
    let text = src.get(start..cut).unwrap_or("");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 60 { format!("{}...", text.chars().take(57).collect::<String>()) } else { text }
}

/// Parses a script as the server does (ECMAScript, script goal, not a module).
pub fn parse(src: &str) -> Result<Script, ScriptError> {
    // swc numbers bytes from 1 (0 is its "no position"); `interp::offset` undoes that.
    let end = BytePos(u32::try_from(src.len()).unwrap_or(u32::MAX - 1).saturating_add(1));
    let input = StringInput::new(src, BytePos(1), end);
    // The parser recurses once per nesting level of brackets, prefix operators (`!!!…`) and
    // right-associative chains (`a = b = …`), and is quadratic in chains of labels: inputs that
    // could exhaust its stack or memory are refused before parsing.
    if src.len() > MAX_SCRIPT_BYTES {
        return Err(ScriptError {
            offset: 0,
            end: 0,
            message: format!(
                "the script is {} bytes (authlint analyses up to {MAX_SCRIPT_BYTES})",
                src.len()
            ),
            too_deep: true,
        });
    }
    // Both scans are skipped when a count of the characters they look for (cheap: vectorised)
    // shows they cannot find anything.
    if memchr::memchr_iter(b':', src.as_bytes()).count() > MAX_LABEL_CHAIN
        && let Some(at) = label_chain(src, MAX_LABEL_CHAIN)
    {
        return Err(ScriptError {
            offset: at,
            end: at + 1,
            message: format!("more than {MAX_LABEL_CHAIN} labels in a row here"),
            too_deep: true,
        });
    }
    let stack = parse_stack_bound(src);
    if stack > MAX_PARSE_STACK {
        return Err(ScriptError {
            offset: 0,
            end: 0,
            message: format!(
                "the script's operator and arrow chains could need {} MiB of stack to parse (authlint parses up to {} MiB)",
                stack >> 20,
                MAX_PARSE_STACK >> 20
            ),
            too_deep: true,
        });
    }
    if memchr::memchr3_iter(b'(', b'[', b'{', src.as_bytes()).count() > MAX_BRACKET_DEPTH
        && let (depth, at) = bracket_depth(src)
        && depth > MAX_BRACKET_DEPTH
    {
        return Err(ScriptError {
            offset: at,
            end: at + 1,
            message: format!(
                "brackets nest {depth} levels deep here (authlint analyses up to {MAX_BRACKET_DEPTH})"
            ),
            too_deep: true,
        });
    }
    let mut parser = Parser::new(Syntax::Es(EsSyntax::default()), input, None);
    let to_error = |e: swc_ecma_parser::error::Error| ScriptError {
        offset: interp::offset(e.span().lo),
        end: interp::offset(e.span().hi),
        message: e.kind().msg().to_string(),
        too_deep: false,
    };
    let script = parser.parse_script().map_err(to_error)?;
    // Recoverable errors are errors too: the server would reject the script.
    if let Some(e) = parser.take_errors().into_iter().next() {
        return Err(to_error(e));
    }
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_depth_skips_strings_and_comments() {
        assert_eq!(bracket_depth("f((a), [b])").0, 2);
        assert_eq!(bracket_depth("f('((((', \"[[[\", `{{{`) // ((((\n/* [[[[ */").0, 1);
    }

    #[test]
    fn label_chains_and_huge_scripts_are_refused_before_parsing() {
        let labels = "a:".repeat(10_000) + ";";
        assert!(parse(&labels).expect_err("label chain").too_deep);
        // Object literals and ternaries are not label chains.
        assert!(parse("var o = { a: 1, b: 2, c: x ? y : z };").is_ok());
        let nots = format!("var x = {}1;", "!".repeat(MAX_SCRIPT_BYTES));
        assert!(parse(&nots).expect_err("too big").too_deep);
    }

    #[test]
    fn deeply_nested_scripts_are_refused_before_parsing() {
        let src = format!("var x = {}1{};", "(".repeat(50_000), ")".repeat(50_000));
        let err = parse(&src).expect_err("too deep");
        assert!(err.too_deep);
        assert!(parse("var x = ((1));").is_ok());
    }
}
