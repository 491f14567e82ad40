"""A small phrase language for lexicons, compiled to regular expressions.

Lexicons are written by people who know stalking, not regular expressions, and they are evidence of
how a label was reached, so the language is deliberately small (docs/analysis.md has the reference):

- ``i'll hurt you``: these words in this order, with only spaces or punctuation between them, not
  across the end of a sentence; case does not matter and curly apostrophes match straight ones;
- ``(hurt|kill|beat up)``: one of these; ``[really]``: optional words; ``threat*``: a word beginning so;
- ``~``: up to two other words; ``...``: up to five;
- ``{I_WILL}``: a macro, a named phrase defined once in the same file.

A hostile message cannot make matching slow: every pattern is built from literal words, bounded gaps
and separators that cannot overlap each other. Each compiled pattern also carries *anchor* words, one
of which must appear in a text for the pattern to possibly match, so a million messages are matched by
looking up their words rather than by running every pattern on every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casetrail.rules import RulesError

WORD = r"[\w']+"
# Between two words: spaces and punctuation, but not the end of a sentence.
SEP = r"[^\w.!?\n]+"
_GAPS = {"~": 2, "...": 5}
_LITERAL = re.compile(r"[\w']+\*?")
_TOKENS = re.compile(r"\.\.\.|[()\[\]|~{}]|[^\s()\[\]|~{}]+")

#: Words too common to make a pattern worth trying; a pattern anchors on its rarer words.
COMMON = frozenset(
    [
        "i",
        "i'm",
        "im",
        "i'll",
        "i'd",
        "me",
        "my",
        "you",
        "you're",
        "your",
        "yours",
        "u",
        "ur",
        "the",
        "a",
        "an",
        "to",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "it's",
        "that",
        "this",
        "with",
        "what",
        "so",
        "just",
        "do",
        "don't",
        "not",
        "no",
        "can",
        "will",
        "would",
        "me",
        "we",
        "us",
        "our",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "have",
        "has",
        "had",
        "get",
        "got",
        "if",
    ]
)
NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "nobody",
        "nothing",
        "nowhere",
        "neither",
        "nor",
        "cannot",
        "cant",
        "dont",
        "wont",
        "wouldnt",
        "couldnt",
        "shouldnt",
        "didnt",
        "doesnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "hardly",
    ]
)


def is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


@dataclass(frozen=True, slots=True)
class Compiled:
    """One pattern, ready: the regex, the words one of which must be in a text, the negating words the
    pattern itself contains (they do not negate it), and the source text for explanations."""

    source: str
    regex: re.Pattern[str]
    anchors: frozenset[str] | None  # None: no anchor, always tried
    own_negators: frozenset[str]


class _Parser:
    def __init__(self, text: str, macros: dict[str, str], where: str, depth: int = 0) -> None:
        self.tokens = _TOKENS.findall(text.lower().replace("’", "'").replace("‘", "'"))
        self.position = 0
        self.macros = macros
        self.where = where
        self.depth = depth
        self.words: set[str] = set()

    def fail(self, problem: str) -> RulesError:
        return RulesError(f"{self.where}: {problem}.")

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise self.fail("the pattern ends too early")
        self.position += 1
        return token

    def sequence(self, closers: str) -> tuple[str, frozenset[str] | None, bool]:
        """Regex for words up to a closer; its anchor set; whether it can match nothing at all."""
        parts: list[str] = []
        anchors: list[frozenset[str]] = []
        mandatory = False
        while (token := self.peek()) is not None and token not in closers:
            regex, anchor, required = self.item()
            if not parts and not required:
                raise self.fail("a pattern or choice cannot begin with an optional part or a gap")
            parts.append(regex if not parts else regex if regex.startswith("(?:" + SEP) else SEP + regex)
            if required:
                mandatory = True
                if anchor is not None:
                    anchors.append(anchor)
        if not parts:
            raise self.fail("empty pattern or choice")
        return "".join(parts), _best(anchors), not mandatory

    def item(self) -> tuple[str, frozenset[str] | None, bool]:
        token = self.take()
        if token in _GAPS:
            return f"(?:{SEP}{WORD}){{0,{_GAPS[token]}}}", None, False
        if token in _OPENERS:
            return _OPENERS[token](self)
        if not _LITERAL.fullmatch(token):
            raise self.fail(f"{token!r} is not a word (letters, digits and apostrophes, maybe ending in *)")
        if token.endswith("*"):
            return re.escape(token[:-1]) + r"[\w']*", None, True
        self.words.add(token)
        return re.escape(token), frozenset((token,)), True

    def choice(self) -> tuple[str, frozenset[str] | None, bool]:
        choices: list[str] = []
        anchor_sets: list[frozenset[str] | None] = []
        while True:
            regex, anchor, empty = self.sequence("|)")
            if empty:
                raise self.fail("a choice cannot be only optional words")
            choices.append(regex)
            anchor_sets.append(anchor)
            if self.take() == ")":
                break
        union: frozenset[str] | None = frozenset()
        for anchor in anchor_sets:
            union = None if anchor is None or union is None else union | anchor
        return "(?:" + "|".join(choices) + ")", union, True

    def optional(self) -> tuple[str, frozenset[str] | None, bool]:
        regex, _anchor, _empty = self.sequence("]")
        self.take()
        return f"(?:{SEP}{regex})?", None, False

    def macro(self) -> tuple[str, frozenset[str] | None, bool]:
        name = self.take().upper()
        if self.take() != "}":
            raise self.fail(f"macro {{{name}}} is not closed")
        if name not in self.macros:
            raise self.fail(f"unknown macro {{{name}}}")
        if self.depth > 4:
            raise self.fail("macros nest too deeply")
        inner = _Parser(f"({self.macros[name]})", self.macros, self.where, self.depth + 1)
        regex, anchor, required = inner.item()
        if inner.peek() is not None:
            raise self.fail(f"macro {{{name}}} must be one phrase or one choice")
        self.words |= inner.words
        return regex, anchor, required


_OPENERS = {"(": _Parser.choice, "[": _Parser.optional, "{": _Parser.macro}


def _best(anchors: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective anchor set: fewest common words first, then fewest words."""
    if not anchors:
        return None
    return min(anchors, key=lambda words: (len(words & COMMON) > 0, len(words)))


def compile_pattern(text: str, macros: dict[str, str], where: str) -> Compiled:
    """Compile one pattern; RulesError names ``where`` (file, category and pattern) on a mistake."""
    if not isinstance(text, str) or not text.strip():
        raise RulesError(f"{where}: a pattern must be non-empty text.")
    parser = _Parser(text, macros, where)
    regex, anchors, _empty = parser.sequence("")
    try:
        # Whole words: no letter before or after, and no apostrophe joining a word on ("don" + "'t"),
        # while a quotation mark next to the words ('leave me alone') does not stop a match.
        compiled = re.compile(r"(?<!\w)(?<!\w')" + regex + r"(?!\w)(?!'\w)")
    except re.error as error:  # cannot happen for a parsed pattern; kept as a clear message
        raise RulesError(f"{where}: {error}.") from None
    own = frozenset(word for word in parser.words if is_negator(word))
    return Compiled(text, compiled, anchors, own)


_APOSTROPHES = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'}
)
_TEXT_WORDS = re.compile(WORD)


def normalise(text: str) -> str:
    """Lower case with plain quotes, the same length as ``text`` so offsets stay true."""
    mapped = text.translate(_APOSTROPHES)
    lowered = mapped.lower()
    if len(lowered) == len(mapped):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in mapped)


def words_of(normalised: str) -> set[str]:
    """The words in a normalised text, as anchors are written (also without outer apostrophes)."""
    found = set(_TEXT_WORDS.findall(normalised))
    if "'" not in normalised:
        return found
    return found | {w.strip("'") for w in found if w.startswith("'") or w.endswith("'")}
