"""``AWS::CloudFormation::Stack``: a nested stack named by the URL of its template.

Templates are not fetched from the network here: the template must be among the stack's files
under its URL (as ``openstack stack create`` sends a type that names a template file, and as
a template-named type is found by ``nested.TemplateResource``). Its outputs are the
resource's ``Outputs.<name>`` attributes; its Ref is the nested stack's ARN.
"""

from __future__ import annotations

from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, ResourceFailure
from nimbus.orchestration.resources.nested import NestedBase
from nimbus.orchestration.resources.schema import INTEGER, MAP, STRING, Attr, Prop, Support
from nimbus.orchestration.template import loader

OUTPUTS = "Outputs."


class CfnStack(NestedBase):
    TYPE = "AWS::CloudFormation::Stack"
    DESCRIPTION = ("A nested stack made from the template at TemplateURL (given among the "
                   "stack's files under that URL), with Parameters; its outputs are the "
                   "attributes Outputs.<name>.")
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "TemplateURL": Prop(STRING, "The URL of the nested stack's template; the template is "
                                    "read from the stack's files under this name.",
                            required=True, update_allowed=True),
        "TimeoutInMinutes": Prop(INTEGER, "Minutes the nested stack's creation may take.",
                                 update_allowed=True),
        "Parameters": Prop(MAP, "The nested stack's parameter values.", update_allowed=True),
    }
    # Its attributes are its outputs, whatever the nested template names them.
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {}

    def _template(self) -> dict[str, Any]:
        url = str(self.properties.get("TemplateURL") or "")
        files = self._files()
        if url not in files:
            raise ResourceFailure(f"Could not fetch remote template '{url}': it is not among "
                                  "the stack's files (templates are not fetched from URLs "
                                  "here).", "ValueError")
        return loader.parse(str(files[url]), url)

    def _params(self) -> dict[str, Any]:
        return dict(self.properties.get("Parameters") or {})

    def create(self) -> None:
        # As NestedBase makes it, with the nested stack's own timeout.
        minutes = self.properties.get("TimeoutInMinutes")
        self.physical_id = self.rt.nested().prepare(
            self._template(), self._params(), self._files(), self._env(),
            timeout_mins=int(minutes) if minutes else None)
        self.data["_built"] = False

    def reference(self) -> Any:
        if not self.physical_id:
            return None
        if not self.data.get("arn"):
            loaded = self._loaded()
            if loaded is None:
                return self.physical_id
            ident = loaded.identity
            self.data["arn"] = (f"arn:openstack:heat::{ident.project_id}:stacks/"
                                f"{ident.name}/{ident.id}")
        return self.data["arn"]

    def attribute(self, name: str) -> Any:
        if name == "show" or not self.physical_id:
            return None
        # One read of the nested stack's outputs, each with its value or its error.
        out = self.rt.nested().outputs(self.physical_id).get(name[len(OUTPUTS):]) \
            if name.startswith(OUTPUTS) else None
        if out is None:
            raise ResourceFailure(f"The Referenced Attribute ({self.rt.resource_name} {name}) "
                                  "is incorrect.", "InvalidTemplateAttribute")
        if out.get("output_error"):
            raise ResourceFailure(f"Error in {self.rt.resource_name} output "
                                  f"{name[len(OUTPUTS):]}: {out['output_error']}",
                                  "InvalidTemplateAttribute")
        return out.get("output_value")


TYPES: tuple[type[Resource], ...] = (CfnStack,)
