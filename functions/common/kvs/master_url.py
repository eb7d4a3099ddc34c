"""The WSS URL a master connects to its signaling channel with: SigV4 query-signed for
`kinesisvideo`, as the KVS WebRTC SDKs sign it. Kept in the adapter so KVS's service name and
parameters are named in one place."""

from __future__ import annotations

from urllib.parse import urlencode

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def master_connect_url(
    wss_endpoint: str, channel_arn: str, credentials: Credentials, region: str, expires_s: int
) -> str:
    request = AWSRequest(method="GET", url=f"{wss_endpoint}?{urlencode({'X-Amz-ChannelARN': channel_arn})}")
    SigV4QueryAuth(credentials, "kinesisvideo", region, expires_s).add_auth(request)
    return str(request.url)
