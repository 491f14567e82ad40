"""casetrail: evidence case files for people being stalked and harassed online."""

__version__ = "0.1.0"
