"""`python -m bot` is `kinerja-bot`."""

from bot.cli import main

raise SystemExit(main())
