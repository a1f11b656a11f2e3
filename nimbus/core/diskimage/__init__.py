"""Disk images: recognising formats, refusing unsafe ones, and converting with qemu-img.

Shared by the image service (uploads and imports) and compute (before a guest boots from an
image), so it lives in core rather than in either service.
"""
