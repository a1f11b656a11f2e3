"""The test guest image: built from Debian packages, booted by the qemu compute driver."""
