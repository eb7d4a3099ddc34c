"""The local cloud: AWS and Alexa emulated on one machine, with simulated cameras and Alexa.

The modules at this level are the orchestration (`cloud`, `cells`, `demo`, `canary`, `browser`,
`__main__`) and two shared pieces (`tls`, `loopback`, which import nothing of the local cloud).
Each subject is a package: `kvs` (the KVS emulation), `aws` (the other emulated AWS pieces),
`alexa` (the emulated Alexa cloud and the simulated Alexa) and `cameras` (the simulated camera).
The local cloud may import `functions`; `functions` never imports the local cloud
(tests/test_layout.py keeps it so; docs/layout.md draws it).
"""
