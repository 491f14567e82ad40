"""The accounts the demo's ex-partner used, as Robin (or an advocate) links them to one person.

In a real case a person decides each link ('casetrail person link'); the demo makes the links Robin
would make, from the same fictional cast the exports are written from.
"""

from __future__ import annotations

from casetrail.demo import discord_export, meta_export, telegram_export, x_export
from casetrail.demo.cast import EX_PARTNER, EX_PARTNER_NEW_NUMBER

SUSPECT_NAME = EX_PARTNER.name


def suspect_accounts() -> list[str]:
    """Every account Casey wrote from in the demo exports, as 'casetrail person link' takes them."""
    return [
        f"whatsapp:{EX_PARTNER.whatsapp_name}",
        f"whatsapp:{EX_PARTNER_NEW_NUMBER.whatsapp_name}",
        EX_PARTNER.phone,
        EX_PARTNER_NEW_NUMBER.phone,
        EX_PARTNER.email,
        f"messenger:{EX_PARTNER.name}",
        f"instagram:{meta_export.INSTAGRAM_EX}",
        f"signal:{EX_PARTNER.name}",
        f"telegram:id:user{telegram_export.CASEY_ID}",
        f"telegram:{EX_PARTNER.name}",
        f"discord:id:{discord_export.CASEY_NEW['id']}",
        f"discord:{discord_export.CASEY_NEW['name']}",
        f"x:id:{x_export.CASEY_ID}",
    ]
