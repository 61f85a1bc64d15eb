"""Telegram's HTML subset: a strict checker and the visible text of a message.

Pure stdlib (`html.parser`). Used by the tests, and by the fake Bot API server
to refuse bad HTML the way Telegram does ("can't parse entities").
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text after entity parsing

# tag -> allowed attributes, each with a check of its value
_URL_SCHEMES = ("http://", "https://", "tg://", "mailto:")
_ALLOWED: dict[str, dict[str, object]] = {
    "b": {},
    "strong": {},
    "i": {},
    "em": {},
    "u": {},
    "ins": {},
    "s": {},
    "strike": {},
    "del": {},
    "tg-spoiler": {},
    "span": {"class": lambda v: v == "tg-spoiler"},
    "a": {"href": lambda v: bool(v) and v.lower().startswith(_URL_SCHEMES)},
    "code": {"class": lambda v: bool(v) and v.startswith("language-")},
    "pre": {},
    "blockquote": {"expandable": lambda v: v is None or v == ""},
}
_REQUIRED = {"a": "href", "span": "class"}
_NAMED_ENTITIES = {"lt", "gt", "amp", "quot"}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


class _Checker(HTMLParser):
    """Collects problems while parsing; see `problems`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED:
            self.problems.append(f"unsupported start tag {tag!r}")
            return
        allowed = _ALLOWED[tag]
        names = {name for name, _ in attrs}
        for name, value in attrs:
            check = allowed.get(name)
            if check is None or not check(value):  # type: ignore[operator]
                self.problems.append(f"bad attribute {name}={value!r} on <{tag}>")
        if tag in _REQUIRED and _REQUIRED[tag] not in names:
            self.problems.append(f"<{tag}> without {_REQUIRED[tag]}")
        if tag == "blockquote" and "blockquote" in self.stack:
            self.problems.append("nested <blockquote>")
        if tag == "code" and "class" in names and self.stack[-1:] != ["pre"]:
            self.problems.append("<code class> outside <pre>")
        inner = [t for t in self.stack if t in ("pre", "code")]
        if inner and not (tag == "code" and self.stack[-1:] == ["pre"]):
            self.problems.append(f"<{tag}> inside <{inner[-1]}>")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing tag <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected end tag </{tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                self.problems.append(f"unescaped {char!r} in text")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _NAMED_ENTITIES:
            self.problems.append(f"unsupported entity &{name};")
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declaration")


def _parse(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.rawdata:  # the parser kept an unfinished construct, e.g. "<b"
        checker.problems.append("unfinished markup at end")
    for tag in checker.stack:
        checker.problems.append(f"unclosed <{tag}>")
    return checker


def problems(text: str) -> list[str]:
    """Why Telegram would refuse `text` in HTML parse mode; [] when it is fine."""
    return _parse(text).problems


def visible_text(text: str) -> str:
    """What a reader sees: the text without tags, entities decoded."""
    return "".join(_parse(text).text)


def check_message(text: str) -> list[str]:
    """`problems` plus Telegram's emptiness and length rules for one message."""
    found = problems(text)
    shown = visible_text(text)
    if not shown.strip():
        found.append("message text is empty")
    if utf16_len(shown) > MESSAGE_LIMIT:
        found.append("message is too long")
    return found
