"""The resource core: one base for every resource, on plain values and results of its own, for any front end.

A front end (the dynamic provider host's, dynamic.py; the native plugin's, native/provider.py) makes a Session at
configure time, builds a resource's core class for each call with the session, the resource's owner (its create
journal key) and how messages name it (FrontEnd), translates its host's values to plain values and calls `check`,
`diff`, `create`, `read`, `import_by_id`, `update` or `delete`. Each resource subclass sets `type_token`,
`args_model` and `state_model` and implements the typed hooks: `describe`, the CRUD methods, and optionally
`input_failures` (rules beyond the inputs' shape), `diff_properties`/`detailed_diff` and `find` (import by id).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import ValidationError

from pulumi_depot_provider import say
from pulumi_depot_provider.client import DepotClient, DepotError, NotFound
from pulumi_depot_provider.resources.diffs import (
    DECLARED_INPUTS,
    IMPORT_ID,
    Detail,
    Diff,
    PropertyDiff,
    declared_part,
    declared_paths,
    diff_inputs,
    field_details,
)
from pulumi_depot_provider.resources.fields import InputModel, OutputModel, printable
from pulumi_depot_provider.resources.session import Session
from pulumi_depot_provider.resources.values import (
    CheckFailure,
    DepotResourceError,
    check_failures,
    is_unknown,
    printable_failures,
    unknown_paths,
    without_unknowns,
)
from pulumi_depot_provider.tokens import native_token

FAILURE_LIMIT = 8000  # the longest failure line (printable): room for a list of ids with their fixes


@dataclass(frozen=True)
class Checked:
    """The answer to Check: the inputs to record and the failures (printable, property "")."""

    inputs: dict[str, Any]
    failures: list[CheckFailure] = field(default_factory=list)


@dataclass(frozen=True)
class Created:
    id: str
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Read:
    """The answer to Read: id "" when the object is gone; `inputs` the declared part of the live object."""

    id: str
    outputs: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)


Found = tuple[str, dict[str, Any], dict[str, Any]]
"""What an import by id finds: (id, outputs, inputs)."""


def within_project(import_id: str, what: str) -> tuple[str, str]:
    """(project id, object id) of a native import id "<project id>/<id>"."""
    project_id, _, object_id = import_id.partition("/")
    if not project_id or not object_id or "/" in object_id:
        raise DepotResourceError(
            f"import id {import_id!r}: give <project id>/<{what} id> (Depot finds a {what} only within its project)"
        )
    return project_id, object_id


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

ArgsT = TypeVar("ArgsT", bound=InputModel)
StateT = TypeVar("StateT", bound=OutputModel)
ClientT = TypeVar("ClientT")


class ResourceCore(Generic[ArgsT, StateT, ClientT]):
    """The lifecycle of one resource, whatever its typed methods are given as `client` (ClientT): DepotResource
    gives a DepotClient, AwsTokenResource (resources/aws_store.py) the AWS clients."""

    type_token: ClassVar[str]
    # Set in each subclass's body. Not ClassVars: a ClassVar's type cannot name ArgsT/StateT, and these must, for
    # model_validate to return the subclass's own models.
    args_model: type[ArgsT]
    state_model: type[StateT]
    id_form: ClassVar[str] = "its id"  # what an import by id takes, for its "no such object"
    # Whether the front end carries the stack's depot:allowedTrust to this resource (trust resources, guardrail.py).
    carries_stack_allowed_trust: ClassVar[bool] = False

    def __init__(
        self,
        session: Session,
        owner: str | None = None,
        front: FrontEnd = DYNAMIC,
        stack_allowed_trust: Any = None,
    ) -> None:
        # owner: the Pulumi resource served ("<project>/<stack>/<type>/<name>", or the URN through the plugin): it
        # keys the create journal. None for state written before it existed: nothing can then be proven ours.
        self.session = session
        self.owner = owner
        self.front = front
        self.stack_allowed_trust = stack_allowed_trust

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

    def find(self, client: ClientT, id_: str) -> Found | None:
        """Import by id (`pulumi import`, the `import` option, `Resource.get`): the object, or None."""
        raise DepotResourceError(f"{self.label} cannot be read by id alone")

    def refuse_import(self, id_: str, inputs: Mapping[str, Any]) -> None:
        """Refuse (raise) an imported object the program could not declare (the allowlist)."""

    # -- the client's, one implementation per client --

    def configuration_problem(self) -> str | None:
        """What stops this resource from working (shown by check), or None."""
        raise NotImplementedError

    def client(self) -> ClientT:
        raise NotImplementedError

    def redact(self, message: str) -> str:
        """The message without the secrets the session holds."""
        raise NotImplementedError

    # -- the engine's calls, on plain values --

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        with self.one_line("check", ""):
            failures = []
            problem = self.configuration_problem()
            if problem:
                failures.append(CheckFailure("", problem))
            # import_id stays in the checked inputs even once the resource exists: the engine re-runs Check with
            # no old inputs when it replaces a resource, so anything dropped here would come back on a
            # replacement anyway. Diff refuses that replacement instead (see refuse_replacing_an_import).
            inputs = dict(news)
            unknown = unknown_paths(inputs)
            failures.extend(self.input_failures(inputs))
            try:
                args = self.args_model.model_validate(without_unknowns(inputs))
            except ValidationError as error:
                failures.extend(check_failures(self.args_model, error, unknown))
                return Checked(inputs, printable_failures(failures))
            return Checked(inputs if unknown else args.declared(), printable_failures(failures))

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], detailed: bool = False) -> Diff:
        """`detailed`: with the per-path view (`detailed_diff`) the native plugin sends."""
        self._recorded(id_)
        with self.one_line("diff", f"(id {id_})"):
            diff = self.diff_properties(olds, news)
            if diff.replaced:
                self.refuse_replacing_an_import(id_, olds, news, diff)
        return diff.result(self.detailed_diff(diff, olds, news) if detailed else None)

    def detailed_diff(self, diff: PropertyDiff, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Detail:
        """One entry per changed input (per changed sub-field of a partial one), by the fields' diff rules."""
        return field_details(self.args_model, diff, olds, self._declared_news(news))

    def refuse_replacing_an_import(
        self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], diff: PropertyDiff
    ) -> None:
        """The engine's rule for imports, applied to import_id: a resource that still declares an import id may
        not be replaced. The replacement's Create would adopt that same object again, and the engine would then
        delete the "old" one: the very object the state now holds."""
        import_id = news.get(IMPORT_ID)
        if IMPORT_ID not in self.args_model.model_fields or import_id is None or import_id == "":
            return
        declared = "(not known yet)" if is_unknown(import_id) else repr(import_id)
        try:
            subject = self._subject(self.state(id_, olds, "diff"), id_)
        except DepotResourceError:
            subject = f"(id {id_})"
        changed = ", ".join(diff.replaced)
        raise DepotResourceError(
            f"{self.label} {subject}: replace refused: {changed} changed, which replaces it, but import_id "
            f"{declared} is still declared (the replacement would adopt that object again and then delete "
            "it); remove import_id — it only matters at creation — then run up again"
        )

    def diff_properties(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> PropertyDiff:
        return diff_inputs(self.args_model, olds, self._declared_news(news))

    def _declared_news(self, news: Mapping[str, Any]) -> Mapping[str, Any]:
        new = news
        if not unknown_paths(new):
            with suppress(ValidationError):  # if invalid, check has reported it: compare what was given
                new = self.args_model.model_validate(new).declared()
        return new

    def create(self, props: Mapping[str, Any]) -> Created:
        args = self.args(props, "create")
        with self.one_line("create", self.describe(args)):
            id_, state = self.create_resource(self.client(), args)
            if getattr(args, IMPORT_ID, None) == id_:
                self.session.adopted(self.type_token, id_)
            return Created(id_, self._outputs(state, args))

    def read(self, id_: str, props: Mapping[str, Any]) -> Read:
        self._recorded(id_)
        state = self.state(id_, props, "read")
        with self.one_line("read", self._subject(state, id_)):
            try:
                live = self.read_resource(self.client(), id_, state)
            except NotFound:
                live = None
            if live is None:
                return Read("")
            outputs = live.outputs()
            recorded = props.get(DECLARED_INPUTS)
            if isinstance(recorded, list) and all(isinstance(path, str) for path in recorded):
                outputs[DECLARED_INPUTS] = recorded
                return Read(id_, outputs, declared_part(outputs, recorded))
            # State written before the record existed: every input field the outputs hold.
            inputs = {key: value for key, value in outputs.items() if key in self.args_model.model_fields}
            return Read(id_, outputs, inputs)

    def import_by_id(self, id_: str) -> Read:
        """A read with only an id (an import, a `get`): the object as a program would declare it."""
        with self.one_line("read", f"(id {id_})"):
            found = self.find(self.client(), id_)
            if found is None:  # the engine would only say "does not exist"
                raise DepotResourceError(
                    "Depot has no object with this id in the token's organization (the id of a "
                    f"{self.label} is {self.id_form})"
                )
        found_id, outputs, inputs = found
        self.refuse_import(id_, inputs)
        return Read(found_id, outputs, inputs)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        self._recorded(id_)
        old = self.state(id_, olds, "update")
        new = self.args(news, "update")
        with self.one_line("update", self._subject(old, id_)):
            diff = self.diff_properties(olds, news)
            return self._outputs(self.update_resource(self.client(), id_, old, new, diff), new)

    def delete(self, id_: str, props: Mapping[str, Any]) -> None:
        self._recorded(id_)
        state = self.state(id_, props, "delete")
        if self.session.was_adopted(self.type_token, id_):
            say.warn(
                f"{self.label} {self._subject(state, id_)}: not deleted: this deployment adopted it by "
                "import_id for another resource, which now holds it (remove import_id: it only matters at creation)"
            )
            return
        if self.session.journal.recovered_here(self.owner, id_):
            say.warn(
                f"{self.label} {self._subject(state, id_)}: not deleted, and not replaced: this deployment's "
                "replacement recovered this same object from the create journal on this machine, which still held "
                "the record of this resource's own create (a replacement forced without check or diff, such as "
                "`pulumi up --replace` right after the `up` that created it, cannot tell that record from an "
                "interrupted create). The resource keeps it; run the replacement again for a new one: the journal "
                "now records that the stack holds it"
            )
            return
        # NotFound: already gone, which is what delete asks for.
        with self.one_line("delete", self._subject(state, id_)), suppress(NotFound):
            self.delete_resource(self.client(), id_, state)
        self.session.journal.release(self.owner, id_)

    # -- plumbing --

    def _recorded(self, id_: str) -> None:
        """The engine calls diff, read, update and delete only for a resource its state holds (as id_): whatever
        this resource's create journal recorded has reached the state, and is no longer evidence of anything."""
        self.session.journal.done(self.owner, held_id=id_)

    def _outputs(self, state: StateT, args: ArgsT) -> dict[str, Any]:
        return {**state.outputs(), DECLARED_INPUTS: declared_paths(self.args_model, args.declared())}

    def _subject(self, model: ArgsT | StateT, id_: str) -> str:
        return f"{self.describe(model)} (id {id_})"

    def args(self, props: Mapping[str, Any], operation: str) -> ArgsT:
        with self.one_line(operation, ""):
            try:
                return self.args_model.model_validate(dict(props))
            except ValidationError as error:
                problems = "; ".join(f"{f.property}: {f.reason}" for f in check_failures(self.args_model, error, []))
                raise DepotResourceError(f"invalid inputs: {problems}") from None

    def state(self, id_: str, props: Mapping[str, Any], operation: str) -> StateT:
        with self.one_line(operation, f"(id {id_})"):
            try:
                return self.state_model.model_validate(dict(props))
            except ValidationError as error:
                raise DepotResourceError(f"the stored state cannot be read: {error.errors()[0]['msg']}") from None

    @contextmanager
    def one_line(self, operation: str, subject: str) -> Iterator[None]:
        """Every failure leaves as one DepotResourceError line, printed by the host without a traceback."""
        head = f"{self.label} {subject}".rstrip()
        try:
            yield
        except DepotResourceError as error:
            message = str(error)
            if not message.startswith(self.label):
                message = f"{head}: {operation} failed: {message}"
            failure = DepotResourceError(self.redact(message))
        except DepotError as error:
            method = f" ({error.method})" if error.method else ""
            failure = DepotResourceError(
                self.redact(f"{head}: {operation} failed{method}: {error.code.value}: {error.message}")
            )
        except Exception as error:  # a bug: still one line, with what is needed to report it
            failure = DepotResourceError(
                self.redact(f"{head}: {operation} failed: internal error {type(error).__name__}: {error}")
            )
        else:
            return
        # Escaped and bounded: a message may carry what Depot holds or answered (a name set outside Pulumi).
        failure = DepotResourceError(printable(str(failure), FAILURE_LIMIT))
        sys.tracebacklimit = 0
        raise failure from None


class DepotResource(ResourceCore[ArgsT, StateT, DepotClient]):
    """The base of every Depot resource: its typed methods get the session's DepotClient, configured by the Depot
    settings (depot:token, depot:apiUrl, ... or the environment)."""

    def configuration_problem(self) -> str | None:
        return self.session.configuration_problem()

    def client(self) -> DepotClient:
        return self.session.client()

    def redact(self, message: str) -> str:
        return self.session.redact(message)
