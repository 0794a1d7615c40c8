"""Members' personal data: keys, retention, export, erasure and the staff access log."""
