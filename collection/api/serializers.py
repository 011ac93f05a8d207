from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collection import policy
from collection.models import House, Organisation, Person, PersonTag, Place, Visit


@extend_schema_field(OpenApiTypes.STR)
class ProtectedField(serializers.Field):
    """A protected value shown as the field policy allows for the requesting user."""

    def __init__(self, field: str, **kwargs):
        self.policy_field = field
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return policy.present(self.context["request"].user, self.policy_field, value)


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonTag
        fields = ["tag", "start_date", "visit_every_days"]


class PersonSerializer(serializers.ModelSerializer):
    id_number = ProtectedField("id_number")
    phone = ProtectedField("phone")
    grid = serializers.CharField(source="grid.code", read_only=True)
    house = serializers.PrimaryKeyRelatedField(read_only=True)
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "doc_type", "id_number", "gender", "birth_date", "ethnicity",
                  "phone", "kind", "household_address", "residence_address", "house",
                  "relation", "grid", "tags", "extra", "updated_at"]


class PersonWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    doc_type = serializers.ChoiceField(choices=Person.DocType.choices, required=False)
    id_number = serializers.CharField(max_length=30, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Person.Kind.choices, required=False)
    household_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    residence_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    relation = serializers.CharField(max_length=20, required=False, allow_blank=True)
    grid = serializers.CharField(max_length=15, required=False)
    house = serializers.IntegerField(required=False, allow_null=True)
    extra = serializers.JSONField(required=False)


class HouseSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    resident_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = House
        fields = ["id", "address", "use", "owner_name", "grid", "resident_count", "updated_at"]


class OrganisationSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "credit_code", "legal_person", "address", "grid"]


class PlaceSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)

    class Meta:
        model = Place
        fields = ["id", "name", "kind", "address", "grid"]


class VisitSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    visitor = serializers.CharField(source="visitor.username", read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "visited_at", "place", "findings", "grid", "visitor", "people"]
