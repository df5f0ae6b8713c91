"""The session: what one configured provider holds for one deployment, made at configure time.

A front end makes one per configuration and hands it to every resource it serves: the settings (and what is wrong
with them), the Depot client pool, the project index, the create journal, the objects adopted by import_id, the
trust rule (announced once) and the AWS side (its clients and every token value seen, kept out of messages). No
module of the core keeps any of this at module level.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Any

from pulumi_depot_provider import say
from pulumi_depot_provider.allowlist import TrustRule, trust_rule
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.config import (
    DYNAMIC_HOST_CONCURRENCY,
    ConfigSource,
    ConfigurationError,
    DepotSettings,
    new_client,
)
from pulumi_depot_provider.resources.aws_store import AwsClients, AwsSettings
from pulumi_depot_provider.resources.create_journal import CreateJournal
from pulumi_depot_provider.resources.project_index import ProjectIndex
from pulumi_depot_provider.resources.values import DepotResourceError


class EmptyConfig:
    """No stack config (only the environment applies): for a provider its host never configured."""

    def get(self, key: str) -> Any:
        return None


class Session:
    def __init__(
        self,
        config: ConfigSource | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        concurrency: int = DYNAMIC_HOST_CONCURRENCY,
        journal: CreateJournal | None = None,
    ) -> None:
        self.config: ConfigSource = config if config is not None else EmptyConfig()
        env = os.environ if environ is None else environ
        self.settings: DepotSettings | None = None
        self.settings_problem: str | None = None
        try:
            self.settings = DepotSettings.resolve(self.config, env)
        except ConfigurationError as error:
            self.settings_problem = str(error)
        self.aws_settings: AwsSettings | None = None
        self.aws_problem: str | None = None
        try:
            self.aws_settings = AwsSettings.resolve(self.config, env)
        except ConfigurationError as error:
            self.aws_problem = str(error)
        self.concurrency = concurrency
        self.journal = journal if journal is not None else CreateJournal()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, bool], DepotClient] = {}
        self._indexes: dict[DepotClient, ProjectIndex] = {}
        # (type token, id) of every object adopted by import_id in this deployment: the engine may ask to delete
        # what was just adopted (a replacement the engine forces without Diff, e.g. `up --replace` or
        # replace_on_changes, while import_id is declared; or a renamed resource adopting its predecessor's
        # object). That object is now the new resource's: keep it.
        self._adopted: set[tuple[str, str]] = set()
        self._rules: dict[str, tuple[TrustRule, str | None]] = {}
        self._announced: set[str] = set()
        self._aws_clients: AwsClients | None = None
        self._secrets: set[str] = set()

    # -- Depot --

    def configuration_problem(self) -> str | None:
        """What stops the Depot resources from working (shown by check), or None."""
        if self.settings_problem:
            return self.settings_problem
        assert self.settings is not None
        try:
            self.settings.require_token()
        except ConfigurationError as error:
            return str(error)
        return None

    def client(self) -> DepotClient:
        """One DepotClient per (API URL, token) in this session, shared by every resource and thread."""
        problem = self.configuration_problem()
        if problem:
            raise DepotResourceError(problem)
        assert self.settings is not None
        key = (self.settings.api_url, self.settings.require_token(), self.settings.allow_insecure_http)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = new_client(self.settings, concurrency=self.concurrency)
            return client

    def index(self, client: DepotClient) -> ProjectIndex:
        """The organization's projects as this session knows them (resources/project_index.py)."""
        with self._lock:
            index = self._indexes.get(client)
            if index is None:
                index = self._indexes[client] = ProjectIndex(client)
            return index

    def redact(self, message: str) -> str:
        """The message without the Depot token."""
        token = self.settings.token.get_secret_value() if self.settings and self.settings.token else ""
        return message.replace(token, "[redacted]") if token else message

    def adopted(self, type_token: str, id_: str) -> None:
        with self._lock:
            self._adopted.add((type_token, id_))

    def was_adopted(self, type_token: str, id_: str) -> bool:
        with self._lock:
            return (type_token, id_) in self._adopted

    # -- the trust allowlist --

    def trust(self, stack_allowed_trust: Any) -> tuple[TrustRule, str | None]:
        """The rule a trust resource enforces given the stack's allowlist it carries, and what is wrong with it."""
        key = json.dumps(stack_allowed_trust, sort_keys=True, default=str)
        with self._lock:
            found = self._rules.get(key)
        if found is None:
            try:
                found = (trust_rule(stack_allowed_trust, self.config), None)
            except ConfigurationError as error:
                found = (TrustRule(), str(error))
            with self._lock:
                self._rules[key] = found
        return found

    def announce(self, rule: TrustRule) -> None:
        """Say once per session which allowlist applies and where it came from."""
        message = rule.summary()
        with self._lock:
            if message in self._announced:
                return
            self._announced.add(message)
        say.info(message)

    # -- AWS --

    def aws_clients(self) -> AwsClients:
        if self.aws_problem:
            raise DepotResourceError(self.aws_problem)
        assert self.aws_settings is not None
        with self._lock:
            if self._aws_clients is None:
                self._aws_clients = AwsClients(self.aws_settings)
            return self._aws_clients

    def remember_secret(self, value: str | None) -> None:
        """A token value handled in this session: never allowed into a message."""
        if value:
            with self._lock:
                self._secrets.add(value)

    def aws_redact(self, message: str) -> str:
        """The message without any token value seen, on one line."""
        with self._lock:
            known = sorted(self._secrets, key=len, reverse=True)
        for value in known:
            message = message.replace(value, "[redacted]")
        return " ".join(message.split())
