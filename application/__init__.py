"""The application layer: use cases between the Telegram/scheduler adapters and the domain.

Commands in, outcomes out, in one unit of work each; permission checks in one place; domain
events turned into outgoing messages (the notifier); read models; document producers. It never
touches `telegram` objects: adapters (`handlers/`, `scheduler/`, `bot/`) call it.
"""
