"""Fixtures for the engine harness's tests: a real dynamic provider host that can import sample_provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dynamic_host.host import DynamicProviderHost

SAMPLE_DIR = Path(__file__).resolve().parent


@pytest.fixture
def sample_token() -> str:
    return "tok-1234567"


@pytest.fixture
def host() -> Iterator[DynamicProviderHost]:
    with DynamicProviderHost(python_path=[SAMPLE_DIR]) as running:
        yield running
    assert not running.running


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "records"
    path.mkdir()
    return path


@pytest.fixture
def configured_host(host: DynamicProviderHost, data_dir: Path, sample_token: str) -> DynamicProviderHost:
    host.configure({"sample:dataDir": str(data_dir), "sample:token": sample_token}, secret_keys={"sample:token"})
    return host
