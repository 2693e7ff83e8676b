"""Kinerja Bot: the composition root (settings, application, dispatcher, CLI, emulator).

python-telegram-bot 22 warns unless time periods are `timedelta`s; opt in to that behaviour
before `telegram` is imported anywhere in the process.
"""

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")
