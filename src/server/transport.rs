//! Reading and writing protocol messages on standard input and output.
//!
//! lsp-server's own stdio transport stops reading at the first malformed message and allocates
//! whatever `Content-Length` a peer announces; a server that must survive every input frames
//! messages itself: a bad header or a body that is not a message is answered (or logged) and
//! the next message is read, and a body over [`MAX_MESSAGE`] is skipped without being held.

use std::io::{self, BufRead, Read, Write};

use lsp_server::Message;

/// The largest message read: far above any document under the default `max-file-size`
/// (8 MiB, which JSON-escaping can at most double).
pub const MAX_MESSAGE: usize = 64 << 20;

/// What the reader got from the client.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A body that is not valid JSON (answered with a parse error, id `null`).
    NotJson(String),
    /// Valid JSON that is no message (answered with an invalid-request error); the id when it
    /// has one.
    NotAMessage {
        id: Option<serde_json::Value>,
        why: String,
    },
    /// A frame that could not be read (a bad header, an oversized body): logged.
    BadFrame(String),
}

/// Reads one frame's body; `Ok(None)` at the end of input.
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Result<Vec<u8>, String>>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        // A header line is short: a longer one is garbage, read and dropped in pieces.
        let read = input.by_ref().take(8 * 1024).read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if line.ends_with(b"\n") {
                break;
            }
            continue;
        }
        // Anywhere in the line, the last one: after a frame whose length was wrong, the rest of
        // its body shares a line with the next header (`...}Content-Length: 52`), and reading
        // resumes there.
        let lower = text.to_ascii_lowercase();
        if let Some(at) = lower.rfind("content-length:") {
            let value = &text[at + "content-length:".len()..];
            length =
                Some(value.trim().parse::<usize>().map_err(|e| format!("bad Content-Length {value:?}: {e}")));
        }
    }
    let length = match length {
        None => return Ok(Some(Err("a message without Content-Length".into()))),
        Some(Err(e)) => return Ok(Some(Err(e))),
        Some(Ok(n)) => n,
    };
    if length > MAX_MESSAGE {
        io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        return Ok(Some(Err(format!(
            "a message of {length} bytes, over the limit of {MAX_MESSAGE}: skipped"
        ))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(Ok(body)))
}

/// Reads the next message; `None` at the end of input.
pub fn read(input: &mut impl BufRead) -> Option<Incoming> {
    let body = match read_frame(input) {
        Ok(None) | Err(_) => return None,
        Ok(Some(Err(why))) => return Some(Incoming::BadFrame(why)),
        Ok(Some(Ok(body))) => body,
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return Some(Incoming::NotJson(e.to_string())),
    };
    let id = value.get("id").cloned();
    Some(match serde_json::from_value::<Message>(value) {
        // An id that is neither an integer nor a string (`1.5`, `{}`) makes lsp-server read a
        // request as a notification: it must be answered, with an error.
        Ok(Message::Notification(_)) if id.is_some() => {
            Incoming::NotAMessage { id: None, why: "an id must be an integer or a string".into() }
        }
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::NotAMessage { id, why: e.to_string() },
    })
}

/// Writes one message; the error is the client having gone away.
pub fn write(output: &mut impl Write, message: &serde_json::Value) -> io::Result<()> {
    let text = serde_json::to_string(message)?;
    write!(output, "Content-Length: {}\r\n\r\n", text.len())?;
    output.write_all(text.as_bytes())?;
    output.flush()
}

/// A message as JSON, with its `jsonrpc` member.
pub fn to_json(message: &Message) -> serde_json::Value {
    let mut value = serde_json::to_value(message).unwrap_or(serde_json::Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert("jsonrpc".into(), "2.0".into());
    }
    value
}

/// An error response with a raw id (`null` when the request's id could not be read).
pub fn error(id: Option<serde_json::Value>, code: i32, message: &str) -> serde_json::Value {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": id.unwrap_or(serde_json::Value::Null),
        "error": { "code": code, "message": message },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(parts: &[&str]) -> Vec<u8> {
        parts.iter().flat_map(|p| format!("Content-Length: {}\r\n\r\n{p}", p.len()).into_bytes()).collect()
    }

    #[test]
    fn bad_messages_do_not_stop_the_next_ones() {
        let mut bytes = frames(&["{not json", r#"{"id": 3}"#]);
        bytes.extend(b"X-Nonsense\r\n\r\n");
        bytes.extend(b"Content-Length: 999999999999\r\n\r\n");
        bytes.extend(frames(&[r#"{"jsonrpc":"2.0","method":"exit"}"#]));
        let mut input = io::Cursor::new(bytes);
        assert!(matches!(read(&mut input), Some(Incoming::NotJson(_))));
        assert!(matches!(read(&mut input), Some(Incoming::NotAMessage { id: Some(_), .. })));
        assert!(matches!(read(&mut input), Some(Incoming::BadFrame(_))));
        // The oversized body is skipped: it runs to the end of the input here.
        assert!(matches!(read(&mut input), Some(Incoming::BadFrame(_))));
        assert!(read(&mut input).is_none());
    }

    #[test]
    fn a_wrong_length_loses_one_message_not_the_session() {
        let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let request = r#"{"jsonrpc":"2.0","id":1,"method":"foo"}"#;
        for length in [14, request.len() + 5] {
            let mut bytes = format!("Content-Length: {length}\r\n\r\n{request}").into_bytes();
            bytes.extend(frames(&[exit, exit]));
            let mut input = io::Cursor::new(bytes);
            let mut exits = 0;
            while let Some(incoming) = read(&mut input) {
                exits += matches!(incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit")
                    as usize;
            }
            // Too short: the rest of the body is skipped; too long: the body eats into the first
            // exit. Either way the second is read.
            assert!(exits >= 1, "length {length}");
        }
        let mut input = io::Cursor::new(frames(&[r#"{"jsonrpc":"2.0","id":1.5,"method":"foo"}"#]));
        assert!(matches!(read(&mut input), Some(Incoming::NotAMessage { .. })));
    }

    #[test]
    fn a_message_after_a_bad_header_is_read() {
        let mut bytes = b"Content-Length: x\r\n\r\n".to_vec();
        bytes.extend(frames(&[r#"{"jsonrpc":"2.0","method":"exit"}"#]));
        let mut input = io::Cursor::new(bytes);
        assert!(matches!(read(&mut input), Some(Incoming::BadFrame(_))));
        assert!(
            matches!(read(&mut input), Some(Incoming::Message(Message::Notification(n))) if n.method == "exit")
        );
    }
}
