"""Answering: whether the passages answer the question, and the composed reply."""
