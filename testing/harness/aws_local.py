"""TEST TOOLING: moto's server standing in for AWS Secrets Manager and SSM Parameter Store, on 127.0.0.1.

    aws = AwsLocal.start()        # moto.server.ThreadedMotoServer on a free port, its state reset
    aws.url                       # the endpoint: stack config depot:awsEndpointUrl, or a host's configure
    aws.env                       # credentials (moto accepts any) and no shared config: for the CLI and hosts
    aws.client("secretsmanager")  # a boto3 client of it
    aws.secret_value("depot/acme/token")          # AWSCURRENT (or stage="AWSPREVIOUS"), None if absent
    aws.parameter_value("/depot/acme/token")      # decrypted, None if absent
    aws.stop()
    AwsLocal.attached(url)        # a view of a running one (no start, no reset, no stop)

moto keeps its state per process (the backends are module globals), so every start resets it: each test sees an
empty AWS. Nothing here is a mock of pulumi-depot's own: the sinks' boto3 talks HTTP to moto's real server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Final

import boto3
import httpx
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

REGION: Final = "us-east-1"
ACCOUNT: Final = "123456789012"  # moto's default account
CREDENTIALS: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@dataclass
class AwsLocal:
    server: ThreadedMotoServer | None = field(repr=False)
    url: str

    @classmethod
    def start(cls) -> AwsLocal:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        local = cls(server, f"http://{host}:{port}")
        local.reset()
        return local

    @classmethod
    def attached(cls, url: str) -> AwsLocal:
        """A view of a moto server started elsewhere (an example's test), for reading it."""
        return cls(None, url)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def reset(self) -> None:
        httpx.post(f"{self.url}/moto-api/reset", timeout=30).raise_for_status()

    @property
    def env(self) -> dict[str, str]:
        """What a process talking to this moto needs: fixed credentials, no profile, no shared files, no
        instance metadata lookups (the sinks get the endpoint from depot:awsEndpointUrl)."""
        return {
            **CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, service: str, region: str = REGION) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.url,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def secret_value(self, name: str, stage: str = "AWSCURRENT", region: str = REGION) -> str | None:
        try:
            found = self.client("secretsmanager", region).get_secret_value(SecretId=name, VersionStage=stage)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("ResourceNotFoundException", "InvalidRequestException"):
                return None
            raise
        return found.get("SecretString")  # type: ignore[no-any-return]

    def describe_secret(self, name: str, region: str = REGION) -> dict[str, Any] | None:
        try:
            return self.client("secretsmanager", region).describe_secret(SecretId=name)  # type: ignore[no-any-return]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return None
            raise

    def secret_names(self, region: str = REGION) -> list[str]:
        paginator = self.client("secretsmanager", region).get_paginator("list_secrets")
        return sorted(secret["Name"] for page in paginator.paginate() for secret in page["SecretList"])

    def parameter_value(self, name: str, region: str = REGION) -> str | None:
        try:
            found = self.client("ssm", region).get_parameter(Name=name, WithDecryption=True)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ParameterNotFound":
                return None
            raise
        return found["Parameter"]["Value"]  # type: ignore[no-any-return]
