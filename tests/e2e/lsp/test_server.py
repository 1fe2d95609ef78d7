"""`authlint server` driven by a third-party LSP client (pytest-lsp, on pygls) over stdio, on a
copy of the example tenant:

- `Applications/payroll.yml` offers Google (JIT disabled, `IdentityProviders/Google.yml`) in
  step 1 and TOTP in step 2 with no script: an error-level `jit-mfa-conflict` on step 2's
  `authenticator: totp`;
- `Applications/crm.json` runs Email OTP for some Google users from its (JSON-embedded) script:
  a warning on `executeStep(2)` inside the script string;
- the other applications and the IdPs are clean.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from support import (
    RULE,
    TIMEOUT,
    apply_text_edits,
    diagnostics_for,
    edits_by_file,
    find_position,
    has_rule,
    is_empty,
    text_in_range,
    wait_for_diagnostics,
)

JIT_DISABLED = "  jit:\n    isEnabled: false"
JIT_ENABLED = "  jit:\n    isEnabled: true"


def paths(client: LanguageClient) -> dict[str, Path]:
    tenant: Path = client.tenant  # type: ignore[attr-defined]
    return {
        "payroll": tenant / "Applications" / "payroll.yml",
        "crm": tenant / "Applications" / "crm.json",
        "google": tenant / "IdentityProviders" / "Google.yml",
    }


def only_finding(diagnostics) -> types.Diagnostic:
    findings = [d for d in diagnostics if d.code == RULE]
    assert len(findings) == 1, f"expected one {RULE}, got {diagnostics}"
    return findings[0]


async def payroll_finding(client: LanguageClient) -> types.Diagnostic:
    payroll = paths(client)["payroll"]
    return only_finding(await wait_for_diagnostics(client, payroll, has_rule(RULE), RULE))


def did_open(client: LanguageClient, path: Path, text: str, language: str = "yaml") -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id=language, version=1, text=text
            )
        )
    )


def did_change(client: LanguageClient, path: Path, version: int, text: str) -> None:
    """A whole-document change: valid whichever sync kind the server chose."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def test_initialize_advertises_capabilities(client: LanguageClient) -> None:
    result: types.InitializeResult = client.initialize_result  # type: ignore[attr-defined]
    capabilities = result.capabilities

    sync = capabilities.text_document_sync
    assert sync is not None, "no textDocumentSync"
    if isinstance(sync, types.TextDocumentSyncOptions):
        assert sync.open_close, f"textDocumentSync without openClose: {sync}"
        kind = sync.change
    else:
        kind = sync
    assert kind in (types.TextDocumentSyncKind.Full, types.TextDocumentSyncKind.Incremental), (
        f"textDocumentSync change kind {kind!r}"
    )

    actions = capabilities.code_action_provider
    assert actions, f"no codeActionProvider: {actions!r}"
    if isinstance(actions, types.CodeActionOptions) and actions.code_action_kinds is not None:
        assert types.CodeActionKind.QuickFix in actions.code_action_kinds, actions.code_action_kinds

    assert capabilities.hover_provider, f"no hoverProvider: {capabilities.hover_provider!r}"

    # VS Code's capabilities offer no position encoding: the default, UTF-16, is the only one
    # the server may choose.
    assert capabilities.position_encoding in (None, types.PositionEncodingKind.Utf16)


async def test_diagnostics_published_after_initialized(client: LanguageClient) -> None:
    files = paths(client)
    payroll_text = files["payroll"].read_text()
    crm_text = files["crm"].read_text()

    finding = await payroll_finding(client)
    assert finding.source == "authlint"
    assert finding.severity == types.DiagnosticSeverity.Error
    assert "payroll" in finding.message and "Google" in finding.message, finding.message
    # Step 2's TOTP option, `authenticator: totp`, is where the user is refused.
    step_2_totp = find_position(payroll_text, "authenticator: totp")
    assert finding.range.start == step_2_totp, finding.range
    assert text_in_range(payroll_text, finding.range) == "authenticator: totp", finding.range

    # crm's warning points into the script embedded in a JSON string.
    crm = only_finding(await wait_for_diagnostics(client, files["crm"], has_rule(RULE), RULE))
    assert crm.source == "authlint"
    assert crm.severity == types.DiagnosticSeverity.Warning
    assert text_in_range(crm_text, crm.range) == "executeStep(2)", crm.range
    assert crm.range.start == find_position(crm_text, "executeStep(2)", after="hasAnyOfTheRolesV2")

    # Nothing else has findings.
    for uri, diagnostics in client.diagnostics.items():
        if diagnostics and not uri.endswith(("/payroll.yml", "/crm.json")):
            raise AssertionError(f"unexpected diagnostics for {uri}: {diagnostics}")


async def test_related_information_points_at_the_idp_jit_setting(client: LanguageClient) -> None:
    files = paths(client)
    finding = await payroll_finding(client)
    related = finding.related_information or []
    in_google = [r for r in related if r.location.uri.endswith("/IdentityProviders/Google.yml")]
    assert in_google, f"no related information in Google.yml: {related}"
    google_text = files["google"].read_text()
    assert text_in_range(google_text, in_google[0].location.range) == "isEnabled: false"
    assert in_google[0].location.range.start == find_position(google_text, "isEnabled: false", after="jit:")


async def test_unsaved_idp_edit_changes_the_applications_diagnostics(client: LanguageClient) -> None:
    files = paths(client)
    await payroll_finding(client)
    await wait_for_diagnostics(client, files["crm"], has_rule(RULE), RULE)

    google_on_disk = files["google"].read_text()
    assert JIT_DISABLED in google_on_disk
    did_open(client, files["google"], google_on_disk)
    # Turning JIT provisioning on in the unsaved buffer clears both applications' findings,
    # though neither application file is open.
    did_change(client, files["google"], 2, google_on_disk.replace(JIT_DISABLED, JIT_ENABLED))
    await wait_for_diagnostics(client, files["payroll"], is_empty, "no diagnostics")
    await wait_for_diagnostics(client, files["crm"], is_empty, "no diagnostics")

    # And turning it off again brings them back: the buffer, not the file, is what counts.
    did_change(client, files["google"], 3, google_on_disk)
    finding = only_finding(
        await wait_for_diagnostics(client, files["payroll"], has_rule(RULE), RULE)
    )
    assert finding.severity == types.DiagnosticSeverity.Error
    await wait_for_diagnostics(client, files["crm"], has_rule(RULE), RULE)
    assert files["google"].read_text() == google_on_disk, "the test must not have saved the IdP"


async def code_actions(client: LanguageClient, path: Path, finding: types.Diagnostic, only=None):
    result = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
                range=finding.range,
                context=types.CodeActionContext(
                    diagnostics=[finding],
                    only=only,
                    trigger_kind=types.CodeActionTriggerKind.Invoked,
                ),
            )
        ),
        TIMEOUT,
    )
    actions = []
    for action in result or []:
        assert isinstance(action, types.CodeAction), f"a bare Command, not a code action: {action}"
        if action.edit is None and action.data is not None:
            # VS Code's capabilities let the server fill in the edit on codeAction/resolve.
            action = await asyncio.wait_for(client.code_action_resolve_async(action), TIMEOUT)
        actions.append(action)
    return actions


async def test_code_action_offers_both_remedies_as_quick_fixes(client: LanguageClient) -> None:
    files = paths(client)
    payroll_text = files["payroll"].read_text()
    google_text = files["google"].read_text()
    finding = await payroll_finding(client)

    actions = await code_actions(client, files["payroll"], finding)
    quick_fixes = [a for a in actions if a.kind is not None and a.kind.startswith("quickfix")]
    titles = [a.title for a in quick_fixes]
    guard = [a for a in quick_fixes if "add a script to `payroll`" in a.title]
    enable_jit = [a for a in quick_fixes if "enable JIT provisioning for `Google`" in a.title]
    assert len(guard) == 1, f"one guard quick fix expected among {titles}"
    assert len(enable_jit) == 1, f"one enable-JIT quick fix expected among {titles}"
    guard_action, jit_action = guard[0], enable_jit[0]
    assert guard_action is not jit_action

    # Enabling JIT edits the IdP's file, in another file than the finding's.
    assert jit_action.edit is not None, jit_action
    jit_edits = edits_by_file(jit_action.edit)
    assert set(jit_edits) == {files["google"]}, jit_edits
    assert apply_text_edits(google_text, jit_edits[files["google"]]) == google_text.replace(
        JIT_DISABLED, JIT_ENABLED
    )

    # The guard adds a script to payroll that runs step 2 for local users only.
    assert guard_action.edit is not None, guard_action
    guard_edits = edits_by_file(guard_action.edit)
    assert set(guard_edits) == {files["payroll"]}, guard_edits
    guarded = apply_text_edits(payroll_text, guard_edits[files["payroll"]])
    assert "script: |" in guarded and "executeStep(2)" in guarded, guarded
    assert "context.steps[1].idp" in guarded, guarded

    # Applied in the (unsaved) buffer, the fix clears the finding.
    did_open(client, files["payroll"], payroll_text)
    did_change(client, files["payroll"], 2, guarded)
    await wait_for_diagnostics(client, files["payroll"], is_empty, "no diagnostics after the guard")


async def test_fix_all_never_applies_a_jit_remedy(client: LanguageClient) -> None:
    files = paths(client)
    finding = await payroll_finding(client)
    actions = await code_actions(client, files["payroll"], finding, only=["source.fixAll.authlint"])
    for action in actions:
        assert action.kind is not None and action.kind.startswith("source.fixAll"), action
        for path, edits in edits_by_file(action.edit or types.WorkspaceEdit()).items():
            assert path != files["google"], f"fix-all edits the IdP: {action}"
            changed = apply_text_edits(path.read_text(), edits)
            assert "executeStep" not in changed, f"fix-all adds the guard: {action}"


async def test_disable_comment_and_hover_on_its_rule_id(client: LanguageClient) -> None:
    files = paths(client)
    payroll_text = files["payroll"].read_text()
    await payroll_finding(client)

    comment = f"# authlint-disable {RULE} -- Google users are linked by hand\n"
    did_open(client, files["payroll"], payroll_text)
    did_change(client, files["payroll"], 2, comment + payroll_text)
    await wait_for_diagnostics(client, files["payroll"], is_empty, "no diagnostics when disabled")

    rule_id = types.Position(line=0, character=comment.index(RULE) + 3)
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=files["payroll"].as_uri()),
                position=rule_id,
            )
        ),
        TIMEOUT,
    )
    assert hover is not None, "no hover on the rule id of a suppression comment"
    contents = hover.contents
    text = contents.value if isinstance(contents, types.MarkupContent) else str(contents)
    assert "a user of a JIT-disabled IdP can reach an MFA step that needs a local account" in text, text


async def test_shutdown_then_exit_ends_with_status_0(client: LanguageClient) -> None:
    await payroll_finding(client)
    result = await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
    assert result is None
    client.exit(None)
    client.shut_down = True  # type: ignore[attr-defined]
    server = client._server
    assert server is not None
    status = await asyncio.wait_for(server.wait(), TIMEOUT)
    assert status == 0, f"exit status {status}"
    assert diagnostics_for(client, paths(client)["payroll"]) is not None
