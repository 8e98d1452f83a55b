"""Bad input gets a 4xx with a JSON message, never a 500, and writes nothing."""

from __future__ import annotations

import pytest

from pipeline.models import Activity, Deal, Person

pytestmark = pytest.mark.django_db


def _post_raw(client, url, body: bytes, content_type="application/json"):  # noqa: ANN001
    return client.generic("POST", url, body, content_type=content_type)


def test_malformed_json(api_rep):
    r = _post_raw(api_rep, "/api/deals/", b'{"title": "x", ')
    assert r.status_code == 400
    assert r.json()["code"] == "parse_error"
    assert "JSON" in r.json()["detail"]


def test_body_that_is_not_an_object(api_rep):
    r = _post_raw(api_rep, "/api/deals/", b"[1, 2]")
    assert r.status_code == 400
    assert r.json()["errors"]


def test_wrong_types_get_field_messages(api_rep, stages):
    r = api_rep.post(
        "/api/deals/",
        {"title": ["x"], "stage": "first", "value": "lots", "expected_close_date": 5},
        format="json",
    )
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert set(errors) == {"title", "stage", "value", "expected_close_date"}
    assert not Deal.objects.exists()


def test_negative_and_huge_values(api_rep, stages):
    for value in ("-1", "1e20", "NaN", "Infinity"):
        r = api_rep.post(
            "/api/deals/", {"title": "x", "stage": stages[0].pk, "value": value}, format="json"
        )
        assert r.status_code == 400, value
        assert "value" in r.json()["errors"]
    assert not Deal.objects.exists()


def test_unknown_fields_are_refused(api_rep, stages):
    r = api_rep.post(
        "/api/deals/",
        {"title": "x", "stage": stages[0].pk, "colour": "red", "status": "won"},
        format="json",
    )
    assert r.status_code == 400
    assert set(r.json()["errors"]) == {"colour", "status"}


def test_huge_payload_is_413_before_parsing(api_rep, settings, stages):
    settings.STAGECOACH_API_MAX_BODY_BYTES = 1000
    body = b'{"title": "' + b"x" * 2000 + b'", "stage": 1}'
    r = _post_raw(api_rep, "/api/deals/", body)
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"


def test_form_bodies_are_unsupported(api_rep, stages):
    r = _post_raw(
        api_rep, "/api/deals/", b"title=x", content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 415
    assert r.json()["detail"]


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "99999999999999999999999", "1.5"])
def test_invalid_ids_in_the_url_are_json_404(api_rep, raw):
    r = api_rep.get(f"/api/deals/{raw}/")
    assert r.status_code == 404
    assert r.json()["detail"]


@pytest.mark.parametrize("raw", [True, 1.5, "x", 2**70, -1, None, {"id": 1}])
def test_invalid_ids_in_the_payload(api_rep, raw):
    r = api_rep.post(
        "/api/activities/",
        {"type": "call", "due_date": "2030-01-01", "person": raw},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert not Activity.objects.exists()


def test_ids_in_the_payload_go_through_visibility(api_outsider, make_deal, rep):
    deal = make_deal(owner=rep)
    r = api_outsider.post(
        "/api/activities/",
        {"type": "call", "due_date": "2030-01-01", "deal": deal.pk},
        format="json",
    )
    # Answered exactly like a deal that does not exist.
    assert r.status_code == 400
    assert "may not see it" in r.json()["errors"]["deal"][0]
    missing = api_outsider.post(
        "/api/activities/",
        {"type": "call", "due_date": "2030-01-01", "deal": deal.pk + 1000},
        format="json",
    )
    assert missing.json()["errors"]["deal"][0].replace(str(deal.pk + 1000), "N") == r.json()[
        "errors"
    ]["deal"][0].replace(str(deal.pk), "N")
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "updated_since=yesterday",
        "owner=abc",
        "owner=99999999999999999999999",
        "value_min=NaN",
        "page=0",
        "page=abc",
        "expected_close_after=2020-13-40",
        "created_after=0001-01-01T00:00:00%2B05:00",
        "updated_since=",
        "ordering=colour",
    ],
)
def test_bad_filters_are_400_or_404(api_rep, make_deal, query):
    make_deal()
    r = api_rep.get(f"/api/deals/?{query}")
    assert r.status_code in (400, 404), (query, r.status_code)
    assert r.json()["detail"]


def test_unknown_api_address_is_json_404(api_rep):
    r = api_rep.get("/api/nothing-here/")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_person_with_bad_email_writes_nothing(api_rep):
    r = api_rep.post("/api/people/", {"name": "Ann", "email": "not-an-email"}, format="json")
    assert r.status_code == 400
    assert "email" in r.json()["errors"]
    assert not Person.objects.exists()


def test_odd_but_valid_offsets_are_converted_not_crashing(api_rep, make_deal):
    # PostgreSQL refuses a +21:31 offset; schemathesis found this as a 500 before the filter
    # converted times to UTC itself.
    make_deal()
    r = api_rep.get("/api/deals/?updated_since=0200-07-09T10:22:03%2B21:31")
    assert r.status_code == 200
    assert r.json()["count"] == 1


@pytest.mark.parametrize(
    "body", [b"[" * 100_000, b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"]
)
def test_deeply_nested_json_is_a_400_not_a_recursion_error(api_rep, body):
    r = _post_raw(api_rep, "/api/deals/", body)
    assert r.status_code == 400
    assert r.json()["code"] == "parse_error"
    assert "nested" in r.json()["detail"]
    assert not Deal.objects.exists()


def test_brackets_inside_strings_do_not_count_as_nesting(api_rep, stages):
    title = "[" * 40 + '\\"{' * 10
    body = f'{{"title": "{title}", "stage": {stages[0].pk}}}'.encode()
    r = _post_raw(api_rep, "/api/deals/", body)
    assert r.status_code == 201, r.content
    assert Deal.objects.get().title == "[" * 40 + '"{' * 10
