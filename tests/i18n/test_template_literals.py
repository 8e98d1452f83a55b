"""Every user-visible word in a template goes through {% translate %} / {% blocktranslate %}
(issue 10). This test reads each template with Django's own lexer and fails on text between
tags, and on title/placeholder/aria-label/alt attributes, that holds a literal word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATE_DIRS = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
# Words that are the same in every language: the product's name, currency and file formats.
ALLOWED = {"Stagecoach", "CSV", "XLSX", "iCal", "API", "URL", "ISO", "HTML", "JSON", "—", "DM"}
WORD = re.compile(r"[^\W\d_]{2,}")
ATTR = re.compile(r'\b(?:title|placeholder|aria-label|alt|label)="([^"]*)"')
# Blocks that hold CSS classes, not text: {% block main_class %}page wide{% endblock %}.
CLASS_BLOCKS = re.compile(r"\{% block (?:main_class|nav_\w+) %\}[\w -]*\{% endblock %\}")
BLOCKS = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[#\w]+;")


def _templates() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*") if p.suffix in {".html", ".txt"})


def literal_words(source: str) -> list[str]:
    """Literal words in `source` outside template tags, translate blocks and markup."""
    found: list[str] = []
    in_translation = 0
    # Outside {% %} / {{ }} only; blocktranslate bodies are translated by definition.
    text_parts: list[str] = []
    source = CLASS_BLOCKS.sub("", source)
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in ("blocktranslate", "blocktrans"):
                in_translation += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                in_translation -= 1
            elif name == "comment":
                in_translation += 1
            elif name == "endcomment":
                in_translation -= 1
            text_parts.append("\0")
        elif token.token_type == TokenType.TEXT and not in_translation:
            text_parts.append(token.contents)
        else:
            text_parts.append("\0")
    text = "".join(text_parts)
    text = BLOCKS.sub(" ", text)
    for value in ATTR.findall(text):
        found += [w for w in WORD.findall(value.replace("\0", " ")) if w not in ALLOWED]
    body = ENTITY.sub(" ", TAG.sub(" ", text)).replace("\0", " ")
    found += [w for w in WORD.findall(body) if w not in ALLOWED]
    return found


def test_the_checker_finds_literals_and_accepts_translated_text():
    assert literal_words("<p>Hello {{ x }}</p>") == ["Hello"]
    assert literal_words('<input placeholder="Acme">') == ["Acme"]
    assert literal_words("{% block nav_board %}active{% endblock %}") == []
    assert literal_words('<a title="{% translate \'Open\' %}">{% translate "Go" %}</a>') == []
    assert literal_words("{% blocktranslate %}Hello {{ n }}{% endblocktranslate %}") == []
    assert literal_words("<script>const x = 'words';</script><!-- note -->") == []


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_template_has_no_untranslated_literal(path):
    words = literal_words(path.read_text(encoding="utf-8"))
    assert not words, f"{path}: wrap these in {{% translate %}}: {sorted(set(words))}"
