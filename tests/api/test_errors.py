"""Bad input is always a 4xx with a JSON explanation, never a server error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.api.errors import field_errors_from_validation
from casework.cases.models import Case

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=12,
)
case_like = st.fixed_dictionaries(
    {},
    optional={
        "urn": json_values,
        "unit_id": json_values,
        "operation_name": json_values,
        "allocated_lawyer_id": json_values,
        "accepted_on": json_values,
        "offence_category_ids": json_values,
        "version": json_values,
        "summary": json_values,
    },
)


def assert_clean_4xx(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]


MALFORMED = [
    ("not json at all", "application/json"),
    ('{"urn": "42AB1234526"', "application/json"),
    ("\xff\xfe", "application/json"),
    ("[1, 2, 3]", "application/json"),
    ('"just a string"', "application/json"),
    ("null", "application/json"),
    ('{"urn": 12345678}', "application/json"),
    ('{"urn": ["42AB1234526"]}', "application/json"),
    ('{"urn": "42AB1234526", "unit_id": "A"}', "application/json"),
    ('{"urn": "42AB1234526", "unit_id": 99999999999999999999999}', "application/json"),
    ('{"urn": "42AB1234526", "accepted_on": "31/02/2026"}', "application/json"),
    ('{"urn": "42AB1234526", "operation_name": "' + "x" * 100_000 + '"}', "application/json"),
    ('{"urn": "42AB1234526", "surprise": true}', "application/json"),
    ("urn=42AB1234526", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_malformed_create_bodies_are_4xx(personas, api_as, body, content_type):
    assert_clean_4xx(api_as("manager_a").raw("post", "/cases", body, content_type))
    assert not Case.objects.exists()


def test_non_json_body_is_400_with_a_clear_message(personas, api_as):
    response = api_as("manager_a").raw("post", "/cases", "not json at all")
    assert response.status_code == 400
    assert response.json()["detail"] == "The request body is not valid JSON."


def test_wrong_types_are_422_naming_the_fields(personas, api_as):
    response = api_as("manager_a").post("/cases", {"urn": 5, "allocated_lawyer_id": "someone", "accepted_on": "soon"})
    assert response.status_code == 422
    assert {"urn", "allocated_lawyer_id", "accepted_on"} <= set(response.json()["errors"])


@pytest.mark.parametrize("path", ["/cases/abc", "/cases/0", "/cases/-5", "/cases/99999999999999999999999"])
def test_bad_ids_in_the_path_are_4xx(personas, api_as, path):
    assert_clean_4xx(api_as("manager_a").get(path))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=case_like | json_values)
def test_fuzzed_create_bodies_never_cause_a_server_error(personas, api_as, body):
    response = api_as("hq").post("/cases", body)
    assert_clean_4xx(response)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=case_like | json_values)
def test_fuzzed_updates_never_cause_a_server_error(personas, case_a, api_as, body):
    response = api_as("inspector").patch(f"/cases/{case_a.pk}", body)
    # an inspector may never change a case: any well-formed request is refused (403), the rest 4xx
    assert_clean_4xx(response)


def test_field_errors_are_keyed_by_field_path():
    errors = [
        {"loc": ("body", "payload", "urn"), "msg": "Value error, A URN is 6 to 20 letters"},
        {"loc": ("body", "payload", "offence_category_ids", 2), "msg": "Input should be a valid integer"},
        {"loc": ("body", "payload"), "msg": "Value error, These fields cannot be empty: court"},
        {"loc": ("query", "limit"), "msg": "Input should be less than or equal to 200"},
    ]
    assert field_errors_from_validation(errors) == {
        "urn": ["A URN is 6 to 20 letters"],
        "offence_category_ids.2": ["Input should be a valid integer"],
        "__all__": ["These fields cannot be empty: court"],
        "limit": ["Input should be less than or equal to 200"],
    }
