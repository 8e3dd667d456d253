"""Text processing for product search: pure functions, no database.

Both sides of a search go through the same steps, so what a query asks for is
spelled exactly as what the index holds:

1. ``normalize``: NFKC (full-width → half-width, compatibility forms folded),
   Latin diacritics removed (``é`` → ``e``), lower case.
2. Tokens are runs of letters and digits of any script; everything else
   (punctuation, emoji, SQL or full-text operator characters) separates them.
   Han runs are segmented with jieba (search mode for the index, precise mode
   for queries, HMM off on both so unknown words fall apart the same way);
   ASCII runs are split between letters and digits (``mate70`` → ``mate 70``).
3. Han words also get their full pinyin and initials (手机 → ``shouji``, ``sj``)
   and every Han character is kept on its own, so a one-character query (茶)
   still finds 岩茶.

jieba loads its bundled dictionary once per process, lazily and thread-safely;
its cache file goes to a temporary directory, never into the repository.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_QUERY_LENGTH = 100  # characters of a raw query; longer ones are refused (422)
MAX_QUERY_CLAUSES = 12  # words of a query that are searched; the rest are ignored
MAX_SYNONYM_ALTERNATIVES = 10
MAX_BODY_CHARS = 4000

_HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RUN = re.compile(f"[{_HAN_RANGES}]+")
_IS_HAN = re.compile(f"[{_HAN_RANGES}]")
_ALNUM_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script
# Inside one run: Han characters | ASCII letters | ASCII digits | anything else (kana, Hangul, Cyrillic ...)
_CHUNK = re.compile(f"([{_HAN_RANGES}]+)|([a-z]+)|([0-9]+)|([^{_HAN_RANGES}a-z0-9]+)")
_ASCII_LETTERS = re.compile(r"[a-z]+")

# ---- jieba, loaded once per process ---------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba: Any = None


def _tokenizer() -> Any:
    """The process's jieba tokenizer, built on first use (about half a second)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                cache_dir = os.path.join(tempfile.gettempdir(), "jishi-jieba")
                os.makedirs(cache_dir, exist_ok=True)
                tokenizer.tmp_dir = cache_dir
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


async def ready() -> None:
    """Load jieba and the pinyin tables in a worker thread, so the first search does not stall
    the event loop (highlighting spells title words in pinyin)."""
    if _jieba is None:
        await asyncio.to_thread(_load_tables)


def _load_tables() -> None:
    _tokenizer()
    pinyin_of("拼音")  # pypinyin reads its phrase tables on first use


# ---- normalisation ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """NFKC, then Latin letters lose their diacritics; other scripts are left alone."""
    folded = unicodedata.normalize("NFKC", char)
    out = []
    for c in folded:
        if c.isascii():
            out.append(c)
            continue
        base = unicodedata.normalize("NFKD", c)
        if base[:1].isascii() and base[:1].isalpha() and all(unicodedata.combining(m) for m in base[1:]):
            out.append(base[0])
        else:
            out.append(c)
    return "".join(out).lower()


def normalize(text: str) -> str:
    """NFKC, full-width → half-width, Latin diacritics folded, lower case."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(c) for c in text)


def clean_query(text: str) -> str:
    """The normalised query as words separated by single spaces: ``"  华为Mate!  手机😀 "`` →
    ``"华为mate 手机"``. Operator characters, punctuation and emoji become separators."""
    return " ".join(_ALNUM_RUN.findall(normalize(text)))


def _chunks(run: str) -> Iterator[tuple[str, str]]:
    for match in _CHUNK.finditer(run):
        han, letters, digits, other = match.groups()
        if han:
            yield "han", han
        elif letters:
            yield "letters", letters
        elif digits:
            yield "digits", digits
        elif other:
            yield "other", other


def _words(normalized: str, *, search_mode: bool) -> Iterator[str]:
    jieba = _tokenizer()
    for run in _ALNUM_RUN.findall(normalized):
        for kind, chunk in _chunks(run):
            if kind != "han":
                yield chunk
            elif search_mode:
                yield from jieba.cut_for_search(chunk, HMM=False)
            else:
                yield from jieba.cut(chunk, HMM=False)


def index_words(text: str) -> list[str]:
    """Words of a text for the index (jieba search mode: 笔记本电脑 → 笔记 电脑 笔记本 笔记本电脑)."""
    return [w for w in _words(normalize(text), search_mode=True) if w.strip()]


def query_words(text: str) -> list[str]:
    """Words of a query (jieba precise mode: 华为手机 → 华为 手机)."""
    return [w for w in _words(normalize(text), search_mode=False) if w.strip()]


def is_han(word: str) -> bool:
    return bool(_IS_HAN.search(word))


@lru_cache(maxsize=65536)
def pinyin_of(word: str) -> tuple[str, str] | None:
    """Full pinyin and initials of a Han word: 手机 → ("shouji", "sj"); None when not Han."""
    if not _HAN_RUN.fullmatch(word):
        return None
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(word))
    initials = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))
    if not (full.isascii() and full.isalnum() and initials.isascii() and initials.isalnum()):
        return None
    return full, initials


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass(frozen=True)
class IndexText:
    """What the full-text index stores for one product, each field space-separated tokens."""

    title_tokens: str
    body_tokens: str
    pinyin: str
    initials: str
    chars: str


def index_text(title: str, body: Iterable[str]) -> IndexText:
    """Tokens of a title and of the other searchable texts (subtitle, brand, categories, specs).

    Repeated words count once, so stuffing a title with a keyword does not lift it.
    """
    body_text = " ".join(body)[:MAX_BODY_CHARS]
    title_words = _dedupe(index_words(title))
    body_words = _dedupe(index_words(body_text))
    pinyin: list[str] = []
    initials: list[str] = []
    for word in (*title_words, *body_words):
        if len(word) < 2:
            continue  # one syllable or one letter would match far too much
        spelled = pinyin_of(word)
        if spelled is not None:
            pinyin.append(spelled[0])
            initials.append(spelled[1])
    chars = _dedupe(c for c in normalize(f"{title} {body_text}") if _HAN_RUN.fullmatch(c))
    return IndexText(
        title_tokens=" ".join(title_words),
        body_tokens=" ".join(body_words),
        pinyin=" ".join(_dedupe(pinyin)),
        initials=" ".join(_dedupe(initials)),
        chars=" ".join(chars),
    )


def spell(query: str) -> tuple[str, str]:
    """Pinyin and initials of a query, run together: 华为 手机 → ("huaweishouji", "hwsj");
    other words stand as they are (华为mate → "huaweimate", "hwmate")."""
    full: list[str] = []
    initials: list[str] = []
    for word in query_words(query):
        spelled = pinyin_of(word)
        full.append(spelled[0] if spelled else word)
        initials.append(spelled[1] if spelled else word)
    return "".join(full), "".join(initials)


# ---- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One token to look for. ``prefix``: also longer tokens that start with it (ASCII letters,
    so ``shou`` finds ``shouji``). ``chars_only``: a single Han character, looked for among
    the characters of the document rather than its words."""

    text: str
    prefix: bool = False
    chars_only: bool = False


Alternative = tuple[Term, ...]  # every term must match


@dataclass(frozen=True)
class Clause:
    """One word of the query: any one of its alternatives must match."""

    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class ParsedQuery:
    """A query ready for an engine: every clause must match (AND of ORs of ANDs)."""

    text: str  # the cleaned query, as logged and as the cache key sees it
    clauses: tuple[Clause, ...]

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def terms(self) -> Iterator[Term]:
        for clause in self.clauses:
            for alternative in clause.alternatives:
                yield from alternative


SynonymMap = Mapping[str, frozenset[str]]


def synonym_map(groups: Iterable[Iterable[str]]) -> dict[str, frozenset[str]]:
    """From groups of equivalent terms to "term → every term it is equivalent to"."""
    out: dict[str, set[str]] = {}
    for group in groups:
        terms = {clean_query(t) for t in group} - {""}
        if len(terms) < 2:
            continue
        for term in terms:
            out.setdefault(term, set()).update(terms)
    return {k: frozenset(v) for k, v in out.items()}


def _primary_term(word: str, *, prefix_ok: bool) -> Term:
    if is_han(word):
        return Term(word, chars_only=len(word) == 1)
    if prefix_ok and len(word) >= 2 and _ASCII_LETTERS.fullmatch(word):
        return Term(word, prefix=True)
    return Term(word)


def _word_alternatives(word: str) -> list[Alternative]:
    """A word, or the smaller words jieba's search mode finds inside it (the title may have
    been cut differently): 移动电话 → 移动电话 | (移动 & 电话)."""
    alternatives: list[Alternative] = [(_primary_term(word, prefix_ok=True),)]
    if is_han(word) and len(word) > 2:
        jieba = _tokenizer()
        parts = _dedupe(p for p in jieba.cut_for_search(word, HMM=False) if p != word and len(p) >= 2)
        if parts:
            alternatives.append(tuple(Term(p) for p in parts))
    return alternatives


def _phrase_alternative(phrase: str) -> Alternative:
    return tuple(_primary_term(w, prefix_ok=False) for w in query_words(phrase))


def _segments(cleaned: str, synonyms: SynonymMap) -> Iterator[tuple[str, frozenset[str] | None]]:
    """Split the cleaned query into plain stretches and synonym matches (longest match wins;
    an ASCII synonym must stand as a whole word)."""
    if not synonyms:
        yield cleaned, None
        return
    lengths = sorted({len(k) for k in synonyms}, reverse=True)
    plain_start = i = 0
    n = len(cleaned)
    while i < n:
        found = None
        for length in lengths:
            candidate = cleaned[i : i + length]
            if len(candidate) == length and candidate in synonyms and _bounded(cleaned, i, i + length):
                found = candidate
                break
        if found is None:
            i += 1
            continue
        if plain_start < i:
            yield cleaned[plain_start:i], None
        yield found, synonyms[found]
        i += len(found)
        plain_start = i
    if plain_start < n:
        yield cleaned[plain_start:], None


def _bounded(text: str, start: int, end: int) -> bool:
    def ascii_alnum(c: str) -> bool:
        return c.isascii() and c.isalnum()

    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if ascii_alnum(text[start]) and ascii_alnum(before):
        return False
    return not (ascii_alnum(text[end - 1]) and ascii_alnum(after))


def parse_query(raw: str, synonyms: SynonymMap | None = None) -> ParsedQuery:
    """Turn what a buyer typed into clauses. Anything that is not a letter or a digit
    separates words, so operator characters and emoji can never reach the engine's syntax."""
    cleaned = clean_query(raw)
    clauses: list[Clause] = []
    for segment, equivalents in _segments(cleaned, synonyms or {}):
        if equivalents is None:
            for word in query_words(segment):
                clauses.append(Clause(tuple(_word_alternatives(word))))
            continue
        alternatives: list[Alternative] = []
        own = query_words(segment)
        if len(own) == 1:
            alternatives.extend(_word_alternatives(own[0]))
        for term in sorted(equivalents, key=lambda t: (t != segment, t)):
            if term == segment and len(own) == 1:
                continue  # already there, with its parts and as a prefix
            alternative = _phrase_alternative(term)
            if alternative and alternative not in alternatives:
                alternatives.append(alternative)
        if alternatives:
            clauses.append(Clause(tuple(alternatives[:MAX_SYNONYM_ALTERNATIVES])))
    return ParsedQuery(text=cleaned, clauses=tuple(clauses[:MAX_QUERY_CLAUSES]))


def prefix_query(raw: str) -> ParsedQuery:
    """A query for autocomplete: the last word is a prefix whatever its script (华 → 华为)."""
    cleaned = clean_query(raw)
    words = query_words(cleaned)[:MAX_QUERY_CLAUSES]
    clauses = [Clause(((_primary_term(w, prefix_ok=False),),)) for w in words[:-1]]
    if words:
        clauses.append(Clause(((Term(words[-1], prefix=True),),)))
    return ParsedQuery(text=cleaned, clauses=tuple(clauses))


def title_clauses(query: ParsedQuery) -> list[ParsedQuery]:
    """Each clause of the query as whole words a title may hold, for ranking: alternatives made
    of single characters are left out (a character inside a longer word is no word match), and
    so are clauses left with no alternative."""
    out = []
    for clause in query.clauses:
        words = tuple(alt for alt in clause.alternatives if not any(t.chars_only for t in alt))
        if words:
            out.append(ParsedQuery(text=query.text, clauses=(Clause(words),)))
    return out


def fts5_query(query: ParsedQuery, *, column: str = "") -> str:
    """The query in SQLite FTS5 syntax, over every column or only ``column``. Tokens hold only
    letters and digits, and are quoted."""

    def term(t: Term) -> str:
        quoted = '"' + t.text.replace('"', '""') + '"'
        if t.chars_only:
            return f"chars : {quoted}"
        return quoted + ("*" if t.prefix else "")

    expression = " AND ".join(
        "(" + " OR ".join("(" + " AND ".join(term(t) for t in alt) + ")" for alt in c.alternatives) + ")"
        for c in query.clauses
    )
    return f"{column} : ({expression})" if column else expression


def tsquery(query: ParsedQuery) -> str:
    """The query in PostgreSQL ``tsquery`` syntax (lexemes quoted, no parser involved).
    Single Han characters live in weight D, as the ``chars`` column does on SQLite."""

    def term(t: Term) -> str:
        quoted = "'" + t.text.replace("'", "''") + "'"
        if t.chars_only:
            return quoted + ":D"
        return quoted + (":*" if t.prefix else "")

    return " & ".join(
        "(" + " | ".join("(" + " & ".join(term(t) for t in alt) + ")" for alt in c.alternatives) + ")"
        for c in query.clauses
    )


# ---- highlighting ---------------------------------------------------------------------------


def _normalized_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index of the original one."""
    out: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        out.append(folded)
        offsets.extend([index] * len(folded))
    return "".join(out), offsets


def highlight(title: str, query: ParsedQuery) -> str:
    """The title, HTML-escaped, with ``<em>…</em>`` around what the query matched:
    its words, words it matches by prefix, pinyin or initials, and single characters."""
    if query.is_empty:
        return html.escape(title)
    exact: set[str] = set()
    prefixes: set[str] = set()
    for term in query.terms():
        (prefixes if term.prefix else exact).add(term.text)
    normalized, offsets = _normalized_with_offsets(title)
    marked: set[str] = set()
    for word in _dedupe(index_words(normalized)):
        spelled = pinyin_of(word) if len(word) >= 2 else None
        forms = (word, *spelled) if spelled else (word,)
        if any(f in exact for f in forms) or any(f.startswith(p) for f in forms for p in prefixes):
            marked.add(word)
    marked.update(t for t in exact if len(t) == 1 and is_han(t))
    spans: list[tuple[int, int]] = []
    for word in marked:
        start = normalized.find(word)
        while start != -1:
            spans.append((start, start + len(word)))
            start = normalized.find(word, start + len(word))
    if not spans:
        return html.escape(title)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        original_start, original_end = offsets[start], offsets[end - 1] + 1
        if original_start < position:
            continue
        out.append(html.escape(title[position:original_start]))
        out.append("<em>" + html.escape(title[original_start:original_end]) + "</em>")
        position = original_end
    out.append(html.escape(title[position:]))
    return "".join(out)
