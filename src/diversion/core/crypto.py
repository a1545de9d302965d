"""Field-level encryption of contact details: victims' and the cautioned person's (security.md
23; docs/decisions/0005).

It sits in `core` so every app can use one field type, one key list and one rotation
(`manage.py rotate_field_keys`, which re-encrypts every model's encrypted fields); the stored
format and key handling are unchanged from when it lived in `victims`, which re-exports it
(its migrations name `diversion.victims.crypto.EncryptedTextField`).

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256, from `cryptography`) made with the first
key in settings.DIVERSION_FIELD_KEYS; every listed key can decrypt, so keys rotate without
data loss (see the rotate_field_keys command).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class FieldDecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """The MultiFernet for the keys configured now (tests override the setting)."""
    return _fernet_for(tuple(settings.DIVERSION_FIELD_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        # Never echo the token or value: it could reach an error page or a log.
        raise FieldDecryptionError("an encrypted field could not be decrypted") from None


def rotate(token: str) -> str:
    """Re-encrypt a token under the primary key (MultiFernet.rotate keeps the plaintext)."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise FieldDecryptionError("an encrypted field could not be decrypted") from None


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; the empty string is stored as empty (nothing to hide).

    Encrypted columns cannot be searched or ordered in the database; look rows up by other keys.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
