"""What the end-to-end tests share: where things are, waiting for diagnostics, reading ranges
and applying workspace edits the way an editor does."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pytest_lsp import LanguageClient

REPO = Path(__file__).resolve().parents[3]
"""The repository's root (this file is tests/e2e/lsp/support.py)."""

FIXTURE_TENANT = REPO / "fixtures" / "tenant"
"""The example tenant: `payroll` has an error-level `jit-mfa-conflict`, `crm` a warning."""

AUTHLINT_BIN = Path(os.environ.get("AUTHLINT_BIN", REPO / "target" / "debug" / "authlint"))
"""The binary under test, `AUTHLINT_BIN` or the debug build."""

TIMEOUT = float(os.environ.get("AUTHLINT_LSP_TIMEOUT", "20"))
"""Seconds to wait for the server's notifications (generous: the CI machine is shared)."""

RULE = "jit-mfa-conflict"


def uri_to_path(uri: str) -> Path:
    """The file a `file:` URI names, so that URIs compare whatever their percent-encoding."""
    parsed = urlparse(uri)
    assert parsed.scheme == "file", f"not a file URI: {uri!r}"
    return Path(unquote(parsed.path))


def diagnostics_for(client: LanguageClient, path: Path) -> Sequence[types.Diagnostic] | None:
    """The last diagnostics published for `path`, or None when none were published yet."""
    for uri, diagnostics in client.diagnostics.items():
        if uri_to_path(uri) == path:
            return diagnostics
    return None


def describe_diagnostics(client: LanguageClient) -> str:
    """Everything published so far, for failure messages."""
    lines = []
    for uri, diagnostics in sorted(client.diagnostics.items()):
        summary = [
            f"{d.code} {d.severity!r} {d.range.start.line}:{d.range.start.character}-"
            f"{d.range.end.line}:{d.range.end.character}"
            for d in diagnostics
        ]
        lines.append(f"  {uri}: {summary}")
    return "\n".join(lines) or "  (nothing published)"


async def wait_for_diagnostics(
    client: LanguageClient,
    path: Path,
    predicate: Callable[[Sequence[types.Diagnostic]], bool],
    what: str,
) -> Sequence[types.Diagnostic]:
    """Waits until the diagnostics last published for `path` satisfy `predicate`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        diagnostics = diagnostics_for(client, path)
        if diagnostics is not None and predicate(diagnostics):
            return diagnostics
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(
                f"no publishDiagnostics for {path.name} with {what} within {TIMEOUT} s; "
                f"published:\n{describe_diagnostics(client)}"
            )
        try:
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), remaining
            )
        except TimeoutError:
            pass


def has_rule(rule: str) -> Callable[[Sequence[types.Diagnostic]], bool]:
    return lambda diagnostics: any(d.code == rule for d in diagnostics)


def is_empty(diagnostics: Sequence[types.Diagnostic]) -> bool:
    return len(diagnostics) == 0


def utf16_offset(text: str, position: types.Position) -> int:
    """The index into `text` of an LSP position counted in UTF-16 code units (the encoding the
    tests' client negotiates)."""
    lines = text.split("\n")
    assert position.line < len(lines), f"line {position.line} past the end"
    offset = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line]
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            assert units == position.character, f"position {position} splits a character"
            return offset + index
        units += 2 if ord(char) > 0xFFFF else 1
    # Past the end of the line means its end (the specification's rule).
    return offset + len(line)


def text_in_range(text: str, range_: types.Range) -> str:
    return text[utf16_offset(text, range_.start) : utf16_offset(text, range_.end)]


def find_position(text: str, needle: str, after: str = "") -> types.Position:
    """The position of `needle` (the first one after `after`), its character counted in UTF-16
    code units."""
    index = text.index(needle, text.index(after) if after else 0)
    line_start = text.rfind("\n", 0, index) + 1
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in text[line_start:index])
    return types.Position(line=text.count("\n", 0, index), character=units)


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Applies edits that do not overlap, as an editor does (all positions refer to `text`)."""
    spans = sorted(
        ((utf16_offset(text, e.range.start), utf16_offset(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def edits_by_file(edit: types.WorkspaceEdit) -> dict[Path, list[types.TextEdit]]:
    """The text edits of a workspace edit per file, from `changes` or `documentChanges`."""
    by_file: dict[Path, list[types.TextEdit]] = {}
    for uri, edits in (edit.changes or {}).items():
        by_file.setdefault(uri_to_path(uri), []).extend(edits)
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit), f"unexpected resource operation {change!r}"
        for text_edit in change.edits:
            # An annotated edit is a text edit with an annotation id; a snippet edit is not
            # something a quick fix of this server should send.
            assert isinstance(text_edit, (types.TextEdit, types.AnnotatedTextEdit)), text_edit
            by_file.setdefault(uri_to_path(change.text_document.uri), []).append(text_edit)
    return by_file
