"""Root of the command line: registers each command and turns known errors into calm messages."""

from __future__ import annotations

import os
import sys
import traceback

import typer

from casetrail.cli import (
    analyse_cmd,
    case_cmds,
    demo_cmd,
    import_cmd,
    label_cmds,
    lifecycle_cmds,
    log_cmd,
    offences_cmd,
    pack_cmds,
    people_cmds,
    risk_cmd,
    safety_cmds,
    safety_indicators_cmd,
    timeline_cmd,
)
from casetrail.cli.backup_cmds import backup, migrate, restore
from casetrail.cli.console import say_error
from casetrail.errors import CasetrailError

app = typer.Typer(
    name="casetrail",
    help="Keep evidence of online stalking and harassment in one encrypted, verifiable case.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("init")(case_cmds.init)
app.command("import")(import_cmd.import_files)
app.command("log")(log_cmd.log)
app.command("timeline")(timeline_cmd.timeline)
app.command("exhibits")(case_cmds.exhibits)
app.command("verify")(case_cmds.verify)
app.command("backup")(backup)
app.command("restore")(restore)
app.command("migrate")(migrate)
app.command("demo")(demo_cmd.demo)
app.add_typer(lifecycle_cmds.passphrase_app, name="passphrase")
app.command("expunge")(lifecycle_cmds.expunge)
app.add_typer(people_cmds.person_app, name="person")
app.command("accounts")(people_cmds.accounts)
app.command("analyse")(analyse_cmd.analyse)
app.command("results")(analyse_cmd.results)
app.command("pack")(pack_cmds.pack)
app.command("verify-pack")(pack_cmds.verify_pack_cmd)
app.add_typer(risk_cmd.risk_app, name="risk")
app.command("offences")(offences_cmd.offences)
app.add_typer(label_cmds.label_app, name="label")
app.add_typer(label_cmds.diary_app, name="diary")
safety_cmds.safety_app.command("update-indicators")(safety_indicators_cmd.update_indicators_cmd)
safety_cmds.safety_app.command("indicators")(safety_indicators_cmd.indicators_status_cmd)
app.add_typer(safety_cmds.safety_app, name="safety")


def main() -> None:
    """Entry point: expected problems print a message and exit non-zero, without a traceback.

    Unexpected errors print no details unless CASETRAIL_DEBUG=1, because a traceback can quote
    evidence text (G-28).
    """
    try:
        app()
    except CasetrailError as error:
        say_error(str(error))
        sys.exit(error.exit_code)
    except Exception as error:  # last resort: never print evidence in a traceback by default
        if os.environ.get("CASETRAIL_DEBUG") == "1":
            traceback.print_exc()
        say_error(
            f"casetrail hit an unexpected problem ({error.__class__.__name__}). Nothing was half-saved."
        )
        sys.exit(70)
