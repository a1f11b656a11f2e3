"""The linux network driver: bridges, taps, namespaces, dnsmasq and nftables."""
