"""Customers over the real server: registration, changes, search, unique email under concurrency."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest

from .client import Api

CUSTOMER_FIELDS = "customer { id name email phone version } events { type position data }"
RESULT = f"__typename ... on CustomerSuccess {{ {CUSTOMER_FIELDS} replayed }} ... on Error {{ code message }}"

REGISTER = f"""mutation($name: String!, $email: String!, $phone: String!, $key: String) {{
  registerCustomer(input: {{name: $name, email: $email, phone: $phone, idempotencyKey: $key}}) {{ {RESULT} }} }}"""
CHANGE_EMAIL = f"""mutation($id: ID!, $email: String!) {{
  changeCustomerEmail(input: {{customerId: $id, email: $email}}) {{ {RESULT} }} }}"""
CHANGE_PHONE = f"""mutation($id: ID!, $phone: String!) {{
  changeCustomerPhone(input: {{customerId: $id, phone: $phone}}) {{ {RESULT} }} }}"""
SEARCH = """query($search: String, $first: Int, $after: String) {
  customers(search: $search, first: $first, after: $after) {
    edges { cursor node { id name email } } pageInfo { hasNextPage endCursor } } }"""


def unique_email(prefix: str = "ada") -> str:
    return f"{prefix}.{uuid4().hex[:12]}@Example.COM"


async def register(api: Api, email: str, name: str = "Ada Lovelace", phone: str = "+44 20 7946 0958",
                   key: str | None = None) -> dict[str, Any]:
    data = await api.run(REGISTER, name=name, email=email, phone=phone, key=key)
    result: dict[str, Any] = data["registerCustomer"]
    return result


async def test_register_stores_canonical_contact_details(api: Api) -> None:
    email = unique_email()

    result = await register(api, f"  {email} ")

    assert result["__typename"] == "CustomerSuccess"
    customer = result["customer"]
    assert (customer["email"], customer["phone"], customer["version"]) == (email.lower(), "+442079460958", 1)
    assert [e["type"] for e in result["events"]] == ["CustomerRegistered"]
    found = await api.run("query($id: ID!) { customer(id: $id) { email phone } }",
                          id=customer["id"])
    assert found["customer"] == {"email": email.lower(), "phone": "+442079460958"}


@pytest.mark.parametrize(("email", "phone", "code"), [
    ("not-an-email", "+442079460958", "INVALID_EMAIL"),
    ("ada@example.com", "020 7946 0958", "INVALID_PHONE"),
    ("ada@example.com", "+1 555 000 0000", "INVALID_PHONE"),
])
async def test_invalid_contact_details_are_union_members(api: Api,
                                                         email: str, phone: str, code: str) -> None:
    result = await register(api, email, phone=phone)

    assert result["code"] == code
    assert result["__typename"] == {"INVALID_EMAIL": "InvalidEmail", "INVALID_PHONE": "InvalidPhone"}[code]


@pytest.mark.parametrize("name", ["nul\u0000byte", "Ada\u202eEvil", "zero\u200bwidth", "line\u2028break", "",
                                  "x" * 201])
async def test_a_name_that_is_not_plain_text_is_refused(api: Api, name: str) -> None:
    result = await register(api, unique_email(), name=name)

    assert (result["__typename"], result["code"]) == ("ValidationFailed", "VALIDATION_FAILED")


async def test_an_email_differing_only_in_case_is_taken(api: Api) -> None:
    email = unique_email()
    await register(api, email)

    result = await register(api, email.upper(), name="Mallory")

    assert (result["__typename"], result["code"]) == ("EmailTaken", "EMAIL_TAKEN")


async def test_twenty_concurrent_registrations_of_one_email_give_one_success(
        api: Api) -> None:
    email = unique_email("race")

    results = await asyncio.gather(*(register(api, email, name=f"Racer {i}") for i in range(20)))

    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["CustomerSuccess"] + ["EmailTaken"] * 19
    page = await api.run(SEARCH, search=email.lower(), first=10)
    assert len(page["customers"]["edges"]) == 1


async def test_changing_email_releases_the_old_one(api: Api) -> None:
    old, new = unique_email("old"), unique_email("new")
    ada = (await register(api, old))["customer"]["id"]

    changed = (await api.run(CHANGE_EMAIL, id=ada, email=new))["changeCustomerEmail"]
    grace = await register(api, old, name="Grace Hopper")
    back = (await api.run(CHANGE_EMAIL, id=ada, email=old))["changeCustomerEmail"]

    assert (changed["customer"]["email"], changed["customer"]["version"]) == (new.lower(), 2)
    assert changed["events"][0]["data"]["previous_email"] == old.lower()
    assert grace["__typename"] == "CustomerSuccess"
    assert back["code"] == "EMAIL_TAKEN"


async def test_changing_phone_and_unknown_customers(api: Api) -> None:
    ada = (await register(api, unique_email()))["customer"]["id"]

    changed = (await api.run(CHANGE_PHONE, id=ada, phone="+1 650-253-0000"))
    invalid = (await api.run(CHANGE_PHONE, id=ada, phone="12"))
    missing = (await api.run(CHANGE_PHONE, id=str(uuid4()), phone="+16502530000"))
    garbage = (await api.run(CHANGE_EMAIL, id="nope", email="a@example.com"))

    assert changed["changeCustomerPhone"]["customer"]["phone"] == "+16502530000"
    assert invalid["changeCustomerPhone"]["code"] == "INVALID_PHONE"
    assert missing["changeCustomerPhone"]["code"] == "CUSTOMER_NOT_FOUND"
    assert garbage["changeCustomerEmail"]["__typename"] == "CustomerNotFound"


async def test_changing_to_the_current_email_or_phone_appends_nothing(api: Api) -> None:
    email = unique_email()
    ada = (await register(api, email))["customer"]["id"]

    same_email = (await api.run(CHANGE_EMAIL, id=ada, email=f" {email.upper()} "))["changeCustomerEmail"]
    same_phone = (await api.run(CHANGE_PHONE, id=ada, phone="+44 (0)20 7946 0958"))["changeCustomerPhone"]
    stream = await api.run("query($s: String!) { stream(streamId: $s) { version type } }", s=f"customer-{ada}")

    for result in (same_email, same_phone):
        assert result["__typename"] == "CustomerSuccess"
        assert result["events"] == []
        assert result["replayed"] is False
        assert result["customer"]["version"] == 1
    assert same_email["customer"]["email"] == email.lower()
    assert same_phone["customer"]["phone"] == "+442079460958"
    assert [e["type"] for e in stream["stream"]] == ["CustomerRegistered"]


async def test_a_phone_with_an_extension_is_refused(api: Api) -> None:
    result = await register(api, unique_email(), phone="+1 650-253-0000 ext 5")

    assert (result["__typename"], result["code"]) == ("InvalidPhone", "INVALID_PHONE")
    assert "extensions are not supported" in result["message"]


async def test_an_idempotent_registration_replays(api: Api) -> None:
    email, key = unique_email(), f"reg-{uuid4()}"

    first = await register(api, email, key=key)
    second = await register(api, email, key=key)
    other = await register(api, unique_email(), key=key)

    assert (second["customer"]["id"], second["replayed"]) == (first["customer"]["id"], True)
    assert other["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_customers_search_by_name_or_email_and_page(api: Api) -> None:
    tag = uuid4().hex[:10]
    for index in range(3):
        await register(api, f"person{index}.{tag}@example.org", name=f"Person {index}")
    await register(api, unique_email(), name=f"Zed {tag.upper()}")

    first = await api.run(SEARCH, search=tag, first=2)
    rest = await api.run(SEARCH, search=tag, first=2,
                         after=first["customers"]["pageInfo"]["endCursor"])

    names = [e["node"]["name"] for e in first["customers"]["edges"] + rest["customers"]["edges"]]
    assert sorted(names) == ["Person 0", "Person 1", "Person 2", f"Zed {tag.upper()}"]
    assert first["customers"]["pageInfo"]["hasNextPage"] is True
    assert rest["customers"]["pageInfo"]["hasNextPage"] is False


async def test_open_account_for_a_customer(api: Api) -> None:
    ada = (await register(api, unique_email()))["customer"]["id"]
    query = """mutation($customer: ID) { openAccount(input: {owner: "Ada", currency: "EUR", customerId: $customer}) {
      __typename ... on AccountSuccess { account { id customerId } } ... on Error { code } } }"""

    opened = (await api.run(query, customer=ada))["openAccount"]
    missing = (await api.run(query, customer=str(uuid4())))["openAccount"]

    assert opened["account"]["customerId"] == ada
    assert (missing["__typename"], missing["code"]) == ("CustomerNotFound", "CUSTOMER_NOT_FOUND")
    read = await api.run("query($id: ID!) { account(id: $id) { customerId } }",
                         id=opened["account"]["id"])
    assert read["account"]["customerId"] == ada
