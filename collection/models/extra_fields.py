"""Extra fields of the data classes and special-group tags, as JSON Schema
(collection/extra_fields.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExtraFieldSchema(models.Model):
    """Extra fields of a data class as JSON Schema, validated on save and import. The key
    is a dataset ("people", "houses", …) or a special-group tag ("tag:released", …)."""

    dataset = models.CharField(_("数据类"), max_length=32, unique=True)
    schema = models.JSONField(_("JSON Schema"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("扩展字段")
        verbose_name_plural = _("扩展字段")

    def __str__(self):
        return self.dataset
