"""Kept only for collection's migrations, which name ``collection.fields.EncryptedTextField``.

The field lives in the kernel (:mod:`governance.fields`); import it from there. This module
re-exports the same class, so the migrations' state equals the models' and no migration is
needed for the move. Nothing but migrations should import this path.
"""

from governance.fields import EncryptedTextField

__all__ = ["EncryptedTextField"]
