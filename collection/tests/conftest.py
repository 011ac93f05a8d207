"""Key configuration for the crypto tests; nothing here touches the database."""

from contextlib import ExitStack

import pytest
from django.test import override_settings

from collection.tests.keys import HASH_KEY


@pytest.fixture
def field_keys():
    """configure(keys, algorithm=..., hash_key=...) sets the three settings until the test ends;
    calling it again mid-test stacks a new configuration (e.g. a rotated key list)."""
    with ExitStack() as stack:

        def configure(keys, *, algorithm="aes256gcm", hash_key=HASH_KEY):
            stack.enter_context(
                override_settings(
                    FIELD_ENCRYPTION_KEYS=keys,
                    FIELD_ENCRYPTION_ALGORITHM=algorithm,
                    FIELD_HASH_KEY=hash_key,
                )
            )

        yield configure
