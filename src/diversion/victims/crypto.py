"""Kept so the victims migrations' `diversion.victims.crypto.EncryptedTextField` still imports:
the field and its helpers live in `diversion.core.crypto`, shared with `cases`."""

from diversion.core.crypto import (
    EncryptedTextField,
    FieldDecryptionError,
    decrypt,
    encrypt,
    encrypted_fields,
    fernet,
    rotate,
)

__all__ = ["EncryptedTextField", "FieldDecryptionError", "decrypt", "encrypt",
           "encrypted_fields", "fernet", "rotate"]
