"""Eventum output plugin `file`: events appended to a file, safe with log rotation."""

from eventum_output_file.__about__ import __version__
from eventum_output_file.config import FileOutputConfig
from eventum_output_file.plugin import FileOutput

__all__ = ["FileOutput", "FileOutputConfig", "__version__"]
