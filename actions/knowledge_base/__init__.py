"""The knowledge and its index: Markdown files, chunks, sentence embeddings."""
