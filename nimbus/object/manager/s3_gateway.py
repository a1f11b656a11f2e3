"""What the S3 API adds to object storage: who signed a request, multipart uploads, and the
region it answers for."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.clients.ec2 import Ec2Client
from nimbus.core.platform import Platform
from nimbus.object.manager.containers import ContainerManager
from nimbus.object.manager.objects import ObjectManager
from nimbus.object.manager.s3_auth import S3Authenticator
from nimbus.object.manager.s3_multipart import Multipart


@dataclass
class S3Gateway:
    auth: S3Authenticator
    multipart: Multipart
    # What GetBucketLocation answers: the cloud's region.
    region: str


def build_gateway(platform: Platform, containers: ContainerManager,
                  objects: ObjectManager) -> S3Gateway:
    """Signatures go to identity as the object service's own user (``swift``)."""
    return S3Gateway(auth=S3Authenticator(Ec2Client(platform, "swift")),
                     multipart=Multipart(containers, objects),
                     region=platform.settings.region)
