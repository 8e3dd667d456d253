"""Search (搜索): product search over jieba-segmented text with pinyin, facets, autocomplete,
hot searches and synonyms; SQLite FTS5 embedded, PostgreSQL full text at scale."""
