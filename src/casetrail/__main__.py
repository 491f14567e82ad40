"""Allow ``python -m casetrail``."""

from casetrail.cli.app import main

main()
