"""The one bridge between the dynamic provider host and the typed resource models.

The host (`python -m pulumi.dynamic`) hands every ResourceProvider method plain property dicts: `__provider` included,
unknown values (preview) as `pulumi.output.Unknown`, numbers as floats. `DepotProvider` turns them into each
resource's pydantic models, calls the resource's typed CRUD methods, and turns the answers back: check failures
that name the property path and the rule (never the value), diffs that only report real changes, and failures as
one line the user can act on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    Config,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pulumi_depot_provider import say
from pulumi_depot_provider.client import DepotClient, DepotError, NotFound
from pulumi_depot_provider.compare import differs as _differs
from pulumi_depot_provider.config import ConfigurationError, DepotSettings, client_for
from pulumi_depot_provider.resources.create_journal import JOURNAL
from pulumi_depot_provider.resources.fields import (
    CrossFieldError,
    InputModel,
    OnChange,
    OutputModel,
    behaviour,
    forbidden_character,
    printable,
)
from pulumi_depot_provider.tokens import native_token

PROVIDER_KEY = "__provider"
IMPORT_ID = "import_id"
# An output recording which inputs the program declared, as paths ("name", "cache_policy.keep_gb"). The dynamic
# provider host calls read(id, props) with the previous OUTPUTS only (the state's inputs are not passed), and the
# outputs of a Project hold Depot's effective cache_policy, hardware and organization_id whether or not they were
# declared. Read returns as inputs only the recorded paths, taken from the live object: the engine displays a
# dynamic resource's diff as old inputs vs new inputs, so inputs the program never declared would show as changes.
DECLARED_INPUTS = "declared_inputs"
FAILURE_LIMIT = 8000  # the longest failure line (printable): room for a list of ids with their fixes
Path = tuple[str | int, ...]


class DepotResourceError(Exception):
    """A failed operation as one line: resource type, Depot name/id, operation, Depot's code and message."""


# The host reports a failure with traceback.format_exc(). With sys.tracebacklimit = 0 that is only
# "<class name>: <message>", and a class that claims to live in builtins is printed without a module path.
DepotResourceError.__module__ = "builtins"


# --- property values -------------------------------------------------------------------------------------------


def is_unknown(value: object) -> bool:
    """An input not known yet (preview): the host gives `Unknown()`; the raw sentinel string is accepted too."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def unknown_paths(value: object, path: Path = ()) -> list[Path]:
    if is_unknown(value):
        return [path]
    if isinstance(value, Mapping):
        return [found for key, item in value.items() for found in unknown_paths(item, (*path, key))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in unknown_paths(item, (*path, index))]
    return []


def without_unknowns(value: Any) -> Any:
    """The value with unknowns left out, for validating what is known."""
    if isinstance(value, Mapping):
        return {key: without_unknowns(item) for key, item in value.items() if not is_unknown(item)}
    if isinstance(value, list):
        return [without_unknowns(item) for item in value if not is_unknown(item)]
    return value


def plain_properties(props: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's own properties: without `__provider`, secrets unwrapped (the host does not accept secrets,
    so the engine strips them; this is a safety net)."""
    return {key: _unwrap(value) for key, value in props.items() if key != PROVIDER_KEY}


def _unwrap(value: Any) -> Any:
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, Mapping):
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value


def dotted(path: Path) -> str:
    """ "cache_policy.keep_gb", "policies[1].github"; a key holding a control character shows it escaped."""
    text = ".".join(f"[{part}]" if isinstance(part, int) else part for part in path).replace(".[", "[")
    return text if forbidden_character(text) is None else text.encode("unicode_escape").decode("ascii")


# --- check -----------------------------------------------------------------------------------------------------


def check_failures(model: type[BaseModel], error: ValidationError, unknown: list[Path]) -> list[CheckFailure]:
    """One CheckFailure per pydantic error, at the property path, leaving out errors an unknown value may cause.
    Check sends them to the engine through `printable_failures`."""
    failures = []
    for item in error.errors():
        path: Path = tuple(item["loc"])
        reason = _reason(model, item, path)
        involves: list[Path] = [path]
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, CrossFieldError):
            parent = path
            path = (*parent, *cause.path.split("."))
            involves = [(*parent, name) for name in cause.involves]
            reason = cause.reason
        if any(_overlaps(place, hole) for place in involves for hole in unknown):
            continue
        failures.append(CheckFailure(dotted(path), reason))
    return failures


def printable_failures(failures: list[CheckFailure]) -> list[CheckFailure]:
    """Failures as the engine may print them: the property path inside the reason ("name: has the control
    character ..."), the property itself empty. For a failure naming a property the engine prints that input's
    value raw (`property name value {...} has a problem`): an ESC sequence or a bidi override in it would reach
    the terminal, and a 100,000-character value would be printed whole. The reason is `printable` too: a rule
    outside this module (the allowlist) may name what was declared."""
    return [CheckFailure("", printable(f"{f.property}: {f.reason}" if f.property else f.reason)) for f in failures]


def _overlaps(place: Path, hole: Path) -> bool:
    """An unknown at, under or above a place may be what the error is about."""
    shorter = min(len(place), len(hole))
    return place[:shorter] == hole[:shorter]


def _reason(model: type[BaseModel], item: ErrorDetails, path: Path) -> str:
    kind, message = item["type"], item["msg"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        parent = _model_at(model, path[:-1])
        allowed = ", ".join(parent.model_fields) if parent else "none"
        return f"unknown property {path[-1]!r}; allowed here: {allowed}"
    message = message.removeprefix("Value error, ")
    given = item.get("input")
    if kind == "string_too_long" and isinstance(given, str):
        return f"is {len(given)} characters long; at most {item['ctx']['max_length']} are allowed"
    if isinstance(given, bool | int | float):
        # Numbers are shown (as ints when whole: they travel as doubles). Strings are not: a secret passed by
        # mistake would be printed, and so would whatever control characters the string holds.
        return f"{message} (got {int(given) if isinstance(given, float) and given.is_integer() else given!r})"
    return message


def _model_at(model: type[BaseModel], path: Path) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in path:
        if isinstance(part, int):
            continue  # an item of a list field: the list's item model is already current
        field = current.model_fields.get(str(part)) if current else None
        if field is None:
            return None
        current = next((arg for arg in _type_args(field.annotation) if _is_model(arg)), None)
    return current


def _type_args(annotation: Any) -> list[Any]:
    return [annotation, *getattr(annotation, "__args__", ())]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


# --- diff ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyDiff:
    """Which declared inputs differ from Depot's state, and which of those force a replacement."""

    changed: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()

    def __contains__(self, name: str) -> bool:
        return name in self.changed

    def result(self) -> DiffResult:
        # Replacement creates the new object before deleting the old one: a duplicate trust policy or token is
        # harmless for a moment, and a rotated token keeps working until its successor exists.
        return DiffResult(changes=bool(self.changed), replaces=list(self.replaced), delete_before_replace=False)


def diff_inputs(model: type[InputModel], olds: Mapping[str, Any], news: Mapping[str, Any]) -> PropertyDiff:
    """Compare declared inputs (`news`, checked) with the previous outputs (`olds`), field by field."""
    changed: list[str] = []
    replaced: list[str] = []
    for name, field in model.model_fields.items():
        rule = behaviour(field)
        if rule.on_change is OnChange.IGNORE:
            continue
        new, old = news.get(name), olds.get(name)
        if unknown_paths(new) or _differs(new, old, partial=rule.depot_default):
            changed.append(name)
            if rule.on_change is OnChange.REPLACE:
                replaced.append(name)
    return PropertyDiff(tuple(changed), tuple(replaced))


# --- read: the declared part of the live object -----------------------------------------------------------------


def declared_paths(model: type[InputModel], declared: Mapping[str, Any]) -> list[str]:
    """The declared inputs as paths: a top-level name, or "field.sub" for each declared sub-field of an object
    whose undeclared sub-fields mean "whatever Depot has" (depot_default), like cache_policy."""
    paths: list[str] = []
    for name, value in declared.items():
        field = model.model_fields.get(name)
        if field is not None and behaviour(field).depot_default and isinstance(value, Mapping) and value:
            paths.extend(f"{name}.{sub}" for sub in value)
        else:
            paths.append(name)
    return sorted(paths)


def declared_part(outputs: Mapping[str, Any], paths: list[str]) -> dict[str, Any]:
    """The outputs' values at the declared paths (what a refresh records as the inputs)."""
    inputs: dict[str, Any] = {}
    for path in paths:
        name, _, sub = path.partition(".")
        value = outputs.get(name)
        if value is None:
            continue
        if not sub:
            inputs[name] = value
        elif isinstance(value, Mapping) and sub in value:
            inputs.setdefault(name, {})[sub] = value[sub]
    return inputs


# --- the front end: who serves the resource, for messages ---------------------------------------------------------


def import_id_fix(import_id: str) -> str:
    """How a dynamic resource adopts an existing object: its own import_id input."""
    return f"import_id={import_id!r}"


@dataclass(frozen=True)
class FrontEnd:
    """How messages name a resource's type and the way to adopt an existing object: the dynamic resources'
    ("depot:Project", `import_id='…'`) or the native plugin's ("depot:index:Project", the engine's import)."""

    native: bool = False

    def label(self, type_token: str) -> str:
        return native_token(type_token) if self.native else type_token

    def adopt_fix(self, type_token: str, object_id: str, within: str | None = None) -> str:
        """`within`: the project a trust policy or token belongs to (the native import id is then
        "<project id>/<id>"; the dynamic import_id is the object's id, next to its project_id input)."""
        if not self.native:
            return import_id_fix(object_id)
        import_id = f"{within}/{object_id}" if within else object_id
        return (
            f"the `import` resource option (ResourceOptions(import_={import_id!r})) or "
            f"`pulumi import {self.label(type_token)} <name> {import_id}`"
        )


DYNAMIC = FrontEnd()
NATIVE = FrontEnd(native=True)


# --- the provider ------------------------------------------------------------------------------------------------

ArgsT = TypeVar("ArgsT", bound=InputModel)
StateT = TypeVar("StateT", bound=OutputModel)
ClientT = TypeVar("ClientT")


class ProviderCore(ResourceProvider, Generic[ArgsT, StateT, ClientT]):
    """The generic half of every dynamic provider, whatever its typed methods are given as `client` (ClientT):
    DepotProvider gives a DepotClient, AwsTokenProvider (resources/aws_store.py) the AWS clients.

    A subclass per resource sets `type_token`, `args_model` and `state_model` and implements the typed methods
    `describe`, `create_resource`, `read_resource`, `update_resource` and `delete_resource`. What the SDK pickles
    into `__provider` is a reference to the class plus `owner`; settings and clients are only made inside the host,
    by `configure`.
    """

    # The Pulumi resource this instance serves ("<project>/<stack>/<type>/<name>", set by the SDK): it keys the
    # create journal, the evidence that lets a create recover what this resource's interrupted create left behind.
    # None for state written before it existed and for providers built by hand: nothing can then be proven ours.
    owner: str | None = None
    # Who serves it (messages only). Not set on the instance for the dynamic resources: what the SDK pickles into
    # `__provider` stays the class and `owner`.
    front: FrontEnd = DYNAMIC

    def __init__(self, owner: str | None = None, front: FrontEnd | None = None) -> None:
        if owner is not None:
            self.owner = owner
        if front is not None:
            self.front = front

    type_token: ClassVar[str]
    # Set in each subclass's body. Not ClassVars: a ClassVar's type cannot name ArgsT/StateT, and these must, for
    # model_validate to return the subclass's own models.
    args_model: type[ArgsT]
    state_model: type[StateT]

    _settings_problem: str | None = None
    # (type token, id) of every object adopted by import_id in this host process, i.e. in this deployment: the
    # engine runs one provider host per deployment, and it may ask to delete what was just adopted (a replacement
    # the engine forces without Diff, e.g. `up --replace` or replace_on_changes, while import_id is declared; or a
    # renamed resource adopting its predecessor's object). That object is now the new resource's: keep it.
    _adopted_here: ClassVar[set[tuple[str, str]]] = set()

    @property
    def label(self) -> str:
        """The resource type as messages name it: "depot:Project", or "depot:index:Project" through the plugin."""
        return self.front.label(self.type_token)

    def adopt_fix(self, object_id: str, within: str | None = None) -> str:
        """How to adopt this existing object instead of creating a duplicate (see FrontEnd.adopt_fix)."""
        return self.front.adopt_fix(self.type_token, object_id, within)

    # -- typed hooks, one implementation per resource --

    def describe(self, model: ArgsT | StateT) -> str:
        """How users recognise the object in a message, e.g. "'api'" or "github acme/api in project 7f76t7vghb"."""
        raise NotImplementedError

    def create_resource(self, client: ClientT, args: ArgsT) -> tuple[str, StateT]:
        raise NotImplementedError

    def read_resource(self, client: ClientT, id_: str, state: StateT) -> StateT | None:
        """The live object, or None when it is gone."""
        raise NotImplementedError

    def update_resource(self, client: ClientT, id_: str, old: StateT, new: ArgsT, diff: PropertyDiff) -> StateT:
        raise NotImplementedError

    def delete_resource(self, client: ClientT, id_: str, state: StateT) -> None:
        raise NotImplementedError

    def input_failures(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """Rules beyond the inputs' shape (the depot:allowedTrust guardrail), checked even when other inputs are
        invalid or still unknown; unknown values are skipped."""
        return []

    # -- the client's, one implementation per client: configure (ResourceProvider's), _configuration_problem,
    # _client, _redact --

    def configure(self, req: ConfigureRequest) -> None:
        raise NotImplementedError

    def _configuration_problem(self) -> str | None:
        """What stops this provider from working (shown by check), or None."""
        raise NotImplementedError

    def _client(self) -> ClientT:
        raise NotImplementedError

    def _redact(self, message: str) -> str:
        """The message without the secrets this provider holds."""
        raise NotImplementedError

    # -- ResourceProvider, called by the host with property dicts --

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        with self._one_line("check", ""):
            failures = []
            problem = self._configuration_problem()
            if problem:
                failures.append(CheckFailure("", problem))
            # import_id stays in the checked inputs even once the resource exists: the engine re-runs Check with
            # no old inputs when it replaces a resource, so anything dropped here would come back on a
            # replacement anyway. Diff refuses that replacement instead (see refuse_replacing_an_import).
            self._note_state(olds)
            inputs = plain_properties(news)
            unknown = unknown_paths(inputs)
            failures.extend(self.input_failures(inputs))
            try:
                args = self.args_model.model_validate(without_unknowns(inputs))
            except ValidationError as error:
                failures.extend(check_failures(self.args_model, error, unknown))
                return CheckResult(inputs, printable_failures(failures))
            return CheckResult(inputs if unknown else args.declared(), printable_failures(failures))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self._recorded(id_)
        with self._one_line("diff", f"(id {id_})"):
            diff = self.diff_properties(olds, news)
            if diff.replaced:
                self.refuse_replacing_an_import(id_, olds, news, diff)
            return diff.result()

    def refuse_replacing_an_import(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], diff: PropertyDiff
    ) -> None:
        """The engine's rule for imports, applied to import_id: a resource that still declares an import id may
        not be replaced. The replacement's Create would adopt that same object again, and the engine would then
        delete the "old" one: the very object the state now holds."""
        import_id = plain_properties(news).get(IMPORT_ID)
        if IMPORT_ID not in self.args_model.model_fields or import_id is None or import_id == "":
            return
        declared = "(not known yet)" if is_unknown(import_id) else repr(import_id)
        try:
            subject = self._subject(self._state(id_, olds, "diff"), id_)
        except DepotResourceError:
            subject = f"(id {id_})"
        changed = ", ".join(diff.replaced)
        raise DepotResourceError(
            f"{self.label} {subject}: replace refused: {changed} changed, which replaces it, but import_id "
            f"{declared} is still declared (the replacement would adopt that object again and then delete "
            "it); remove import_id — it only matters at creation — then run up again"
        )

    def diff_properties(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> PropertyDiff:
        new = plain_properties(news)
        if not unknown_paths(new):
            with suppress(ValidationError):  # if invalid, check has reported it: compare what was given
                new = self.args_model.model_validate(new).declared()
        return diff_inputs(self.args_model, plain_properties(olds), new)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = self._args(props, "create")
        with self._one_line("create", self.describe(args)):
            id_, state = self.create_resource(self._client(), args)
            if getattr(args, IMPORT_ID, None) == id_:
                ProviderCore._adopted_here.add((self.type_token, id_))
            return CreateResult(id_, self._outputs(state, args))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        self._recorded(id_)
        state = self._state(id_, props, "read")
        with self._one_line("read", self._subject(state, id_)):
            try:
                live = self.read_resource(self._client(), id_, state)
            except NotFound:
                live = None
            if live is None:
                return ReadResult("", {})
            outputs = live.outputs()
            recorded = plain_properties(props).get(DECLARED_INPUTS)
            if isinstance(recorded, list) and all(isinstance(path, str) for path in recorded):
                outputs[DECLARED_INPUTS] = recorded
                return ReadResult(id_, outputs, declared_part(outputs, recorded))
            # State written before the record existed: every input field the outputs hold.
            inputs = {key: value for key, value in outputs.items() if key in self.args_model.model_fields}
            return ReadResult(id_, outputs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._recorded(id_)
        old = self._state(id_, olds, "update")
        new = self._args(news, "update")
        with self._one_line("update", self._subject(old, id_)):
            diff = self.diff_properties(olds, news)
            return UpdateResult(self._outputs(self.update_resource(self._client(), id_, old, new, diff), new))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._recorded(id_)
        state = self._state(id_, props, "delete")
        if (self.type_token, id_) in ProviderCore._adopted_here:
            say.warn(
                f"{self.label} {self._subject(state, id_)}: not deleted: this deployment adopted it by "
                "import_id for another resource, which now holds it (remove import_id: it only matters at creation)"
            )
            return
        # NotFound: already gone, which is what delete asks for.
        with self._one_line("delete", self._subject(state, id_)), suppress(NotFound):
            self.delete_resource(self._client(), id_, state)
        JOURNAL.release(self.owner, id_)

    # -- plumbing --

    def _note_state(self, olds: Mapping[str, Any]) -> None:
        """Check gets old inputs only when the engine's state holds the resource: whatever its create journal
        recorded has then reached the state, and is no longer evidence of anything."""
        if olds:
            JOURNAL.done(self.owner)

    def _recorded(self, id_: str) -> None:
        """The engine calls diff, read, update and delete only for a resource its state holds (as id_): whatever
        this resource's create journal recorded has reached the state, and is no longer evidence of anything."""
        JOURNAL.done(self.owner, held_id=id_)

    def _outputs(self, state: StateT, args: ArgsT) -> dict[str, Any]:
        return {**state.outputs(), DECLARED_INPUTS: declared_paths(self.args_model, args.declared())}

    def _subject(self, model: ArgsT | StateT, id_: str) -> str:
        return f"{self.describe(model)} (id {id_})"

    def _args(self, props: Mapping[str, Any], operation: str) -> ArgsT:
        with self._one_line(operation, ""):
            try:
                return self.args_model.model_validate(plain_properties(props))
            except ValidationError as error:
                problems = "; ".join(f"{f.property}: {f.reason}" for f in check_failures(self.args_model, error, []))
                raise DepotResourceError(f"invalid inputs: {problems}") from None

    def _state(self, id_: str, props: Mapping[str, Any], operation: str) -> StateT:
        with self._one_line(operation, f"(id {id_})"):
            try:
                return self.state_model.model_validate(plain_properties(props))
            except ValidationError as error:
                raise DepotResourceError(f"the stored state cannot be read: {error.errors()[0]['msg']}") from None

    @contextmanager
    def _one_line(self, operation: str, subject: str) -> Iterator[None]:
        """Every failure leaves as one DepotResourceError line, printed by the host without a traceback."""
        head = f"{self.label} {subject}".rstrip()
        try:
            yield
        except DepotResourceError as error:
            message = str(error)
            if not message.startswith(self.label):
                message = f"{head}: {operation} failed: {message}"
            failure = DepotResourceError(self._redact(message))
        except DepotError as error:
            method = f" ({error.method})" if error.method else ""
            failure = DepotResourceError(
                self._redact(f"{head}: {operation} failed{method}: {error.code.value}: {error.message}")
            )
        except Exception as error:  # a bug: still one line, with what is needed to report it
            failure = DepotResourceError(
                self._redact(f"{head}: {operation} failed: internal error {type(error).__name__}: {error}")
            )
        else:
            return
        # Escaped and bounded: a message may carry what Depot holds or answered (a name set outside Pulumi).
        failure = DepotResourceError(printable(str(failure), FAILURE_LIMIT))
        sys.tracebacklimit = 0
        raise failure from None


class DepotProvider(ProviderCore[ArgsT, StateT, DepotClient]):
    """The base of every Depot resource's provider: its typed methods get a DepotClient, configured by the Depot
    settings (depot:token, depot:apiUrl, ... or the environment)."""

    _settings: DepotSettings | None = None

    def configure(self, req: ConfigureRequest) -> None:
        try:
            self._settings = DepotSettings.resolve(req.config)
            self._settings_problem = None
        except ConfigurationError as error:
            self._settings_problem = str(error)

    def _configuration_problem(self) -> str | None:
        if self._settings is None and self._settings_problem is None:
            self.configure(no_stack_config())
        if self._settings_problem:
            return self._settings_problem
        assert self._settings is not None
        try:
            self._settings.require_token()
        except ConfigurationError as error:
            return str(error)
        return None

    def _client(self) -> DepotClient:
        problem = self._configuration_problem()
        if problem:
            raise DepotResourceError(problem)
        assert self._settings is not None
        return client_for(self._settings)

    def _redact(self, message: str) -> str:
        token = self._settings.token.get_secret_value() if self._settings and self._settings.token else ""
        return message.replace(token, "[redacted]") if token else message


def no_stack_config() -> ConfigureRequest:
    """An empty stack config, for when the host never called configure (only the environment applies)."""
    return ConfigureRequest(Config({}, ""))
