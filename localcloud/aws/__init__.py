"""The emulated AWS pieces around moto, other than KVS signaling (see `localcloud.kvs`).

- `moto_server`, `dynamodb_atomicity`, `sqs_speed`: moto, served over TLS and made faithful or fast.
- `bootstrap`: the system's stateful resources in an emulated account.
- `invoke`, `lambda_context`, `device_events`: Lambda invocation, its context, EventBridge delivery.
- `device_auth`, `identity`, `client`: camera credentials (IoT, API Gateway), a local identity
  provider, and the HTTP client cameras and the simulated Alexa use.
- `signaling_server`, `master_access`: the KVS WSS signaling endpoint and its checks.

May import: `functions`, `localcloud.tls`, `localcloud.loopback`, `localcloud.kvs`.
"""
