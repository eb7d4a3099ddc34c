"""What the functions share, grouped by subject; the folder listing is the architecture.

The modules at this level are the shared core (settings, deadline, AWS clients, observability,
HTTP, log values, table and queue shapes, the deviceId rule): they import only each other.
Each subject is a package (`kvs`, `cells`, `registry`, `detections`, `alexa`, `bus`) that imports the
shared core and the subjects below it (see docs/layout.md). Nothing here imports a function
(`functions.<name>`) or the local cloud; tests/test_layout.py keeps it so.
"""
