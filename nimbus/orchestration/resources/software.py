"""Software configuration: ``OS::Heat::SoftwareConfig`` (a script or manifest with its
inputs and outputs), ``SoftwareDeployment`` (one config applied to one server) and
``SoftwareDeployments`` (to several), ``StructuredConfig``, ``CloudConfig`` and
``MultipartMime``.

A deployment derives a config carrying its inputs and how to signal back, stores the
deployment, and writes every deployment of the server into the server resource's metadata,
where the agent on the server finds it. The deployment is done when the agent signals
(``POST`` to ``deploy_signal_id``, a pre-signed URL needing no token) with its outputs.
"""

from __future__ import annotations

from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any, ClassVar

import yaml

from nimbus.orchestration.resources.base import Resource, ResourceFailure
from nimbus.orchestration.resources.heat_basic import physical_name
from nimbus.orchestration.resources.nested import NestedBase
from nimbus.orchestration.resources.schema import LIST, MAP, STRING, Attr, Prop, Support

_IO = Prop(MAP, schema={"name": Prop(STRING, "Name of the input or output.", required=True),
                        "description": Prop(STRING, "Description of the input or output."),
                        "type": Prop(STRING, "Type of the value.", default="String",
                                     allowed=("String", "Number", "CommaDelimitedList",
                                              "Json", "Boolean")),
                        "default": Prop("any", "Default value when none is given."),
                        "replace_on_change": Prop("boolean", "Replace on a value change.",
                                                  default=False),
                        "error_output": Prop("boolean", "Whether the output reports an "
                                                        "error.", default=False)})
DEFAULT_ACTIONS = ["CREATE", "UPDATE"]


class SoftwareConfig(Resource):
    TYPE = "OS::Heat::SoftwareConfig"
    DESCRIPTION = ("A configuration script or manifest, with the inputs it consumes and the "
                   "outputs it produces, to be applied to servers by deployments.")
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "group": Prop(STRING, "The tool that applies the config on the server.",
                      default="Heat::Ungrouped"),
        "config": Prop(STRING, "The script or manifest itself."),
        "options": Prop(MAP, "Options of the configuration tool."),
        "inputs": Prop(LIST, "The inputs the config expects.", items=_IO),
        "outputs": Prop(LIST, "The outputs the config produces.", items=_IO),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "config": Attr("The config value of the software config.", STRING)}

    def _body(self) -> dict[str, Any]:
        return {"config": self.properties.get("config"),
                "inputs": self.properties.get("inputs") or [],
                "outputs": self.properties.get("outputs") or [],
                "options": self.properties.get("options") or {}}

    def create(self) -> None:
        made = self.rt.software().create_config(
            self.rt.project_id, physical_name(self.rt.stack_name, self.rt.resource_name),
            str(self.properties.get("group") or "Heat::Ungrouped"), self._body())
        self.physical_id = made["id"]

    def delete(self) -> None:
        if self.physical_id:
            self.rt.software().delete_config(self.physical_id)

    def attribute(self, name: str) -> Any:
        if name == "config" and self.physical_id:
            found = self.rt.software().config(self.physical_id)
            return found["config"] if found else ""
        return super().attribute(name)


class StructuredConfig(SoftwareConfig):
    TYPE = "OS::Heat::StructuredConfig"
    DESCRIPTION = "A software config whose config is a map rather than text."
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        **SoftwareConfig.PROPERTIES,
        "config": Prop(MAP, "The structured configuration itself."),
    }


class CloudConfig(Resource):
    TYPE = "OS::Heat::CloudConfig"
    DESCRIPTION = "A cloud-init cloud-config document, for a server's user_data."
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "cloud_config": Prop(MAP, "The cloud-config data, as a map.")}
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "config": Attr("The config value of the software config.", STRING)}

    def _text(self) -> str:
        body = yaml.safe_dump(self.properties.get("cloud_config") or {},
                              default_flow_style=False)
        return f"#cloud-config\n{body}"

    def create(self) -> None:
        made = self.rt.software().create_config(
            self.rt.project_id, physical_name(self.rt.stack_name, self.rt.resource_name),
            "Heat::Ungrouped", {"config": self._text()})
        self.physical_id = made["id"]

    def delete(self) -> None:
        if self.physical_id:
            self.rt.software().delete_config(self.physical_id)

    def attribute(self, name: str) -> Any:
        if name == "config":
            return self._text()
        return super().attribute(name)


class MultipartMime(Resource):
    TYPE = "OS::Heat::MultipartMime"
    DESCRIPTION = "Several configs assembled into one multipart MIME document for user_data."
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "parts": Prop(LIST, "The parts: each a config (an id or the text itself).", default=[],
                      items=Prop(MAP, schema={
                          "config": Prop(STRING, "A config id or the config's text."),
                          "filename": Prop(STRING, "The part's file name."),
                          "type": Prop(STRING, "text or multipart.", default="text",
                                       allowed=("text", "multipart")),
                          "subtype": Prop(STRING, "The MIME subtype.")})),
        "group": Prop(STRING, "The tool that applies the config.", default="Heat::Ungrouped"),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "config": Attr("The config value of the software config.", STRING)}

    def _text(self) -> str:
        message = MIMEMultipart()
        for part in self.properties.get("parts") or []:
            value = str(part.get("config") or "")
            found = self.rt.software().config(value) if len(value) == 36 else None
            text = str(found["config"]) if found else value
            sub = MIMEText(text, part.get("subtype") or "x-shellscript", "utf-8")
            if part.get("filename"):
                sub.add_header("Content-Disposition", "attachment",
                               filename=part["filename"])
            message.attach(sub)
        return message.as_string()

    def create(self) -> None:
        made = self.rt.software().create_config(
            self.rt.project_id, physical_name(self.rt.stack_name, self.rt.resource_name),
            str(self.properties.get("group") or "Heat::Ungrouped"), {"config": self._text()})
        self.physical_id = made["id"]

    def delete(self) -> None:
        if self.physical_id:
            self.rt.software().delete_config(self.physical_id)

    def attribute(self, name: str) -> Any:
        if name == "config":
            return self._text()
        return super().attribute(name)


class SoftwareDeployment(Resource):
    TYPE = "OS::Heat::SoftwareDeployment"
    DESCRIPTION = ("Applies a software config to a server and waits until the server "
                   "signals that it is done, with the config's outputs.")
    SUPPORT = Support(version="2014.1")
    SIGNALS = True
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "config": Prop(STRING, "The id of the software config to apply.",
                       update_allowed=True),
        "server": Prop(STRING, "The id of the server to apply it to.", required=True),
        "input_values": Prop(MAP, "Values of the config's inputs.", default={},
                             update_allowed=True),
        "actions": Prop(LIST, "Which stack actions apply the config.",
                        default=DEFAULT_ACTIONS, update_allowed=True),
        "signal_transport": Prop(STRING, "How the server signals back.",
                                 default="CFN_SIGNAL",
                                 allowed=("CFN_SIGNAL", "TEMP_URL_SIGNAL", "HEAT_SIGNAL",
                                          "NO_SIGNAL", "ZAQAR_SIGNAL")),
        "name": Prop(STRING, "Name of the derived config."),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "deploy_stdout": Attr("Captured stdout from the configuration execution."),
        "deploy_stderr": Attr("Captured stderr from the configuration execution."),
        "deploy_status_code": Attr("Returned status code from the configuration execution."),
    }

    def _derive(self, action: str) -> str:
        """A copy of the source config carrying this deployment's inputs and signal."""
        store = self.rt.software()
        source = store.config(str(self.properties.get("config") or "")) if \
            self.properties.get("config") else None
        base = source or {"config": "", "inputs": [], "outputs": [], "options": {},
                          "group": "Heat::Ungrouped"}
        values = dict(self.properties.get("input_values") or {})
        inputs = []
        for item in base.get("inputs") or []:
            value = values.get(item["name"], item.get("default"))
            inputs.append({**item, "value": value})
        transport = str(self.properties.get("signal_transport") or "CFN_SIGNAL")
        extra = {"deploy_server_id": self.properties["server"], "deploy_action": action,
                 "deploy_stack_id": f"{self.rt.stack_name}/{self.rt.stack_id}",
                 "deploy_resource_name": self.rt.resource_name,
                 "deploy_signal_transport": transport}
        if transport != "NO_SIGNAL":
            extra["deploy_signal_id"] = self.rt.signal_url(self.data["deployment_id"])
            extra["deploy_signal_verb"] = "POST"
        for key, value in extra.items():
            inputs.append({"name": key, "value": value, "type": "String",
                           "description": _INPUT_DESCRIPTIONS.get(key, key)})
        name = str(self.properties.get("name") or self.rt.resource_name)
        made = store.create_config(self.rt.project_id, name,
                                   str(base.get("group") or "Heat::Ungrouped"),
                                   {"config": base.get("config"), "inputs": inputs,
                                    "outputs": base.get("outputs") or [],
                                    "options": base.get("options") or {}})
        return str(made["id"])

    def _deploy(self, action: str) -> None:
        import uuid

        store = self.rt.software()
        actions = self.properties.get("actions") or DEFAULT_ACTIONS
        self.data.setdefault("deployment_id", str(uuid.uuid4()))
        config_id = self._derive(action)
        old = store.deployment(self.data["deployment_id"])
        waits = action in actions and \
            self.properties.get("signal_transport") != "NO_SIGNAL"
        status, reason = ("IN_PROGRESS", "Deploy data available") if waits else \
            ("COMPLETE", "Not waiting for outputs signal")
        if old is None:
            store.create_deployment(self.rt.project_id, str(self.properties["server"]),
                                    config_id, dict(self.properties.get("input_values") or {}),
                                    action, status, reason,
                                    deployment_id=self.data["deployment_id"])
        else:
            store.update_deployment(old["id"], config_id=config_id, action=action,
                                    status=status, status_reason=reason,
                                    input_values=dict(self.properties.get("input_values")
                                                      or {}))
            store.delete_config(old["config_id"])
        self.physical_id = self.data["deployment_id"]
        store.push_metadata(self.rt.project_id, str(self.properties["server"]))

    def _done(self) -> bool:
        found = self.rt.software().deployment(self.data["deployment_id"])
        if found is None:
            raise ResourceFailure("The deployment is gone.", "NotFound")
        if found["status"] == "COMPLETE":
            return True
        if found["status"] == "FAILED":
            raise ResourceFailure(f"Deployment to server failed: {found['status_reason']}",
                                  "Error")
        return False

    def cancel(self) -> None:
        if self.data.get("deployment_id"):
            self.rt.software().update_deployment(self.data["deployment_id"], status="FAILED",
                                                 status_reason="Deployment cancelled.")

    def create(self) -> None:
        self._deploy("CREATE")

    def check_create_complete(self) -> bool:
        return self._done()

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.properties = new
        self._deploy("UPDATE")

    def check_update_complete(self) -> bool:
        return self._done()

    def delete(self) -> None:
        store = self.rt.software()
        found = store.delete_deployment(self.data.get("deployment_id", "")) if \
            self.data.get("deployment_id") else None
        if found is not None:
            store.delete_config(found["config_id"])
            store.push_metadata(self.rt.project_id, found["server_id"])

    def signal(self, details: Any) -> None:
        complete(self.rt.software(), self.data.get("deployment_id", ""), details)

    def attribute(self, name: str) -> Any:
        found = self.rt.software().deployment(self.data.get("deployment_id", "")) \
            if self.data.get("deployment_id") else None
        if found is None:
            return None
        outputs = found.get("output_values") or {}
        if name in outputs:
            return outputs[name]
        return super().attribute(name)


_INPUT_DESCRIPTIONS = {
    "deploy_server_id": "ID of the server being deployed to",
    "deploy_action": "Name of the current action being deployed",
    "deploy_stack_id": "ID of the stack this deployment belongs to",
    "deploy_resource_name": "Name of this deployment resource in the stack",
    "deploy_signal_transport": "How the server should signal to heat with the deployment "
                               "output values.",
    "deploy_signal_id": "ID of signal to use for signaling output values",
    "deploy_signal_verb": "HTTP verb to use for signaling outputvalues",
}


def complete(store: Any, deployment_id: str, details: Any) -> dict[str, Any] | None:
    """A deployment's signal: its outputs kept, COMPLETE unless a status code says it
    failed."""
    body = details if isinstance(details, dict) else {}
    code = body.get("deploy_status_code")
    failed = code not in (None, 0, "0", "")
    outputs = {k: v for k, v in body.items()}
    reason = (f"deploy_status_code : Deployment exited with non-zero status code: {code}"
              if failed else "Outputs received")
    return store.update_deployment(deployment_id, status="FAILED" if failed else "COMPLETE",
                                   status_reason=reason, output_values=outputs)


class SoftwareDeployments(NestedBase):
    TYPE = "OS::Heat::SoftwareDeployments"
    DESCRIPTION = "Applies one software config to several servers, a deployment each."
    SUPPORT = Support(version="2014.2")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "config": Prop(STRING, "The id of the software config to apply.",
                       update_allowed=True),
        "servers": Prop(MAP, "The servers to deploy to, by a name for each.", required=True,
                        update_allowed=True),
        "input_values": Prop(MAP, "Values of the config's inputs.", default={},
                             update_allowed=True),
        "actions": Prop(LIST, "Which stack actions apply the config.",
                        default=DEFAULT_ACTIONS, update_allowed=True),
        "signal_transport": Prop(STRING, "How the servers signal back.",
                                 default="CFN_SIGNAL"),
        "name": Prop(STRING, "Name of the derived configs."),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "deploy_stdouts": Attr("A map of captured stdout, by server name.", MAP),
        "deploy_stderrs": Attr("A map of captured stderr, by server name.", MAP),
        "deploy_status_codes": Attr("A map of status codes, by server name.", MAP),
    }

    def _template(self) -> dict[str, Any]:
        props = {k: self.properties.get(k) for k in ("config", "input_values", "actions",
                                                     "signal_transport", "name")
                 if self.properties.get(k) is not None}
        return {"heat_template_version": "2015-04-30", "resources": {
            str(key): {"type": SoftwareDeployment.TYPE,
                       "properties": {**props, "server": server}}
            for key, server in sorted((self.properties.get("servers") or {}).items())}}

    def _params(self) -> dict[str, Any]:
        return {}

    def attribute(self, name: str) -> Any:
        loaded = self._loaded()
        if loaded is None:
            return None
        singular = {"deploy_stdouts": "deploy_stdout", "deploy_stderrs": "deploy_stderr",
                    "deploy_status_codes": "deploy_status_code"}.get(name)
        if singular is None:
            return super().attribute(name)
        return {key: loaded.context.get_attr(key, singular) for key in loaded.resources}


TYPES: tuple[type[Resource], ...] = (SoftwareConfig, StructuredConfig, CloudConfig,
                                     MultipartMime, SoftwareDeployment, SoftwareDeployments)
