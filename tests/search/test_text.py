"""Text processing for search: normalisation, segmentation, pinyin, queries, highlighting."""

from __future__ import annotations

import html
import re
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from jishi.search import text

SYNONYMS = text.synonym_map([["手机", "移动电话"], ["笔记本电脑", "laptop"]])


def test_normalise_folds_width_case_and_diacritics() -> None:
    assert text.normalize("ＨＵＡＷＥＩ　Ｍａｔｅ７０") == "huawei mate70"
    assert text.normalize("Café Crème") == "cafe creme"
    assert text.normalize("①号") == "1号"
    assert text.normalize("华为") == "华为"


def test_clean_query_keeps_only_words() -> None:
    assert text.clean_query("  华为Mate!  手机😀 ") == "华为mate 手机"
    assert text.clean_query("' \" * : ( ) OR NEAR - ; DROP TABLE") == "or near drop table"
    assert text.clean_query("😀🎉 !!! ") == ""
    assert text.clean_query("a_b") == "a b"


def test_index_words_use_search_mode() -> None:
    assert text.index_words("华为 Mate 70 手机") == ["华为", "mate", "70", "手机"]
    words = text.index_words("笔记本电脑")
    assert {"笔记本电脑", "笔记本", "电脑"} <= set(words)
    assert text.index_words("华为mate70手机") == ["华为", "mate", "70", "手机"]


def test_query_words_use_precise_mode_and_split_unknown_words() -> None:
    assert text.query_words("华为手机") == ["华为", "手机"]
    assert text.query_words("笔记本电脑") == ["笔记本电脑"]
    assert text.query_words("徕卡") == ["徕", "卡"]  # not in the dictionary: characters


def test_pinyin_and_initials() -> None:
    assert text.pinyin_of("手机") == ("shouji", "sj")
    assert text.pinyin_of("华为") == ("huawei", "hw")
    assert text.pinyin_of("mate") is None
    assert text.spell("华为 手机") == ("huaweishouji", "hwsj")


def test_index_text_holds_words_pinyin_initials_and_characters() -> None:
    indexed = text.index_text("华为 Mate 70 手机", ["鸿蒙旗舰", "华为", "黑"])
    assert indexed.title_tokens.split() == ["华为", "mate", "70", "手机"]
    assert {"鸿蒙", "旗舰", "华为", "黑"} <= set(indexed.body_tokens.split())
    assert {"huawei", "shouji", "hongmeng"} <= set(indexed.pinyin.split())
    assert {"hw", "sj"} <= set(indexed.initials.split())
    assert {"手", "机", "黑"} <= set(indexed.chars.split())


def test_repeated_words_count_once() -> None:
    assert text.index_text("手机手机手机 手机", []).title_tokens == "手机"


def test_parse_query_builds_clauses() -> None:
    parsed = text.parse_query("华为手机")
    assert [c.alternatives[0][0].text for c in parsed.clauses] == ["华为", "手机"]
    assert text.fts5_query(parsed) == '(("华为")) AND (("手机"))'
    assert text.tsquery(parsed) == "(('华为')) & (('手机'))"


def test_pinyin_words_are_prefixes_and_single_characters_use_the_character_column() -> None:
    assert text.fts5_query(text.parse_query("shou")) == '(("shou"*))'
    assert text.fts5_query(text.parse_query("茶")) == '((chars : "茶"))'
    assert text.tsquery(text.parse_query("茶")) == "(('茶':D))"
    assert text.fts5_query(text.parse_query("70")) == '(("70"))'


def test_long_words_also_match_their_parts() -> None:
    assert text.fts5_query(text.parse_query("移动电话")) == '(("移动电话") OR ("移动" AND "电话"))'


def test_title_clauses_are_the_query_words_without_lone_characters() -> None:
    clauses = text.title_clauses(text.parse_query("华为 手机 茶"))
    assert [text.fts5_query(c, column="title_tokens") for c in clauses] == [
        'title_tokens : ((("华为")))',
        'title_tokens : ((("手机")))',
    ]  # 茶 is matched among the characters, which mix the title with everything else
    assert text.title_clauses(text.parse_query("茶")) == []
    assert [text.tsquery(c) for c in text.title_clauses(text.parse_query("移动电话"))] == [
        "(('移动电话') | ('移动' & '电话'))"
    ]


def test_synonyms_expand_in_both_directions() -> None:
    assert text.fts5_query(text.parse_query("移动电话", SYNONYMS)) == (
        '(("移动电话") OR ("移动" AND "电话") OR ("手机"))'
    )
    assert text.fts5_query(text.parse_query("华为手机", SYNONYMS)) == (
        '(("华为")) AND (("手机") OR ("移动电话"))'
    )
    assert text.fts5_query(text.parse_query("laptop", SYNONYMS)) == ('(("laptop"*) OR ("笔记本电脑"))')


def test_ascii_synonyms_match_whole_words_only() -> None:
    assert text.fts5_query(text.parse_query("laptops", SYNONYMS)) == '(("laptops"*))'


def test_operator_characters_and_emoji_never_reach_the_engine_syntax() -> None:
    parsed = text.parse_query('华为" OR 1=1 -- NEAR(a b) *:😀')
    for term in parsed.terms():
        assert term.text.isalnum()
    assert text.parse_query("😀🎉").is_empty
    assert text.parse_query("").is_empty


def test_long_queries_are_bounded() -> None:
    parsed = text.parse_query(" ".join(f"w{i}" for i in range(100)))
    assert len(parsed.clauses) == text.MAX_QUERY_CLAUSES


def test_prefix_query_for_autocomplete() -> None:
    assert text.fts5_query(text.prefix_query("华")) == '(("华"*))'
    assert text.fts5_query(text.prefix_query("华为 sho")) == '(("华为")) AND (("sho"*))'


def test_highlight_marks_matches_and_escapes_the_rest() -> None:
    query = text.parse_query("华为手机")
    assert text.highlight("华为 Mate 70 手机 <b>&", query) == (
        "<em>华为</em> Mate 70 <em>手机</em> &lt;b&gt;&amp;"
    )


def test_highlight_maps_back_to_the_original_characters() -> None:
    assert text.highlight("Ｈｕａｗｅｉ 手机", text.parse_query("huawei")) == "<em>Ｈｕａｗｅｉ</em> 手机"
    assert text.highlight("华为 手机", text.parse_query("sj")) == "华为 <em>手机</em>"
    assert text.highlight("武夷山大红袍岩茶", text.parse_query("茶")) == "武夷山大红袍岩<em>茶</em>"
    assert text.highlight("<script>", text.parse_query("")) == "&lt;script&gt;"


def test_jieba_loads_once_across_threads() -> None:
    results: list[list[str]] = []

    def work() -> None:
        results.append(text.query_words("华为手机"))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [["华为", "手机"]] * 8


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_to_safe_terms(raw: str) -> None:
    parsed = text.parse_query(raw, SYNONYMS)
    for term in parsed.terms():
        assert term.text and all(c.isalnum() for c in term.text)
    text.fts5_query(parsed)
    text.tsquery(parsed)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60), st.text(max_size=20))
def test_highlight_is_the_escaped_title_plus_tags(title: str, query: str) -> None:
    marked = text.highlight(title, text.parse_query(query))
    assert re.sub("</?em>", "", marked) == html.escape(title)
