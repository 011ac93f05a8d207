"""The models of collection, one module per sub-domain. Import them from here
(`from collection.models import Person`): every model is re-exported.

The order below is the order in which Django registers the models (as it was when they
lived in one module); keep it."""

# isort: skip_file
from .base import Dataset, GridRecord
from .houses import House
from .people import ID_CONTEXT, ID_MASKED_CONTEXT, PHONE_CONTEXT, Person
from .tags import PersonTag
from .organisations import Organisation, Place
from .visits import Visit
from .exports import ExportFile
from .imports import IMPORT_ROW_CONTEXT, ImportJob, ImportRow, import_upload_path
from .transfers import PersonTransfer
from .duties import TaskItem
from .extra_fields import ExtraFieldSchema
from .verification import VerificationTask

__all__ = [
    "ID_CONTEXT",
    "ID_MASKED_CONTEXT",
    "IMPORT_ROW_CONTEXT",
    "PHONE_CONTEXT",
    "Dataset",
    "ExportFile",
    "ExtraFieldSchema",
    "GridRecord",
    "House",
    "ImportJob",
    "ImportRow",
    "Organisation",
    "Person",
    "PersonTag",
    "PersonTransfer",
    "Place",
    "TaskItem",
    "VerificationTask",
    "Visit",
    "import_upload_path",
]
