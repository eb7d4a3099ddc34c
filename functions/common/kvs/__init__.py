"""The one adapter for Kinesis Video Streams signaling channels.

- `clients`: the KVS clients (control plane, and data plane per channel endpoint), all made in one
  place through `functions.common.aws_clients`.
- `errors`: neutral errors, mapped from botocore codes once; each function maps them to its own.
- `control_plane`: channel and tag operations, each call passed through a caller-chosen wrapper
  (retries, rate limits).
- `endpoints`: GetSignalingChannelEndpoint, cached per channel and role.
- `data_plane`: SendAlexaOfferToMaster and GetIceServerConfig on a channel's HTTPS endpoint.
- `retry`: the one retry policy (full-jitter backoff within a deadline) and its transient errors.
- `master_url`, `master_messages`: a master's WSS URL, and the messages KVS sends it there.

Submodules are imported where used: nothing here loads more than a caller needs.

May import: the shared core of `functions.common`, `cells`.
"""
