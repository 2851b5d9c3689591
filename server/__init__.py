"""tasksync: inbound task sync for small self-hosted teams."""

__version__ = "0.1.0"
