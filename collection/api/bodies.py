"""The request bodies of the hand-written collection actions, for the OpenAPI schema.

The views read these fields from `request.data` and the services validate them; most of
these serializers only describe them (reveal validates with its own), so that clients
generated from the schema (and the fuzzing test) send what the endpoints take instead of
the output records.
"""

from rest_framework import serializers

from collection import policy
from collection.models import House, Organisation, Place

from .serializers import VERSION_IN

GRID = serializers.CharField(help_text="网格编码 grid code (level 6, in your jurisdiction)")
LNG = serializers.FloatField(required=False, help_text="位置经度 WGS84 (with lat)")
LAT = serializers.FloatField(required=False, help_text="位置纬度 WGS84 (with lng)")
EXTRA = serializers.DictField(required=False, help_text="扩展字段 extra fields (an object)")


class HouseCreateSerializer(serializers.Serializer):
    grid = GRID
    address = serializers.CharField(max_length=300)
    use = serializers.ChoiceField(choices=House.Use.choices, required=False)
    owner_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    lng = LNG
    lat = LAT
    extra = EXTRA


class HouseUpdateSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=300, required=False)
    use = serializers.ChoiceField(choices=House.Use.choices, required=False)
    owner_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    lng = LNG
    lat = LAT
    extra = EXTRA
    version = VERSION_IN


class OrganisationCreateSerializer(serializers.Serializer):
    grid = GRID
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    credit_code = serializers.CharField(max_length=18, help_text="统一社会信用代码 (GB 32100)")
    legal_person = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    extra = EXTRA


class OrganisationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices, required=False)
    credit_code = serializers.CharField(
        max_length=18, required=False, help_text="统一社会信用代码 (GB 32100)"
    )
    legal_person = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    extra = EXTRA
    version = VERSION_IN


class PlaceCreateSerializer(serializers.Serializer):
    grid = GRID
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Place.Kind.choices)
    address = serializers.CharField(required=False, allow_blank=True)
    extra = EXTRA


class VisitCreateSerializer(serializers.Serializer):
    grid = GRID
    visited_at = serializers.DateTimeField()
    place = serializers.CharField(required=False, allow_blank=True)
    findings = serializers.CharField(required=False, allow_blank=True)
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="走访对象的人员编号 ids of the people visited",
    )
    report_category = serializers.CharField(
        required=False, allow_blank=True, help_text="发现问题时上报事件的分类编码"
    )
    report_title = serializers.CharField(required=False, allow_blank=True)
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="现场照片(multipart),随上报的事件保存 photos of the reported event",
    )


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=sorted(policy.REVEAL_ROLES))


class RevealedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirmed", "corrected", "rejected"])
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="驳回须说明原因 required when rejected"
    )
    corrections = serializers.DictField(
        required=False, help_text="更正的字段及新值 (decision=corrected)"
    )
    version = serializers.CharField(
        required=False,
        help_text="更正时:记录读取时的 version;已被他人修改则 409 the record's version",
    )
