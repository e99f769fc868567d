import pytest


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('{"email": 5, "name": "x", "password": "longenough"}', "application/json"),
        ('{"email": "x@y.org", "name": "", "password": "longenough"}', "application/json"),
        ('{"email": "not-an-address", "name": "x", "password": "longenough"}', "application/json"),
        (
            '{"email": "x@y.org", "name": "x", "password": "longenough", "timezone": "Nowhere"}',
            "application/json",
        ),
        ("email=x", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_api_input_gets_a_json_4xx(client, body, content_type):
    # Bad input to the API is a 4xx with a JSON error a person can read, never a 500.
    response = client.post("/api/v1/users", data=body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.json["error"]["message"]
    assert response.json["error"]["code"]


def test_unknown_api_route_is_json_and_unknown_page_is_html(client):
    # The API answers in JSON, the site in a page in the reader's language.
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.json["error"]["code"] == "not_found"
    page = client.get("/nothing-here", headers={"Accept-Language": "es"})
    assert page.status_code == 404
    assert "No hay nada en esta dirección." in page.get_data(as_text=True)


def test_wrong_method_is_405(client):
    # A GET on a POST-only route is refused plainly.
    assert client.get("/sign-out").status_code == 405
    assert client.delete("/api/v1/me/enrolments").json["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("body", [[1], {"email": 5, "password": ["x"]}, "not json"])
def test_web_forms_refuse_json_bodies_plainly(client, body):
    # Pages take forms and the API takes JSON: a JSON body posted to a page is a clear 415.
    raw = body if isinstance(body, str) else None
    response = (
        client.post("/sign-in", data=raw, content_type="application/json")
        if raw
        else client.post("/sign-in", json=body, headers={"Accept-Language": "ca"})
    )
    assert response.status_code == 415
    if not raw:
        assert "no JSON" in response.get_data(as_text=True)
