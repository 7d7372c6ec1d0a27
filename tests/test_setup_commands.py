"""The README's two commands: `make run` serves the demo, `make test` runs this suite."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def setup_commands():
    section = README.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.+?)\n```", section, flags=re.M | re.S)


def test_the_readme_gives_exactly_two_setup_commands():
    assert setup_commands() == ["make run", "make test"]


def test_ci_runs_the_readmes_test_command_then_postgres_and_a_real_worker():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "celery -A tracker worker" in ci
    assert "DATABASE_URL=\"postgres://" in ci


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_run_serves_the_demo_district(tmp_path):
    port = free_port()
    venv = Path(sys.prefix)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    # A database of its own, so the test never touches the developer's db.sqlite3.
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    # -o: the venv running this test is already installed; don't reinstall it.
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}", f"VENV={venv}", "-o", f"{venv}/.installed"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True,
    )
    try:
        deadline = time.monotonic() + 240
        body = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
                    assert response.status == 200
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(1)
        assert body is not None, f"the app did not answer; make run printed:\n{process.stdout.read() if process.poll() is not None else ''}"
        assert "Đăng nhập" in body
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert "Loaded the demo district" in output
    assert "bithu.tandong" in output
