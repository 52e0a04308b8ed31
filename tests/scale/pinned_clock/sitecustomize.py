"""Started in each replica process the scale tests spawn (``PYTHONPATH`` puts this folder first): the replica's
clock starts at ``ASSISTANT_TEST_PINNED_NOW`` and ticks, the instant the test process was pinned to, so signatures,
message times and the app's "now" mean the same on any day and hour CI runs."""

import os

_pinned = os.environ.get("ASSISTANT_TEST_PINNED_NOW")
if _pinned:
    import time_machine

    time_machine.travel(_pinned, tick=True).start()
