from rest_framework import serializers

from governance.api.fields import MethodCharField
from grids.models import Area


class AreaSerializer(serializers.ModelSerializer):
    level_name = MethodCharField(source="get_level_display", read_only=True)
    parent_code = serializers.CharField(
        source="parent.code", read_only=True, default=None, allow_null=True
    )
    area_km2 = serializers.SerializerMethodField()
    centroid = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = [
            "code",
            "name",
            "level",
            "level_name",
            "parent_code",
            "path",
            "has_territory",
            "area_km2",
            "centroid",
        ]

    def get_area_km2(self, obj) -> float | None:
        return round(obj.area_m2 / 1e6, 3) if obj.area_m2 is not None else None

    def get_centroid(self, obj) -> list[float] | None:
        return [round(obj.centroid.x, 6), round(obj.centroid.y, 6)] if obj.centroid else None


class LocateAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()


class LocateResponseSerializer(LocateAreaSerializer):
    path = LocateAreaSerializer(many=True, help_text="祖先区域,省在前,网格本身在最后")
    lng = serializers.FloatField(help_text="WGS84 经度")
    lat = serializers.FloatField(help_text="WGS84 纬度")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
