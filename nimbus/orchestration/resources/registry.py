"""Every resource type the engine knows, by name, and how a template's type (perhaps mapped by
the environment to another type or to a template file) finds its plugin."""

from __future__ import annotations

from functools import cache

from nimbus.orchestration.resources.base import Resource
from nimbus.orchestration.template.errors import EntityNotFound, StackValidationFailed

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template", ".json")


@cache
def types() -> dict[str, type[Resource]]:
    """Every plugin, by the type name templates use."""
    from importlib import import_module

    found: dict[str, type[Resource]] = {}
    for name in _MODULES:
        module = import_module(f"nimbus.orchestration.resources.{name}")
        found.update({cls.TYPE: cls for cls in module.TYPES})
    return found


# The modules whose ``TYPES`` are the plugins.
_MODULES = ("heat_basic", "nested", "software", "wait", "autoscaling", "neutron",
            "neutron_port", "neutron_routers", "neutron_secgroups", "nova", "nova_server",
            "cinder", "glance", "swift", "keystone", "aws_ec2", "aws_ec2_net", "aws_autoscaling", "aws_cfn")


def is_template(type_name: str) -> bool:
    """A type that names a template (a file of the stack, or a URL): a nested stack."""
    return type_name.endswith(TEMPLATE_SUFFIXES) or "://" in type_name


def plugin(type_name: str, resource_name: str = "") -> type[Resource]:
    """The plugin of a (mapped) type name; refused as Heat refuses an unknown type."""
    if is_template(type_name):
        from nimbus.orchestration.resources.nested import TemplateResource

        return TemplateResource
    found = types().get(type_name)
    if found is None:
        if resource_name:
            raise StackValidationFailed(
                f'The Resource Type ({type_name}) could not be found.',
                path=["resources", resource_name])
        raise EntityNotFound(entity="Resource Type", name=type_name)
    return found
