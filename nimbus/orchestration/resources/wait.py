"""Wait conditions: a handle whose pre-signed URL a server (or anyone given it) signals, and
a condition that holds the stack until the handle has enough successes, fails on the first
failure, or times out. ``OS::Heat::`` and ``AWS::CloudFormation::`` flavours."""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, ResourceFailure
from nimbus.orchestration.resources.heat_basic import physical_name
from nimbus.orchestration.resources.schema import INTEGER, NUMBER, STRING, Attr, Prop, Support

SUCCESS, FAILURE = "SUCCESS", "FAILURE"


def record(data: dict[str, Any], details: Any, native: bool) -> dict[str, Any]:
    """``data`` with one more signal in it. A native signal is ``{status, reason, data,
    id}`` (status defaulting to SUCCESS); a CloudFormation one ``{Status, Reason, Data,
    UniqueId}``."""
    body = details if isinstance(details, dict) else {}
    if native:
        status = str(body.get("status") or SUCCESS).upper()
        reason = str(body.get("reason") or "Signal 1 received")
        value, ident = body.get("data"), body.get("id")
    else:
        status = str(body.get("Status") or "").upper()
        reason, value, ident = str(body.get("Reason") or ""), body.get("Data"), \
            body.get("UniqueId")
    if status not in (SUCCESS, FAILURE):
        raise ResourceFailure(f"Metadata format invalid: status {status or None} is not "
                              f"{SUCCESS} or {FAILURE}", "ValueError")
    signals = dict(data.get("signals") or {})
    key = str(ident) if ident is not None else str(len(signals) + 1)
    signals[key] = {"status": status, "reason": reason, "data": value}
    return {**data, "signals": signals}


class WaitConditionHandle(Resource):
    TYPE = "OS::Heat::WaitConditionHandle"
    DESCRIPTION = ("A handle a wait condition waits on: its URL takes the signals (a JSON "
                   "body with status, reason, data and id), with no token needed.")
    SUPPORT = Support(version="2014.2")
    SIGNALS = True
    # Its signals are recorded where they arrive (the API), not by the engine.
    RECORDS_SIGNALS = True
    NATIVE = True
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "token": Attr("Kept for templates written for Heat; the endpoint needs no token.",
                      STRING),
        "endpoint": Attr("The URL that takes the signals.", STRING),
        "curl_cli": Attr("A curl command line that sends a signal; append --data-binary "
                         "'{\"status\": \"SUCCESS\"}' or other data.", STRING),
        "signal": Attr("The URL and how to use it, as JSON.", STRING),
    }

    def create(self) -> None:
        self.physical_id = physical_name(self.rt.stack_name, self.rt.resource_name)
        self.data["endpoint"] = self.rt.resource_signal_url(self.rt.stack_id,
                                                            self.rt.resource_name)

    def reference(self) -> Any:
        return self.physical_id if self.NATIVE else self.data.get("endpoint")

    def signal(self, details: Any) -> None:
        self.data.update(record(self.data, details, self.NATIVE))

    def attribute(self, name: str) -> Any:
        endpoint = self.data.get("endpoint")
        if name == "endpoint":
            return endpoint
        if name == "token":
            return ""
        if name == "curl_cli":
            return (f"curl -i -X POST -H 'Content-Type: application/json' "
                    f"-H 'Accept: application/json' {endpoint}")
        if name == "signal":
            return json.dumps({"alarm_url": endpoint})
        return super().attribute(name)


class CfnWaitConditionHandle(WaitConditionHandle):
    TYPE = "AWS::CloudFormation::WaitConditionHandle"
    DESCRIPTION = ("A CloudFormation wait condition handle: Ref gives its pre-signed URL, "
                   "which takes PUT or POST of {Status, Reason, UniqueId, Data}.")
    SUPPORT = Support(version="2014.1")
    NATIVE = False
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {}


class WaitCondition(Resource):
    TYPE = "OS::Heat::WaitCondition"
    DESCRIPTION = ("Holds the stack until its handle receives the number of success signals "
                   "asked for; a failure signal or the timeout fails it.")
    SUPPORT = Support(version="2014.2")
    # The property names: (handle, timeout, count) as this flavour spells them.
    KEYS: ClassVar[tuple[str, str, str]] = ("handle", "timeout", "count")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "handle": Prop(STRING, "A reference to the wait condition handle to wait on.",
                       required=True),
        "timeout": Prop(NUMBER, "Seconds to wait for the signals.", required=True,
                        range=(1, 43200)),
        "count": Prop(INTEGER, "The number of success signals needed.", default=1,
                      range=(1, None), update_allowed=True),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "data": Attr("The data of the signals, as JSON by signal id.", STRING)}

    def _handle(self) -> dict[str, Any]:
        """The handle's data as it stands (read fresh: signals arrive through the API)."""
        stack = getattr(self.rt, "stack", None)
        ref = str(self.properties.get(self.KEYS[0]) or "")
        if stack is None:
            return {}
        for state in stack.resources.values():
            plugin = state.plugin
            if isinstance(plugin, WaitConditionHandle) and \
                    ref in (state.physical_id, plugin.reference(), state.name):
                return self.rt.resource_data(state.id)
        raise ResourceFailure(f"{ref} is not a valid wait condition handle.", "ValueError")

    def create(self) -> None:
        self.physical_id = physical_name(self.rt.stack_name, self.rt.resource_name)
        self.data["_deadline"] = time.time() + float(self.properties.get(self.KEYS[1]) or 0)

    def check_create_complete(self) -> bool:
        signals = list((self._handle().get("signals") or {}).values())
        failures = [s["reason"] for s in signals if s["status"] == FAILURE]
        if failures:
            raise ResourceFailure(";".join(failures), "WaitConditionFailure")
        successes = [s["reason"] for s in signals if s["status"] == SUCCESS]
        count = int(self.properties.get(self.KEYS[2]) or 1)
        if len(successes) >= count:
            self.data["signals"] = {k: v for k, v in
                                    (self._handle().get("signals") or {}).items()}
            return True
        if time.time() > float(self.data.get("_deadline", 0)):
            message = f"{len(successes)} of {count} received"
            if successes:
                message += " - " + ";".join(successes)
            raise ResourceFailure(message, "WaitConditionTimeout")
        return False

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.properties = new

    def attribute(self, name: str) -> Any:
        if name == "data":
            signals = self.data.get("signals") or {}
            return json.dumps({k: v.get("data") for k, v in signals.items()})
        return super().attribute(name)


class CfnWaitCondition(WaitCondition):
    TYPE = "AWS::CloudFormation::WaitCondition"
    DESCRIPTION = "A CloudFormation wait condition: waits on its Handle for Count signals."
    SUPPORT = Support(version="2014.1")
    KEYS: ClassVar[tuple[str, str, str]] = ("Handle", "Timeout", "Count")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "Handle": Prop(STRING, "The wait condition handle's URL (its Ref).", required=True),
        "Timeout": Prop(NUMBER, "Seconds to wait for the signals.", required=True,
                        range=(1, 43200)),
        "Count": Prop(INTEGER, "The number of success signals needed.", default=1,
                      range=(1, None), update_allowed=True),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "Data": Attr("The data of the signals, as JSON by signal id.", STRING)}

    def attribute(self, name: str) -> Any:
        return super().attribute("data" if name == "Data" else name)


TYPES: tuple[type[Resource], ...] = (WaitConditionHandle, CfnWaitConditionHandle,
                                     WaitCondition, CfnWaitCondition)
