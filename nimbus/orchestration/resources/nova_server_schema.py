"""The properties and attributes of ``OS::Nova::Server``, apart from its behaviour
(``nova_server``)."""

from __future__ import annotations

from nimbus.orchestration.resources.neutron_port import Port
from nimbus.orchestration.resources.schema import (
    BOOLEAN,
    INTEGER,
    LIST,
    MAP,
    STRING,
    Attr,
    Prop,
)

FORMATS = ("HEAT_CFNTOOLS", "RAW", "SOFTWARE_CONFIG")
TRANSPORTS = ("POLL_SERVER_CFN", "POLL_SERVER_HEAT", "POLL_TEMP_URL", "ZAQAR_MESSAGE")
_DEVICE = ("A device name where the volume is attached in the system at /dev/device_name; "
           "typically vda.")
_DELETE = "Whether the volume is deleted when the server is terminated."

BDM = Prop(LIST, "Block device mappings for this server.", items=Prop(MAP, schema={
    "device_name": Prop(STRING, _DEVICE, required=True),
    "volume_id": Prop(STRING, "The ID of the volume to boot from. Give only one of volume_id "
                              "or snapshot_id.", custom="cinder.volume"),
    "snapshot_id": Prop(STRING, "The ID of the snapshot to make a volume from.",
                        custom="cinder.snapshot"),
    "volume_size": Prop(INTEGER, "The size of the volume, in GB. It may be left blank: the "
                                 "Compute service then infers the size."),
    "delete_on_termination": Prop(BOOLEAN, _DELETE),
}))

BDM_V2 = Prop(LIST, "Block device mappings v2 for this server.", items=Prop(MAP, schema={
    "device_name": Prop(STRING, _DEVICE),
    "volume_id": Prop(STRING, "The volume_id can be boot or non-boot device to the server.",
                      custom="cinder.volume"),
    "image_id": Prop(STRING, "The ID of the image to make a volume from.",
                     custom="glance.image"),
    "image": Prop(STRING, "The ID or name of the image to make a volume from.",
                  custom="glance.image"),
    "snapshot_id": Prop(STRING, "The ID of the snapshot to make a volume from.",
                        custom="cinder.snapshot"),
    "swap_size": Prop(INTEGER, "The size of the swap, in MB."),
    "device_type": Prop(STRING, "Device type: for now only disk and cdrom are told apart.",
                        allowed=("cdrom", "disk")),
    "disk_bus": Prop(STRING, "Bus of the device; the hypervisor driver picks a suitable one "
                             "when it is left out.",
                     allowed=("ide", "lame_bus", "sata", "scsi", "usb", "virtio")),
    "boot_index": Prop(INTEGER, 'Integer ordering the boot disks. Left out, it is "0" for '
                                'bootable sources (volume, snapshot, image) and "-1" for the '
                                "others."),
    "volume_size": Prop(INTEGER, "Size of the block device in GB; the hypervisor driver works "
                                 "it out when it is left out."),
    "delete_on_termination": Prop(BOOLEAN, _DELETE + ' Defaults to "False" for a volume, '
                                            'snapshot or image and to "True" for swap or '
                                            "ephemeral."),
    "ephemeral_size": Prop(INTEGER, "The size of the local ephemeral block device, in GB.",
                           range=(1, None)),
    "ephemeral_format": Prop(STRING, "The format of the local ephemeral block device; nova's "
                                     "configured default when it is not given.",
                             allowed=("ext2", "ext3", "ext4", "xfs", "ntfs")),
    "volume_type": Prop(STRING, "The type of volume made from an image, a snapshot or blank, "
                                "mapping to a Cinder backend (Nova API microversion 2.67 or "
                                "later).", custom="cinder.vtype"),
}))

NETWORKS = Prop(LIST, "An ordered list of nics added to this server, with what they connect "
                      "to: networks, fixed IPs, ports...", update_allowed=True,
                items=Prop(MAP, schema={
    "uuid": Prop(STRING, "ID of the network to make a port on.", custom="neutron.network"),
    "network": Prop(STRING, "Name or ID of the network to make a port on.",
                    custom="neutron.network"),
    "allocate_network": Prop(STRING, 'A special value of network: "auto" uses a network the '
                                     "project already has, or makes one for it; \"none\" gives "
                                     "the server no network. Taken by the Nova API from version "
                                     '"2.37", and not with any other network key.',
                             update_allowed=True, allowed=("none", "auto")),
    "fixed_ip": Prop(STRING, "Fixed IP address for the port made on the network.",
                     custom="ip_addr"),
    "port": Prop(STRING, "ID of an existing port to associate with this server.",
                 custom="neutron.port"),
    "port_extra_properties": Prop(MAP, "More properties of the port, used only when a port is "
                                       "made (port is not given).", update_allowed=True,
                                  schema=dict(Port.EXTRA)),
    "subnet": Prop(STRING, "Subnet to allocate the port's IP address in. A port is made with "
                           "it; when it is given, network may be left out."),
    "floating_ip": Prop(STRING, "ID of the floating IP to associate."),
    "tag": Prop(STRING, "Port tag. Nova cannot change it, so Heat ignores its updates."),
}))

PROPERTIES: dict[str, Prop] = {
    "name": Prop(STRING, "Server name.", update_allowed=True),
    "image": Prop(STRING, "The ID or name of the image to boot with.", update_allowed=True,
                  custom="glance.image"),
    "block_device_mapping": BDM,
    "block_device_mapping_v2": BDM_V2,
    "flavor": Prop(STRING, "The ID or name of the flavor to boot onto.", required=True,
                   update_allowed=True, custom="nova.flavor"),
    "flavor_update_policy": Prop(STRING, "How a flavor update is applied: by resizing the "
                                         "server or by replacing it.", default="RESIZE",
                                 update_allowed=True, allowed=("RESIZE", "REPLACE")),
    "image_update_policy": Prop(STRING, "How an image update is applied: by rebuilding the "
                                        "server or by replacing it.", default="REBUILD",
                                update_allowed=True,
                                allowed=("REBUILD", "REPLACE", "REBUILD_PRESERVE_EPHEMERAL")),
    "key_name": Prop(STRING, "Name of the keypair to inject into the server.",
                     custom="nova.keypair"),
    "admin_user": Prop(STRING, "Name of the administrative user of the server."),
    "availability_zone": Prop(STRING, "Name of the availability zone to place the server in."),
    "security_groups": Prop(LIST, "Names or IDs of security groups. Not with neutron ports of "
                                  "the server: give the ports their security groups instead.",
                            default=[]),
    "networks": NETWORKS,
    "scheduler_hints": Prop(MAP, "Key/value pairs the client gives to help place the server."),
    "metadata": Prop(MAP, "Key/value metadata stored with the server. Keys and values are 255 "
                          "characters at most; values that are not strings are serialised to "
                          "JSON (255 characters at most too).", default={},
                     update_allowed=True),
    "user_data_format": Prop(STRING, "How the user_data is given to the server: HEAT_CFNTOOLS "
                                     "bundles it in the heat-cfntools cloud-init data, RAW "
                                     "passes it to Nova unchanged, SOFTWARE_CONFIG bundles it "
                                     "with the software config data, with metadata from the "
                                     "SoftwareDeployment resources of the server.",
                             default="HEAT_CFNTOOLS", allowed=FORMATS),
    "software_config_transport": Prop(STRING, "How the server receives the metadata its "
                                              "software configuration needs: POLL_SERVER_CFN "
                                              "(the cfn API), POLL_SERVER_HEAT (the Heat API "
                                              "with keystone credentials), POLL_TEMP_URL (a "
                                              "Swift TempURL) or ZAQAR_MESSAGE (a zaqar "
                                              "queue).", default="POLL_SERVER_CFN",
                                      update_allowed=True, allowed=TRANSPORTS),
    "user_data_update_policy": Prop(STRING, "How a user_data update is applied: ignored, by "
                                            "replacing the server, or by rebuilding it.",
                                    default="REPLACE", update_allowed=True,
                                    allowed=("REPLACE", "IGNORE", "REBUILD")),
    "user_data": Prop(STRING, "User data script run by cloud-init or CoreOS ignition. A change "
                              "replaces the server unless user_data_update_policy says "
                              "otherwise.", default="", update_allowed=True),
    "reservation_id": Prop(STRING, "A UUID for the set of servers requested."),
    "config_drive": Prop(BOOLEAN, "If True, the server gets a config drive."),
    "diskConfig": Prop(STRING, "How the disk is partitioned when the server is made.",
                       allowed=("AUTO", "MANUAL")),
    "personality": Prop(MAP, "Files to make or overwrite on the server at boot: file names "
                             "and their contents. Not taken from Nova API microversion 2.57.",
                        default={}),
    "admin_pass": Prop(STRING, "The administrator password of the server.",
                       update_allowed=True),
    "tags": Prop(LIST, "Server tags (client version 2.26 and later).", update_allowed=True,
                 items=Prop(STRING)),
    "deployment_swift_data": Prop(MAP, 'Swift container and object ("container" and "object") '
                                       "that hold the deployment data of the server, with "
                                       "software_config_transport POLL_TEMP_URL.",
                                  default={}, update_allowed=True, schema={
        "container": Prop(STRING, "Name of the container.", length=(1, None)),
        "object": Prop(STRING, "Name of the object.", length=(1, None))}),
}

ATTRIBUTES: dict[str, Attr] = {
    "name": Attr("Name of the server.", STRING),
    "addresses": Attr("Every network address of the server, with its port ID and subnets, "
                      "under both the network's name and its ID: e.g. ``{get_attr: [<server>, "
                      "addresses, <network name_or_id>, 0, port]}``.", MAP),
    "networks": Attr('The assigned network addresses, as {"public": [ip1, ip2...], '
                     '"private": [ip3, ip4], "public_uuid": [ip1, ip2...], "private_uuid": '
                     "[ip3, ip4]}: each network under both its name and its ID.", MAP),
    "first_address": Attr("The first assigned network address, or an empty string when none "
                          "is assigned yet; which comes first is not predictable when the "
                          "server is on several networks."),
    "instance_name": Attr("AWS compatible instance name.", STRING),
    "accessIPv4": Attr("The manually assigned alternative public IPv4 address of the server.",
                       STRING),
    "accessIPv6": Attr("The manually assigned alternative public IPv6 address of the server.",
                       STRING),
    "console_urls": Attr("URLs of the server's consoles; one type is asked as a get_attr "
                         "argument, e.g. get_attr: [ <server>, console_urls, novnc ]. Types: "
                         "novnc, xvpvnc, spice-html5, rdp-html5, serial and webmks.", MAP),
    "tags": Attr("Tags of the server (client version 2.26 and later).", LIST),
    "os_collect_config": Attr("The os-collect-config configuration the server's agent uses "
                              "to reach Heat for deployment data.", MAP),
}
