"""URL tables in moto's shape: the control plane on the kinesisvideo host, the data plane on a
channel's own HTTPS endpoint (``https://r-xxxxxxxx.kinesisvideo.{region}.amazonaws.com``)."""

from __future__ import annotations

from .responses import KinesisVideoSignalingChannelResponse, KinesisVideoSignalingResponse

url_bases = [
    r"https?://kinesisvideo\.(.+)\.amazonaws.com",
]

url_paths = {
    "{0}/createSignalingChannel$": KinesisVideoSignalingChannelResponse.dispatch,
    "{0}/describeSignalingChannel$": KinesisVideoSignalingChannelResponse.dispatch,
    "{0}/listSignalingChannels$": KinesisVideoSignalingChannelResponse.dispatch,
    "{0}/updateSignalingChannel$": KinesisVideoSignalingChannelResponse.dispatch,
    "{0}/deleteSignalingChannel$": KinesisVideoSignalingChannelResponse.dispatch,
    "{0}/TagResource$": KinesisVideoSignalingChannelResponse.dispatch,
    "{0}/UntagResource$": KinesisVideoSignalingChannelResponse.dispatch,
    "{0}/ListTagsForResource$": KinesisVideoSignalingChannelResponse.dispatch,
    "{0}/getSignalingChannelEndpoint$": KinesisVideoSignalingChannelResponse.dispatch,
}

# Per-channel hosts fall under kinesisvideoarchivedmedia's url_bases (any *.kinesisvideo host)
# under mock_aws, and under kinesisvideo's in server mode (the signing name); see install.py.
data_plane_url_paths = {
    "{0}/v1/send-alexa-offer-to-master$": KinesisVideoSignalingResponse.dispatch,
    "{0}/v1/get-ice-server-config$": KinesisVideoSignalingResponse.dispatch,
}
