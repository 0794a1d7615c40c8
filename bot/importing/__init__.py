"""Staff imports from CSV and Excel: every row validated, all errors listed, all-or-nothing."""
