"""Print the code an authenticator app would show now for the demo accounts with two-factor
authentication (they share the published secret ``network.demo.DEMO_TOTP_SECRET``)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from network.demo import DEMO_TOTP_SECRET, TOTP_PERIOD, totp_code


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo accounts (staff, editor, reviewer, investors)."

    def handle(self, *args, **options) -> None:
        left = TOTP_PERIOD - int(time.time()) % TOTP_PERIOD
        self.stdout.write(totp_code(DEMO_TOTP_SECRET))
        self.stderr.write(
            f"Valid for {left} more seconds (and the next 30). Secret for an authenticator app: {DEMO_TOTP_SECRET}"
        )
