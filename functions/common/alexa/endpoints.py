"""A camera as an Alexa endpoint: one builder for Discover.Response and AddOrUpdateReport, so the
skill's answer and the proactive report can never describe the same camera differently."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from functions.common.alexa.envelope import RTC, EndpointId
from functions.common.registry.store import Device

MAX_TEXT = 128
MAX_ATTRIBUTE = 256
CAPABILITY_VERSION: Literal["3"] = "3"
DOORBELL_EVENT_SOURCE = "Alexa.DoorbellEventSource"

Attribute = Annotated[str, Field(min_length=1, max_length=MAX_ATTRIBUTE)]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class CapabilityProperty(_Model):
    name: str


class CapabilityProperties(_Model):
    supported: list[CapabilityProperty]
    proactively_reported: bool
    retrievable: bool


class RtcConfiguration(_Model):
    is_full_duplex_audio_supported: bool


class Capability(_Model):
    type: Literal["AlexaInterface"] = "AlexaInterface"
    interface: str
    # DataController's: an endpoint may hold several of one interface.
    instance: str | None = None
    # "3" for the Smart Home interfaces; the SmartVision ones and DataController have their own.
    version: str = CAPABILITY_VERSION
    properties: CapabilityProperties | None = None
    # The SmartVision configurations are shaped (and schema-checked) by functions.common.alexa.smartvision.
    configuration: RtcConfiguration | dict[str, Any] | None = None
    # An event source's own flag (it has no properties): DoorbellEventSource.
    proactively_reported: bool | None = None


class AdditionalAttributes(_Model):
    """What Works with Alexa certification asks for; absent values are left out, not empty."""

    manufacturer: Attribute | None = None
    model: Attribute | None = None
    serial_number: Attribute | None = None
    firmware_version: Attribute | None = None
    software_version: Attribute | None = None


class DiscoveredEndpoint(_Model):
    endpoint_id: EndpointId
    manufacturer_name: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    friendly_name: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    description: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    # A video doorbell is CAMERA first, then DOORBELL: Alexa then opens its live view on a press.
    display_categories: list[Literal["CAMERA", "DOORBELL"]] = ["CAMERA"]
    additional_attributes: AdditionalAttributes | None = None
    cookie: dict[str, str] = Field(default_factory=dict)
    capabilities: list[Capability]


def _text(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def discovered_endpoint(device: Device) -> DiscoveredEndpoint:
    manufacturer = device.manufacturer_name or "Unknown manufacturer"
    attributes = AdditionalAttributes(
        manufacturer=_text(device.manufacturer_name, MAX_ATTRIBUTE),
        model=_text(device.model, MAX_ATTRIBUTE),
        serial_number=_text(device.serial_number, MAX_ATTRIBUTE),
        firmware_version=_text(device.firmware_version, MAX_ATTRIBUTE),
        software_version=_text(device.software_version, MAX_ATTRIBUTE),
    )
    capabilities = [
        Capability(interface="Alexa"),
        Capability(
            interface=RTC,
            configuration=RtcConfiguration(is_full_duplex_audio_supported=device.full_duplex_audio),
        ),
        Capability(
            interface="Alexa.EndpointHealth",
            properties=CapabilityProperties(
                supported=[CapabilityProperty(name="connectivity")],
                # Every change is sent as a ChangeReport (device presence, through the events function).
                proactively_reported=True,
                retrievable=True,
            ),
        ),
    ]
    if device.doorbell:
        capabilities.append(Capability(interface=DOORBELL_EVENT_SOURCE, proactively_reported=True))
    capabilities.extend(Capability.model_validate(c) for c in _smartvision_capabilities(device))
    return DiscoveredEndpoint(
        endpoint_id=device.device_id,
        manufacturer_name=manufacturer[:MAX_TEXT],
        friendly_name=(device.friendly_name or device.device_id)[:MAX_TEXT],
        description=(device.description or f"{manufacturer} camera")[:MAX_TEXT],
        display_categories=["CAMERA", "DOORBELL"] if device.doorbell else ["CAMERA"],
        additional_attributes=attributes if attributes.model_dump(exclude_none=True) else None,
        capabilities=capabilities,
    )


def _smartvision_capabilities(device: Device) -> list[dict[str, Any]]:
    """Detections (with their history) only for a camera that detects something; snapshots only
    for one that takes them."""
    # Imported here: the SmartVision modules take their endpointId rule from this one.
    from functions.common.alexa.smartvision import data_controller, object_detection, snapshot_provider  # noqa: PLC0415

    found: list[dict[str, Any]] = []
    if device.object_detection_classes:
        found += [object_detection.capability(device.object_detection_classes), data_controller.CAPABILITY]
    if device.snapshots:
        found.append(snapshot_provider.CAPABILITY)
    return found
