"""Autoscaling: ``OS::Heat::AutoScalingGroup`` (members of one resource definition, between a
minimum and a maximum, in a nested stack) and ``OS::Heat::ScalingPolicy`` (a webhook that
changes the group's size when signalled: by a change, to an exact size, or by a percentage,
respecting the cooldown).

The group keeps its members' names in order; growing adds new ones, shrinking removes the
oldest first, as Heat does.
"""

from __future__ import annotations

import math
import secrets
import string
import time
from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, ResourceFailure
from nimbus.orchestration.resources.heat_basic import physical_name
from nimbus.orchestration.resources.nested import NestedBase, _member_attribute
from nimbus.orchestration.resources.schema import INTEGER, LIST, MAP, NUMBER, STRING, Attr, Prop, Support

CHANGE, EXACT, PERCENT = ("change_in_capacity", "exact_capacity",
                          "percent_change_in_capacity")


def _short() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(12))


def new_size(current: int, adjustment: float, kind: str, low: int, high: int,
             min_step: int = 0) -> int:
    """The size a group goes to, kept between its minimum and maximum."""
    if kind == EXACT:
        wanted = int(adjustment)
    elif kind == PERCENT:
        delta = current * adjustment / 100.0
        # Less than one member rounds away from zero (+50% of one is one more), more than
        # one towards it, as Heat rounds.
        if abs(delta) < 1:
            step = math.ceil(delta) if delta > 0 else math.floor(delta)
        else:
            step = math.floor(delta) if delta > 0 else math.ceil(delta)
        if min_step and abs(step) < min_step:
            step = min_step if adjustment > 0 else -min_step
        wanted = current + int(step)
    else:
        wanted = current + int(adjustment)
    return max(low, min(high, wanted))


class AutoScalingGroup(NestedBase):
    TYPE = "OS::Heat::AutoScalingGroup"
    DESCRIPTION = ("A group of identical resources whose number a scaling policy changes, "
                   "between a minimum and a maximum.")
    SUPPORT = Support(version="2014.1")
    SIGNALS = True
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "resource": Prop(MAP, "The resource definition of the members (type, properties).",
                         required=True, update_allowed=True),
        "max_size": Prop(INTEGER, "The most members there may be.", required=True,
                         update_allowed=True, range=(0, None)),
        "min_size": Prop(INTEGER, "The fewest members there may be.", required=True,
                         update_allowed=True, range=(0, None)),
        "cooldown": Prop(INTEGER, "Seconds after a scaling before the next.",
                         update_allowed=True),
        "desired_capacity": Prop(INTEGER, "The number of members wanted now.",
                                 update_allowed=True),
        "rolling_updates": Prop(MAP, "Rolling update settings (members are updated together "
                                     "here).", update_allowed=True),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "outputs": Attr("A map of each member's attribute, by member name.", MAP),
        "outputs_list": Attr("A list of each member's attribute.", LIST),
        "current_size": Attr("The number of members.", INTEGER),
        "refs": Attr("The members' references.", LIST),
        "refs_map": Attr("The members' references by member name.", MAP),
    }

    def _bounds(self) -> tuple[int, int]:
        return int(self.properties.get("min_size") or 0), int(self.properties.get("max_size")
                                                             or 0)

    def _sized(self, size: int) -> list[str]:
        """The member names for ``size``: the current ones kept (the oldest dropped first)
        and new ones named."""
        members = list(self.data.get("members") or [])
        while len(members) > size:
            members.pop(0)
        while len(members) < size:
            members.append(_short())
        self.data["members"] = members
        return members

    def _template(self) -> dict[str, Any]:
        spec = dict(self.properties.get("resource") or {})
        member = {"type": spec.get("type")}
        if spec.get("properties"):
            member["properties"] = spec["properties"]
        if spec.get("metadata"):
            member["metadata"] = spec["metadata"]
        return {"heat_template_version": "2015-04-30",
                "resources": {name: dict(member) for name in self.data.get("members") or []}}

    def _params(self) -> dict[str, Any]:
        return {}

    def create(self) -> None:
        low, high = self._bounds()
        if low > high:
            raise ResourceFailure("min_size can not be greater than max_size",
                                  "StackValidationFailed")
        wanted = self.properties.get("desired_capacity")
        self._sized(max(low, min(high, int(wanted if wanted is not None else low))))
        super().create()

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.properties = new
        low, high = self._bounds()
        current = len(self.data.get("members") or [])
        wanted = new.get("desired_capacity") if "desired_capacity" in changed else current
        self._sized(max(low, min(high, int(wanted if wanted is not None else current))))
        super().update(new, changed)

    def resize(self, adjustment: float, kind: str, min_step: int = 0,
               cooldown: float | None = None) -> bool:
        """Scale by a policy's adjustment; False when in cooldown or already at the size."""
        window = cooldown if cooldown is not None else self.properties.get("cooldown")
        last = float(self.data.get("last_scaled", 0))
        if window and time.time() - last < float(window):
            return False
        low, high = self._bounds()
        current = len(self.data.get("members") or [])
        size = new_size(current, adjustment, kind, low, high, min_step)
        if size == current:
            return False
        self._sized(size)
        self.data["last_scaled"] = time.time()
        if self.physical_id:
            self.rt.nested().update(self.physical_id, self._template(), {}, self._files(),
                                    self._env())
        return True

    def attribute(self, name: str) -> Any:
        members = list(self.data.get("members") or [])
        if name == "current_size":
            return len(members)
        loaded = self._loaded()
        if loaded is None:
            return None
        if name == "refs":
            return [loaded.context.get_resource(n) for n in members]
        if name == "refs_map":
            return {n: loaded.context.get_resource(n) for n in members}
        if name.startswith("resource."):
            return _member_attribute(loaded, name)
        return super().attribute(name)

    def attribute_path(self, name: str, path: list[Any]) -> Any:
        """``get_attr: [group, outputs, attr]`` and ``[group, outputs_list, attr]``."""
        if name in ("outputs", "outputs_list") and path:
            loaded = self._loaded()
            if loaded is None:
                return None
            values = {n: loaded.context.get_attr(n, str(path[0]))
                      for n in self.data.get("members") or []}
            return values if name == "outputs" else list(values.values())
        return None


class ScalingPolicy(Resource):
    TYPE = "OS::Heat::ScalingPolicy"
    DESCRIPTION = ("Changes an autoscaling group's size when signalled: its alarm_url takes "
                   "the signal with no token (an alarm's webhook).")
    SUPPORT = Support(version="2014.1")
    SIGNALS = True
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "auto_scaling_group_id": Prop(STRING, "The AutoScalingGroup the policy scales.",
                                      required=True),
        "scaling_adjustment": Prop(NUMBER, "Size of adjustment.", required=True,
                                   update_allowed=True),
        "adjustment_type": Prop(STRING, "Type of adjustment (absolute or percentage).",
                                required=True, update_allowed=True,
                                allowed=(CHANGE, EXACT, PERCENT)),
        "cooldown": Prop(NUMBER, "Cooldown period, in seconds.", update_allowed=True),
        "min_adjustment_step": Prop(INTEGER, "The least number of members a percentage "
                                             "change adds or removes.",
                                    update_allowed=True, range=(0, None)),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "alarm_url": Attr("A signed URL that takes the alarm (no token needed).", STRING),
        "signal_url": Attr("The resource's signal URL in the orchestration API (with a "
                           "token).", STRING),
    }

    def create(self) -> None:
        self.physical_id = physical_name(self.rt.stack_name, self.rt.resource_name)
        self.data["alarm_url"] = self.rt.resource_signal_url(self.rt.stack_id,
                                                             self.rt.resource_name)

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.properties = new

    def _group(self) -> AutoScalingGroup:
        stack = getattr(self.rt, "stack", None)
        ref = str(self.properties.get("auto_scaling_group_id") or "")
        for state in (stack.resources.values() if stack is not None else []):
            if isinstance(state.plugin, AutoScalingGroup) and \
                    ref in (state.physical_id, state.name):
                return state.plugin
        raise ResourceFailure(f"Alarm {self.rt.resource_name} could not find scaling group "
                              f"named \"{ref}\"", "NotFound")

    def signal(self, details: Any) -> None:
        scaled = self._group().resize(float(self.properties["scaling_adjustment"]),
                                      str(self.properties["adjustment_type"]),
                                      int(self.properties.get("min_adjustment_step") or 0),
                                      self.properties.get("cooldown"))
        self.data["last_signal"] = "scaled" if scaled else "ignored"

    def attribute(self, name: str) -> Any:
        if name == "alarm_url":
            return self.data.get("alarm_url")
        if name == "signal_url":
            return self.rt.native_signal_url()
        return super().attribute(name)


TYPES: tuple[type[Resource], ...] = (AutoScalingGroup, ScalingPolicy)
