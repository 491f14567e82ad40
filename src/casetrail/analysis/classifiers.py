"""Every installed classifier, as one: the rule lexicons, and any other (a trained model, a service's
own rules) installed as a plugin under the ``casetrail.classifiers`` entry point.

A plugin's labels sit beside the rules' labels, each naming the classifier and version that made it
(``Label.source``), so an officer can always see which one suggested what, and a person still confirms
or rejects each. A plugin that fails to load is reported, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

from casetrail.analysis.behaviour import RuleClassifier
from casetrail.analysis.labels import Classification, Classifier, Label, SetAside, Side

GROUP = "casetrail.classifiers"


@dataclass
class Combined:
    """Several classifiers answering as one; labels of the same words and category are kept once."""

    members: list[Classifier]
    broken: list[str] = field(default_factory=list)
    name: str = "combined"

    @property
    def version(self) -> str:
        return ";".join(f"{member.name}@{member.version}" for member in self.members)

    def classify(self, fields: dict[str, str], side: Side) -> Classification:
        labels: list[Label] = []
        set_aside: list[SetAside] = []
        seen: set[tuple[str, str, int, int]] = set()
        for member in self.members:
            found = member.classify(fields, side)
            for label in found.labels:
                key = (label.category, label.field, label.start, label.end)
                if key not in seen:
                    seen.add(key)
                    labels.append(label)
            set_aside.extend(found.set_aside)
        return Classification(tuple(labels), tuple(set_aside))

    def versions(self) -> dict[str, str]:
        """What a stored result records: each lexicon file's version, and each plugin's."""
        found: dict[str, str] = {}
        for member in self.members:
            if isinstance(member, RuleClassifier):
                found.update(member.lexicon.versions)
            else:
                found[f"classifier:{member.name}"] = member.version
        return found


def _load(point: EntryPoint) -> Classifier:
    made = point.load()
    classifier = made() if callable(made) else made
    if not all(hasattr(classifier, name) for name in ("name", "version", "classify")):
        raise TypeError("not a casetrail classifier (needs name, version and classify)")
    return classifier  # type: ignore[no-any-return]


def installed(points: Callable[[], Iterable[EntryPoint]] | None = None) -> Combined:
    """Every classifier installed, in name order (the built-in rules are one of them)."""
    found = points() if points else entry_points(group=GROUP)
    members: list[Classifier] = []
    broken: list[str] = []
    for point in sorted(found, key=lambda p: p.name):
        try:
            members.append(_load(point))
        except Exception as error:  # a plugin must not take the analysis down; it is reported
            broken.append(f"{point.name}: {error.__class__.__name__}")
    if not any(isinstance(member, RuleClassifier) for member in members):
        members.insert(0, RuleClassifier())  # the rules always speak, even from a source checkout
    return Combined(members, broken)
