"""Random keys for bearer tokens and browser sessions, and what is stored of them.

Only a SHA-256 of each key is stored: keys are long random strings, so a fast hash is enough, and a stolen
database yields no usable token or cookie.
"""
from __future__ import annotations

import hashlib
import secrets


def new_key() -> str:
    return secrets.token_urlsafe(32)


def digest(key: str) -> str:
    """What is stored of a key, and what a cache of keys may key by."""
    return hashlib.sha256(key.encode()).hexdigest()
