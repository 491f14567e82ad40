"""The fictional people and places of the demo case.

Nobody here is real: phone numbers come only from Ofcom's drama range (+44 7700 900000-900999), e-mail
addresses only from the reserved example.org / example.com domains, and places are generic, so a demo
case can be shown, shared or attached to a bug report without exposing anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAMA_FIRST = 900000
DRAMA_LAST = 900999


def drama_number(suffix: int) -> str:
    """A UK mobile number from the range Ofcom keeps for drama, written as people save it."""
    if not 0 <= suffix <= DRAMA_LAST - DRAMA_FIRST:
        raise ValueError(f"drama-range suffix must be 0-999, got {suffix}")
    return f"+44 7700 {DRAMA_FIRST + suffix}"


@dataclass(frozen=True, slots=True)
class Person:
    """One fictional person, with the display name the victim's phone shows for them."""

    name: str
    whatsapp_name: str
    phone: str
    email: str
    handles: tuple[str, ...] = ()

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


VICTIM = Person(
    name="Robin Hale",
    whatsapp_name="Robin Hale",
    phone=drama_number(142),
    email="robin.hale@example.org",
    handles=("@robin.hale.demo",),
)
EX_PARTNER = Person(
    name="Casey Marsh",
    whatsapp_name="Casey Marsh",
    phone=drama_number(587),
    email="casey.marsh@example.com",
    handles=("@casey.marsh.demo",),
)
# The second number the ex-partner used after being blocked; Robin saved it under this name.
EX_PARTNER_NEW_NUMBER = Person(
    name="Casey Marsh",
    whatsapp_name="Casey (new number)",
    phone=drama_number(913),
    email="casey.marsh@example.com",
)
FRIEND = Person(
    name="Sam Okafor",
    whatsapp_name="Sam Okafor",
    phone=drama_number(274),
    email="sam.okafor@example.org",
)
GYM_STAFF = Person(
    name="Jordan Reyes", whatsapp_name="Jordan Reyes", phone=drama_number(356), email="jordan@example.com"
)
NEIGHBOUR = Person(
    name="Priya Shah", whatsapp_name="Priya Shah", phone=drama_number(481), email="priya.shah@example.org"
)

# Accounts that appeared on Instagram after Robin asked for no contact (recorded in the diary).
NEW_ACCOUNTS = ("@casey_m_demo2", "@m.casey_demo3", "@cm_watching_demo")

PLACES = (
    "the gym on Station Road",
    "the car park on Mill Lane",
    "the bus stop on Station Road",
    "the corner shop on Elm Road",
    "the library",
    "the café by the park",
    "your work",
)
ITEMS = ("coat", "scarf", "trainers", "bag", "haircut", "jacket")

CAST = (VICTIM, EX_PARTNER, EX_PARTNER_NEW_NUMBER, FRIEND, GYM_STAFF, NEIGHBOUR)
