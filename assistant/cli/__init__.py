"""Command-line adapter: parses arguments, calls core services, prints for people or (``--json``) machines."""
