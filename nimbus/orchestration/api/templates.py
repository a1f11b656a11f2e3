"""Templates and types: validate, template versions and their functions, resource types
(list, schema, and a template that makes one), and the build's version."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import BadRequest
from nimbus.orchestration.api.common import HeatRouter, Req, flag, tenant
from nimbus.orchestration.manager import resource_types, validate
from nimbus.orchestration.template import functions, versions

router = HeatRouter()


@router.post("/validate", policy_free=True)
def validate_template(req: Req) -> dict[str, Any]:
    """Validate a template."""
    req.enforce("stacks:validate_template")
    ignore = req.query.get("ignore_errors")
    return validate.validate(tenant(req), req.body_dict(), show_nested=flag(req, "show_nested"),
                             ignore_errors=ignore.split(",") if ignore else None)


@router.get("/template_versions", policy_free=True)
def template_versions(req: Req) -> dict[str, Any]:
    """List template versions."""
    req.enforce("stacks:list_template_versions")
    return {"template_versions": versions.listed()}


@router.get("/template_versions/{template_version}/functions", policy_free=True)
def template_functions(req: Req) -> dict[str, Any]:
    """List the functions of a template version."""
    req.enforce("stacks:list_template_functions")
    version = versions.named(req.params["template_version"])
    return {"template_functions": functions.function_descriptions(
        version, with_condition=flag(req, "with_condition_func"))}


@router.get("/resource_types", policy_free=True)
def resource_types_index(req: Req) -> dict[str, Any]:
    """List resource types."""
    req.enforce("stacks:list_resource_types")
    return {"resource_types": resource_types.listing(
        req, name=req.query.get("name"), version=req.query.get("version"),
        support_status=req.query.get("support_status"),
        with_description=flag(req, "with_description"))}


@router.get("/resource_types/{type_name}", policy_free=True)
def resource_type(req: Req) -> dict[str, Any]:
    """Show a resource type's schema."""
    req.enforce("stacks:resource_schema")
    return resource_types.schema(req, req.params["type_name"],
                                 with_description=flag(req, "with_description"))


@router.get("/resource_types/{type_name}/template", policy_free=True)
def resource_type_template(req: Req) -> dict[str, Any]:
    """Generate a template that makes a resource of the type."""
    req.enforce("stacks:generate_template")
    kind = req.query.get("template_type") or "cfn"
    if kind not in ("hot", "cfn"):
        raise BadRequest(f"Template type is not supported: {kind}",
                         heat_type="HTTPBadRequest")
    return resource_types.template(req.params["type_name"], kind)


@router.get("/build_info", policy_free=True)
def build_info(req: Req) -> dict[str, Any]:
    """Show the build's version."""
    req.enforce("build_info:build_info")
    from importlib.metadata import PackageNotFoundError, version

    try:
        revision = version("nimbus")
    except PackageNotFoundError:
        revision = "unknown"
    return {"api": {"revision": revision}, "engine": {"revision": revision}}
