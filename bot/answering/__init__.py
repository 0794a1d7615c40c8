"""Turns a member's free text into an intent of shared/intents.md and its answer."""
