"""``POST /stacks/preview``: what a stack would be, resource by resource, without making any
of it. A resource that holds a nested stack (a template resource, a group) is shown as the
list of the nested stack's resources, as Heat's preview shows it."""

from __future__ import annotations

from typing import Any

from nimbus.orchestration.engine import graph
from nimbus.orchestration.engine.loaded import Identity, LoadedStack
from nimbus.orchestration.manager import requests
from nimbus.orchestration.manager.views import as_text
from nimbus.orchestration.resources import registry
from nimbus.orchestration.resources.nested import ResourceGroup
from nimbus.orchestration.template import environment, loader


def stack(req: Any, body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("stack_name")
    if not name:
        from nimbus.core.errors import BadRequest

        raise BadRequest("No stack name specified", heat_type="HTTPBadRequest")
    parsed = requests.read(body)
    project = str(req.params["tenant_id"])
    loaded = req.svc.stacks.preview(req.ctx, requests.check_name(name), parsed)
    doc = parsed.template or {}
    description = str(doc.get("description") or "No description") \
        if "heat_template_version" in doc else str(doc.get("Description") or "")
    params = {"OS::stack_id": "None", "OS::stack_name": name, "OS::project_id": project}
    params.update({k: as_text(v) for k, v in loaded.params.items()})
    return {"id": "None", "stack_name": name,
            "links": [{"href": f"{req.service_url}/v1/{project}/stacks/{name}/None",
                       "rel": "self"}],
            "description": description, "template_description": description,
            "disable_rollback": True if parsed.disable_rollback is None else
            parsed.disable_rollback,
            "parent": None, "timeout_mins": parsed.timeout_mins, "capabilities": [],
            "notification_topics": [], "parameters": params, "stack_owner": None,
            "stack_user_project_id": project, "tags": parsed.tags,
            "creation_time": None, "updated_time": None, "deletion_time": None,
            "outputs": [{"output_key": k, "description": o.description or
                         "No description given", "output_value": None}
                        for k, o in loaded.template.outputs.items()],
            "resources": _resources(loaded, project, name, None)}


def _identity(project: str, stack_name: str, path: str) -> dict[str, Any]:
    return {"tenant": project, "stack_name": stack_name, "stack_id": "None", "path": path}


def _resources(loaded: LoadedStack, project: str, stack_name: str,
               parent: str | None) -> list[Any]:
    required_by = graph.required_by(loaded.needs)
    found: list[Any] = []
    for name in graph.order(loaded.needs):
        kind = loaded.type_of(name)
        nested = _nested(loaded, name, kind, project, stack_name)
        if nested is not None:
            found.append(nested)
            continue
        cls = loaded.plugin_class(name)
        try:
            props = loaded.properties_of(name, require=False)
        except Exception:  # noqa: BLE001 - a preview shows what it can
            props = {}
        item: dict[str, Any] = {
            "resource_name": name, "resource_type": kind, "resource_action": "INIT",
            "resource_status": "COMPLETE", "resource_status_reason": "",
            "physical_resource_id": "", "description": loaded.definitions[name].description,
            "creation_time": None, "updated_time": None,
            "resource_identity": _identity(project, stack_name, f"/resources/{name}"),
            "stack_identity": _identity(project, stack_name, ""), "stack_name": stack_name,
            "required_by": sorted(required_by.get(name, set())),
            "metadata": loaded.definitions[name].metadata or {},
            "attributes": {a: None for a in cls.info().attributes},
            "properties": props,
        }
        if parent is not None:
            item["parent_resource"] = parent
        found.append(item)
    return found


def _nested(loaded: LoadedStack, name: str, kind: str, project: str,
            stack_name: str) -> list[Any] | None:
    """The preview of the nested stack ``name`` would make, or None if it makes none."""
    child_name = f"{stack_name}-{name}"
    if registry.is_template(kind) and kind in loaded.files:
        doc = loader.parse(str(loaded.files[kind]), kind)
        props = loaded.resolve(loaded.definitions[name].properties) or {}
    elif kind == ResourceGroup.TYPE:
        props_all = loaded.resolve(loaded.definitions[name].properties) or {}
        spec = dict(props_all.get("resource_def") or {})
        count = int(props_all.get("count", 1) or 0)
        members = {str(i): {"type": spec.get("type"),
                            **({"properties": spec["properties"]} if spec.get("properties")
                               else {})} for i in range(count)}
        doc = {"heat_template_version": "2015-04-30", "resources": members}
        props = {}
    else:
        return None
    declared = (doc.get("parameters") or {}) if isinstance(doc, dict) else {}
    given = {k: v for k, v in (props or {}).items() if k in declared and v is not None}
    child = LoadedStack(Identity("None", child_name, project), doc, loaded.files,
                        environment.read(loaded.env.for_nested(name).as_dict()), given,
                        strict=False)
    return _resources(child, project, child_name, name)
