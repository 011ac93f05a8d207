import pytest

from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db


def codes(response):
    return [row["code"] for row in response.json()["results"]]


def test_list_is_scoped_to_the_jurisdiction(api_client, nanguan_dispatcher):
    r = api_client(nanguan_dispatcher).get("/api/v1/areas/", {"level": 4, "limit": 500})
    assert r.status_code == 200
    got = codes(r)
    assert got and all(c.startswith("220102") for c in got)
    assert r.json()["count"] == len(got)  # the count never includes outside rows


def test_list_outside_user_sees_nothing_of_the_other_county(api_client, nanguan_dispatcher):
    r = api_client(nanguan_dispatcher).get("/api/v1/areas/", {"parent": KUANCHENG})
    assert r.json()["count"] == 0 and codes(r) == []
    r = api_client(nanguan_dispatcher).get("/api/v1/areas/", {"search": "宽城"})
    assert r.json()["count"] == 0


def test_province_leader_sees_both_counties(api_client, province_leader):
    r = api_client(province_leader).get("/api/v1/areas/", {"level": 3})
    assert {NANGUAN, KUANCHENG} <= set(codes(r))


def test_detail_inside_and_outside(api_client, nanguan_dispatcher):
    client = api_client(nanguan_dispatcher)
    r = client.get(f"/api/v1/areas/{NANGUAN}/")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "南关区" and body["level"] == 3 and body["parent_code"] == "220100000000"
    for outside in (KUANCHENG, "220100000000", "220000000000", "220103002000"):
        r = client.get(f"/api/v1/areas/{outside}/")
        assert r.status_code == 404, outside
        assert r.json()["code"] == "not_found"


def test_children_geojson_is_simplified_by_zoom(api_client, province_leader):
    client = api_client(province_leader)
    coarse = client.get(f"/api/v1/areas/{NANGUAN}/children/", {"zoom": 6}).json()
    fine = client.get(f"/api/v1/areas/{NANGUAN}/children/", {"zoom": 16}).json()
    assert coarse["type"] == "FeatureCollection"
    assert len(coarse["features"]) == len(fine["features"]) > 5
    props = coarse["features"][0]["properties"]
    assert props["level"] == 4 and props["code"].startswith("220102") and props["children"] > 0

    def vertices(fc):
        return sum(len(str(f["geometry"]["coordinates"])) for f in fc["features"])

    assert vertices(coarse) < vertices(fine)


def test_children_and_geojson_outside_are_404(api_client, nanguan_dispatcher):
    client = api_client(nanguan_dispatcher)
    assert client.get(f"/api/v1/areas/{KUANCHENG}/children/").status_code == 404
    assert client.get(f"/api/v1/areas/{KUANCHENG}/geojson/").status_code == 404
    assert client.get(f"/api/v1/areas/{NANGUAN}/geojson/").status_code == 200


def test_city_children_only_show_the_users_counties(api_client, make_user):
    # A user of 南关区 whose role is at the county cannot list the city's children.
    from governance.roles import Role

    user = make_user(Role.COUNTY_DISPATCHER, NANGUAN)
    assert api_client(user).get("/api/v1/areas/220100000000/children/").status_code == 404


def test_token_authentication(api_client, nanguan_dispatcher):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=nanguan_dispatcher)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/v1/areas/{NANGUAN}/").status_code == 200
    assert client.get(f"/api/v1/areas/{KUANCHENG}/").status_code == 404


def test_anonymous_is_refused(api_client):
    r = api_client().get("/api/v1/areas/")
    assert r.status_code in (401, 403) and "detail" in r.json()


def test_list_query_count_is_constant(api_client, province_leader, django_assert_max_num_queries):
    client = api_client(province_leader)
    with django_assert_max_num_queries(8):
        r = client.get("/api/v1/areas/", {"level": 5, "limit": 200})
    assert len(r.json()["results"]) == 200


def test_openapi_schema_and_docs(api_client, client, province_leader, admin):
    r = api_client(province_leader).get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/areas/locate/" in paths and "/api/v1/areas/{code}/children/" in paths
    # The documentation page is for administrators (issue 11: governance.navigation).
    client.force_login(admin)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    client.force_login(province_leader)
    assert client.get("/api/docs/").status_code == 403
