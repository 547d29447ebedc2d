"""ADAPTER: systems the hub calls out to (export/import blobs, other IoT hubs), over httpx.

Certificates are always verified; `FLEETHUB_IMPORT_CA_BUNDLE` adds a CA to trust, e.g. the
local CA of another fleethub a hub import reads from.
"""
