"""The extensions the compute API still lists at ``/extensions``.

Extensions stopped meaning anything when microversions came (2.1); Nova keeps answering with
the fixed list of what v2 had folded in, and clients still look names and aliases up in it.
"""

from __future__ import annotations

from typing import Any

_UPDATED = "2014-12-03T00:00:00Z"
_NAMESPACE = "http://docs.openstack.org/compute/ext/fake_xml"

# (alias, name, what it covered)
_KNOWN: tuple[tuple[str, str, str], ...] = (
    ("NMN", "Multinic", "Servers on more than one network."),
    ("OS-DCF", "DiskConfig", "Automatic or manual disk partitioning of servers."),
    ("OS-EXT-AZ", "ExtendedAvailabilityZone", "The availability zone in server views."),
    ("OS-EXT-IMG-SIZE", "ImageSize", "The size of images in image views."),
    ("OS-EXT-IPS", "ExtendedIps", "The type (fixed or floating) of each server address."),
    ("OS-EXT-IPS-MAC", "ExtendedIpsMac", "The MAC address of each server address."),
    ("OS-EXT-SRV-ATTR", "ExtendedServerAttributes", "Host and hypervisor details of servers."),
    ("OS-EXT-STS", "ExtendedStatus", "Task, VM and power states of servers."),
    ("OS-FLV-DISABLED", "FlavorDisabled", "Whether a flavor is disabled."),
    ("OS-FLV-EXT-DATA", "FlavorExtraData", "Ephemeral disk size of flavors."),
    ("OS-SCH-HNT", "SchedulerHints", "Scheduler hints when creating servers."),
    ("OS-SRV-USG", "ServerUsage", "Launch and termination times of servers."),
    ("os-access-ips", "AccessIPs", "IPv4 and IPv6 access addresses of servers."),
    ("os-admin-actions", "AdminActions", "Server actions for administrators: state resets "
     "and network injection."),
    ("os-admin-password", "AdminPassword", "Changing a server's administrator password."),
    ("os-agents", "Agents", "Guest agent builds."),
    ("os-aggregates", "Aggregates", "Host aggregates, for administrators."),
    ("os-assisted-volume-snapshots", "AssistedVolumeSnapshots",
     "Volume snapshots the hypervisor helps take."),
    ("os-attach-interfaces", "AttachInterfaces", "Attaching and detaching server ports."),
    ("os-availability-zone", "AvailabilityZone", "Availability zones: choosing one for a "
     "server and listing them."),
    ("os-baremetal-ext-status", "BareMetalExtStatus", "Extended status of bare-metal nodes."),
    ("os-baremetal-nodes", "BareMetalNodes", "Bare-metal nodes, for administrators."),
    ("os-block-device-mapping", "BlockDeviceMapping", "Booting with block device mappings."),
    ("os-block-device-mapping-v2-boot", "BlockDeviceMappingV2Boot",
     "Booting with the second block device mapping format."),
    ("os-cell-capacities", "CellCapacities", "The capacity of cells."),
    ("os-cells", "Cells", "Neighbour cells and the capabilities of this one."),
    ("os-certificates", "Certificates", "Certificates for servers."),
    ("os-cloudpipe", "Cloudpipe", "VPN servers for project networks."),
    ("os-cloudpipe-update", "CloudpipeUpdate", "Setting the VPN address and port of a "
     "project."),
    ("os-config-drive", "ConfigDrive", "Config drives for servers."),
    ("os-console-auth-tokens", "ConsoleAuthTokens", "Checking console tokens."),
    ("os-console-output", "ConsoleOutput", "A server's console log, or its last lines."),
    ("os-consoles", "Consoles", "Interactive consoles."),
    ("os-create-backup", "CreateBackup", "Rotating backups of a server."),
    ("os-create-server-ext", "Createserverext", "More options when creating servers."),
    ("os-deferred-delete", "DeferredDelete", "Restoring or force-deleting soft-deleted "
     "servers."),
    ("os-evacuate", "Evacuate", "Rebuilding servers of a failed host elsewhere."),
    ("os-extended-evacuate-find-host", "ExtendedEvacuateFindHost",
     "Evacuation to a host the scheduler picks."),
    ("os-extended-floating-ips", "ExtendedFloatingIps",
     "A fixed address to attach a floating IP to."),
    ("os-extended-hypervisors", "ExtendedHypervisors", "More details of hypervisors."),
    ("os-extended-networks", "ExtendedNetworks", "More details of networks."),
    ("os-extended-quotas", "ExtendedQuotas", "Deleting and forcing quotas."),
    ("os-extended-rescue-with-image", "ExtendedRescueWithImage",
     "Choosing the image a rescue boots."),
    ("os-extended-services", "ExtendedServices", "More details of services."),
    ("os-extended-services-delete", "ExtendedServicesDelete", "Deleting services."),
    ("os-extended-status", "ExtendedStatus", "Task, VM and power states of servers."),
    ("os-extended-volumes", "ExtendedVolumes", "The volumes attached to servers."),
    ("os-fixed-ips", "FixedIPs", "Fixed IP addresses."),
    ("os-flavor-access", "FlavorAccess", "Which projects may use private flavors."),
    ("os-flavor-extra-specs", "FlavorExtraSpecs", "Extra specs of flavors."),
    ("os-flavor-manage", "FlavorManage", "Creating and deleting flavors."),
    ("os-flavor-rxtx", "FlavorRxtx", "The RX/TX factor of flavors."),
    ("os-flavor-swap", "FlavorSwap", "The swap size of flavors."),
    ("os-floating-ip-dns", "FloatingIpDns", "DNS entries of floating IPs."),
    ("os-floating-ip-pools", "FloatingIpPools", "Floating IP pools."),
    ("os-floating-ips", "FloatingIps", "Floating IPs."),
    ("os-floating-ips-bulk", "FloatingIpsBulk", "Floating IPs in bulk."),
    ("os-fping", "Fping", "Pinging servers."),
    ("os-hide-server-addresses", "HideServerAddresses",
     "Hiding server addresses in some states."),
    ("os-hosts", "Hosts", "Compute hosts, for administrators."),
    ("os-hypervisor-status", "HypervisorStatus", "The status of hypervisors."),
    ("os-hypervisors", "Hypervisors", "Hypervisors, for administrators."),
    ("os-instance-actions", "InstanceActions", "The actions taken on a server and their "
     "events."),
    ("os-instance_usage_audit_log", "OSInstanceUsageAuditLog",
     "The usage audit log, for administrators."),
    ("os-keypairs", "Keypairs", "Keypairs."),
    ("os-lock-server", "LockServer", "Locking and unlocking servers."),
    ("os-migrate-server", "MigrateServer", "Cold and live migration of servers."),
    ("os-migrations", "Migrations", "Migrations in progress and past."),
    ("os-multiple-create", "MultipleCreate", "Creating several servers at once."),
    ("os-networks", "Networks", "Networks, for administrators."),
    ("os-networks-associate", "NetworkAssociationSupport",
     "Associating networks with hosts and projects."),
    ("os-pause-server", "PauseServer", "Pausing and unpausing servers."),
    ("os-personality", "Personality", "Files injected into servers."),
    ("os-preserve-ephemeral-rebuild", "PreserveEphemeralOnRebuild",
     "Keeping the ephemeral disk through a rebuild."),
    ("os-quota-class-sets", "QuotaClasses", "Quota classes."),
    ("os-quota-sets", "Quotas", "Quotas."),
    ("os-rescue", "Rescue", "Rescuing servers."),
    ("os-security-group-default-rules", "SecurityGroupDefaultRules",
     "Default rules of security groups."),
    ("os-security-groups", "SecurityGroups", "Security groups."),
    ("os-server-diagnostics", "ServerDiagnostics", "Server diagnostics, for administrators."),
    ("os-server-external-events", "ServerExternalEvents", "Events other services send about "
     "servers."),
    ("os-server-group-quotas", "ServerGroupQuotas", "Quotas of server groups."),
    ("os-server-groups", "ServerGroups", "Server groups."),
    ("os-server-list-multi-status", "ServerListMultiStatus",
     "Filtering servers by several states."),
    ("os-server-password", "ServerPassword", "Encrypted server passwords."),
    ("os-server-sort-keys", "ServerSortKeys", "Sorting server lists."),
    ("os-server-start-stop", "ServerStartStop", "Starting and stopping servers."),
    ("os-services", "Services", "Services."),
    ("os-shelve", "Shelve", "Shelving servers."),
    ("os-simple-tenant-usage", "SimpleTenantUsage", "Usage of projects."),
    ("os-suspend-server", "SuspendServer", "Suspending and resuming servers."),
    ("os-tenant-networks", "OSTenantNetworks", "The networks of a project."),
    ("os-used-limits", "UsedLimits", "How much of each limit is used."),
    ("os-used-limits-for-admin", "UsedLimitsForAdmin",
     "How much of each limit other projects use, for administrators."),
    ("os-user-data", "UserData", "User data for new servers."),
    ("os-user-quotas", "UserQuotas", "Quotas of users within projects."),
    ("os-virtual-interfaces", "VirtualInterfaces", "Virtual interfaces of servers."),
    ("os-volume-attachment-update", "VolumeAttachmentUpdate", "Updating volume attachments."),
    ("os-volumes", "Volumes", "Volumes."),
)

EXTENSIONS: list[dict[str, Any]] = [
    {"alias": alias, "name": name, "description": description, "links": [],
     "namespace": _NAMESPACE, "updated": _UPDATED}
    for alias, name, description in _KNOWN
]
BY_ALIAS = {ext["alias"]: ext for ext in EXTENSIONS}
