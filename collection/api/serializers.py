from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collection import policy
from collection.models import House, Organisation, Person, PersonTag, Place, Visit
from collection.validators import Gender
from governance.api.fields import MethodCharField
from governance.versions import conflict_presenter_register, row_version


@extend_schema_field(OpenApiTypes.STR)
class ProtectedField(serializers.Field):
    """A protected value shown as the field policy allows for the requesting user and the
    record's area (the field reads the whole object for its area path)."""

    def __init__(self, field: str, **kwargs):
        self.policy_field = field
        kwargs.setdefault("read_only", True)
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return policy.present(
            self.context["request"].user,
            self.policy_field,
            getattr(obj, self.policy_field),
            area_path=obj.area_path,
        )


@extend_schema_field(OpenApiTypes.STR)
class VersionField(serializers.Field):
    """The row's version (docs/offline.md): send it back with a change to be told (409)
    when somebody else changed the record in between."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "版本(修改时原样提交,见 docs/offline.md)opaque row version")
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return row_version(obj)


VERSION_IN = serializers.CharField(
    required=False,
    max_length=30,
    help_text="读取时的 version;记录已被他人修改时返回 409 及双方版本 "
    "the version you read: a stale one is refused with 409 and both versions",
)


class TagSerializer(serializers.ModelSerializer):
    """A special-group tag with its extra fields; fields marked x-mask in the tag's schema
    are shown as the field policy allows for the requesting user."""

    tag_label = MethodCharField(source="get_tag_display", read_only=True)
    active = serializers.SerializerMethodField()
    extra = serializers.SerializerMethodField()
    version = VersionField()

    class Meta:
        model = PersonTag
        fields = [
            "tag",
            "tag_label",
            "active",
            "start_date",
            "end_date",
            "ended_reason",
            "responsible",
            "visit_every_days",
            "extra",
            "version",
        ]

    def get_active(self, obj) -> bool:
        return obj.end_date is None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_extra(self, obj):
        if not obj.extra:
            return {}
        from collection.extra_fields import present_extra
        from collection.tags import tag_schemas

        # One query for the schemas per response, however many people and tags it holds.
        schemas = self.context.get("_tag_schemas")
        if schemas is None:
            schemas = self.context["_tag_schemas"] = tag_schemas()
        request = self.context.get("request")
        return present_extra(
            getattr(request, "user", None),
            schemas[obj.tag],
            obj.extra,
            area_path=obj.person.area_path,
        )


class PersonTagSerializer(TagSerializer):
    """The tag endpoints: also the responsible person's name."""

    responsible_name = serializers.SerializerMethodField()

    class Meta(TagSerializer.Meta):
        fields = TagSerializer.Meta.fields + ["responsible_name"]

    def get_responsible_name(self, obj) -> str | None:
        return str(obj.responsible) if obj.responsible_id else None


class ActiveTagListSerializer(serializers.ListSerializer):
    """A person's current tags only (ended ones are history, read through the tag
    endpoints); filters the prefetched rows, so no extra query."""

    def to_representation(self, data):
        rows = data.all() if hasattr(data, "all") else data
        return [self.child.to_representation(t) for t in rows if t.end_date is None]


class TagWriteSerializer(serializers.Serializer):
    tag = serializers.ChoiceField(choices=PersonTag.Tag.choices, required=False)
    start_date = serializers.DateField(required=False, allow_null=True)
    responsible = serializers.IntegerField(required=False, allow_null=True)
    visit_every_days = serializers.IntegerField(required=False, min_value=1, max_value=366)
    extra = serializers.DictField(required=False, allow_empty=True)
    version = VERSION_IN


class TagEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=200)
    version = VERSION_IN


class TagSchemaSerializer(serializers.Serializer):
    tag = serializers.CharField()
    label = serializers.CharField()
    overridden = serializers.BooleanField()
    visit_every_days = serializers.IntegerField()
    schema = serializers.JSONField()


class PersonSerializer(serializers.ModelSerializer):
    id_number = ProtectedField("id_number")
    phone = ProtectedField("phone")
    # Derived from the digits the ID mask hides: masked with it ('199*-**-**').
    birth_date = ProtectedField("birth_date", allow_null=True)
    grid = serializers.CharField(source="grid.code", read_only=True)
    house = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    tags = ActiveTagListSerializer(child=TagSerializer(), read_only=True)
    extra = serializers.SerializerMethodField()
    version = VersionField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "doc_type",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "kind",
            "household_address",
            "residence_address",
            "house",
            "relation",
            "grid",
            "tags",
            "extra",
            "updated_at",
            "version",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_extra(self, obj):
        """Extra fields an administrator marked x-mask go through the field policy, as
        they do for special-group tags."""
        if not obj.extra:
            return {}
        from collection.extra_fields import extra_schema, present_extra

        schema = self.context.get("_people_schema")
        if schema is None:
            schema = self.context["_people_schema"] = extra_schema("people")
        request = self.context.get("request")
        return present_extra(
            getattr(request, "user", None), schema, obj.extra, area_path=obj.area_path
        )


class PersonWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    doc_type = serializers.ChoiceField(choices=Person.DocType.choices, required=False)
    id_number = serializers.CharField(max_length=30, required=False)
    gender = serializers.ChoiceField(
        choices=Gender.choices,
        required=False,
        help_text="外籍人员证件时填写 foreign documents only",
    )
    birth_date = serializers.DateField(
        required=False, help_text="外籍人员证件时填写 foreign documents only"
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Person.Kind.choices, required=False)
    household_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    residence_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    relation = serializers.CharField(max_length=20, required=False, allow_blank=True)
    grid = serializers.CharField(max_length=15, required=False)
    house = serializers.IntegerField(required=False, allow_null=True)
    extra = serializers.JSONField(required=False)
    version = VERSION_IN


class HouseSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    resident_count = serializers.IntegerField(read_only=True, default=None)
    version = VersionField()

    class Meta:
        model = House
        fields = [
            "id",
            "address",
            "use",
            "owner_name",
            "grid",
            "resident_count",
            "updated_at",
            "version",
        ]


class OrganisationSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    version = VersionField()

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "credit_code",
            "legal_person",
            "address",
            "grid",
            "version",
        ]


class PlaceSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)

    class Meta:
        model = Place
        fields = ["id", "name", "kind", "address", "grid"]


class VisitSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    visitor = serializers.CharField(source="visitor.username", read_only=True)
    event = serializers.CharField(
        source="event.number", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Visit
        fields = ["id", "visited_at", "place", "findings", "grid", "visitor", "people", "event"]


def _presenter(serializer_class):
    def present(obj, request):
        return serializer_class(obj, context={"request": request}).data

    return present


# The server's side of a 409 (governance/versions.py) as these answers show the record.
for _model, _serializer in (
    (Person, PersonSerializer),
    (House, HouseSerializer),
    (Organisation, OrganisationSerializer),
    (PersonTag, PersonTagSerializer),
):
    conflict_presenter_register(_model, _presenter(_serializer))
