"""The grid task list page (网格事务准入清单)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def task_items(request):
    return HttpResponse(status=204)
