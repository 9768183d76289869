"""The request timeout: how long a command waits for one answer from the node, and where it is set."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from ccsi_dao.errors import ChainError
from ccsi_dao.settings import DEFAULT_REQUEST_TIMEOUT, REQUEST_TIMEOUT_ENV, Settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CCSI_DAO_HOME", str(tmp_path))
    monkeypatch.delenv(REQUEST_TIMEOUT_ENV, raising=False)
    return tmp_path


def test_the_request_timeout_comes_from_the_variable_then_the_config_file_then_the_default(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings().request_timeout == DEFAULT_REQUEST_TIMEOUT == 10
    (home / "config.yaml").write_text("request_timeout: 2.5\n")
    assert Settings().request_timeout == 2.5
    monkeypatch.setenv(REQUEST_TIMEOUT_ENV, "0.75")
    assert Settings().request_timeout == 0.75


@pytest.mark.slow  # waits out the retry policy: 7 requests that time out and 2.5 s of pauses
def test_a_node_that_never_answers_is_reported_within_the_request_timeouts(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port that takes connections and never answers: each request waits the request timeout and is asked again
    by the retry policy (7 attempts, 2.5 s of pauses); with the default 10 s that is 72 s."""
    monkeypatch.setenv(REQUEST_TIMEOUT_ENV, "0.2")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        start = time.monotonic()
        with pytest.raises(ChainError):
            Settings(rpc_url=f"http://127.0.0.1:{silent.getsockname()[1]}").chain()
        assert time.monotonic() - start < 15
