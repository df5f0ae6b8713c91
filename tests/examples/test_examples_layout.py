"""Every example is a complete Pulumi Python project with a README, is listed in examples/README.md, and has a
full-cycle test."""

from __future__ import annotations

import pytest
import yaml
from example_cycles import CYCLES
from example_harness import EXAMPLES_DIR

EXAMPLES = sorted(path.name for path in EXAMPLES_DIR.iterdir() if path.is_dir() and not path.name.startswith("."))


def test_every_example_has_a_cycle_and_every_cycle_an_example() -> None:
    assert set(EXAMPLES) == set(CYCLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_is_a_python_pulumi_project(example: str) -> None:
    directory = EXAMPLES_DIR / example
    project = yaml.safe_load((directory / "Pulumi.yaml").read_text())
    assert project["runtime"] == "python"
    assert project["name"] == f"depot-{example}"
    assert project.get("description")
    compile((directory / "__main__.py").read_text(), str(directory / "__main__.py"), "exec")
    requirements = [line.split("#", 1)[0].strip() for line in (directory / "requirements.txt").read_text().splitlines()]
    assert "pulumi-depot" in [line.split("[", 1)[0] for line in requirements]  # extras allowed: pulumi-depot[aws]
    readme = (directory / "README.md").read_text()
    assert readme.startswith("# ")
    assert "pulumi up" in readme


def test_examples_index_links_every_example() -> None:
    index = (EXAMPLES_DIR / "README.md").read_text()
    for example in EXAMPLES:
        assert f"]({example}/)" in index, f"examples/README.md does not link {example}/"
