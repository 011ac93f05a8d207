"""诉调/警调/访调对接: the court, the police and the petition office send disputes from their
systems with their department token (`Authorization: Department <key>`), as departments
already call the events API, and read the disputes they sent or that were referred to
them, with their status. Only a department made a link (`MediationLink`, the province
administrator's) may; its staff signed in read the same list."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from governance.api.views import ScopedViewSet
from governance.errors import Forbidden
from governance.roles import Role
from governance.scoping import user_role_rows
from grids.models import Area
from integrations.authentication import DepartmentTokenFirstMixin
from integrations.idempotency import idempotent
from integrations.models import DepartmentToken
from mediation import selectors, services
from mediation.models import Dispute, MediationLink

from .serializers import DisputeDetailSerializer, DisputeSerializer


class LinkedDisputeSerializer(DisputeSerializer):
    linked_department = serializers.CharField(source="linked_department.code", default=None)
    referred_department = serializers.CharField(source="referred_department.code", default=None)

    class Meta(DisputeSerializer.Meta):
        fields = [*DisputeSerializer.Meta.fields, "linked_department", "referred_department"]


class LinkedDisputeInputSerializer(serializers.Serializer):
    grid = serializers.CharField(max_length=20, help_text="网格编码 grid code")
    title = serializers.CharField(max_length=200)
    type = serializers.CharField(max_length=16)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    amount = serializers.CharField(required=False, allow_blank=True, default="0")
    people_count = serializers.IntegerField(required=False, default=1, min_value=1)
    flags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    parties = serializers.ListField(child=serializers.DictField(), min_length=1)
    allow_duplicate = serializers.BooleanField(required=False, default=False)


def _link(request, *, required: bool = True) -> MediationLink | None:
    """The caller's linked department: the token's, or a department handler's own. None
    (or 403 when `required`) for any other caller."""
    if isinstance(request.auth, DepartmentToken):
        departments = [request.auth.department_id]
    else:
        departments = [
            dept for role, _a, _p, dept in user_role_rows(request.user)
            if role == Role.DEPARTMENT_HANDLER and dept
        ]  # fmt: skip
    link = (
        MediationLink.objects.filter(department_id__in=departments)
        .select_related("department")
        .first()
    )
    if link is None and required:
        raise Forbidden(_("只有诉调、警调、访调对接部门可以使用此接口。"))
    return link


class LinkedDisputeViewSet(
    DepartmentTokenFirstMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """诉调/警调/访调对接:对接部门(法院、公安、信访)以部门令牌移送矛盾纠纷,并查看本部门
    移送的和移交本部门的纠纷及其状态。"""

    queryset = Dispute.objects.none()
    serializer_class = LinkedDisputeSerializer

    def scoped_queryset(self):
        # One dispute of another caller is simply not there (404), as everywhere.
        link = _link(self.request, required=self.action != "retrieve")
        if link is None:
            return Dispute.objects.none()
        department = link.department
        return (
            Dispute.objects.restrict(self.request.user)
            .filter(Q(linked_department=department) | Q(referred_department=department))
            .select_related("grid", "org", "linked_department", "referred_department")
        )

    @extend_schema(request=LinkedDisputeInputSerializer, responses={201: DisputeDetailSerializer})
    @idempotent()
    def create(self, request):
        """移送纠纷:来源按对接类型(法院 → 诉调对接,公安 → 警调对接,信访 → 访调对接)。"""
        link = _link(request)
        s = LinkedDisputeInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        grid = Area.objects.filter(code=d["grid"], level=6).first()
        if grid is None:
            raise ValidationError(_("网格编码无效。"), code="invalid_grid")
        dispute = services.dispute_register(
            actor=request.user,
            grid=grid,
            title=d["title"],
            type=d["type"],
            description=d["description"],
            amount=d["amount"],
            people_count=d["people_count"],
            flags=d["flags"],
            parties=d["parties"],
            allow_duplicate=d["allow_duplicate"],
            source=link.kind,
            linked_department=link.department,
        )
        fresh = selectors.dispute_get(user=request.user, pk=dispute.pk)
        return Response(DisputeDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)
