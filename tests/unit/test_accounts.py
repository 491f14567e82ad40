"""Handles reduced to one account id, so one person's accounts can be joined however they were written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrail.model.accounts import (
    Account,
    accounts_in,
    event_accounts,
    parse_account,
    phone_id,
    region_of_zone,
)


@pytest.mark.parametrize(
    ("written", "region", "expected"),
    [
        ("+44 7700 900123", None, "phone:+447700900123"),
        ("07700 900123", "GB", "phone:+447700900123"),
        ("(0)7700-900-123", "GB", "phone:+447700900123"),
        ("\u202a+44 7700 900123\u202c", "GB", "phone:+447700900123"),  # WhatsApp's direction marks
        ("+1 (555) 555-4545", "GB", "phone:+15555554545"),
        ("(555) 555-4545", "US", "phone:+15555554545"),
        ("5555554545", "US", "phone:+15555554545"),
        ("07700 900123", None, "phone:07700900123"),  # no region: kept as written, digits only
        ("12345", "GB", "phone:12345"),  # a short code stays what it is
    ],
)
def test_phone_numbers_in_one_form(written: str, region: str | None, expected: str) -> None:
    assert phone_id(written, region) == expected


@pytest.mark.parametrize("written", ["Casey Marsh", "1234", "call me", "+", "", "07700 900123 ext. 4"])
def test_things_that_are_not_numbers(written: str) -> None:
    assert phone_id(written, "GB") is None


def test_labels_as_importers_write_them() -> None:
    assert accounts_in("Casey Marsh (07700900123)", "sms", "GB") == [
        Account("phone:+447700900123", "Casey Marsh")
    ]
    assert accounts_in("+44 7700 900123", "whatsapp", "GB") == [Account("phone:+447700900123")]
    assert accounts_in("Casey Marsh", "whatsapp", "GB") == [Account("whatsapp:Casey Marsh")]
    assert accounts_in("Casey.Marsh@Example.ORG", "email", "GB") == [Account("email:casey.marsh@example.org")]
    assert accounts_in('"Casey M" <casey@example.org>', "email", "GB") == [
        Account("email:casey@example.org", "Casey M")
    ]
    assert accounts_in(None, "sms", "GB") == accounts_in("\u200e", "sms", "GB") == []


def test_what_people_type_when_linking() -> None:
    assert parse_account("07700 900123", "GB") == "phone:+447700900123"
    assert parse_account("casey@example.org", "GB") == "email:casey@example.org"
    assert parse_account("Instagram:casey.m", "GB") == "instagram:casey.m"
    assert parse_account("whatsapp:Casey Marsh", "GB") == "whatsapp:Casey Marsh"
    assert parse_account("phone:07700 900123", "GB") == "phone:+447700900123"
    with pytest.raises(ValueError, match="CHANNEL:HANDLE"):
        parse_account("just a name", "GB")


def test_region_from_the_case_time_zone() -> None:
    assert region_of_zone("Europe/London") == "GB"
    assert region_of_zone("America/New_York") == "US"
    assert region_of_zone("UTC") is None


@given(st.text(max_size=60), st.sampled_from(["GB", "US", None]))
def test_any_label_gives_accounts_without_failing(label: str, region: str | None) -> None:
    for account in accounts_in(label, "sms", region):
        assert account.kind in {"phone", "email", "sms"}


def test_platform_ids_are_accounts_with_the_name_shown_beside_them() -> None:
    telegram = event_accounts("telegram", "Casey Marsh", ("Robin Hale",), {"from_id": "user5550587"}, "GB")
    assert telegram == [Account("telegram:id:user5550587", "Casey Marsh"), Account("telegram:Robin Hale")]
    discord = event_accounts("discord", "casey.m.again", (), {"author_id": "1290011122233344455"}, None)
    assert discord == [Account("discord:id:1290011122233344455", "casey.m.again")]
    x = event_accounts(
        "x",
        "@casey_m_demo2 (id 1100587)",
        ("@robin (id 1100142)",),
        {"sender_id": "1100587", "recipient_ids": "1100142"},
        None,
    )
    assert [a.id for a in x] == ["x:id:1100587", "x:id:1100142"]
    shown_only = event_accounts("x", "@casey_m_demo2 (id 1100587)", ("id 1100142",), {}, None)
    assert shown_only == [Account("x:id:1100587", "@casey_m_demo2"), Account("x:id:1100142")]
    hostile = event_accounts("discord", "x", (), {"author_id": "../../etc passwd"}, None)
    assert hostile == [Account("discord:x")]  # an id that is not an id is not trusted as one
