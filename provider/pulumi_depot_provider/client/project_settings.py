"""What Depot documents about a project's settings (regions, the cache policy's units and defaults) and the
lengths this project assumes for names and other text, in one place for the resources and the local Depot API
to agree on."""

from __future__ import annotations

from typing import Literal, get_args

Region = Literal["us-east-1", "eu-central-1"]
REGIONS: tuple[str, ...] = get_args(Region)

INT32_MAX = 2**31 - 1  # keep_gb and keep_days are int32 on the wire
GIB = 1024**3  # CachePolicy's deprecated keep_bytes is keep_gb x GIB
# Depot's defaults for a project created without a cache policy (its CLI's).
DEFAULT_KEEP_GB = 50
DEFAULT_KEEP_DAYS = 14

# Not published by Depot: the limits the resources check and the local Depot API enforces.
MAX_NAME_LENGTH = 64  # a project's name
MAX_TEXT_LENGTH = 256  # ids, trust policy slugs, token descriptions
