"""The network agent: makes one machine's data plane match the network service's model."""
