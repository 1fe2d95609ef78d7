"""Fixtures: a fresh copy of the example tenant and, per test, a fresh `authlint server` process
driven by pytest-lsp's client, initialised with VS Code's client capabilities and that tenant as
its workspace folder."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities, make_test_lsp_client

from support import AUTHLINT_BIN, FIXTURE_TENANT, TIMEOUT


def pytest_configure(config: pytest.Config) -> None:
    # Fail at once, and clearly, when there is nothing to test.
    if not AUTHLINT_BIN.is_file():
        raise pytest.UsageError(
            f"{AUTHLINT_BIN} does not exist: run `cargo build` or set AUTHLINT_BIN"
        )
    if not FIXTURE_TENANT.is_dir():
        raise pytest.UsageError(f"{FIXTURE_TENANT} does not exist")


def make_client() -> LanguageClient:
    """pytest-lsp's client, which also answers `client/registerCapability` (VS Code's
    capabilities allow dynamic registration, so the server may ask) and keeps what was
    registered."""
    client = make_test_lsp_client()
    client.registrations = []  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(ls: LanguageClient, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_UNREGISTER_CAPABILITY)
    def unregister_capability(ls: LanguageClient, params: types.UnregistrationParams) -> None:
        gone = {u.id for u in params.unregisterations}
        ls.registrations[:] = [r for r in ls.registrations if r.id not in gone]  # type: ignore[attr-defined]

    return client


@pytest.fixture
def tenant(tmp_path: Path) -> Path:
    """A copy of fixtures/tenant that the server may see change on disk."""
    copy = tmp_path / "tenant"
    shutil.copytree(FIXTURE_TENANT, copy)
    # Resolved, so that it compares equal to the paths in the server's URIs.
    return copy.resolve()


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[str(AUTHLINT_BIN), "server"], client_factory=make_client)
)
async def client(lsp_client: LanguageClient, tenant: Path):
    """The server, initialised on `tenant`; the test may shut it down itself (then it sets
    `lsp_client.shut_down`), otherwise this does and checks that it exits with status 0."""
    lsp_client.tenant = tenant  # type: ignore[attr-defined]
    lsp_client.shut_down = False  # type: ignore[attr-defined]
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=tenant.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tenant.as_uri(), name=tenant.name)],
    )
    lsp_client.initialize_result = await asyncio.wait_for(  # type: ignore[attr-defined]
        lsp_client.initialize_session(params), TIMEOUT
    )
    yield
    if not lsp_client.shut_down and lsp_client.error is None:  # type: ignore[attr-defined]
        await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)
        server = lsp_client._server
        assert server is not None and server.returncode == 0, (
            f"the server exited with {server and server.returncode} after shutdown and exit"
        )
