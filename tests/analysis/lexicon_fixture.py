"""A small lexicon for tests of the engine, so they do not depend on the shipped word lists."""

from __future__ import annotations

from casetrail.analysis.behaviour import Lexicon, RuleClassifier, build_lexicon, packaged_documents

TEST_LEXICON = """
format: casetrail-behaviour-lexicon
version: "test-1"
language: en
categories:
  THREAT.VIOLENCE:
    name: Threats of violence
    patterns:
      - "{I_WILL} ~ (hurt|kill|stab) you"
      - "burn (your|my) (house|home|flat) down"
      - "you won't feel safe"
      - "don't make me find you"
  MONITORING.KNOWLEDGE:
    name: Knowing where the victim is
    patterns:
      - "(i|i've) saw you at"
      - "saw you at"
      - "nice (coat|scarf|dress)"
  ABUSE.INSULT:
    patterns:
      - "you're (pathetic|worthless)"
  OFFLINE.PRESENCE:
    sides: [suspect, unknown, diary]
    patterns:
      - "(was|were) (waiting|standing) outside"
  IMPACT.STOP_REQUEST:
    sides: [victim, unknown, diary, system]
    patterns:
      - "stop (messaging|contacting|texting) me"
      - "leave me alone"
      - p: "you blocked this contact"
        sides: [system]
  IMPACT.ROUTINE_CHANGE:
    sides: [diary]
    patterns:
      - "changed my number"
"""


def make_lexicon() -> Lexicon:
    context = [d for d in packaged_documents() if "-context" in d[0]]
    return build_lexicon([*context, ("behaviour-en-test.yaml", TEST_LEXICON)])


def make_classifier() -> RuleClassifier:
    return RuleClassifier(make_lexicon())
