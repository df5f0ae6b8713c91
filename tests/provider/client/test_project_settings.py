"""The resources and the local Depot API take regions and cache defaults from one place, or at least agree
with it: a resource that accepts a region the server refuses would fail only at deploy time."""

from __future__ import annotations

from typing import get_args

import pytest
from pulumi_depot_provider.client import project_settings
from pulumi_depot_provider.resources import fields, project
from pydantic import TypeAdapter, ValidationError


def test_resources_use_the_documented_regions_and_cache_defaults() -> None:
    assert get_args(project.Region) == project_settings.REGIONS == ("us-east-1", "eu-central-1")
    assert (project.DEFAULT_KEEP_GB, project.DEFAULT_KEEP_DAYS) == (
        project_settings.DEFAULT_KEEP_GB,
        project_settings.DEFAULT_KEEP_DAYS,
    )
    assert project.GIB == project_settings.GIB == 1024**3


def test_resources_use_the_same_length_limits() -> None:
    assert fields.MAX_TEXT_LENGTH == project_settings.MAX_TEXT_LENGTH
    names = TypeAdapter(project.ProjectName)
    names.validate_python("n" * project_settings.MAX_NAME_LENGTH)
    with pytest.raises(ValidationError):
        names.validate_python("n" * (project_settings.MAX_NAME_LENGTH + 1))
