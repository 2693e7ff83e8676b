"""The read-only web dashboard (issue 14): its aiohttp routes, session cookie and security
headers (`web`), and a listener of its own for polling mode and the demo (`server`). The
read models and the access rules are in `application/dashboard/`."""
