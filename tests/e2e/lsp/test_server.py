"""`authlint server` driven by a third-party LSP client (pytest-lsp, on pygls) over stdio, on a
copy of the example tenant, with VS Code's client capabilities (UTF-16 positions, dynamic
registration of file watchers):

- `Applications/payroll.yml` offers Google (JIT disabled, `IdentityProviders/Google.yml`) in
  step 1 and TOTP in step 2 with no script: an error-level `jit-mfa-conflict` on step 2's
  `authenticator: totp`;
- `Applications/crm.json` runs Email OTP for some Google users from its (JSON-embedded) script:
  a warning on `executeStep(2)` inside the script string;
- the other applications and the IdPs are clean.

Covered: the initialize result; diagnostics published after `initialized` (code, source,
severity, range, related information) for files that are not open; UTF-16 columns after
non-ASCII text; an unsaved IdP edit clearing and restoring other files' findings; a change on
disk through `workspace/didChangeWatchedFiles`; the two remedies as separate quick fixes, and the
guard applied clearing the finding; fix-all with only the safe fix; a disable comment and the
hover on its rule id; `shutdown` then `exit` with status 0 (after every test)."""

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


async def test_ranges_count_utf16_code_units(client: LanguageClient) -> None:
    files = paths(client)
    await wait_for_diagnostics(client, files["crm"], has_rule(RULE), RULE)
    # Text before the finding on the same (JSON) line: `ä` is one UTF-16 code unit and two
    # UTF-8 bytes, `😀` two code units and four bytes.
    on_disk = files["crm"].read_text()
    text = on_disk.replace('"script": "', '"script": "// Zugänge 😀 für den Vertrieb\\n', 1)
    assert text != on_disk
    did_open(client, files["crm"], text, language="json")
    did_change(client, files["crm"], 2, text)

    def points_at_execute_step_2(diagnostics) -> bool:
        return any(d.code == RULE and text_in_range(text, d.range) == "executeStep(2)" for d in diagnostics)

    crm = only_finding(
        await wait_for_diagnostics(client, files["crm"], points_at_execute_step_2, "a UTF-16 range")
    )
    assert crm.range.start == find_position(text, "executeStep(2)", after="hasAnyOfTheRolesV2")


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


async def test_idp_changed_on_disk_arrives_through_watched_files(client: LanguageClient) -> None:
    files = paths(client)
    await payroll_finding(client)
    # VS Code's capabilities allow registering file watchers: the server asks for them.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations):  # type: ignore[attr-defined]
        assert loop.time() < deadline, "no workspace/didChangeWatchedFiles registration"
        await asyncio.sleep(0.05)

    # Another tool (git checkout, authlint fix) turns JIT on in the file, which is not open.
    on_disk = files["google"].read_text()
    files["google"].write_text(on_disk.replace(JIT_DISABLED, JIT_ENABLED))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=files["google"].as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await wait_for_diagnostics(client, files["payroll"], is_empty, "no diagnostics")
    await wait_for_diagnostics(client, files["crm"], is_empty, "no diagnostics")


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


# A guard that compares with `'local'` (the IdP is `LOCAL`): always true, so Google users still
# reach TOTP. Two findings on one document: `guard-never-matches` with its certain fix (the case
# of `LOCAL`) and `jit-mfa-conflict` with its two remedies.
MISCASED_GUARD = """  script: |
    var onLoginRequest = function (context) {
        executeStep(1, {
            onSuccess: function (context) {
                if (context.steps[1].idp != 'local') {
                    executeStep(2);
                }
            }
        });
    };
"""


async def test_fix_all_applies_only_the_safe_fix(client: LanguageClient) -> None:
    files = paths(client)
    await payroll_finding(client)
    on_disk = files["payroll"].read_text()
    text = on_disk.replace("  subjectStepId: 1\n", MISCASED_GUARD + "  subjectStepId: 1\n")
    did_open(client, files["payroll"], text)
    did_change(client, files["payroll"], 2, text)
    both = lambda ds: has_rule("guard-never-matches")(ds) and has_rule(RULE)(ds)  # noqa: E731
    diagnostics = await wait_for_diagnostics(client, files["payroll"], both, "both findings")

    lines = text.split("\n")
    whole_document = types.Range(
        start=types.Position(line=0, character=0),
        end=types.Position(line=len(lines) - 1, character=len(lines[-1])),
    )
    result = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=files["payroll"].as_uri()),
                range=whole_document,
                context=types.CodeActionContext(
                    diagnostics=list(diagnostics),
                    only=["source.fixAll.authlint"],
                    trigger_kind=types.CodeActionTriggerKind.Automatic,
                ),
            )
        ),
        TIMEOUT,
    )
    actions = [a for a in result or [] if isinstance(a, types.CodeAction)]
    assert len(actions) == 1, f"one fix-all action expected: {result}"
    fix_all = actions[0]
    assert fix_all.kind == "source.fixAll.authlint", fix_all.kind
    assert fix_all.edit is not None, fix_all
    edits = edits_by_file(fix_all.edit)
    # Neither JIT remedy: no edit in the IdP's file, no guard added; only the case of LOCAL.
    assert set(edits) == {files["payroll"]}, edits
    assert apply_text_edits(text, edits[files["payroll"]]) == text.replace("'local'", "'LOCAL'")


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
