"""sentry-sdk's own logger for the data layer, which imports nothing of sentry-sdk."""

from __future__ import annotations

import logging

sdk_logger = logging.getLogger("sentry_sdk.errors")
"""``sentry_sdk.utils.logger`` (shown with ``debug=True``), looked up by its name."""

__all__ = ["sdk_logger"]
