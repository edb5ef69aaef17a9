"""Understanding a message: words, follow-ups, scope and what it asks (the plan)."""
