"""The canary master's SDP answer: valid, and carrying no media.

Each offered media section is answered with port 0, which RFC 3264 (section 6) defines as
rejecting it: the answer is well formed for the skill and Alexa's parser, and no session starts.
"""

from __future__ import annotations

import secrets


def minimal_answer(offer: str) -> str:
    """An answer rejecting every media section of `offer`, in the offer's order and mids."""
    lines = ["v=0", f"o=- {secrets.randbelow(2**62)} 2 IN IP4 127.0.0.1", "s=canary", "t=0 0"]
    for section in offer.replace("\r\n", "\n").split("\nm=")[1:]:
        media_line, *attributes = section.split("\n")
        media, _port, proto, *formats = media_line.split()
        lines.append(f"m={media} 0 {proto} {formats[0] if formats else '0'}")
        lines.append("c=IN IP4 0.0.0.0")
        lines.extend(a for a in attributes if a.startswith("a=mid:"))
        lines.append("a=inactive")
    return "\r\n".join(lines) + "\r\n"
