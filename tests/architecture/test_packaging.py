"""Every app of the project ships in its package: an app left out of pyproject.toml's
package list runs from a checkout but is missing from an installed wheel."""

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_every_project_app_is_in_the_package_list():
    included = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and "site-packages" not in config.path
    }
    missing = {name for name in ours if not any(fnmatch(name, pattern) for pattern in included)}
    assert not missing, f"add to [tool.setuptools.packages.find] include: {sorted(missing)}"
