"""Data access for the detections table (functions.common.detections.schema has the layout)."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from typing import TYPE_CHECKING, Any, NamedTuple

from functions.common.detections.schema import EXPIRES_AT, PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# How long a reference is kept after it expired, so its URI answers 410 (Alexa then asks again)
# rather than 404.
EXPIRED_REF_KEPT_SECONDS = 24 * 3600


class Detection(NamedTuple):
    owner_id: str
    device_id: str
    event_id: str
    object_class: str
    time_key: str  # functions.common.registry.store.event_time_key of the detection time
    media_key: str
    cropped_media_key: str | None
    announced: bool

    @property
    def sort_key(self) -> str:
        return f"{self.time_key}#{self.event_id}"


class Snapshot(NamedTuple):
    media_key: str
    time_key: str


class MediaRef(NamedTuple):
    owner_id: str
    device_id: str
    media_key: str
    valid_until: int


class Page(NamedTuple):
    detections: list[Detection]
    next_token: str | None


def _owned(owner_id: str, device_id: str) -> str:
    return f"D#{owner_id}#{device_id}"


class DetectionsStore:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    # --- detections ---------------------------------------------------------------------

    def record(self, detection: Detection, expires_at: int) -> bool:
        """Claim the event and store its detection, both or neither; False if the camera's
        eventId was already recorded (a replay)."""
        claim = {
            PARTITION_KEY: {"S": f"E#{detection.device_id}"},
            SORT_KEY: {"S": detection.event_id},
            "ownerId": {"S": detection.owner_id},
            "detectionKey": {"S": detection.sort_key},
            EXPIRES_AT: {"N": str(expires_at)},
        }
        try:
            self._ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": claim,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Put": {"TableName": self.table_name, "Item": detection_item(detection, expires_at)}},
                ]
            )
        except self._ddb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def page(
        self,
        owner_id: str,
        device_id: str,
        *,
        limit: int,
        start: str | None = None,
        end: str | None = None,
        next_token: str | None = None,
    ) -> Page:
        """The owner's detections of the camera, newest first, between the time keys `start` and
        `end` (inclusive); reads only the page asked for. A token from another owner, camera or
        range is refused with ValueError."""
        values: dict[str, Any] = {":pk": {"S": _owned(owner_id, device_id)}}
        condition = "pk = :pk"
        if start is not None and end is not None:
            # The sort key is "{time key}#{eventId}": '$' sorts after '#', so the end is inclusive.
            condition += " AND sk BETWEEN :from AND :to"
            values |= {":from": {"S": start}, ":to": {"S": end + "$"}}
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if next_token is not None:
            kwargs["ExclusiveStartKey"] = _decode_token(next_token, owner_id, device_id, start, end)
        response = self._ddb.query(**kwargs)
        found = [_detection(owner_id, device_id, item) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        token = _encode_token(last, start, end) if last and len(found) == limit else None
        return Page(found, token)

    def by_ids(self, owner_id: str, device_id: str, event_ids: list[str]) -> list[Detection]:
        """The owner's detections of the camera with these eventIds (others' are not found)."""
        found: list[Detection] = []
        for event_id in dict.fromkeys(event_ids):
            claim = self._get(f"E#{device_id}", event_id)
            if claim is None or claim["ownerId"]["S"] != owner_id:
                continue
            item = self._get(_owned(owner_id, device_id), claim["detectionKey"]["S"])
            if item is not None:
                found.append(_detection(owner_id, device_id, item))
        return found

    def delete(self, detections: list[Detection]) -> None:
        """Delete the detections (their claims stay until they expire: a replay stays refused)."""
        for d in detections:
            self._ddb.delete_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": _owned(d.owner_id, d.device_id)}, SORT_KEY: {"S": d.sort_key}},
            )

    def latest_detection(self, owner_id: str, device_id: str) -> Detection | None:
        found = self.page(owner_id, device_id, limit=1).detections
        return found[0] if found else None

    # --- snapshots ----------------------------------------------------------------------

    def record_snapshot(self, device_id: str, snapshot: Snapshot, expires_at: int) -> bool:
        """Keep the camera's latest snapshot; an older one arriving late changes nothing."""
        try:
            self._ddb.put_item(
                TableName=self.table_name,
                Item={
                    PARTITION_KEY: {"S": f"S#{device_id}"},
                    SORT_KEY: {"S": "latest"},
                    "mediaKey": {"S": snapshot.media_key},
                    "timeKey": {"S": snapshot.time_key},
                    EXPIRES_AT: {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(pk) OR timeKey < :t",
                ExpressionAttributeValues={":t": {"S": snapshot.time_key}},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def latest_snapshot(self, device_id: str) -> Snapshot | None:
        item = self._get(f"S#{device_id}", "latest")
        return Snapshot(item["mediaKey"]["S"], item["timeKey"]["S"]) if item else None

    # --- the classes an owner turned off ------------------------------------------------

    def disabled_classes(self, owner_id: str, device_id: str) -> set[str]:
        item = self._get(f"P#{owner_id}#{device_id}", "classes")
        return set(item["disabled"]["SS"]) if item and "disabled" in item else set()

    def set_disabled_classes(self, owner_id: str, device_id: str, disabled: set[str]) -> None:
        item: dict[str, Any] = {PARTITION_KEY: {"S": f"P#{owner_id}#{device_id}"}, SORT_KEY: {"S": "classes"}}
        if disabled:
            item["disabled"] = {"SS": sorted(disabled)}
        self._ddb.put_item(TableName=self.table_name, Item=item)

    # --- image references ---------------------------------------------------------------

    def new_ref(self, owner_id: str, device_id: str, media_key: str, valid_until: int) -> str:
        """An unguessable (128-bit) reference to the image, for its owner only, until `valid_until`."""
        ref = secrets.token_urlsafe(16)
        self._ddb.put_item(
            TableName=self.table_name,
            Item={
                PARTITION_KEY: {"S": f"R#{ref}"},
                SORT_KEY: {"S": "ref"},
                "ownerId": {"S": owner_id},
                "deviceId": {"S": device_id},
                "mediaKey": {"S": media_key},
                "validUntil": {"N": str(valid_until)},
                EXPIRES_AT: {"N": str(valid_until + EXPIRED_REF_KEPT_SECONDS)},
            },
        )
        return ref

    def ref(self, ref: str) -> MediaRef | None:
        item = self._get(f"R#{ref}", "ref")
        if item is None:
            return None
        return MediaRef(
            item["ownerId"]["S"], item["deviceId"]["S"], item["mediaKey"]["S"], int(item["validUntil"]["N"])
        )

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._ddb.get_item(
            TableName=self.table_name,
            Key={PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": sk}},
            ConsistentRead=True,
        )
        return response.get("Item")


def detection_item(d: Detection, expires_at: int) -> dict[str, Any]:
    """A detection's item as the table holds it (the benchmark seeds its history with it)."""
    item: dict[str, Any] = {
        PARTITION_KEY: {"S": _owned(d.owner_id, d.device_id)},
        SORT_KEY: {"S": d.sort_key},
        "eventId": {"S": d.event_id},
        "objectClass": {"S": d.object_class},
        "timeKey": {"S": d.time_key},
        "mediaKey": {"S": d.media_key},
        "announced": {"BOOL": d.announced},
        EXPIRES_AT: {"N": str(expires_at)},
    }
    if d.cropped_media_key:
        item["croppedMediaKey"] = {"S": d.cropped_media_key}
    return item


def _detection(owner_id: str, device_id: str, item: dict[str, Any]) -> Detection:
    return Detection(
        owner_id=owner_id,
        device_id=device_id,
        event_id=item["eventId"]["S"],
        object_class=item["objectClass"]["S"],
        time_key=item["timeKey"]["S"],
        media_key=item["mediaKey"]["S"],
        cropped_media_key=item.get("croppedMediaKey", {}).get("S"),
        announced=item["announced"]["BOOL"],
    )


def _encode_token(last: dict[str, Any], start: str | None, end: str | None) -> str:
    state = {"pk": last[PARTITION_KEY]["S"], "sk": last[SORT_KEY]["S"], "range": [start, end]}
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _decode_token(
    token: str, owner_id: str, device_id: str, start: str | None, end: str | None
) -> dict[str, Any]:
    """The query's start key; only a token this owner's same query handed out is accepted."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
        pk, sk, bounds = state["pk"], state["sk"], state["range"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError("not a token of ours") from None
    if pk != _owned(owner_id, device_id) or bounds != [start, end] or not isinstance(sk, str):
        raise ValueError("the token belongs to another query")
    return {PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": sk}}
