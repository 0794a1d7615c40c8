"""Support code for the tests: fakes of the platforms, dialogue drivers, builders."""
