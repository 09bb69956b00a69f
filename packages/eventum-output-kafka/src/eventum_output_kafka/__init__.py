"""Eventum output plugin `kafka`: events produced to a Kafka topic through aiokafka."""

from eventum_output_kafka.__about__ import __version__
from eventum_output_kafka.config import KafkaOutputConfig
from eventum_output_kafka.plugin import KafkaOutput

__all__ = ["KafkaOutput", "KafkaOutputConfig", "__version__"]
