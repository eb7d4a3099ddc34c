"""The skill's and the lifecycle's fixtures, for the SmartVision tests that go through them."""

from tests.alexa_skill.conftest import cloud, issuer
from tests.lifecycle.conftest import lifecycle

__all__ = ["cloud", "issuer", "lifecycle"]
