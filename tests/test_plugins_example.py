"""The example plugin, installed with pip into a fresh virtualenv, is found with no core change."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE = PROJECT / "examples" / "example_plugin"


def test_the_example_plugin_installed_into_a_virtualenv_is_discovered(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    venv_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The app and its dependencies come from the project's environment, as if installed here.
    (Path(venv_site) / "fastapi_app.pth").write_text(
        f"{sysconfig.get_paths()['purelib']}\n{PROJECT / 'src'}\n"
    )
    install = [python, "-m", "pip", "install", "--quiet", "--no-deps", str(EXAMPLE)]
    subprocess.run(install, check=True, capture_output=True)

    env = {**os.environ, "PLUGINS_ENABLED": "log,example", "EXAMPLE_PATH": "out.jsonl"}
    listing = subprocess.run(
        [python, "-m", "app", "plugins", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = {line.split("\t")[0]: line.split("\t") for line in listing.splitlines()}
    _, distribution, enabled, hooks, error = rows["example"]
    assert distribution == "fastapi-app-example-plugin 0.1.0"
    assert enabled == "yes"
    assert hooks == "incident.created,incident.status_changed,incident.closed"
    assert error == ""
