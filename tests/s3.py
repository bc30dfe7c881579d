"""A real S3-compatible server for the tests: moto's standalone server, in a thread.

Test modules take the ``s3_server`` fixture by importing :func:`s3_server_fixture`. Where the
server cannot start (moto not installed, no free port), tests that need it skip, saying why; with
``CMS_TEST_REQUIRE_S3=1`` (set by CI) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from pydantic import SecretStr

REQUIRE_S3 = os.environ.get("CMS_TEST_REQUIRE_S3") == "1"

REGION = "us-east-1"
KEY_ID = "cms-test-key"
SECRET = "cms-test-secret"  # moto checks no signature; any pair will do


@dataclass(frozen=True)
class S3Server:
    """Where the test server listens, with a plain (blocking) client to look behind a store."""

    endpoint_url: str

    @cached_property
    def client(self) -> Any:
        """botocore's own synchronous client: for test set-up and inspection only."""
        import botocore.session

        return botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        )

    def new_bucket(self) -> str:
        """A new, empty bucket of its own for one test."""
        name = f"cms-test-{uuid.uuid4().hex[:16]}"
        self.client.create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> set[str]:
        """Every object in ``bucket``, and every unfinished multipart upload (named as such)."""
        listed = self.client.list_objects_v2(Bucket=bucket).get("Contents", [])
        uploads = self.client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return {item["Key"] for item in listed} | {
            f"{upload['Key']} (unfinished multipart upload)" for upload in uploads
        }

    def settings(self, bucket: str) -> dict[str, Any]:
        """``Settings`` fields for an S3 media store on this server."""
        return {
            "media_store": "s3",
            "s3_endpoint_url": self.endpoint_url,
            "s3_region": REGION,
            "s3_bucket": bucket,
            "s3_access_key_id": KEY_ID,
            "s3_secret_access_key": SecretStr(SECRET),
        }


@pytest.fixture(scope="session", name="s3_server")
def s3_server_fixture() -> Iterator[S3Server]:
    """moto's server on a free port of 127.0.0.1, for the whole session."""
    try:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
    except (ImportError, OSError) as error:
        if REQUIRE_S3:
            pytest.fail(f"an S3 server is required (CMS_TEST_REQUIRE_S3=1) but: {error!r}")
        pytest.skip(
            f"no S3-compatible test server (pip install 'moto[s3]' flask flask-cors): {error!r}"
        )
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
