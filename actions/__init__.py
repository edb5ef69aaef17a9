"""Custom actions and the retrieval engine behind the mastocytosis assistant."""
