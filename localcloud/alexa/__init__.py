"""Alexa on the local cloud: its cloud side, and a simulated Alexa device.

- `lwa`, `event_gateway`, `cloud`, `faults`: the emulated Login with Amazon token endpoint and
  event gateway, wired together, with their fault switches.
- `schema`: checks a message against the official Alexa Smart Home schema.
- `simulator`, `vision`: the simulated Alexa (Discovery, live view over WebRTC) and its
  SmartVision and DataController side.

May import: `functions`, `localcloud.tls`, `localcloud.loopback`, `localcloud.kvs`, `localcloud.aws`.
"""
