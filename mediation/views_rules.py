"""调解码规则: the province administrator's list and form of the code rules, saved through
`services.code_rule_save` (checked and audited there)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.errors import Forbidden
from governance.navigation import page_rule

from . import services
from .actions import may_configure_rules
from .models import Code, CodeRule, DisputeType, RiskFlag


@login_required
@page_rule(may_configure_rules)
def rules(request):
    types, flags = dict(DisputeType.choices), dict(RiskFlag.choices)
    rows = [
        (
            rule,
            "、".join(str(types.get(t, t)) for t in rule.types),
            "、".join(str(flags.get(f, f)) for f in rule.flags),
        )
        for rule in CodeRule.objects.all()
    ]
    return render(request, "mediation/rules.html", {"rows": rows})


def _values(rule: CodeRule | None, post=None) -> dict:
    if post is not None:
        return {
            "name": post.get("name", ""),
            "code": post.get("code", ""),
            "types": post.getlist("types"),
            "flags": post.getlist("flags"),
            "min_amount": post.get("min_amount", ""),
            "max_amount": post.get("max_amount", ""),
            "min_people": post.get("min_people", ""),
            "min_parties": post.get("min_parties", ""),
            "active": post.get("active") == "on",
        }
    if rule is None:
        return {"code": str(Code.BLUE), "types": [], "flags": [], "active": True}
    return {
        "name": rule.name,
        "code": str(rule.code),
        "types": rule.types,
        "flags": rule.flags,
        "min_amount": "" if rule.min_amount is None else rule.min_amount,
        "max_amount": "" if rule.max_amount is None else rule.max_amount,
        "min_people": "" if rule.min_people is None else rule.min_people,
        "min_parties": "" if rule.min_parties is None else rule.min_parties,
        "active": rule.active,
    }


@login_required
@page_rule(may_configure_rules)
def rule_form(request, pk=None):
    rule = None
    if pk is not None:
        rule = CodeRule.objects.filter(pk=pk).first()
        if rule is None:
            raise Http404
    status = 200
    if request.method == "POST":
        values = _values(rule, request.POST)
        try:
            services.code_rule_save(actor=request.user, rule=rule, data=values)
            messages.success(request, _("规则已保存。"))
            return redirect("mediation:rules")
        except (ValidationError, Forbidden) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
            status = 403 if isinstance(exc, Forbidden) else 400
    else:
        values = _values(rule)
    return render(
        request,
        "mediation/rule_form.html",
        {
            "rule": rule,
            "values": values,
            "codes": list(reversed(Code.choices)),
            "types": DisputeType.choices,
            "flags": RiskFlag.choices,
        },
        status=status,
    )
