"""A mail server that accepts connections and never answers: sending gives up after EMAIL_TIMEOUT
(production settings, the SMTP backend) instead of holding the worker for ever."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_silent_mail_server_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepted by the kernel, never read, never answered
        port = silent.getsockname()[1]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "test-only-" + "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "EMAIL_BACKEND": "smtp",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_TIMEOUT": "1.5",
        }
        script = (
            "import smtplib, django; django.setup()\n"
            "from django.core.mail import send_mail\n"
            "try:\n"
            "    send_mail('Hello', 'Body', None, ['someone@example.org'])\n"
            "except (TimeoutError, smtplib.SMTPServerDisconnected) as error:\n"
            "    print('gave up:', error)\n"
        )
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - a fixed command line
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        seconds = time.monotonic() - started

    assert result.stdout.strip().endswith("timed out"), (result.stdout[-500:], result.stderr[-1500:])
    assert seconds < 15
