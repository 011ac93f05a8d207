"""迁入申请 (person transfers between jurisdictions) through the API. The requesting side sees
its request (what it typed, masked, and the outcome); the holding side sees who asks for
which grid and decides. Neither reads the other's records through it."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from collection import transfers
from collection.models import PersonTransfer
from governance.api.views import ScopedViewSet
from integrations.idempotency import idempotent


class PersonTransferSerializer(serializers.ModelSerializer):
    to_grid = serializers.CharField(source="to_grid.code", read_only=True)
    to_grid_name = serializers.CharField(source="to_grid.name", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    side = serializers.SerializerMethodField()
    person = serializers.SerializerMethodField()

    class Meta:
        model = PersonTransfer
        fields = [
            "id",
            "name",
            "id_number_masked",
            "to_grid",
            "to_grid_name",
            "residence_address",
            "note",
            "status",
            "requested_by",
            "requested_at",
            "decided_at",
            "reason",
            "side",
            "person",
        ]

    def get_side(self, obj) -> str:
        return transfers.person_transfer_side(self.context["request"].user, obj)

    def get_person(self, obj) -> int | None:
        """The held record's id, for the holding side only (it reads it anyway)."""
        return obj.person_id if self.get_side(obj) == "holder" else None


class TransferDecisionSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PersonTransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """迁入申请:本辖区提出的和待本辖区确认的。Transfer requests made or to decide."""

    serializer_class = PersonTransferSerializer
    queryset = PersonTransfer.objects.none()

    def scoped_queryset(self):
        return transfers.person_transfer_list(user=self.request.user)

    def _answer(self, request, call):
        transfer = call()
        return Response(self.get_serializer(transfer).data)

    @extend_schema(request=TransferDecisionSerializer, responses={200: PersonTransferSerializer})
    @action(detail=True, methods=["post"])
    @idempotent()
    def decide(self, request, pk=None):
        """原登记地同意或不同意迁入(不同意须说明理由)。Accept or refuse (reason required)."""
        transfer = self.get_object()
        s = TransferDecisionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._answer(
            request,
            lambda: transfers.person_transfer_decide(
                actor=request.user, transfer=transfer, **s.validated_data
            ),
        )

    @extend_schema(request=None, responses={200: PersonTransferSerializer})
    @action(detail=True, methods=["post"])
    @idempotent()
    def cancel(self, request, pk=None):
        """申请方撤回。The requesting side withdraws its request."""
        transfer = self.get_object()
        return self._answer(
            request, lambda: transfers.person_transfer_cancel(actor=request.user, transfer=transfer)
        )
