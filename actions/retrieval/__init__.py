"""Retrieval: hybrid dense + BM25 search and the re-ranking a planned question adds."""
