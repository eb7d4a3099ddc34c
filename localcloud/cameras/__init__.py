"""The simulated camera.

- `camera`: registers, fetches its configuration, connects as MASTER, answers offers.
- `media`: its test signal (a moving pattern with a clock, and a tone) and its stills.

May import: `functions`, `localcloud.tls`, `localcloud.loopback`, `localcloud.kvs`, `localcloud.aws`.
"""
