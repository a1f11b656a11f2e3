"""The linux network driver: bridges, taps, namespaces, dnsmasq and nftables."""

from nimbus.network.drivers.linux.driver import DRIVER

__all__ = ["DRIVER"]
