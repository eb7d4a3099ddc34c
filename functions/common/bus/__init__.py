"""The device event bus: what every consumer of the registry's EventBridge events shares.

- `device_events`: the event time, the order key, and the check of who sent an event.

May import: the shared core of `functions.common`, `registry`, `alexa`.
"""
