from celery import shared_task
from django.contrib.auth import get_user_model

from .exports import people_export_to_file


@shared_task
def export_people_task(user_id, fmt, filters):
    user = get_user_model().objects.get(pk=user_id)
    return people_export_to_file(user=user, fmt=fmt, filters=filters)
