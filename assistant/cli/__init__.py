"""Command-line adapter: parses arguments, calls core services, prints for people or (``--json``) machines."""

from assistant.heap import roomy_young_generation

roomy_young_generation()  # this process is the CLI's (or serve's): fewer young collections (assistant.heap)
