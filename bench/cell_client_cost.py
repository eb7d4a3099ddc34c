"""One process for a callgrind count: INIT's DynamoDB client, then a signaling client for no cell,
the local cell, or a remote cell (STS answered by a stand-in: its call is not what is compared).

    valgrind --tool=callgrind .venv/bin/python -m bench.cell_client_cost {none,local,remote}
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.common import aws_clients
from functions.common.cell_credentials import shared_credentials
from functions.common.cells import Cell
from functions.common.kvs import clients
from functions.common.kvs.clients import ClientLimits


class Sts:
    def assume_role(self, **_: Any) -> dict[str, Any]:
        return {
            "Credentials": {
                "AccessKeyId": "AKIA",
                "SecretAccessKey": "s",
                "SessionToken": "t",
                "Expiration": datetime.now(UTC) + timedelta(hours=1),
            }
        }


def main(which: str) -> None:
    aws_clients.client("dynamodb")  # INIT's client
    if which == "none":
        return
    role = {"roleArn": "arn:aws:iam::222222222222:role/cell"} if which == "remote" else {}
    cell = Cell.model_validate(
        {"id": "b", "region": "us-east-1", "account": "222222222222", "capacity": 5, **role}
    )
    clients.data_plane("https://r-1.kinesisvideo.us-east-1.amazonaws.com", ClientLimits(), cell=cell)


if __name__ == "__main__":
    shared_credentials()._sts = Sts()  # a stand-in STS in the process's one cache
    main(sys.argv[1])
