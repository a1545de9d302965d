"""Password rules beyond Django's: block words an attacker would try first (ASVS 6.2.11);
and the signal sent when a user changes their own password."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.dispatch import Signal

# Sent with request, user and reason when someone changes their own password; the audit app
# records it as a security event.
password_changed = Signal()

CONTEXT_WORDS = ("diversion", "police", "constabulary", "cara", "juno", "caution", "password",
                 "hampton", "solent", "victim", "commissioner")


class ContextWordValidator:
    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        # Only refuse passwords that are little more than a context word.
        for word in CONTEXT_WORDS:
            if word in lowered and len(lowered.replace(word, "")) < 8:
                raise ValidationError(
                    f"Your password is too easy to guess because it is mostly the word “{word}”.",
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return "Your password cannot be mostly the name of this service, a force or a programme."
