import pytest
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import IsNull
from django.test.utils import isolate_apps
from django.utils.module_loading import import_string

from collection.tests.keys import AES_KEY_1, AES_KEY_2
from governance import crypto
from governance.fields import EncryptedTextField

CTX = "collection.person.id_number"


@pytest.fixture
def field(field_keys):
    field_keys(f"k1:{AES_KEY_1}")
    return EncryptedTextField(context=CTX)


def test_values_are_encrypted_for_the_database_and_decrypted_back(field):
    stored = field.get_prep_value("11010519491231002X")
    assert stored != "11010519491231002X"
    assert crypto.decrypt(stored, context=CTX) == "11010519491231002X"
    assert field.from_db_value(stored, None, None) == "11010519491231002X"
    assert field.get_prep_value(12345) != "12345"  # coerced to text first, like TextField
    assert field.from_db_value(field.get_prep_value(12345), None, None) == "12345"


def test_none_and_empty_are_stored_as_they_are(field):
    assert field.get_prep_value(None) is None
    assert field.get_prep_value("") == ""
    assert field.from_db_value(None, None, None) is None
    assert field.from_db_value("", None, None) == ""


def test_context_is_bound(field):
    other = EncryptedTextField(context="collection.person.phone")
    with pytest.raises(crypto.DecryptionError):
        other.from_db_value(field.get_prep_value("13812345678"), None, None)


def test_rows_written_under_an_old_key_still_read(field, field_keys):
    stored = field.get_prep_value("张三丰")
    field_keys(f"k2:{AES_KEY_2},k1:{AES_KEY_1}")
    assert field.from_db_value(stored, None, None) == "张三丰"
    assert crypto.token_key_id(field.get_prep_value("张三丰")) == "k2"


def test_context_is_required_and_kept_in_migrations():
    with pytest.raises(TypeError):
        EncryptedTextField()
    with pytest.raises(ValueError):
        EncryptedTextField(context="")
    name, path, args, kwargs = EncryptedTextField(context=CTX, blank=True).deconstruct()
    # The field lives in the kernel since issue 9; collection's migrations still name the old
    # path, which re-exports the same class (so their state equals the models').
    assert path == "governance.fields.EncryptedTextField"
    assert import_string("collection.fields.EncryptedTextField") is EncryptedTextField
    assert kwargs == {"context": CTX, "blank": True}


def test_only_isnull_lookups(field):
    assert field.get_lookup("exact") is None
    assert field.get_lookup("icontains") is None
    assert field.get_lookup("isnull") is IsNull


@isolate_apps("collection")
def test_filtering_on_the_ciphertext_is_refused():
    class Sample(models.Model):
        secret = EncryptedTextField(context="collection.sample.secret")

        class Meta:
            app_label = "collection"

        def __str__(self):
            return str(self.pk)

    with pytest.raises(FieldError, match="Unsupported lookup"):
        Sample.objects.filter(secret="x")
    with pytest.raises(FieldError, match="Unsupported lookup"):
        Sample.objects.filter(secret__in=["x"])
    assert "IS NULL" in str(Sample.objects.filter(secret__isnull=True).query)
