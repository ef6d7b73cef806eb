"""The pip route (requirements) and the conda route (environment.yml) pin the same versions."""

import re

import yaml


def _pins(lines):
    return dict(re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line).groups()
                for line in lines if line.strip() and not line.startswith("#"))


def test_environment_yml_matches_requirements(repo):
    requirements = _pins((repo / "requirements.txt").read_text().splitlines())
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    conda = {}
    for item in environment["dependencies"]:
        if isinstance(item, str) and "=" in item:
            name, version = item.split("=", 1)
            conda[name] = version
    assert {name.lower(): v for name, v in requirements.items()} == {
        name: v for name, v in conda.items() if name != "python"}


def test_lock_pins_every_requirement_at_the_same_version(repo):
    requirements = _pins((repo / "requirements.txt").read_text().splitlines())
    lock = {name.lower(): version
            for name, version in _pins((repo / "requirements.lock").read_text().splitlines())
            .items()}
    for name, version in requirements.items():
        assert lock.get(name.lower().replace("_", "-")) == version, name
