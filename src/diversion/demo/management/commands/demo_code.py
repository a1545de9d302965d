"""Print the current authenticator code for the demo users (their published demo key).

Demo accounts only: it knows nothing of any real user's key, and refuses to run in production."""

from __future__ import annotations

import base64
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from diversion.demo.organisations import DEMO_AUTHENTICATOR_KEY


class Command(BaseCommand):
    help = "Print the current two-step code for the demo users (not in production)."

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("demo_code is for the demo only; production has no demo users.")
        totp = TOTP(base64.b32decode(DEMO_AUTHENTICATOR_KEY), step=30, digits=6)
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{totp.token():06d}  (changes in {left} s; each code works once "
                          "per user)")
