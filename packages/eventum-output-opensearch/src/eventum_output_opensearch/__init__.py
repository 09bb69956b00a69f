"""Eventum output plugin `opensearch`: events indexed into OpenSearch with the bulk API."""

from eventum_output_opensearch.__about__ import __version__
from eventum_output_opensearch.config import OpenSearchOutputConfig
from eventum_output_opensearch.plugin import OpenSearchOutput

__all__ = ["OpenSearchOutput", "OpenSearchOutputConfig", "__version__"]
