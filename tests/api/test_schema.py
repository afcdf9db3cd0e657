"""The OpenAPI schema is valid and complete, and the docs page works under our CSP."""

import re

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def generated_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_valid_openapi_and_covers_every_endpoint():
    schema = generated_schema()
    validate_schema(schema)
    paths = schema["paths"]
    for path in [
        "/api/v1/models/",
        "/api/v1/models/{name}/production/",
        "/api/v1/models/{name}/versions/{version}/card/",
        "/api/v1/models/{name}/versions/{version}/evals/",
        "/api/v1/models/{name}/versions/{version}/promotions/",
        "/api/v1/promotions/{id}/checks/{item}/",
        "/api/v1/promotions/{id}/approve/",
        "/api/v1/promotions/{id}/reject/",
        "/api/v1/promotions/{id}/withdraw/",
        "/api/v1/protocols/",
        "/api/v1/benchmarks/{slug}/leaderboard/",
        "/api/v1/teams/",
        "/api/v1/members/",
        "/api/v1/roster/ratio/",
        "/api/v1/experiments/{id}/runs/",
        "/api/v1/runs/{id}/metrics/",
        "/api/v1/events/",
    ]:
        assert path in paths, path


def test_every_operation_documents_the_error_shape():
    schema = generated_schema()
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"error", "detail"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "403", "404"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"]["$ref"] == "#/components/schemas/Error", (path, method)
            if method in ("post", "put", "patch"):
                assert "409" in operation["responses"] and "415" in operation["responses"]
                assert "requestBody" in operation, (path, method)


def test_request_bodies_are_described():
    schema = generated_schema()
    evals = schema["paths"]["/api/v1/models/{name}/versions/{version}/evals/"]["post"]
    ref = evals["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    record = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(record["required"]) == {"benchmark", "value"}
    card = schema["paths"]["/api/v1/models/{name}/versions/{version}/card/"]
    assert "text/markdown" in card["put"]["requestBody"]["content"]
    assert set(card["get"]["responses"]["200"]["content"]) == {"application/json", "text/markdown"}
    version = schema["components"]["schemas"]["Version"]["properties"]["status"]
    assert version["readOnly"] is True
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"


def test_schema_endpoint_needs_credentials():
    assert APIClient().get("/api/schema/").status_code == 401
    client = APIClient()
    client.force_login(UserFactory())
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_docs_page_is_offline_and_has_no_inline_script(client):
    assert client.get(reverse("api:docs")).status_code == 302
    client.force_login(UserFactory())
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    init = client.get(reverse("api:docs") + "?script=")
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()


def test_orderings_are_listed_and_markdown_is_only_the_cards_readme():
    schema = generated_schema()
    listed = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "ordering":
                    listed += 1
                    assert parameter["schema"]["enum"], path
            for status, response in operation["responses"].items():
                media = set(response.get("content", {}))
                if (path, method, status) != (
                    "/api/v1/models/{name}/versions/{version}/card/",
                    "get",
                    "200",
                ):
                    assert "text/markdown" not in media, (path, method, status)
    assert listed >= 12
    promotions = schema["paths"]["/api/v1/promotions/"]["get"]["parameters"]
    ordering = next(p for p in promotions if p["name"] == "ordering")
    assert ordering["schema"]["enum"] == ["requested_at", "-requested_at"]
    card = schema["paths"]["/api/v1/models/{name}/versions/{version}/card/"]
    assert set(card["get"]["responses"]["200"]["content"]) == {"application/json", "text/markdown"}
    assert set(card["patch"]["requestBody"]["content"]) == {"application/json"}
    assert "text/markdown" in card["put"]["requestBody"]["content"]
    events = {p["name"]: p for p in schema["paths"]["/api/v1/events/"]["get"]["parameters"]}
    assert events["promotion"]["schema"]["minimum"] == 1
    assert events["version"]["schema"]["maximum"] == 2**63 - 1


def test_every_operation_has_a_summary_a_description_and_its_resources_tag():
    from mlteam.api.operations import OPERATIONS, TAG_DESCRIPTIONS

    schema = generated_schema()
    seen = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = (method.upper(), path)
            seen.add(operation["operationId"])
            assert operation.get("summary", "").strip(), where
            assert len(operation["summary"]) <= 60, where  # a line in the docs' sidebar
            assert operation.get("description", "").strip(), where
            assert len(operation["tags"]) == 1 and operation["tags"][0] in TAG_DESCRIPTIONS, where
    assert seen == set(OPERATIONS)  # no summary written for an operation that is gone
    assert len({op["summary"] for ops in schema["paths"].values() for op in ops.values()}) == len(
        seen
    )
    tags = {t["name"]: t["description"] for t in schema["tags"]}
    assert set(tags) == {
        tag for ops in schema["paths"].values() for o in ops.values() for tag in o["tags"]
    }
    card = schema["paths"]["/api/v1/models/{name}/versions/{version}/card/"]
    assert card["get"]["tags"] == ["cards"] and card["put"]["tags"] == ["cards"]
    assert schema["paths"]["/api/v1/models/{name}/versions/"]["post"]["tags"] == ["versions"]


def test_the_card_import_is_typed_as_markdown_with_a_json_alternative():
    schema = generated_schema()
    for method in ("put", "post"):
        operation = schema["paths"]["/api/v1/models/{name}/versions/{version}/card/"][method]
        content = operation["requestBody"]["content"]
        assert next(iter(content)) == "text/markdown"  # what generators pick first
        assert content["text/markdown"]["schema"]["type"] == "string"
        assert "README.md" in content["text/markdown"]["schema"]["description"]
        assert content["application/json"]["schema"]["$ref"].endswith("/CardImport")
        assert "keep_missing" in {p["name"] for p in operation["parameters"]}
