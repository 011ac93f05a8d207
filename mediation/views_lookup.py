"""The intake form's party lookup: the clerk types an ID number, htmx asks here and swaps
the answer under the party's row — people of the base data to take over (a radio button
of the form), earlier parties, and open disputes of the same party (the duplicate check
before saving). Masked numbers only; a number failing GB 11643 gets its message."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render

from governance.navigation import page_rule

from . import selectors
from .actions import may_handle

ROW = re.compile(r"[0-9]{1,2}")


@login_required
@page_rule(may_handle)
def party_lookup(request):
    """`GET /mediation/parties/lookup/?row=N&pN_id=…` (or `id_number=…`): a partial.
    Always 200, the refusal in the text: htmx swaps only 2xx answers."""
    row = request.GET.get("row", "")
    row = row if ROW.fullmatch(row) else ""
    number = request.GET.get(f"p{row}_id") if row else None
    number = (number if number is not None else request.GET.get("id_number", "")).strip()
    context = {"row": row, "number": number}
    if number:
        try:
            context["found"] = selectors.party_lookup(user=request.user, id_number=number)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
    response = render(request, "mediation/_party_lookup.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
