"""Rasa assistant definition; `bot.components` holds the project's custom NLU component."""
