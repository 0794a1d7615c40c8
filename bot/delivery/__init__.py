"""Delivering messages to members outside a conversation: broadcasts, notices, reminders."""
