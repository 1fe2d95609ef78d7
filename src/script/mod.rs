//! Conditional-authentication scripts: parsing (swc) and the flow analysis.

mod env;
pub mod interp;
pub mod state;
pub mod value;

use swc_common::{BytePos, Spanned};
use swc_ecma_ast::Script;
use swc_ecma_parser::{EsSyntax, Parser, StringInput, Syntax};

/// A script syntax error, at a byte offset of the script.
#[derive(Debug)]
pub struct ScriptError {
    pub offset: usize,
    pub end: usize,
    pub message: String,
}

/// Parses a script as the server does (ECMAScript, script goal, not a module).
pub fn parse(src: &str) -> Result<Script, ScriptError> {
    // swc numbers bytes from 1 (0 is its "no position"); `interp::offset` undoes that.
    let end = BytePos(u32::try_from(src.len()).unwrap_or(u32::MAX - 1).saturating_add(1));
    let input = StringInput::new(src, BytePos(1), end);
    let mut parser = Parser::new(Syntax::Es(EsSyntax::default()), input, None);
    let to_error = |e: swc_ecma_parser::error::Error| ScriptError {
        offset: interp::offset(e.span().lo),
        end: interp::offset(e.span().hi),
        message: e.kind().msg().to_string(),
    };
    let script = parser.parse_script().map_err(to_error)?;
    // Recoverable errors are errors too: the server would reject the script.
    if let Some(e) = parser.take_errors().into_iter().next() {
        return Err(to_error(e));
    }
    Ok(script)
}
