from celery import shared_task
from django.contrib.auth import get_user_model

from .exports import dataset_export_to_file


@shared_task
def export_dataset_task(user_id, dataset, fmt, filters):
    user = get_user_model().objects.get(pk=user_id)
    return dataset_export_to_file(user=user, dataset=dataset, fmt=fmt, filters=filters)
