from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with :mod:`governance.crypto` under a fixed context.

    The context (e.g. ``"collection.person.id_number"``) is the associated data, so a value copied
    into another column does not decrypt; never change it once rows exist.

    The column holds random-nonce ciphertext, so the database cannot compare, sort or search it:
    only ``isnull`` is allowed as a lookup. Exact-match lookups go through a companion indexed
    column holding :func:`governance.crypto.blind_index` of the same normalised value under the
    same context, which the service writing the row keeps in step::

        id_number = EncryptedTextField(context="collection.person.id_number")
        id_number_index = models.CharField(max_length=64, db_index=True, editable=False)

        Person.objects.filter(id_number_index=blind_index(q, context="collection.person.id_number"))

    ``None`` and the empty string are stored as they are, so "not filled in" stays queryable.
    """

    def __init__(self, *args, context: str, **kwargs):
        if not context:
            raise ValueError("EncryptedTextField needs a context, e.g. 'collection.person.name'")
        self.context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, context=self.context)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self.context)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None  # Django then raises FieldError: unsupported lookup
        return super().get_lookup(lookup_name)
