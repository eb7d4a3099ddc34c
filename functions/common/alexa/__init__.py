"""The Alexa side: how a camera looks to Alexa, and how we talk to Alexa.

- `endpoints`, `properties`: a camera as an Alexa endpoint, and its property states.
- `smartvision`: the SmartVision and DataController interfaces' messages.
- `lwa`, `credentials`, `grants`, `grants_schema`: Login with Amazon, the skill's client
  credentials, and each owner's Alexa tokens with their table's shape.
- `outbound`, `outbound_detections`: the messages put on ALEXA_EVENTS_QUEUE_URL for the event gateway.
- `envelope`: the header, endpoint and scope every message we send to Alexa shares.

May import: the shared core of `functions.common`, `registry`, `detections`.
"""
